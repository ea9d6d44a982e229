"""The fast sheet writers give the bytes xlsxwriter gives (issue 12). A streamed sheet written a row at a time,
a sheet held to the end (summary.xlsx: its text and times put into xlsxwriter's cell table and shared strings
directly) and a streamed sheet's rows copied into the package as bytes are, for every kind of cell value and for
any table, the package plain xlsxwriter writes cell by cell, row heights included; NaN is refused as xlsxwriter
refuses it; a header is right-aligned exactly when every value below it is numeric, whether the column's types
are taken at once or value by value."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.outputs.xlsx import CELL_LIMIT, Sheet, _numeric_column, new_workbook, write_table

EVERY_KIND = [
    "普通文本",
    "a&b<c>\"d'",  # XML-special characters
    " 前后有空格 ",
    "第一行\n第二行",
    "=SUM(A1:A2)",  # must stay text, never a formula
    "+86 138",
    "@user",
    "<r>x</r>",  # looks like xlsxwriter's rich-string XML
    "_x0000_ \x01\x07 控制字符",
    "TS202611010001",
    "长" * 60,  # wraps
    "x" * (CELL_LIMIT + 10),  # Excel's limit: cut with a note
    "𠀀" * 20000,  # under the limit in characters, over it in UTF-16 units (xlsxwriter cuts it)
    "",
    None,
    0,
    -0.0,
    7,
    3.5,
    0.1,
    1e20,
    -123456789.123456789,
    2**60,
    True,
    False,
    datetime(2026, 11, 2, 9, 30),
    datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 2, 1, 30, tzinfo=timezone.utc),  # equal to the one above, written differently
    date(2026, 11, 3),
    time(10, 0),
    ("上门", "电话"),
    ["列表", 1],
    (),
    Decimal("1.50"),
    Decimal("1.5"),  # equal to the one above, written differently
]


def _write(folder, tables, fast: bool, stream: bool = True) -> dict[str, bytes]:
    """Write ``tables`` (one sheet each, a second table below the first on the last sheet) with the fast writer
    or with plain xlsxwriter cell by cell (row heights through its set_row), streamed or not (every row held
    until the end, as summary.xlsx is written); returns every part of the package."""
    folder.mkdir()
    path = folder / "clean.xlsx"
    wb, styles = new_workbook(path, stream=stream)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    for i, rows in enumerate(tables):
        ws = Sheet(wb.add_worksheet(f"表{i}"), styles)
        width = max((len(r) for r in rows), default=1)
        after = write_table(ws, 0, [f"列{c}" for c in range(width)], rows, styles)
        if i == len(tables) - 1:
            write_table(ws, after + 1, ["再一张表"], [["a"], [1], ["b\nc"]], styles, autofilter=False)
        ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


def _row_heights(package: dict[str, bytes]) -> dict[tuple[str, str], str]:
    """(sheet part, row number) -> the height in points of every row given one."""
    found = {}
    for name, data in package.items():
        if name.startswith("xl/worksheets/sheet"):
            for row in re.findall(rb"<row [^>]*>", data):
                height = re.search(rb'ht="([^"]+)"', row)
                if height:
                    found[(name, re.search(rb' r="(\d+)"', row)[1].decode())] = height[1].decode()
    return found


def test_every_cell_kind_gives_the_bytes_xlsxwriter_gives(tmp_path) -> None:
    rows = [EVERY_KIND, list(reversed(EVERY_KIND)), EVERY_KIND[:5], [], [None, None], EVERY_KIND] * 3
    # a short table (kept on one page) of tall rows: the wrapped rows' heights decide its page breaks
    tall = [["\n".join("一二三四五六七八"), i, "长" * 100] for i in range(25)]
    tables = [rows, tall, [[v] for v in EVERY_KIND], [["TS1", 1], ["TS2", 2]], [["只有一行"]]]
    fast = _write(tmp_path / "fast", tables, True)
    plain = _write(tmp_path / "plain", tables, False)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    # each streamed row has the height the rows held to the end get: wrapped text never overlaps the next row
    heights = _row_heights(fast)
    assert heights == _row_heights(_write(tmp_path / "held", tables, False, stream=False))
    assert heights[("xl/worksheets/sheet2.xml", "2")] == "114.75" and len(heights) > 25  # 8 lines
    sheet = fast["xl/worksheets/sheet1.xml"].decode()
    assert "<f>" not in sheet and "=SUM(A1:A2)" in sheet  # a text starting with = is text
    assert 'xml:space="preserve"> 前后有空格 </t>' in sheet
    assert "a&amp;b&lt;c&gt;" in sheet
    assert "（超长，已截断）" in sheet


values = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户投诉①\x01"), max_size=50),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.tuples(st.sampled_from(["上门", "电话", "a"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(values, max_size=8), max_size=12))
def test_any_table_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("t")
    fast = _write(folder / "fast", [rows], True)
    assert fast == _write(folder / "plain", [rows], False)
    assert _row_heights(fast) == _row_heights(_write(folder / "held", [rows], False, stream=False))


def test_nan_is_refused_as_xlsxwriter_refuses_it(tmp_path) -> None:
    import pytest

    for fast in (True, False):
        with pytest.raises(TypeError):
            _write(tmp_path / str(fast), [[["a", 1], [math.nan, 2], ["b", 3]]], fast)


def test_every_cell_kind_held_to_the_end_gives_the_bytes_xlsxwriter_gives(tmp_path) -> None:
    # summary.xlsx is not streamed: its tables' text and times go into xlsxwriter's cell table directly
    rows = [EVERY_KIND, list(reversed(EVERY_KIND)), EVERY_KIND[:5], [], [None, None], EVERY_KIND] * 3
    tall = [["\n".join("一二三四五六七八"), i, "长" * 100, dt.datetime(2026, 11, 2, 9, i)] for i in range(25)]
    tables = [rows, tall, [[v] for v in EVERY_KIND], [["TS1", 1], ["TS2", 2]], [["只有一行"]]]
    fast = _write(tmp_path / "fast", tables, True, stream=False)
    plain = _write(tmp_path / "plain", tables, False, stream=False)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    assert b'ht="114.75"' in fast["xl/worksheets/sheet2.xml"]  # the wrapped rows' heights (8 lines)


held_values = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户投诉①\x01"), max_size=50),
    st.sampled_from(["重复", "重复", "长" * 40, ""]),  # texts seen again: one shared string, counted each time
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.tuples(st.sampled_from(["上门", "电话", "a"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(held_values, max_size=8), max_size=12), st.lists(st.lists(held_values, max_size=3), max_size=4))
def test_any_table_held_to_the_end_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows, more) -> None:
    folder = tmp_path_factory.mktemp("t")
    fast = _write(folder / "fast", [rows, more], True, stream=False)
    assert fast == _write(folder / "plain", [rows, more], False, stream=False)


def _streamed(folder, fast: bool, write) -> dict[str, bytes]:
    import zipfile

    import xlsxwriter

    from svcsheet.outputs.xlsx import new_workbook

    folder.mkdir()
    path = folder / "s.xlsx"
    wb, _styles = new_workbook(path, stream=True)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    write(wb)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


def test_a_streamed_sheet_copied_as_bytes_is_the_sheet_xlsxwriter_copies_as_text(tmp_path) -> None:
    # a formula keeps a raw \r (a cell's text has it escaped): a text-mode copy turns \r\n and \r into \n
    big = "长文本" * 30_000  # the rows span several copy chunks

    def write(wb) -> None:
        ws = wb.add_worksheet("甲")
        for r in range(40):
            ws.write_string(r, 0, f"{r}{big[: r * 3000]}")
            ws.write_formula(r, 1, '="a\r\nb\rc"' + "\r" * (r % 3))
            ws.write_number(r, 2, r)
        wb.add_worksheet("空")  # no rows: an empty sheetData
        wb.add_worksheet("乙").write_formula(0, 0, '="x"\r')  # the last byte a lone \r

    fast = _streamed(tmp_path / "fast", True, write)
    plain = _streamed(tmp_path / "plain", False, write)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    assert b"a\nb\nc" in fast["xl/worksheets/sheet1.xml"]


cell_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户①\x01_x0041_"), max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.just(Decimal("1.5")),
    st.tuples(st.sampled_from(["上门", "电话"])),
)


def _summary_like(folder: Path, rows: list[list], fast: bool) -> dict[str, bytes]:
    """A workbook with shared strings (as summary.xlsx): fast cell writer or plain xlsxwriter."""
    folder.mkdir()
    path = folder / "summary.xlsx"
    wb, styles = new_workbook(path)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    ws = Sheet(wb.add_worksheet("表"), styles)
    width = max((len(r) for r in rows), default=1)
    after = write_table(ws, 0, [f"列{c}" for c in range(width)], rows, styles)
    ws.write_string(after + 1, 0, "标题", styles.title)
    ws.write_number(after + 2, 1, 0.25, styles.percent)
    ws.write_datetime(after + 3, 2, datetime(2026, 11, 2, 9, 30), styles.datetime)
    ws.ws.write_string(after + 4, 0, "无格式")  # no format: xlsxwriter's own writer
    ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell_values, max_size=6), max_size=10))
def test_a_shared_string_sheet_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("s")
    assert _summary_like(folder / "fast", rows, True) == _summary_like(folder / "plain", rows, False)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(cell_values, min_size=w, max_size=w), max_size=12)))
def test_a_header_is_right_aligned_exactly_when_every_value_below_is_numeric(rows) -> None:
    """The types of a whole column taken at once (in C) decide as the value-by-value walk does."""
    for c in range(len(rows[0]) if rows else 1):
        assert _numeric_column(rows, c, whole=True) == _numeric_column(rows, c, whole=False)


@pytest.mark.parametrize("value", [time(10, 0), date(2026, 1, 1), 3, 2.5, datetime(2026, 1, 1, 9)])
def test_a_numeric_column_of_one_type_is_numeric(value) -> None:
    rows = [[value, "x"], [None, "y"], [value, ""]]
    assert _numeric_column(rows, 0, whole=True) and not _numeric_column(rows, 1, whole=True)
