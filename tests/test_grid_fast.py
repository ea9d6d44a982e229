"""The calamine reader gives the grid the openpyxl reader gives, and never lets calamine take the process down; a
fast read's row index, filled while it reads, is the one sorting every cell's position gives."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from svcsheet.reading import grid_fast
from svcsheet.reading.grid import load_grid

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"


def _both(path: Path, monkeypatch) -> tuple:
    assert grid_fast.load_xlsx_fast(path, "xlsx", {}) is not None  # calamine really read it
    fast = load_grid(path, "xlsx")
    with monkeypatch.context() as m:
        m.setattr(grid_fast, "load_xlsx_fast", lambda *a, **k: None)
        slow = load_grid(path, "xlsx")
    return fast, slow


def _same(fast, slow) -> None:
    assert fast.declared_form == slow.declared_form
    assert [g.name for g in fast.sheets] == [g.name for g in slow.sheets]
    for a, b in zip(fast.sheets, slow.sheets, strict=True):
        assert a.values == b.values
        assert {k: type(v) for k, v in a.values.items()} == {k: type(v) for k, v in b.values.items()}
        assert sorted(a.merged) == sorted(b.merged)
        assert (a.hidden_cols, a.state, a.names, a.no_value, a.errors) == (
            b.hidden_cols,
            b.state,
            b.names,
            b.no_value,
            b.errors,
        )


def test_a_team_workbook_reads_the_same_through_both_engines(tmp_path, monkeypatch):
    wb = Workbook()
    ws = wb.active
    ws.title = "反馈"
    ws["A1"] = "客户服务问题反馈表"
    ws.merge_cells("A1:F1")
    ws["A3"] = dt.datetime(2026, 11, 17, 0, 0)
    ws["A3"].number_format = "yyyy-mm-dd hh:mm"  # a midnight that is a time: stays a datetime
    ws["B3"] = dt.datetime(2026, 11, 17, 0, 0)
    ws["B3"].number_format = 'yyyy"年"m"月"d"日"'  # a plain date
    ws["C3"] = dt.datetime(2026, 11, 17, 9, 30)
    ws["D3"] = dt.time(9, 30)
    ws["E3"] = 12
    ws["F3"] = 12.5
    ws["G3"] = True
    ws["H3"] = "#DIV/0!"  # openpyxl stores this as an error cell
    ws["I3"] = "   "
    ws["J3"] = " 张三 "
    ws["K3"] = "=SUM(E3:F3)"  # never calculated: no cached value
    ws.column_dimensions["L"].hidden = True
    ws["L3"] = "隐藏"
    card = wb.create_sheet("投诉单1")
    card.sheet_state = "hidden"
    card["B2"] = "TS202611170001"
    card.defined_names["complaint_no"] = DefinedName("complaint_no", attr_text="'投诉单1'!$B$2")
    wb.defined_names["svcsheet_form"] = DefinedName("svcsheet_form", attr_text='"issue_feedback"')
    wb.defined_names["客户"] = DefinedName("客户", attr_text="'反馈'!$J$3:$J$9")
    path = tmp_path / "team.xlsx"
    wb.save(path)
    fast, slow = _both(path, monkeypatch)
    _same(fast, slow)
    sheet = fast.sheets[0]
    assert sheet.values[(3, 1)] == dt.datetime(2026, 11, 17) and sheet.values[(3, 2)] == dt.date(2026, 11, 17)
    assert sheet.errors == {(3, 8): "#DIV/0!"} and (3, 11) in sheet.no_value


def test_the_samples_read_the_same_through_both_engines(monkeypatch):
    for path in sorted((ROOT / "sample_workbooks").glob("*.xlsx")):
        _same(*_both(path, monkeypatch))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.dictionaries(
        st.tuples(st.integers(1, 40), st.integers(1, 12)),
        st.one_of(
            st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=8),
            st.integers(-(10**9), 10**9),
            st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)),
            st.booleans(),
            st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)).map(
                lambda d: d.replace(microsecond=0)
            ),
        ),
        max_size=30,
    )
)
def test_any_values_read_the_same_through_both_engines(tmp_path, monkeypatch, cells):
    wb = Workbook()
    for (r, c), value in cells.items():
        cell = wb.active.cell(r, c, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
    path = tmp_path / "any.xlsx"
    wb.save(path)
    _same(*_both(path, monkeypatch))


def _edge_workbook(path: Path, *, value_at_edge: bool) -> Path:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "客户服务问题反馈表"
    if value_at_edge:
        ws["XFD1048576"] = "x"
    wb.save(path)
    if not value_at_edge:  # only the recorded dimension reaches the edge
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', parts[sheet])
        with zipfile.ZipFile(path, "w") as z:
            for n, data in parts.items():
                z.writestr(n, data)
    return path


@pytest.mark.parametrize("value_at_edge", [True, False])
def test_a_sheet_reaching_xfd1048576_does_not_abort_the_run(tmp_path, value_at_edge):
    """python-calamine 0.9.1 aborts the process (SIGABRT) on such a sheet: it must never see one."""
    path = _edge_workbook(tmp_path / "edge.xlsx", value_at_edge=value_at_edge)
    assert grid_fast.load_xlsx_fast(path, "xlsx", {}) is None  # declined before calamine opens it
    code = (
        "import sys; from pathlib import Path; from svcsheet.reading.grid import load_grid; "
        "g = load_grid(Path(sys.argv[1]), 'xlsx'); print(g.sheets[0].values[(1, 1)])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "客户服务问题反馈表"


def test_row_index_of_a_fast_read_is_the_sorted_one() -> None:
    """A sheet read by calamine gets its row index while it is filled: the rows and columns are those sorting
    every cell's position gives (what recognition walks)."""
    checked = 0
    for path in sorted(SAMPLES.rglob("*.xlsx")):
        for grid in load_grid(path, "xlsx").sheets:
            given_index = grid._rows
            grid._rows = None
            rows = grid.occupied_rows()
            assert {r: grid.row_cols(r) for r in rows} == (given_index if given_index is not None else grid._rows)
            checked += given_index is not None
    assert checked > 5
