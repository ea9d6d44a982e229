"""Column widths: the fast text measure (ASCII shortcut, per-line memo) agrees with counting every character."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from svcsheet.outputs.xlsx import text_width


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
