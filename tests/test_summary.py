"""summary.xlsx from the hand-computed fixture: sheets, figures, native charts, safe text, LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_figures import FORMS, fixture_result, fixture_rows

from svcsheet.outputs.clean import write_clean
from svcsheet.outputs.figures import compute_figures
from svcsheet.outputs.summary import text_width, write_summary

SHEETS = [
    "概览",
    "时效",
    "超时明细",
    "问题分类",
    "共性问题",
    "跟进清单",
    "人员与部门",
    "改进建议",
    "数据质量",
]


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
    assert find_row(ws, "工单数")[1:6] == [8, 2, "+6", "8 张工单", "2 张工单"]
    assert find_row(ws, "解决率")[1:3] == pytest.approx([5 / 8, 1.0])
    # a change of a rate reads in percentage points, never as a percentage
    assert find_row(ws, "解决率")[3] == "-37.5个百分点"
    assert ws.cell(row=[r[0] for r in cells(ws)].index("解决率") + 1, column=2).number_format == "0.0%"
    assert find_row(ws, "客户满意率（CSAT）")[4:6] == ["7 个回答", "2 个回答"]
    assert find_row(ws, "满意度评分均值")[1:3] == pytest.approx([3.25, 3.5])
    assert find_row(ws, "效率评分均值")[2:4] == [None, "—"]
    assert find_row(ws, "电话")[1:4] == [2, 1, 1]
    notes = [r[0] for r in cells(ws) if r[0]]
    assert "本期退回 1 行未计入统计，见 rejects.xlsx / 数据质量。" in notes
    assert cells(wb["数据质量"])[0][0].startswith("本期退回 1 行")


def test_sla_followup_people_and_quality_sheets(tmp_path):
    path, _ = build(tmp_path)
    wb = openpyxl.load_workbook(path)
    sla = cells(wb["时效"])
    issue = FORMS["issue_feedback"].name
    assert [r[2] for r in sla if r[0] == issue and r[1] == "信息核查"] == ["高", "中", "低"]  # form order
    rows = cells(wb["超时明细"])
    assert any("工作时间" in str(r[0]) for r in rows[:3])  # how the overrun is counted
    heads = [i for i, r in enumerate(rows) if r[0] == "表单"]
    assert len(heads) == 2 and rows[heads[0]][6] == "超时时长"
    late = rows[heads[0] + 1 : heads[1] - 2]
    assert [r[1] for r in late] == [
        "FW202611200001",
        "FB202611170001",
        "FB202611180001",
        "20261118001",
        "20261121001",
    ]
    assert [r[6] for r in late] == ["1小时", "30分钟", "45分钟", "10分钟", "20分钟"]
    assert ("20261118001", "客服忙线") == (late[3][1], late[3][7])
    still_open = [r[1] for r in rows[heads[1] + 1 :] if r[1]]
    assert still_open == ["FB202611180001"]  # 逾期未完成 only here, not among the late ones
    follow = [r for r in cells(wb["跟进清单"]) if r[0] in ("复盘", "未解决跟进", "二次回访", "补写超时原因")]
    assert len(follow) == 9
    assert any("基本满意" in str(r[0]) for r in cells(wb["跟进清单"])[:3])  # the review rule is on the sheet
    assert find_row(wb["人员与部门"], "员工甲")[1:5] == [2, 5, 0.8, 5.0]
    quality = {r[0]: r for r in cells(wb["数据质量"])}
    assert quality["a.xlsx"][1:5] == [5, 4, 1, 0]
    assert quality["c.xlsx"][5] == "不是有效的工作簿"


def test_native_charts_are_present(tmp_path):
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = "".join(z.read(n).decode("utf-8") for n in charts)
    assert len(charts) == 2 + 4  # satisfaction trend, compliance per stage, a Pareto per form with tickets
    assert "<c:lineChart>" in xml and "<c:barChart>" in xml and 'barDir val="bar"' in xml
    assert "问题分类帕累托图" in xml and "各环节达标率" in xml


def test_categories_per_form_name_the_real_top_problem(tmp_path):
    path, result = build(tmp_path)
    rows = cells(openpyxl.load_workbook(path)["问题分类"])
    top: dict = {}
    for r in rows:  # the first table: each form's largest category (the routing table comes later)
        if r[0] in {g.form for g in result.figures.category_groups}:
            top.setdefault(r[0], r[1:5])
    assert top[FORMS["issue_feedback"].name] == ["产品质量", 2, pytest.approx(2 / 3), 3]
    assert top[FORMS["response_log"].name][0] == "产品质量、技术故障（并列）"
    routing = [r for r in rows if r[0] == FORMS["complaint_followup"].name and r[1] == "质量"]
    assert routing[-1][2] == "售后部"  # the complaint form's 售后 under the name the other forms use


def test_every_column_fits_its_content(tmp_path):
    """No cell is cut and no number shows ###: a number or date fits its column; a text fits, wraps,
    or runs into empty cells to its right (titles and notes)."""
    path, _ = build(tmp_path)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        sizes = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}

        def width(col: int, sizes: dict = sizes) -> float:
            return sizes.get(col, 8.43)  # Excel's default width

        last = ws.max_column
        values = {(c.row, c.column) for r in ws.iter_rows() for c in r if c.value is not None}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                if c.is_date:
                    assert width(c.column) >= 16, (ws.title, c.coordinate)
                elif isinstance(c.value, (int, float)):
                    shown = f"{c.value * 100:.1f}%" if "%" in c.number_format else f"{c.value:.2f}"
                    assert width(c.column) >= len(shown), (ws.title, c.coordinate)
                elif not c.alignment.wrap_text:
                    room, col = width(c.column), c.column + 1
                    while col <= last + 20 and (c.row, col) not in values:
                        room += width(col) if col <= last else 8.43
                        col += 1
                    size = (c.font.sz or 10) / 10
                    assert room >= text_width(c.value) * size, (ws.title, c.coordinate, c.value, room)


def test_text_width_counts_cjk_double():
    assert text_width("FB202611170001") == 14
    assert text_width("产品售后服务单客户反馈信息表") == 28
    assert text_width("第一行\n更长的第二行") == 12


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
