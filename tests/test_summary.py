"""summary.xlsx from the hand-computed fixture: sheets, figures, native charts, safe text, LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_figures import FORMS, fixture_result, fixture_rows

from svcsheet.figures import compute_figures
from svcsheet.outputs.clean import write_clean
from svcsheet.outputs.summary import write_summary

SHEETS = ["概览", "时效", "问题分类", "共性问题", "跟进清单", "人员与部门", "改进建议", "数据质量"]


def build(folder: Path, rows=None) -> tuple[Path, object]:
    result = fixture_result(rows=rows)
    result.figures = compute_figures(result, FORMS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "summary.xlsx"
    write_summary(result, path)
    return path, result


def cells(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def find_row(ws, first: str) -> list:
    for r in cells(ws):
        if r and r[0] == first:
            return r
    raise AssertionError(f"no row starting with {first!r} in {ws.title}")


def test_sheets_and_overview_figures(tmp_path):
    path, result = build(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    ws = wb["概览"]
    assert ws["A1"].value == "《客户反馈周报》2026-W47"
    assert find_row(ws, "工单数")[1:5] == [8, 2, 6, 8]
    assert find_row(ws, "解决率")[1:4] == pytest.approx([5 / 8, 1.0, 5 / 8 - 1.0])
    assert ws.cell(row=[r[0] for r in cells(ws)].index("解决率") + 1, column=2).number_format == "0.0%"
    assert find_row(ws, "满意度评分均值")[1:3] == pytest.approx([3.25, 3.5])
    assert find_row(ws, "效率评分均值")[2:4] == [None, "—"]
    assert find_row(ws, "电话")[1:4] == [2, 1, 1]


def test_sla_followup_people_and_quality_sheets(tmp_path):
    path, _ = build(tmp_path)
    wb = openpyxl.load_workbook(path)
    rows = cells(wb["时效"])
    breach_ids = [r[1] for r in rows if r[4] in ("超时", "逾期未完成") and isinstance(r[7], int)]
    assert breach_ids == [
        "FW202611200001",
        "FB202611170001",
        "FB202611180001",
        "FB202611180001",
        "20261118001",
        "20261121001",
    ]
    assert ["20261118001", "客服忙线"] == [r for r in rows if r[1] == "20261118001"][0][1:10:8]
    follow = [r for r in cells(wb["跟进清单"]) if r[0] in ("复盘", "未解决跟进", "二次回访", "补写超时原因")]
    assert len(follow) == 8
    assert find_row(wb["人员与部门"], "员工甲")[1:5] == [2, 5, 0.8, 5.0]
    quality = {r[0]: r for r in cells(wb["数据质量"])}
    assert quality["a.xlsx"][1:5] == [5, 4, 1, 0]
    assert quality["c.xlsx"][5] == "不是有效的工作簿"


def test_native_charts_are_present(tmp_path):
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = "".join(z.read(n).decode("utf-8") for n in charts)
    assert len(charts) == 3  # satisfaction trend, compliance per stage, category Pareto
    assert "<c:lineChart>" in xml and "<c:barChart>" in xml and 'barDir val="bar"' in xml
    assert "问题分类帕累托图" in xml and "各环节达标率" in xml


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    rows = fixture_rows()
    rows["b.xlsx"][0].safe["suggestion"] = '=HYPERLINK("http://x","点我")'
    path, _ = build(tmp_path, rows)
    with zipfile.ZipFile(path) as z:
        sheet_xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheet_xml
    ws = openpyxl.load_workbook(path)["改进建议"]
    assert any(r[5] == '=HYPERLINK("http://x","点我")' for r in cells(ws))


def test_same_figures_give_the_same_bytes(tmp_path):
    a, _ = build(tmp_path / "a")
    b, _ = build(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_clean_and_summary(tmp_path):
    path, result = build(tmp_path)
    clean = tmp_path / "clean.xlsx"
    write_clean(result, FORMS, clean)
    out = tmp_path / "pdf"
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
            str(clean),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stdout + proc.stderr
    for name in ("summary.pdf", "clean.pdf"):
        pdf = out / name
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out / "summary.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "客户反馈周报" in text and "问题分类帕累托图" in text
