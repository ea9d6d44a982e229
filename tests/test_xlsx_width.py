"""Column widths: the fast text measure (ASCII shortcut, per-line memo) agrees with counting every character; a
column's width predicted from its values (before its cells are written) is the one its cells give it, and a
streamed workbook leaves no width memo behind."""

import unicodedata
import zipfile
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.outputs.xlsx import MIN_WIDTH, Sheet, column_need, new_workbook, text_width


def _reference(text: str) -> int:
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line) for line in text.split("\n")
    )


@given(st.text(alphabet=st.sampled_from("ab1 -\n客户投诉，Ａ①é\t"), max_size=40) | st.text(max_size=40))
def test_text_width_counts_wide_characters_double(text: str) -> None:
    assert text_width(text) == _reference(text)


def test_text_width_of_known_texts() -> None:
    assert text_width("TS202611010001") == 14
    assert text_width("客户投诉") == 8
    assert text_width("ab\n客户投诉多行") == 12


def test_streamed_sheet_writes_the_bytes_xlsxwriter_writes(tmp_path) -> None:
    import zipfile
    from datetime import datetime

    import xlsxwriter

    from svcsheet.outputs.xlsx import Sheet, new_workbook, write_table

    rows = [
        ["<r>x</r>", "_x0000_ \x01 a&b<c>\"", " lead", "客户\n投诉", 3.5, datetime(2026, 11, 2, 9, 30), True, None],
        ["TS1", "TS1", "=1+1", "", 7, datetime(2026, 11, 3), False, "x" * 40],
    ] * 3
    out = {}
    for fast in (True, False):
        (tmp_path / str(fast)).mkdir()
        path = tmp_path / str(fast) / "clean.xlsx"
        wb, st = new_workbook(path, stream=True)
        if not fast:
            wb.worksheet_class = xlsxwriter.worksheet.Worksheet
        ws = Sheet(wb.add_worksheet("表"), st)
        write_table(ws, 0, [f"h{i}" for i in range(8)], rows, st)
        ws.finish()
        wb.close()
        with zipfile.ZipFile(path) as z:
            out[fast] = {n: z.read(n) for n in z.namelist()}
    assert out[True] == out[False]
    assert b"_x005F_x0000_" in out[True]["xl/worksheets/sheet1.xml"]


cell = st.one_of(
    st.none(),
    st.just(""),
    st.text(st.sampled_from("aZ9 <&客户投诉①\n"), max_size=30),
    st.sampled_from(["长" * 20, "x" * 40, "第一行\n第二行很长" * 3, "TS202611010001"]),
    st.integers(-(10**9), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, 0.0, 1, 1.0, 1e20]),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cell, min_size=1, max_size=30))
def test_a_columns_predicted_width_is_the_one_its_cells_give_it(tmp_path_factory, values) -> None:
    wb, styles = new_workbook(tmp_path_factory.mktemp("w") / "w.xlsx", stream=True)
    ws = Sheet(wb.add_worksheet("表"), styles)
    ws.write_rows(0, [[v] for v in values] + [[None]])
    need = column_need(values)
    assert need is not None
    assert max(MIN_WIDTH, need) == (ws.widths[0] if 0 in ws.widths else MIN_WIDTH)
    wb.close()


def test_a_value_not_measured_leaves_the_width_unpredicted() -> None:
    assert column_need(["a", True]) is None
    assert column_need([("上门", "电话")]) is None
    assert column_need([1.0, float("nan")]) is None
    assert column_need([0, -0.0]) == 4.0  # "-0": both measured though they are one set member


def test_a_streamed_workbook_leaves_no_width_memo_behind(sample_result, tmp_path) -> None:
    from svcsheet.forms import load_forms
    from svcsheet.outputs.clean import write_clean
    from svcsheet.outputs.xlsx import _line_width

    write_clean(sample_result, load_forms(), tmp_path / "clean.xlsx")
    assert _line_width.cache_info().currsize == 0
    with zipfile.ZipFile(tmp_path / "clean.xlsx") as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
