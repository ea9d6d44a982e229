"""De-identification: every row of the spec's table, plus properties that must hold for any input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.deid.deidentifier import Deidentifier
from svcsheet.deid.pii import PiiHit, find_pii, is_valid_id_number, luhn_ok
from svcsheet.errors import PolicyError

KEY = b"test-key-not-secret"
FULLWIDTH = str.maketrans("0123456789-+ ", "０１２３４５６７８９－＋　")


# --- independent reference implementations used to build test inputs ------------------------------


def id_check(first17: str) -> str:
    weights = [
        2 ** (17 - i) % 11 for i in range(17)
    ]  # GB 11643: W_i = 2^(i-1) mod 11, counted from the right
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def make_id(region: str, born: dt.date, seq: str) -> str:
    body = region + born.strftime("%Y%m%d") + seq
    return body + id_check(body)


def luhn_complete(body: str) -> str:
    """Append the digit that makes body Luhn-valid."""
    for d in "0123456789":
        s = body + d
        total = 0
        for i, c in enumerate(reversed(s)):
            v = int(c) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return s
    raise AssertionError("unreachable")


def digit_runs(text: str) -> list[str]:
    return re.findall(r"\d+", text)  # \d also matches full-width digits


VALID_ID = make_id("110105", dt.date(1949, 12, 31), "002")  # ends in X
assert VALID_ID.endswith("X")
# 18 digits that fail the ID check but pass Luhn: a bank card.
CARD_18 = next(
    c for c in (luhn_complete(f"62148301234567{i:03d}") for i in range(200)) if not is_valid_id_number(c)
)
NOT_ANYTHING_18 = next(
    s for s in (f"62148301234567{i:04d}" for i in range(100)) if not luhn_ok(s) and not is_valid_id_number(s)
)
UNIONPAY_19 = luhn_complete("621700123456789012")
CARD_16 = luhn_complete("622202123456789")
CARD_16_SPACED = " ".join(CARD_16[i : i + 4] for i in range(0, 16, 4))


@pytest.fixture
def deid() -> Deidentifier:
    return Deidentifier(KEY)


# --- checks ---------------------------------------------------------------------------------------


def test_reference_id_is_valid_and_altered_ones_are_not() -> None:
    assert is_valid_id_number(VALID_ID)
    assert is_valid_id_number(VALID_ID.lower())
    assert not is_valid_id_number(VALID_ID[:-1] + "1")  # wrong check digit
    assert not is_valid_id_number(make_id("110105", dt.date(1990, 1, 1), "123")[:10] + "0230" + "1231")
    future = dt.date.today().year + 1
    assert not is_valid_id_number(make_id("110105", dt.date(future, 1, 1), "123"))
    assert is_valid_id_number("110105491231002")  # 15-digit, born 1949-12-31
    assert not is_valid_id_number("110105491331002")  # month 13


def test_luhn() -> None:
    assert luhn_ok(UNIONPAY_19) and luhn_ok(CARD_16_SPACED)
    assert not luhn_ok(UNIONPAY_19[:-1] + str((int(UNIONPAY_19[-1]) + 1) % 10))


# --- detection table ------------------------------------------------------------------------------

DETECT = [
    ("电话13812345678请回电", "mobile", "13812345678"),
    ("客户手机+86 138 1234 5678。", "mobile", "+86 138 1234 5678"),
    ("手机138-1234-5678", "mobile", "138-1234-5678"),
    ("电话１３８１２３４５６７８请回电", "mobile", "１３８１２３４５６７８"),
    ("座机010-12345678转总机", "landline", "010-12345678"),
    ("座机0755-1234567", "landline", "0755-1234567"),
    ("座机（021）87654321", "landline", "（021）87654321"),
    (f"身份证{VALID_ID}已登记", "id_number", VALID_ID),
    ("老身份证110105491231002", "id_number", "110105491231002"),
    (f"号码{CARD_18}", "bank_card", CARD_18),
    (f"银联卡{UNIONPAY_19}退款", "bank_card", UNIONPAY_19),
    (f"卡号{CARD_16_SPACED}", "bank_card", CARD_16_SPACED),
    ("邮箱zhang.wei@example.com联系", "email", "zhang.wei@example.com"),
    ("护照号码：E12345678", "passport", "E12345678"),
    ("上门地址北京市朝阳区建国路88号3单元501，请准时", "address", "北京市朝阳区建国路88号3单元501"),
]


@pytest.mark.parametrize(("text", "kind", "found"), DETECT)
def test_find_pii_finds_each_kind_at_its_place(text: str, kind: str, found: str) -> None:
    hits = find_pii(text)
    assert [(h.kind, h.text) for h in hits] == [(kind, found)]
    assert text[hits[0].start : hits[0].end] == found


@pytest.mark.parametrize(
    "text",
    [
        "客服热线400-123-4567",
        "投诉请拨800-810-8888",
        f"编号{NOT_ANYTHING_18}",  # fails the ID check and Luhn
        "型号E12345678",  # a passport shape without a passport label
        "已脱敏138****5678",
        "2023-10-01 09:30 客户来电，问题编号20231001001",
        "北京市朝阳区",  # a city alone is not a detailed address
    ],
)
def test_find_pii_ignores_non_personal_numbers(text: str) -> None:
    assert find_pii(text) == []


def test_hits_are_ordered_and_do_not_overlap() -> None:
    text = f"张伟13812345678，身份证{VALID_ID}，卡{UNIONPAY_19}，座机010-12345678"
    hits = find_pii(text)
    assert [h.kind for h in hits] == ["mobile", "id_number", "bank_card", "landline"]
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:], strict=False))
    assert isinstance(hits[0], PiiHit)


# --- names ----------------------------------------------------------------------------------------

PERSON = [
    ("张伟", None, False, "张**"),
    ("张伟", "先生", False, "张先生"),
    ("李娜", "女", False, "李女士"),
    ("欧阳娜娜", None, False, "欧阳**"),
    ("司马光", None, False, "司马**"),
    ("诸葛亮", "先生", False, "诸葛先生"),
    ("张伟先生", None, False, "张先生"),
    ("张先生", None, False, "张先生"),
    ("李女士", None, False, "李女士"),
    ("*先生", None, False, "*先生"),
    ("张**", None, False, "张**"),
    ("欧阳先生", None, False, "欧阳先生"),
    ("A公司", None, True, "A公司"),
    ("深圳某某科技有限公司", None, True, "深圳某某科技有限公司"),
    ("A公司/*先生", None, False, "A公司/*先生"),
    ("A公司/张伟", None, False, "A公司/张**"),
    ("人民医院", None, True, "人民医院"),
]


@pytest.mark.parametrize(("name", "honorific", "company_ok", "expected"), PERSON)
def test_person(
    deid: Deidentifier, name: str, honorific: str | None, company_ok: bool, expected: str
) -> None:
    assert deid.person(name, honorific, company_ok=company_ok) == expected


def test_person_policy_honorific_and_company_setting() -> None:
    d = Deidentifier(KEY, {"honorific_by_name": {"王芳": "女士"}, "keep_company_names": False})
    assert d.person("王芳") == "王女士"
    assert d.person("王强") == "王**"
    masked = d.person("深圳某某科技有限公司", company_ok=True)
    assert "某某" not in masked and masked.endswith("公司")


def test_person_without_company_flag_masks_a_company_like_name(deid: Deidentifier) -> None:
    assert deid.person("张三店", company_ok=False) == "张**"


def test_settings_may_be_a_section_object() -> None:
    @dataclasses.dataclass(frozen=True)
    class Section:
        honorific_by_name: dict
        address_level: str

    d = Deidentifier(KEY, Section({"王芳": "女士"}, "district"))
    assert d.person("王芳") == "王女士"
    assert d.free_text("寄到北京市朝阳区建国路88号")[0] == "寄到北京市朝阳区"


def test_mask_char_setting() -> None:
    d = Deidentifier(KEY, {"mask_char": "#"})
    assert d.person("张伟") == "张##"
    assert d.phone("13812345678") == "138####5678"


@pytest.mark.parametrize("bad", [{"address_level": "street"}, {"mask_char": "ab"}, {"mask_char": "1"}])
def test_bad_settings_raise_policy_error(bad: dict) -> None:
    with pytest.raises(PolicyError):
        Deidentifier(KEY, bad)


# --- phones ---------------------------------------------------------------------------------------

PHONES = [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("010-12345678", "010-****5678"),
    ("0755-1234567", "0755-****4567"),
    ("400-123-4567", "400-123-4567"),
    ("800-810-8888", "800-810-8888"),
    ("138****5678", "138****5678"),
    ("1393456", "****3456"),
    ("5678", "5678"),
    ("手机13812345678/座机010-12345678", "手机138****5678/座机010-****5678"),
]


@pytest.mark.parametrize(("raw", "expected"), PHONES)
def test_phone(deid: Deidentifier, raw: str, expected: str) -> None:
    assert deid.phone(raw) == expected


def test_none_passes_through(deid: Deidentifier) -> None:
    assert deid.phone(None) is None and deid.person(None) is None and deid.staff(None) is None
    assert deid.free_text(None) == (None, [])
    assert deid.customer_key(None, None) is None


# --- staff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["*工号001", "工号001", "*客服", "*经理", "*工程师", "王经理"])
def test_staff_numbers_and_titles_are_kept(deid: Deidentifier, typed: str) -> None:
    assert deid.staff(typed) == typed


def test_staff_cell_holding_a_phone_is_masked_not_kept(deid: Deidentifier) -> None:
    assert deid.staff("13812345678") == "138****5678"
    assert deid.staff("001") == "001"


def test_staff_pseudonym_is_stable_and_distinct(deid: Deidentifier) -> None:
    a = deid.staff("张伟")
    assert re.fullmatch(r"员工-[a-z2-7]{4}", a)
    assert deid.staff("张伟") == a == Deidentifier(KEY).staff(" 张伟 ")
    assert deid.staff("李娜") != a
    assert Deidentifier(b"another key").staff("张伟") != a
    assert deid.staff("张伟、李娜") == f"{a}、{deid.staff('李娜')}"


# --- customer key ---------------------------------------------------------------------------------


def test_customer_key_normalises_the_phone(deid: Deidentifier) -> None:
    k = deid.customer_key("13812345678")
    assert re.fullmatch(r"[a-z2-7]{16}", k)
    for same in ("138-1234-5678", "+86 138 1234 5678", "１３８１２３４５６７８", " 13812345678 "):
        assert deid.customer_key(same) == k
    assert deid.customer_key("13812345679") != k
    assert deid.customer_key("138****5678") == deid.customer_key("138 **** 5678") != k


def test_customer_key_falls_back_to_customer_id(deid: Deidentifier) -> None:
    by_id = deid.customer_key(None, "VIP20230001")
    assert by_id is not None and by_id == deid.customer_key("", "vip20230001")
    assert deid.customer_key("400-123-4567", "VIP20230001") == by_id  # a service line is nobody's identity
    assert deid.customer_key(None, "——") is None
    assert deid.customer_key("13812345678", "VIP20230001") != by_id


def test_customer_key_depends_on_key_and_is_stable_across_processes(deid: Deidentifier) -> None:
    assert Deidentifier(b"other").customer_key("13812345678") != deid.customer_key("13812345678")
    code = f"from svcsheet.deid.deidentifier import Deidentifier;print(Deidentifier({KEY!r}).customer_key('13812345678'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == deid.customer_key("13812345678")


def test_key_is_not_shown(deid: Deidentifier) -> None:
    assert KEY.decode() not in repr(deid)


# --- free text ------------------------------------------------------------------------------------


def test_free_text_masks_each_kind(deid: Deidentifier) -> None:
    text = (
        f"张伟先生来电13812345678，座机010-12345678，身份证{VALID_ID}，退款卡{UNIONPAY_19}，"
        "邮箱zhang.wei@example.com，上门地址北京市朝阳区建国路88号3单元501。"
    )
    out, kinds = deid.free_text(text, ["张伟"])
    assert out == (
        f"张先生来电138****5678，座机010-****5678，身份证[已删除]，退款卡{UNIONPAY_19[:4]}****{UNIONPAY_19[-4:]}，"
        "邮箱z***@example.com，上门地址北京市。"
    )
    assert set(kinds) == {"mobile", "landline", "id_number", "bank_card", "email", "address"}


def test_free_text_replaces_given_names(deid: Deidentifier) -> None:
    out, kinds = deid.free_text(
        "欧阳娜娜反映张伟上门迟到，A公司已致歉", ["欧阳娜娜", "*工号001", "A公司/张伟"]
    )
    assert out == "欧阳**反映张**上门迟到，A公司已致歉"
    assert kinds == []


def test_free_text_names_may_map_to_pseudonyms(deid: Deidentifier) -> None:
    out, _ = deid.free_text("由张伟处理", {"张伟": deid.staff("张伟")})
    assert out == f"由{deid.staff('张伟')}处理"


@pytest.mark.parametrize(
    ("level", "expected"),
    [("province", "广东省"), ("city", "广东省广州市"), ("district", "广东省广州市天河区")],
)
def test_address_cut_to_level(level: str, expected: str) -> None:
    d = Deidentifier(KEY, {"address_level": level})
    out, kinds = d.free_text("寄到广东省广州市天河区体育西路103号维多利广场B座1203室，谢谢")
    assert out == f"寄到{expected}，谢谢" and kinds == ["address"]


def test_address_without_admin_part_is_replaced(deid: Deidentifier) -> None:
    assert deid.free_text("上门到阳光小区3栋2单元501")[0] == "上门到[地址]"


def test_dates_and_ticket_numbers_survive(deid: Deidentifier) -> None:
    text = "2023-10-01 09:30 受理，工单FW202405200001，问题编号20231001001，型号B001，客服热线400-123-4567"
    assert deid.free_text(text) == (text, [])


# --- properties -----------------------------------------------------------------------------------

CJK = st.text(
    alphabet=st.sampled_from(
        list("的一是在不了有和人这中大为上个我以要他时来用们生到作地于出就分对成会可主发年动同")
        + list(
            "工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体"
        )
        + list("，。：、 ")
    ),
    max_size=12,
)


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    style = draw(st.sampled_from(["plain", "dash", "space", "cc", "full"]))
    shown = {
        "plain": digits,
        "dash": f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        "space": f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        "cc": f"+86 {digits}",
        "full": digits.translate(FULLWIDTH),
    }[style]
    return digits, shown


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    region = draw(st.sampled_from(["110105", "310115", "440305", "510107", "650102"]))
    born = draw(st.dates(dt.date(1920, 1, 1), dt.date(2015, 12, 31)))
    number = make_id(region, born, draw(st.text("0123456789", min_size=3, max_size=3)))
    return number, number.translate(FULLWIDTH) if draw(st.booleans()) else number


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    length = draw(st.integers(16, 19))
    body = draw(st.sampled_from(["62", "4", "5"]))
    body += draw(st.text("0123456789", min_size=length - 1 - len(body), max_size=length - 1 - len(body)))
    number = luhn_complete(body)
    if length == 16 and draw(st.booleans()):
        return number, " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number, number


def _assert_gone(deid: Deidentifier, before: str, shown: str, after: str, kind: str) -> None:
    out, kinds = deid.free_text(before + shown + after)
    assert kinds, "nothing was found"
    runs = digit_runs(out)
    assert all(len(r) <= 4 for r in runs), out  # at most the 3 + 4 (or 4 + 4) digits a mask keeps
    assert out.startswith(before) and out.endswith(after)
    assert kind not in {h.kind for h in find_pii(out)}


@settings(max_examples=150, deadline=None)
@given(before=CJK, after=CJK, mobile=mobiles())
def test_property_mobile_masked_anywhere(before: str, after: str, mobile: tuple[str, str]) -> None:
    _assert_gone(Deidentifier(KEY), before, mobile[1], after, "mobile")


@settings(max_examples=150, deadline=None)
@given(before=CJK, after=CJK, id_number=id_numbers())
def test_property_id_removed_anywhere(before: str, after: str, id_number: tuple[str, str]) -> None:
    d = Deidentifier(KEY)
    _assert_gone(d, before, id_number[1], after, "id_number")
    out, kinds = d.free_text(before + id_number[1] + after)
    assert out == before + "[已删除]" + after and kinds == ["id_number"]


@settings(max_examples=150, deadline=None)
@given(before=CJK, after=CJK, card=cards())
def test_property_card_masked_anywhere(before: str, after: str, card: tuple[str, str]) -> None:
    _assert_gone(Deidentifier(KEY), before, card[1], after, "bank_card")


PIECES = st.one_of(
    CJK,
    mobiles().map(lambda m: m[1]),
    id_numbers().map(lambda m: m[1]),
    cards().map(lambda m: m[1]),
    st.sampled_from(
        [
            "010-12345678",
            "400-123-4567",
            "zhang.wei@example.com",
            "北京市朝阳区建国路88号3单元501",
            "张伟先生",
            "欧阳娜娜",
            "护照E12345678",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(PIECES, max_size=6))
def test_property_masking_is_idempotent(pieces: list[str]) -> None:
    d = Deidentifier(KEY)
    names = ["张伟", "欧阳娜娜"]
    once, _ = d.free_text("".join(pieces), names)
    twice, kinds = d.free_text(once, names)
    assert twice == once and kinds == []
    for piece in pieces:
        assert d.phone(d.phone(piece)) == d.phone(piece)
        assert d.person(d.person(piece)) == d.person(piece)


@settings(max_examples=500, deadline=None)
@given(phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), key=st.binary(min_size=1, max_size=40))
def test_a_customers_key_is_the_one_earlier_versions_kept_in_the_history_store(phone, key):
    """The window counts a customer across runs by this key: it must not change when the code gets faster
    (the keyed hash of the mobile as found in the text, in lower-case base32, 16 characters)."""
    import base64
    import hashlib
    import hmac

    from svcsheet.deid.pii import find_pii

    (hit,) = find_pii(phone)
    digest = hmac.new(key, ("phone:" + hit.text).encode("utf-8"), hashlib.sha256).digest()
    assert Deidentifier(key).customer_key(phone) == base64.b32encode(digest).decode("ascii")[:16].lower()
