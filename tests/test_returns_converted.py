"""returns/ for .xls and .ods originals: an .xlsx copy of the cells as read, marked like the .xlsx copies, that
says it is a converted copy; and every returns/ name is one Windows can store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from builders import good_response_log_row, list_workbook
from hostile import xls_workbook
from openpyxl import load_workbook

from svcsheet.forms import get_form
from svcsheet.outputs.returns import LIST_SHEET, _return_name
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)
FORM = get_form("response_log")


def _rows() -> list[list]:
    """Header and two rows as typed; the second has no customer (a required field): cell B3 is flagged."""
    good = good_response_log_row(1)
    bad = good_response_log_row(2, customer=None)
    return [[f.label for f in FORM.fields]] + [[row.get(f.key) for f in FORM.fields] for row in (good, bad)]


def _ods(path: Path) -> Path:
    header, *rows = _rows()
    pd.DataFrame(rows, columns=header).to_excel(path, engine="odf", index=False, sheet_name="十一月")
    return path


def _xls(path: Path) -> Path:
    cells = {(r, c): v for r, row in enumerate(_rows(), start=1) for c, v in enumerate(row, start=1) if v}
    return xls_workbook(path, [("十一月", 0, cells)])


@pytest.mark.parametrize("make, name", [(_ods, "log.ods"), (_xls, "log.xls")])
def test_an_xls_or_ods_original_gets_a_marked_converted_copy(tmp_path, make, name):
    (tmp_path / "in").mkdir()
    make(tmp_path / "in" / name)
    run(RunOptions(inputs=[tmp_path / "in"], out=tmp_path / "out", as_of=AS_OF))
    returned = sorted((tmp_path / "out" / "returns").rglob("*.xlsx"))
    assert [p.name for p in returned] == ["log.退回（转换副本）.xlsx"]
    wb = load_workbook(returned[0])
    assert wb.sheetnames == [LIST_SHEET, "十一月"]
    listing = wb[LIST_SHEET]
    note = listing["A1"].value
    assert "转换" in note and name in note and "原文件" in note  # the agent fixes the original, not this copy
    assert [c.value for c in listing[2]][:3] == ["级别", "工作表", "行号"]
    sheet = wb["十一月"]
    assert sheet["A2"].value == "20261117001" and sheet["A3"].value == "20261117002"  # ids stay text
    flagged = sheet["B3"]
    assert flagged.comment is not None and "必填" in flagged.comment.text
    assert flagged.fill.fgColor.rgb.endswith("F8CBAD")
    assert sheet["B2"].comment is None


def test_the_findings_list_prints_one_page_wide_with_its_header_on_every_page(tmp_path):
    rows = [good_response_log_row(n, customer=None) for n in range(1, 40)]
    list_workbook(tmp_path / "a.xlsx", "response_log", rows)
    run(RunOptions(inputs=[tmp_path / "a.xlsx"], out=tmp_path / "out", as_of=AS_OF))
    wb = load_workbook(tmp_path / "out" / "returns" / "a.退回.xlsx")
    ws = wb[LIST_SHEET]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    how = [c.value for c in ws["G"][1:]]
    assert all(how) and ws["G2"].alignment.wrap_text


def test_masked_names_in_returns_are_windows_safe(tmp_path):
    assert _return_name("张*/客户*.xls") == "张＊/客户＊.退回（转换副本）.xlsx"
    assert _return_name("CON.xlsx") == "_CON.退回.xlsx"
    (tmp_path / "in").mkdir()
    list_workbook(
        tmp_path / "in" / "客户13912345678.xlsx", "response_log", [good_response_log_row(1, customer=None)]
    )
    run(RunOptions(inputs=[tmp_path / "in"], out=tmp_path / "out", as_of=AS_OF))
    names = [p.name for p in (tmp_path / "out" / "returns").rglob("*")]
    assert names and not any(ch in n for n in names for ch in '*?<>:"|\\')
