"""De-identification's memos and short cuts give the masks of the plain path (issue 12): a free text masked once
per text and names is masked as each time, with the names of its own row, whatever was masked before; the caches
stay bounded and change no answer; each number detector, skipped when a text has too few digits for it, finds the
same; a contact number is masked as the personal-data detectors mask it, a plain mobile included."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.deid.deidentifier import Deidentifier, split_name
from svcsheet.deid.pii import digits_of, strip_bidi

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def _redacted(monkeypatch, memo: bool):
    from svcsheet.deid import redact
    from svcsheet.pipeline import RunOptions, run

    if not memo:
        monkeypatch.setattr(redact, "_TEXT_MEMO_LIMIT", -1)
    result = run(RunOptions(inputs=[SAMPLES], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    return [
        (r.customer_key, dict(r.safe.items()), [(f.code, f.field, f.message, f.value) for f in r.safe_findings])
        for r in result.rows
    ]


def test_free_text_masked_once_per_text_and_names_is_masked_as_each_time(monkeypatch) -> None:
    with_memo = _redacted(monkeypatch, True)
    assert with_memo == _redacted(monkeypatch, False)
    assert any(f[0] == "pii_masked" for _k, _s, fs in with_memo for f in fs)


_ONE_RUN: dict = {}


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("张伟李娜王芳 13812345678@q.com先生，"), max_size=40),
    st.lists(st.sampled_from(["张伟", "李娜", "王芳", "伟李"]), max_size=3),
)
def test_a_text_is_masked_with_the_names_of_its_own_row(text, own) -> None:
    """One memo across rows (as in a run): a text met again with other names is masked with those names."""
    from svcsheet.deid.deidentifier import Deidentifier
    from svcsheet.deid.redact import NameIndex, _RowNames, _with_run_names

    if not _ONE_RUN:
        _ONE_RUN["deid"] = Deidentifier(b"k")
        _ONE_RUN["names"] = NameIndex(["王芳", "张伟李"])
    deid, names = _ONE_RUN["deid"], _ONE_RUN["names"]
    masked, kinds = _RowNames(own, deid, names).free_text(text)
    want, want_kinds = deid.free_text(text, _with_run_names(own, text, names))
    assert (masked, kinds) == (want or "", tuple(want_kinds))


def _deid() -> Deidentifier:
    return Deidentifier(b"test-key-not-secret")


_TEXT_PIECES = st.sampled_from(
    [
        "张伟",
        "王芳女士",
        "李",
        "客户",
        "13812345678",
        "说",
        "我是张三",
        "打来",
        "，",
        " ",
        "\u202e",
        "北京市朝阳区建国路88号",
        "无",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_TEXT_PIECES, max_size=6).map("".join),
    st.lists(st.sampled_from(["张伟", "王芳女士", "欧阳娜娜", "华强电子公司/阿依古丽"]), max_size=2),
    st.booleans(),
)
def test_free_text_same_whatever_was_masked_before(text: str, names: list[str], without_first: bool) -> None:
    """A text masked with a row's names: the same masks and kinds whether or not the text was masked before
    (with no names, or with these), and without names the same as with names it does not hold."""
    fresh = _deid().free_text(text, names, memo=False)
    deid = _deid()
    if without_first:
        deid.free_text(text, ())
    first = deid.free_text(text, names, memo=False)
    again = deid.free_text(text, names)
    assert first == fresh and again == fresh
    assert deid.free_text(text, ()) == _deid().free_text(text, ())
    if not any(part in strip_bidi(text) for name in names for part in split_name(name)):
        assert fresh == _deid().free_text(text, ())


def test_de_identification_caches_are_bounded_and_change_no_answer(monkeypatch):
    """A large run has hundreds of thousands of distinct texts and customers: the caches stay bounded."""
    from svcsheet.deid import deidentifier as deid_module
    from svcsheet.deid.deidentifier import Deidentifier

    monkeypatch.setattr(deid_module, "_MEMO_MAX", 10)
    monkeypatch.setattr(deid_module, "_CUSTOMERS_MAX", 10)
    bounded, fresh = Deidentifier(b"k"), Deidentifier(b"k")
    for i in range(60):
        text, phone = f"客户张伟来电 1380013{i:04d}，第{i}次", f"1390013{i % 25:04d}"
        assert bounded.free_text(text, ["张伟"]) == Deidentifier(b"k").free_text(text, ["张伟"])
        assert bounded.customer_key(phone) == fresh.customer_key(phone)
        assert len(bounded._memo) <= 10 and len(bounded._customers) <= 10
    assert bounded.customer_key("13900130001") == bounded.customer_key("13900130001") != bounded.customer_key(None, "C1")


_PII_PIECES = st.sampled_from(
    [
        "13812345678", "138 1234 5678", "+86 139-1234-5678", "0086", "010-12345678", "（021）87654321", "0755-1234567",
        "02112345678", "110105491231002", "11010519491231002X", "6222021234567890123", "4111 1111 1111 1111",
        "护照", "E12345678", "EA1234567", "zhang.wei@example.com", "@", "北京市朝阳区建国路88号3单元501", "小区3栋",
        "故障码E3", "12", "7", "1", "０１２３４５６７８９", "٣", " ", "-", "，", "张伟", "x",
    ]
)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.lists(_PII_PIECES, max_size=8).map("".join))
def test_detectors_skipped_by_digit_count_find_the_same(text: str) -> None:
    """Personal data found in a text when each number detector runs only on texts with its fewest digits: the
    same hits as running every number detector on any text with 7 digits (round 9)."""
    from svcsheet.deid import pii

    every = dict.fromkeys(pii._NUMBER_DETECTORS, 7)
    before = pii._NUMBER_DETECTORS
    try:
        pii._NUMBER_DETECTORS = every
        want = pii._find_pii(text)
    finally:
        pii._NUMBER_DETECTORS = before
    assert pii._find_pii(text) == want


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.from_regex(r"1[0-9]{10}", fullmatch=True),
        st.lists(
            st.sampled_from(["1", "2", "3", "5", "8", "0", "9", "１", " ", "-", "+86", "\u202e", "@", "a"]),
            max_size=13,
        ).map("".join),
    )
)
def test_phone_masks_as_the_detectors_do(text: str) -> None:
    """A contact number masked as the personal-data detectors mask it, a plain mobile included (138****5678)."""
    from svcsheet.deid.pii import find_pii, is_service_line

    deid = _deid()
    t = strip_bidi(text).strip()
    hits = [h for h in find_pii(t) if h.kind != "address"]
    if hits:
        want = deid._replace(t, hits)
    elif is_service_line(t) or deid._masked(t):
        want = t
    else:
        d = digits_of(t)
        want = "****" + d[-4:] if len(d) >= 7 else t
    assert deid.phone(text) == want
