"""returns/: the agent's copy is the original package with only the flagged cells, comments and a list added.

What the agent put in the workbook (pictures, charts, conditional formats, validations) must survive."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter
from builders import good_response_log_row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layouts import convert, soffice
from openpyxl import Workbook, load_workbook

from svcsheet.forms import get_form
from svcsheet.outputs.returns import LIST_SHEET
from svcsheet.outputs.xlsx_patch import ListSheet, Mark, patch_workbook
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)


def _png() -> bytes:
    """A 2x2 red PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _agent_workbook(path: Path) -> Path:
    """A response log as a team keeps it: a picture, a chart, a conditional format and a drop-down list;
    row 4 has an unknown urgency (an error at F4), row 5 has no handler (an error at an empty cell)."""
    form = get_form("response_log")
    rows = [
        good_response_log_row(1),
        good_response_log_row(2, urgency="看情况"),
        good_response_log_row(3, handler=None),
    ]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("响应记录")
    ws.write_string(0, 0, form.name)
    for c, f in enumerate(form.fields):
        ws.write_string(1, c, f.label)
        for r, values in enumerate(rows, start=2):
            if values.get(f.key) is not None:
                ws.write_string(r, c, str(values[f.key]))
    ws.conditional_format("A3:A5", {"type": "duplicate", "format": wb.add_format({"bold": True})})
    ws.data_validation("F3:F100", {"validate": "list", "source": ["紧急", "一般", "建议"]})
    png = path.with_name("logo.png")
    png.write_bytes(_png())
    ws.insert_image("P2", str(png))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='响应记录'!$A$3:$A$5"})
    ws.insert_chart("P8", chart)
    wb.close()
    return path


def _returned(tmp_path: Path, source: Path) -> Path:
    run(RunOptions(inputs=[source.parent], out=tmp_path / "out", as_of=AS_OF))
    (copy,) = (tmp_path / "out" / "returns").rglob("*.xlsx")
    return copy


def test_the_copy_keeps_every_untouched_part_byte_for_byte(tmp_path):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    source = _agent_workbook(src_dir / "log.xlsx")
    copy = _returned(tmp_path, source)
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(copy) as b:
        before = {n: a.read(n) for n in a.namelist()}
        after = {n: b.read(n) for n in b.namelist()}
    touched = {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"}
    for name, data in before.items():
        if name in touched or name.endswith(".rels"):
            continue
        assert after.get(name) == data, f"{name} changed"
    # the picture, the chart and their drawing are still there and still wired to the sheet
    assert any(n.startswith("xl/media/") for n in after) and any(
        n.startswith("xl/charts/chart") for n in after
    )
    old_rels = re.findall(rb"<Relationship [^>]*>", before["xl/worksheets/_rels/sheet1.xml.rels"])
    assert old_rels and all(rel in after["xl/worksheets/_rels/sheet1.xml.rels"] for rel in old_rels)
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert "<conditionalFormatting" in sheet and "<dataValidations" in sheet and "<drawing " in sheet
    # what changed in the sheet is only style indexes and one new cell: values are as the agent typed them
    strip = re.compile(r' s="\d+"|<c r="L5"[^>]*/>|<legacyDrawing [^>]*/>')
    assert strip.sub("", sheet) == strip.sub("", before["xl/worksheets/sheet1.xml"].decode())


def test_the_agent_sees_coloured_cells_comments_and_the_list_first(tmp_path):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    copy = _returned(tmp_path, _agent_workbook(src_dir / "log.xlsx"))
    wb = load_workbook(copy)
    assert wb.sheetnames[0] == LIST_SHEET
    ws = wb["响应记录"]
    assert ws["F4"].value == "看情况"
    assert ws["F4"].fill.fgColor.rgb.endswith("F8CBAD") and "紧急" in ws["F4"].comment.text
    assert ws["L5"].value is None and ws["L5"].fill.fgColor.rgb.endswith("F8CBAD") and ws["L5"].comment
    assert ws["F3"].comment is None and ws["F3"].fill.fgColor.rgb in ("00000000", None)
    listed = [row for row in wb[LIST_SHEET].iter_rows(min_row=2, values_only=True)]
    assert {(r[1], r[3]) for r in listed} >= {("响应记录", "F4"), ("响应记录", "L5")}


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_copy_and_shows_the_comments(tmp_path):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    copy = _returned(tmp_path, _agent_workbook(src_dir / "log.xlsx"))
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(copy.read_bytes())
    ods = convert(plain, "ods", tmp_path)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    notes = re.findall(r"<office:annotation\b.*?</office:annotation>", content, re.DOTALL)
    assert len(notes) >= 2
    assert any("紧急" in n for n in notes)
    assert "svcsheet问题清单" in content


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.sets(st.tuples(st.integers(1, 12), st.integers(1, 6)), min_size=1, max_size=10),
    fill=st.sampled_from(["F8CBAD", "FFE699", None]),
)
def test_every_mark_lands_on_its_cell_and_no_value_moves(tmp_path, cells, fill):
    source = tmp_path / "src.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    for r in range(2, 10, 2):  # some rows exist, some do not; some cells exist, some do not
        for c in (1, 3, 4):
            ws.cell(r, c, f"{r}-{c}")
    wb.save(source)
    marks = [Mark("数据", f"{'ABCDEF'[c - 1]}{r}", fill, f"第{r}行第{c}列") for r, c in sorted(cells)]
    target = tmp_path / "out.xlsx"
    patch_workbook(source, target, marks, ListSheet("清单", ["a"], [["=1+1"]], [10], "DDEBF7", wrap_col=0))
    out = load_workbook(target)
    assert out.sheetnames == ["清单", "数据"]
    assert out["清单"]["A2"].value == "=1+1" and out["清单"]["A2"].data_type == "s"  # text, never a formula
    got = out["数据"]
    for r in range(1, 13):
        for c in range(1, 7):
            cell = got.cell(r, c)
            assert cell.value == (f"{r}-{c}" if r in range(2, 10, 2) and c in (1, 3, 4) else None)
            marked = (r, c) in cells
            assert (cell.comment is not None) == marked
            if marked:
                assert cell.comment.text == f"第{r}行第{c}列"
                assert (cell.fill.fgColor.rgb or "").endswith(fill or "00000000")
