"""One pass over each sheet's XML (grid_fast.quick_scans) where the reader used to make two.

Whenever the one pass answers, it must answer what the two passes (scan.scan_xlsx_sheet's expat pass, then
grid_fast._scan) would: the same cell count and merged area (so the same files are refused), no formula
without a value and no odd number, and the same errors, merges, hidden columns, timed cells and size; anything
else must fall back to the two passes, so hostile files are refused or declined exactly as before.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.errors import UnreadableWorkbook
from svcsheet.reading import grid, grid_fast
from svcsheet.reading.grid import _xlsx_sheet_parts, load_grid
from svcsheet.reading.scan import Budget, scan_xlsx_sheet

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))


def _two_passes(path: Path, cap: int) -> tuple[str, dict]:
    """What the two passes make of every sheet: ("refused", {}), or ("read", sheet -> results)."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        parts = {s: p for s, p in _xlsx_sheet_parts(zf).items() if p in names}
        budget = Budget(path, 600, cap)
        counted, found = 0, {}
        try:
            for sheet, part in parts.items():
                scan = scan_xlsx_sheet(zf, part, budget, counted)
                counted += scan.cells + scan.merged_area
                found[sheet] = {"scan": (scan.no_value, scan.bad_numbers)}
        except Exception:  # noqa: BLE001 - refused (cells, depth, DTD) or damaged: either way not read
            return "refused", {}
        timed = grid_fast._timed_styles(zf)
        for sheet, part in parts.items():
            try:
                found[sheet]["fast"] = grid_fast._scan(zf, part, timed)
            except Exception:  # noqa: BLE001 - declined: openpyxl reads it
                found[sheet]["fast"] = None
    return "read", found


def _one_pass(path: Path, cap: int) -> dict | None:
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        parts = {s: p for s, p in _xlsx_sheet_parts(zf).items() if p in names}
        return grid_fast.quick_scans(zf, parts, Budget(path, 600, cap))


def _assert_agree(path: Path, cap: int = 2_000_000) -> dict | None:
    quick = _one_pass(path, cap)
    if quick is None:
        return None
    verdict, found = _two_passes(path, cap)
    assert verdict == "read", "the one pass read a file the two passes refuse"
    assert set(quick) == set(found)
    for sheet, scans in found.items():
        assert scans["scan"] == (set(), {}), "a formula without value or an odd number went unnoticed"
        assert scans["fast"] == quick[sheet]
    return quick


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_samples_are_read_in_one_pass_with_what_two_passes_found(path):
    assert _assert_agree(path) is not None


def test_a_typical_workbook_is_read_without_the_expat_pass(tmp_path, monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("second pass")

    monkeypatch.setattr(grid, "scan_xlsx_sheet", refuse)
    for path in SAMPLES:
        book = load_grid(path, "xlsx")
        assert any(g.values for g in book.sheets)


def _sheet(cells: str, tail: str = "", head: str = "") -> str:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}>{head}<sheetData>'
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c><c r="B1"><v>12</v></c></row>'
        f"{cells}</sheetData>{tail}</worksheet>"
    )


# each of these must send the file to the two passes (they refuse, decline or look closer)
ODD = {
    "nan": '<row r="2"><c r="A2"><v>NaN</v></c></row>',
    "inf": '<row r="2"><c r="A2"><v>INF</v></c></row>',
    "overflow": '<row r="2"><c r="A2"><v>1e999</v></c></row>',
    "long number": f'<row r="2"><c r="A2"><v>{"9" * 400}</v></c></row>',
    "text in a number": '<row r="2"><c r="A2"><v>abc</v></c></row>',
    "formula": '<row r="2"><c r="A2"><f>1+1</f></c></row>',
    "prefixed cell": '<row r="2"><x-s:c xmlns:x-s="urn:x" r="A2"><x-s:v>1</x-s:v></x-s:c></row>',
    "cell without address": '<row r="2"><c><v>1</v></c></row>',
    "single quotes": "<row r='2'><c r='A2'><v>1</v></c></row>",
    "address not first": '<row r="2"><c s="0" r="A2"><v>1</v></c></row>',
    "comment": '<!-- <c r="A9"/> --><row r="2"><c r="A2"><v>1</v></c></row>',
    "cdata": '<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[<c r="A3">]]></t></is></c></row>',
    "instruction": '<?pi <c r="A3"/> ?><row r="2"><c r="A2"><v>1</v></c></row>',
    "far cell": '<row r="2"><c r="XFD2"><v>1</v></c></row>',
    "far row": '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
    "row without address": '<row><c r="A2"><v>1</v></c></row>',
    "value with attributes": '<row r="2"><c r="A2"><v xml:space="preserve">1</v></c></row>',
    "deep": '<row r="2"><c r="A2"><v>1</v></c></row>' + "<x>" * 10_001 + "</x>" * 10_001,
    "malformed": '<row r="2"><c r="A2"><v>1</v></row>',
}
ODD_TAIL = {
    "single-quoted merge": "<mergeCells><mergeCell ref='A1:B2'/></mergeCells>",
    "merge bomb": '<mergeCells><mergeCell ref="A1:AZ400000"/></mergeCells>',
    "merge to the edge": '<mergeCells><mergeCell ref="A1:XFD1"/></mergeCells>',
    "merge by another attribute": '<mergeCells><mergeCell x:ref="A1:B2" xmlns:x="urn:x"/></mergeCells>',
}


@pytest.mark.parametrize("case", sorted(ODD))
def test_what_the_one_pass_cannot_prove_goes_to_the_two_passes(tmp_path, case):
    path = hostile.xlsx_package(tmp_path / "odd.xlsx", [("Sheet1", "visible", _sheet(ODD[case]))])
    assert _one_pass(path, 2_000_000) is None


@pytest.mark.parametrize("case", sorted(ODD_TAIL))
def test_odd_merges_go_to_the_two_passes(tmp_path, case):
    path = hostile.xlsx_package(tmp_path / "odd.xlsx", [("Sheet1", "visible", _sheet("", ODD_TAIL[case]))])
    assert _one_pass(path, 2_000_000) is None


def test_the_hostile_workbooks_are_refused_as_before(tmp_path):
    bomb = hostile.merge_bomb_xlsx(tmp_path / "merge.xlsx", quote='"')
    prefixed = hostile.prefixed_cells_xlsx(tmp_path / "prefixed.xlsx", 3_000)
    for path in (bomb, prefixed):
        assert _one_pass(path, 2_000) is None
        with pytest.raises(UnreadableWorkbook, match="单元格过多"):
            load_grid(path, "xlsx", {"max_cells": 2_000})


def test_the_cap_counts_cells_and_merged_area_exactly(tmp_path):
    cells = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>' for r in range(2, 11)
    )
    xml = _sheet(cells, '<mergeCells><mergeCell ref="C1:D3"/></mergeCells>')  # 2 + 18 cells, 6 merged
    path = hostile.xlsx_package(tmp_path / "cap.xlsx", [("Sheet1", "visible", xml)])
    assert _assert_agree(path, 26) is not None
    assert _one_pass(path, 25) is None
    with pytest.raises(UnreadableWorkbook, match="单元格过多"):
        load_grid(path, "xlsx", {"max_cells": 25})
    assert load_grid(path, "xlsx", {"max_cells": 26}).sheets[0].merged == [(1, 3, 3, 4)]


def test_errors_hidden_columns_and_merges_come_through(tmp_path):
    cells = (
        '<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c><c r="B2" t="e"><v>#N/A</v></c>'
        '<c r="C2"><v> 1.5e3 </v></c><c r="D2" t="s"><v>0</v></c></row>'
    )
    head = '<cols><col min="3" max="4" hidden="1"/></cols>'
    xml = _sheet(cells, '<mergeCells><mergeCell ref="a1:b1"/></mergeCells>', head)
    path = hostile.xlsx_package(tmp_path / "e.xlsx", [("Sheet1", "visible", xml)])
    quick = _assert_agree(path)
    assert quick is not None
    sheet = quick["Sheet1"]
    assert sheet["errors"] == {(2, 1): "#DIV/0!", (2, 2): "#N/A"}
    assert sheet["hidden"] == {3, 4} and sheet["merged"] == [(1, 1, 1, 2)]


# ------------------------------------------------------------------- mutated samples: the two answers agree

TOKENS = [
    b'<row r="99"><c r="A99"><v>NaN</v></c></row>',
    b'<row r="99"><c r="A99" t="e"><v>#REF!</v></c></row>',
    b'<row r="99"><c r="A99" t="e"><v>7</v></c><c r="B99"><v>x</v></c></row>',
    b'<row r="99"><c r="A99"><v>1e99</v></c><c r="B99"><v>+.5</v></c></row>',
    b'<row r="99"><c r="A99"><f>1</f><v></v></c></row>',
    b'<row r="99"><c r="ZZ99" s="1"><v>1</v></c></row>',
    b'<row r="99"><x:c xmlns:x="urn:x" r="A99"/></row>',
    b'<row r="99"><c r="A99"/><c/></row>',
    b"<mergeCells><mergeCell ref=\"A1:C2\"/><mergeCell ref='D1:E9'/></mergeCells>",
    b'<mergeCells><mergeCell ref="A1:C200000"/></mergeCells>',
    b'<cols><col min="2" max="9" hidden="true"/></cols>',
    b"<!-- x -->",
    b"<a><b/></a>",
    b"<",
    b">",
    b'"',
    b"'",
    b"&amp;",
    b"\t",
]


def _mutate(data: bytes, mutations: list[tuple[float, bytes]]) -> bytes:
    ends = [m.end() for m in re.finditer(rb">", data)]
    for where, token in mutations:
        pos = ends[int(where * (len(ends) - 1))] if ends else 0
        data = data[:pos] + token + data[pos:]
    return data


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(TOKENS)), min_size=1, max_size=4),
    st.sampled_from([2_000_000, 400]),
)
def test_whenever_the_one_pass_answers_the_two_passes_agree(tmp_path, sample, mutations, cap):
    target = tmp_path / "m.xlsx"
    with zipfile.ZipFile(sample) as src, zipfile.ZipFile(target, "w") as dst:
        sheets = [n for n in src.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        victim = sheets[int(mutations[0][0] * (len(sheets) - 1))]
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, _mutate(data, mutations) if info.filename == victim else data)
    _assert_agree(target, cap)
