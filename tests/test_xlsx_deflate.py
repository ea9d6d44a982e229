"""A streamed sheet's XML part deflated while its rows are written (issue 12): the same packages, byte for byte.

A part deflated in any pieces is the member zipfile writes, and rows written in any pieces reach it as the row file
read back holds them; tables written in parts (the samples' clean.xlsx and rejects.xlsx too) are deflated while
written into the same package, which openpyxl and calamine open; a missed prediction of the part's head writes the
part as before, and a failure while deflating or while writing leaves no deflate thread."""

from __future__ import annotations

import os
import threading
import zipfile
from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.outputs import columns, xlsx, xlsx_deflate
from svcsheet.outputs.xlsx import Sheet, new_workbook
from svcsheet.outputs.xlsx_deflate import (
    SHEET_DATA,
    SHEET_DATA_END,
    DeflatingRows,
    PartDeflater,
    _part_zipfile,
)
from svcsheet.pipeline import RunOptions, run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
ARC = "xl/worksheets/sheet1.xml"


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=300),
    st.one_of(st.binary(max_size=3000), st.text("<c>客户1\n", max_size=20000).map(str.encode)),
    st.binary(max_size=300),
    st.lists(st.integers(0, 20000), max_size=12),
)
def test_a_part_deflated_in_any_pieces_is_the_member_zipfile_writes(
    tmp_path_factory, prefix, rows, suffix, cuts
) -> None:
    folder = tmp_path_factory.mktemp("z")
    small, whole = folder / "small.xml", folder / "whole.xml"
    small.write_bytes(prefix + suffix)  # what xlsxwriter leaves in the part's file: no rows
    whole.write_bytes(prefix + SHEET_DATA + rows + SHEET_DATA_END + suffix)
    for f in (small, whole):
        os.utime(f, (315_532_800, 315_532_800))
        f.chmod(0o600)
    part = PartDeflater(prefix + SHEET_DATA, str(folder))
    for piece in _chunks(rows, cuts):
        part.feed(piece)
    part.end_rows()
    part.path, part.split = str(small), len(prefix)
    copied: list[str] = []
    with _part_zipfile({id(part): part}, copied)(folder / "a.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(small, ARC)
    with zipfile.ZipFile(folder / "b.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(whole, ARC)
    assert copied == [ARC]  # the deflated bytes were copied, not deflated again
    assert (folder / "a.zip").read_bytes() == (folder / "b.zip").read_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.sampled_from("ab\r\n客"), max_size=6), max_size=12))
def test_rows_in_any_pieces_reach_the_part_as_the_row_file_read_back_holds_them(
    tmp_path_factory, pieces
) -> None:
    folder = tmp_path_factory.mktemp("r")
    with open(
        folder / "rows", "w+", encoding="utf-8"
    ) as fh:  # what xlsxwriter does with a streamed sheet's rows
        for piece in pieces:
            fh.write(piece)
        fh.seek(0)
        expected = fh.read()
    part = PartDeflater(b"<head>", str(folder))
    out = DeflatingRows(part)
    for piece in pieces:
        out.write(piece)
    out.close()
    assert b"".join(part.rows()).decode() == expected
    part.close()


ROWS = [
    [
        "FB202611010001",
        "客户投诉" * 3,
        1,
        -0.0,
        datetime(2026, 11, 2, 9, 30),
        date(2026, 11, 3),
        time(10, 0),
        None,
    ],
    ["FB202611010002", "第一行\n第二行", 22, 3.5, None, None, None, "=SUM(A1)"],
    ["FB202611010003", "长" * 60, 333, 0, datetime(2026, 11, 2, 10, 0), None, None, "<r>x</r>"],
    ["FB202611010004", "", None, 1e20, None, date(2026, 1, 1), time(9, 0), "\r\n回车"],
]


TABLE = [list(r) for r in ROWS * 5] + [[None] * 8, [""] * 8]  # the last rows hold nothing: no sheet rows


def _package(folder: Path, deflate: bool, monkeypatch, sheets: int = 2) -> tuple[dict[str, bytes], list[str]]:
    monkeypatch.setattr(xlsx, "DEFLATE_WHILE_WRITING", deflate)
    monkeypatch.setattr(columns, "PART", 5)
    folder.mkdir()
    path = folder / "clean.xlsx"
    wb, styles = new_workbook(path, stream=True)
    for i in range(sheets):
        ws = Sheet(wb.add_worksheet(f"表{i}"), styles)
        ws.key_column = 1 if i == 0 else None
        headers = [f"列{c}" for c in range(len(ROWS[0]))]
        columns.write_table_in_parts(ws, headers, lambda: iter(TABLE), styles)
        ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}, wb.predeflated


def test_tables_in_parts_are_deflated_while_written_into_the_same_package(tmp_path, monkeypatch) -> None:
    fast, copied = _package(tmp_path / "fast", True, monkeypatch)
    plain, none = _package(tmp_path / "plain", False, monkeypatch)
    assert copied == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"] and none == []
    assert fast == plain
    # read back as the row file's text-mode copy reads it
    assert b"\r" not in fast["xl/worksheets/sheet1.xml"]


def test_a_missed_prediction_writes_the_part_as_before(tmp_path, monkeypatch) -> None:
    real = Sheet._predicted_head
    monkeypatch.setattr(
        Sheet, "_predicted_head", lambda self, *a: real(self, *a).replace("<cols>", "<cols> ")
    )
    fast, copied = _package(tmp_path / "fast", True, monkeypatch)
    monkeypatch.setattr(Sheet, "_predicted_head", real)
    plain, _ = _package(tmp_path / "plain", False, monkeypatch)
    assert copied == [] and fast == plain


def test_a_failed_deflate_is_the_writers_error_and_leaves_no_thread(tmp_path, monkeypatch) -> None:
    def full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PartDeflater, "_add", full)
    before = threading.active_count()
    with pytest.raises(Exception, match="No space"):  # (xlsxwriter wraps it when raised at the close)
        _package(tmp_path / "x", True, monkeypatch)
    assert not [t for t in threading.enumerate() if t.name.startswith("svcsheet-deflate")]
    assert threading.active_count() <= before


def test_clean_and_rejects_of_the_samples_deflated_while_written_are_the_same_files_and_open(
    tmp_path, monkeypatch
) -> None:
    import openpyxl
    from python_calamine import CalamineWorkbook

    copied: list[str] = []
    store = xlsx.store_workbook
    monkeypatch.setattr(xlsx, "store_workbook", lambda wb, parts: copied.extend(store(wb, parts)) or copied)
    monkeypatch.setattr(columns, "PART", 7)
    options = dict(as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1)
    run(RunOptions(inputs=[SAMPLES], out=tmp_path / "fast", **options))
    assert len(copied) >= 5  # the sheets of more than PART rows: most of clean.xlsx, rejects.xlsx's 全部问题
    monkeypatch.setattr(xlsx, "DEFLATE_WHILE_WRITING", False)
    run(RunOptions(inputs=[SAMPLES], out=tmp_path / "plain", **options))
    for name in ("clean.xlsx", "rejects.xlsx"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes(), name
        book = openpyxl.load_workbook(tmp_path / "fast" / name, read_only=True)
        assert all(ws.max_row >= 1 for ws in book.worksheets)
        book.close()
        assert CalamineWorkbook.from_path(str(tmp_path / "fast" / name)).sheet_names
    assert xlsx_deflate.CHUNK > 0


def test_a_table_that_fails_while_written_leaves_no_deflate_thread(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(columns, "PART", 5)
    calls = []

    def make():
        calls.append(1)
        for i, row in enumerate(TABLE):
            if len(calls) == 3 and i == 12:  # the last pass, the one that writes
                raise ValueError("broken row")
            yield row

    wb, styles = new_workbook(tmp_path / "clean.xlsx", stream=True)
    ws = Sheet(wb.add_worksheet("表"), styles)
    with pytest.raises(ValueError, match="broken row"):
        columns.write_table_in_parts(ws, [f"列{c}" for c in range(len(ROWS[0]))], make, styles)
    assert ws.ws._part is not None  # it was being deflated
    assert not [t for t in threading.enumerate() if t.name.startswith("svcsheet-deflate")]
