"""Round 10, perfworker9: the pool workers' per-file CPU. Each cut must leave what a user sees unchanged."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcsheet.deid.deidentifier import Deidentifier, split_name
from svcsheet.deid.pii import digits_of, strip_bidi
from svcsheet.forms import label_base, load_forms, normalize_label
from svcsheet.outputs import xlsx_patch
from svcsheet.reading.reader import LabelIndex

FORMS = load_forms()
LABELS = sorted({t for form in FORMS.values() for f in form.fields for t in f.all_labels()})


def _match_full_before(idx: LabelIndex, text: str) -> tuple[str, bool] | None:
    """The label match as round 9 wrote it: the text normalised twice (once more inside label_base)."""
    n = normalize_label(text)
    if not n or len(n) > 40:
        return None
    if n in idx.exact:
        return idx.exact[n], True
    base = label_base(text).strip("*★☆:")
    if base in idx.exact:
        return idx.exact[base], False
    if base in idx.base:
        return idx.base[base], False
    return None


# what agents type around a label: required marks, full-width brackets and colons, notes, spaces
_PIECES = st.sampled_from(
    ["*", "★", "：", ":", " ", "\u3000", "（", "）", "(", ")", "【", "】", "[", "]", "必填", "1-5", "Ａ"]
)
_TEXTS = st.lists(st.one_of(st.sampled_from(LABELS), _PIECES, st.text(max_size=3)), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXTS, form=st.sampled_from(sorted(FORMS)))
# the mark before the note: stripped once the note goes
@example(text="服务单号★（必填）", form="service_feedback")
def test_label_match_same_as_normalising_twice(text: str, form: str) -> None:
    idx = LabelIndex(FORMS[form])
    assert idx.match_full(text) == _match_full_before(idx, text)


def test_label_match_finds_labels_with_notes_and_marks() -> None:
    """A header typed with a required mark, full-width brackets and a note still names its field."""
    form = FORMS["service_feedback"]
    idx = LabelIndex(form)
    field = form.fields[0]
    assert idx.match_full(f"*{field.label}：") == (field.key, True)
    hit = idx.match_full(f"{field.label}（备注说明）")
    assert hit is not None and hit[0] == field.key


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="+0086 -.()（）\u2010\u201513901234567", max_size=20))
def test_phone_compaction_same_as_string_patterns(text: str) -> None:
    from svcsheet.checking.values import _compact_phone

    s = re.sub(r"^(?:\+|00)?86(?=[\s\-]?1[3-9]|[\s\-]?[48]00)", "", text)
    s = re.sub(r"^\+86", "", s)
    s = re.sub(r"\((0\d{2,3})\)", r"\1", s)
    assert _compact_phone(text) == re.sub(r"[\s\-.\u2010-\u2015]", "", s)


# --- returns/: a flagged row's cells found in two steps, its wanted columns walked once

_CELL_PIECES = st.sampled_from(
    [
        '<c r="A1">', '<c r="B1" s="3">', "<c>", '<c r="C1"/>', "<c/>", '<x:c r="D1">', "</c>", "</x:c>",
        "</cx>", "<cx>", "<v>1</v>", "<is><t>x</t></is>", "text", ">", "<", "/", "c>", "</", '<c r="E1" a="x/y">',
        "<col>", '<c r="$F$1">', " ", "\n",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(_CELL_PIECES, max_size=25))
def test_cells_are_the_matches_of_the_cell_pattern(pieces: list[str]) -> None:
    """returns/ finds a patched row's cells in two steps: the same cells, opening tags and spans as the one
    pattern."""
    body = "".join(pieces)
    want = [
        (m.start(), m.start() + m.group(0).index(">") + 1, m.end()) for m in xlsx_patch._CELL.finditer(body)
    ]
    assert list(xlsx_patch._cells(body)) == want


def _patch_row_before(rm, row, cols, new_style, col_styles):
    """xlsx_patch._patch_row as round 9 wrote it (every wanted column sorted again at every cell of the row)."""
    whole = rm.group(0)
    p = rm.group(1)
    open_end = whole.index(">") + 1
    open_tag = whole[:open_end]
    row_style = xlsx_patch._row_style(open_tag)
    if whole.endswith("/>") and rm.group(3) is None:
        body, closing = "", f"</{p}row>"
        open_tag = open_tag[:-2].rstrip() + ">"
    else:
        body = rm.group(3) or ""
        closing = whole[open_end + len(body) :]
    base_style, new_cell = xlsx_patch._base_style, xlsx_patch._new_cell
    out, pos, implicit = [], 0, 0
    for cm in xlsx_patch._CELL.finditer(body):
        tag_end = cm.group(0).index(">") + 1
        tag = cm.group(0)[:tag_end]
        ref = xlsx_patch._attr(tag, "r")
        col = xlsx_patch._split_ref(ref)[1] if ref else implicit + 1
        implicit = col
        for missing in sorted(k for k in cols if k < col):
            out.append(body[pos : cm.start()])
            pos = cm.start()
            out.append(
                new_cell(
                    p, row, missing, new_style(base_style(missing, row_style, col_styles), cols.pop(missing))
                )
            )
        if col not in cols:
            continue
        s = xlsx_patch._attr(tag, "s")
        base = int(s) if s and s.isdigit() else base_style(col, row_style, col_styles)
        style = new_style(base, cols.pop(col))
        out.append(body[pos : cm.start()])
        out.append(xlsx_patch._set_attr(tag, "s", str(style)) + cm.group(0)[tag_end:])
        pos = cm.end()
    out.append(body[pos:])
    for missing in sorted(cols):
        out.append(
            new_cell(p, row, missing, new_style(base_style(missing, row_style, col_styles), cols[missing]))
        )
    return open_tag + "".join(out) + closing


_CELL_TAGS = st.sampled_from(
    ['<c r="{ref}">', "<c>", '<c r="{ref}" s="5">', '<c r="{ref}"/>', "<c/>", '<x:c r="{ref}">']
)
_ROW_OPENS = st.sampled_from(['<row r="4">', '<row r="4" s="2" customFormat="1">', '<row r="4"/>', "<x:row>"])


@settings(max_examples=600, deadline=None)
@given(
    _ROW_OPENS,
    st.lists(st.tuples(_CELL_TAGS, st.integers(1, 8)), max_size=8),
    st.dictionaries(st.integers(1, 9), st.sampled_from(["FFC7CE", "FFEB9C"]), min_size=1),
)
def test_patched_row_as_before(open_tag: str, cells: list, cols: dict) -> None:
    """A flagged row whose cells come in any order, with or without references: the cells it restyles and
    the ones it creates (and where) are those the former pass made."""
    body = []
    for tag, c in cells:
        t = tag.format(ref=f"{'ABCDEFGH'[c - 1]}4")
        close = "</x:c>" if t.startswith("<x:") else "</c>"
        body.append(t if t.endswith("/>") else f"{t}<v>{c}</v>{close}")
    prefix = "x:" if open_tag.startswith("<x:") else ""
    data = open_tag if open_tag.endswith("/>") else f"{open_tag}{''.join(body)}</{prefix}row>"
    (rm,) = list(xlsx_patch._rows(data))
    style = lambda s, fill: s * 100 + len(fill)  # noqa: E731
    want = _patch_row_before(rm, 4, dict(cols), style, {2: 7})
    assert xlsx_patch._patch_row(rm, 4, dict(cols), style, {2: 7}) == want


# --- de-identification: each number detector skipped when the text has too few digits for it; a plainly
# typed mobile masked without the detectors; a text without the given names masked once


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


def _deid() -> Deidentifier:
    return Deidentifier(b"test-key-not-secret")


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


# --- reading: a plain row's footer test from its field values when all its cells are in the table's columns

_ROW_VALUES = st.sampled_from(
    [None, None, "FB202611200001", "张伟", "填表人：王芳", "审核：李", "合计", "13812345678", "备注：无", 3, 2.5,
     "服务单号", "客户姓名", "x"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.permutations(range(8)),
    st.lists(
        st.tuples(st.lists(_ROW_VALUES, min_size=8, max_size=8), st.sampled_from([None, "合计：3", 7])),
        max_size=6,
    ),
)
def test_plain_rows_are_what_the_cell_by_cell_reading_makes(columns: list[int], rows: list) -> None:
    """A list sheet's rows read a row at a time (the table's columns in any order, a cell outside the table or
    not, footers and repeated labels among them): each is data, or not, and holds the values, exactly as the
    cell-by-cell reading of that row says."""
    from svcsheet.reading import reader
    from svcsheet.reading.grid import Grid

    form = FORMS["service_feedback"]
    fields = form.fields[:8]
    grid = Grid(name="表1")
    for f, c in zip(fields, columns, strict=True):
        grid.values[(1, c + 1)] = f.label
    for r, (values, outside) in enumerate(rows, start=2):
        for c, v in zip(columns, values, strict=True):
            if v is not None:
                grid.values[(r, c + 1)] = v
        if outside is not None:
            grid.values[(r, 12)] = outside
    match = reader._best_list(grid, {form.key: form}, form.key)
    assert match is not None
    plain = reader._plain_rows(grid, match, "f.xlsx")
    keys = set(match.columns.values())
    for r, row in plain.items():
        out = reader.WorkbookRead(file="f.xlsx")
        count = reader._list_row(grid, match, out, r, keys)
        assert count == (row is not None)
        if row is not None:
            assert {k: c.raw for k, c in row.cells.items()} == {
                k: c.raw for k, c in out.rows[0].cells.items()
            }


# --- validation: only a text holding 例 or U+F9B5 can mark an example row


def test_only_li_and_its_twin_normalise_to_li() -> None:
    """The example-row check looks only at texts holding 例 or U+F9B5: no other character's NFKC holds 例 (so no
    text without them can say 示例/样例/范例 once normalised)."""
    import sys
    import unicodedata

    from svcsheet.checking import validate

    found = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and "例" in unicodedata.normalize("NFKD", chr(c))
    }
    assert found == {validate._LI, validate._LI_TWIN}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["示例", "樣例", "样\uf9b5", "范例", "此行", "请删除", "（", "】", " ", "张伟", "例", "示", 7]
        ),
        min_size=3,
        max_size=3,
    )
)
def test_example_mark_sees_every_spelling_of_li(cells: list) -> None:
    """The cell marking a row as an example is found whichever 例 it was typed with (U+F9B5 or 例): the same
    field as for the row typed with 例 alone, and none when no cell marks it."""
    from svcsheet.checking import validate
    from svcsheet.checking.parse import parse_row
    from svcsheet.compact import CompactCells
    from svcsheet.records import Provenance, RawRow

    form = FORMS["service_feedback"]
    keys = [f.key for f in form.fields[1:4]]

    def mark(values: list) -> str | None:
        layout = tuple((k, "BCD"[i]) for i, k in enumerate(keys))
        raw = RawRow(form.key, Provenance("f.xlsx", "表1", 5), CompactCells(layout, 5, tuple(values)), "list")
        spec = validate._example_mark(parse_row(raw, form), form)
        return None if spec is None else spec.key

    plain = [v.replace("\uf9b5", "例") if isinstance(v, str) else v for v in cells]
    want = next(
        (k for k, v in zip(keys, plain, strict=True) if isinstance(v, str) and validate._marks_example(v)),
        None,
    )
    assert mark(cells) == mark(plain) == want


# --- parsing: the half-width forms by str.translate

_WIDE = st.lists(
    st.one_of(
        st.sampled_from([chr(c) for c in range(0xFEF0, 0xFF70)]),
        st.sampled_from("\u3000 a1张，：（）\u2028"),
        st.characters(),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(_WIDE)
def test_half_width_forms_as_the_character_loops_made_them(text: str) -> None:
    """What agents type in full width (Ａ１！：（ and the ideographic space) becomes the same text as the former
    loops over the characters made: every full-width ASCII form for to_halfwidth, only digits and letters for
    the soft form (Chinese punctuation stays as typed)."""
    from svcsheet.checking import values

    def halfwidth_before(t: str) -> str:
        return "".join(
            chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else " " if c == "\u3000" else c for c in t
        )

    def soft_before(t: str) -> str:
        return "".join(
            chr(ord(c) - 0xFEE0) if values._FULLWIDTH_ALNUM.match(c) else " " if c == "\u3000" else c
            for c in t
        )

    assert values.to_halfwidth(text) == halfwidth_before(text)
    assert values._soft(text) == soft_before(text)
