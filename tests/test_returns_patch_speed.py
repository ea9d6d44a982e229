"""returns/' fast paths over a flagged sheet's XML give what the plain ones gave (issue 12): a sheet's rows and a
row's cells found in two steps are the matches of the one pattern; the tags searched from where their names occur
are the ones searching the whole sheet part finds; the wanted rows and cells, walked once, are restyled (and the
missing ones created, where they were) as by the former passes; the list sheet, measuring each distinct value once,
gets the column widths and row heights measuring every cell gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.outputs import returns, xlsx_patch

# pieces of sheet XML, well-formed or not: rows with and without a closing tag, prefixes, look-alikes
_PIECES = st.sampled_from(
    [
        '<row r="1">', '<row r="2" spans="1:3">', "<row>", '<row r="3"/>', "<row/>", '<x:row r="4">',
        "</row>", "</x:row>", "</rows>", "<rows>", '<c r="A1"><v>1</v></c>', "<c/>", "text", ">", "<", "/",
        "row>", "</", '<row r="5" a="x/y">', "<rowx>", " ", "\n",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=25))
def test_rows_are_the_matches_of_the_row_pattern(pieces: list[str]) -> None:
    """returns/ finds a flagged sheet's rows in two steps: the same rows, bodies and spans as the one pattern."""
    data = "".join(pieces)
    want = [(m.start(), m.end(), m.group(0), m.group(1), m.group(3)) for m in xlsx_patch._ROW.finditer(data)]
    got = [(m.start(), m.end(), m.group(0), m.group(1), m.group(3)) for m in xlsx_patch._rows(data)]
    assert got == want
    for m, rm in zip(xlsx_patch._ROW.finditer(data), xlsx_patch._rows(data), strict=True):
        assert rm.open_tag == m.group(0)[: m.group(0).index(">") + 1]


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


# pieces of sheet XML around the tags returns/ looks for: prefixes, look-alike names, names in attributes and text
_TAG_PIECES = st.sampled_from(
    [
        "<col ", '<col min="1" max="2" style="3"/>', "<x:col>", "<cols>", "</cols>", "<colx>", "col", "cols",
        "<legacyDrawing ", "<x:legacyDrawing/>", "legacyDrawing", "<legacyDrawingHF/>", "<drawingHF>", "drawingHF",
        "<picture/>", "<x:tableParts>", "<extLst>", "<x:y:col>", "<col:col a>", '<c r="A1">', "<", ">", ":", "x",
        " ", "<x:", "<row>", "</row>", "\n", "é", "<é:picture>",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_TAG_PIECES, max_size=30))
def test_tag_searches_from_the_names_find_what_the_whole_search_finds(pieces: list[str]) -> None:
    """returns/ looks for the legacy drawing, the columns' styles and the elements after the legacy drawing from
    where their names occur: the same matches as searching the whole sheet part."""
    xml = "".join(pieces)
    for pattern, names in (
        (xlsx_patch._LEGACY, ("legacyDrawing",)),
        (xlsx_patch._AFTER, xlsx_patch._AFTER_LEGACY),
    ):
        want = pattern.search(xml)
        got = xlsx_patch._search_tag(pattern, xml, names)
        assert (got and got.span()) == (want and want.span())
    assert xlsx_patch._findall_tag(xlsx_patch._COL_TAG, xml, "col") == xlsx_patch._COL_TAG.findall(xml)


def _restyle_cells_before(xml, wanted, new_style, col_styles):
    """xlsx_patch._restyle_cells as it was (every wanted row sorted again at every row of the sheet)."""
    m = re.search(r"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)", xml)
    p = m.group(1)
    start = m.end()
    end = xml.index(f"</{p}sheetData>", start)
    data = xml[start:end]
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), fill in wanted.items():
        by_row.setdefault(r, {})[c] = fill
    out: list[str] = []
    pos = 0
    implicit = 0
    for rm in xlsx_patch._rows(data):
        r_attr = xlsx_patch._attr(rm.open_tag, "r")
        row = int(r_attr) if r_attr else implicit + 1
        implicit = row
        for missing in sorted(k for k in by_row if k < row):
            out.append(data[pos : rm.start()])
            pos = rm.start()
            out.append(xlsx_patch._new_row(p, missing, by_row.pop(missing), None, new_style, col_styles))
        if row not in by_row:
            continue
        out.append(data[pos : rm.start()])
        out.append(xlsx_patch._patch_row(rm, row, by_row.pop(row), new_style, col_styles))
        pos = rm.end()
    out.append(data[pos:])
    for missing in sorted(by_row):
        out.append(xlsx_patch._new_row(p, missing, by_row[missing], None, new_style, col_styles))
    return xml[:start] + "".join(out) + xml[end:]


_ROW_TAGS = st.sampled_from(
    ['<row r="{n}">', "<row>", '<row r="{n}" s="4" customFormat="1">', '<row r="{n}"/>']
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_ROW_TAGS, st.integers(1, 12), st.lists(st.integers(1, 5), max_size=3)), max_size=10),
    st.dictionaries(st.tuples(st.integers(1, 14), st.integers(1, 6)), st.sampled_from(["FFC7CE", "FFEB9C"])),
)
def test_wanted_rows_walked_once_restyle_as_before(rows: list, wanted: dict) -> None:
    """returns/ marks the wanted cells of a sheet whose rows come in any order, with or without numbers: the
    rows it creates and patches are those the former pass made."""
    body = []
    for tag, n, cols in rows:
        open_tag = tag.format(n=n)
        cells = "".join(f'<c r="{"ABCDE"[c - 1]}{n}"><v>1</v></c>' for c in sorted(set(cols)))
        body.append(open_tag if open_tag.endswith("/>") else f"{open_tag}{cells}</row>")
    xml = f"<worksheet><sheetData>{''.join(body)}</sheetData></worksheet>"
    style = lambda s, fill: s * 100 + len(fill)  # noqa: E731
    want = _restyle_cells_before(xml, dict(wanted), style, {2: 7})
    assert xlsx_patch._restyle_cells(xml, dict(wanted), style, {2: 7}) == want


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


_LIST_VALUES = st.sampled_from(
    [None, "", 1, 12, True, 1.0, "1", "B3", "客户姓名", "这一行是模板自带的示例，请删除后再提交。" * 3, "第一行\n第二行很长很长很长很长很长很长很长很长",
     "x" * 90, "错误", "警告", "客户服务问题反馈表"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_LIST_VALUES, min_size=7, max_size=7), max_size=25))
def test_list_sheet_measures_each_distinct_value_once_as_before(rows: list) -> None:
    """The returns/ list sheet's column widths and row heights: the same as measuring every cell."""
    widths = []
    for c, cap in enumerate(returns.LIST_WIDTHS):
        need = max(
            [returns.text_width(returns.LIST_HEADER[c])]
            + [returns._line_width(r[c]) for r in rows if r[c] not in (None, "")]
        )
        widths.append(float(min(cap, max(6, need + 2))))
    heights = {}
    for r, values in enumerate(rows, start=2):
        lines = 1
        for c in returns.LIST_WRAP:
            if values[c] in (None, ""):
                continue
            room = max(1.0, widths[c] - 1)
            lines = max(lines, sum(returns._lines(p, widths[c], room) for p in str(values[c]).split("\n")))
        if lines > 1:
            heights[r] = returns.LINE_HEIGHT * lines + 3
    assert returns._list_widths(rows) == widths
    assert returns._list_heights(rows, widths) == heights
