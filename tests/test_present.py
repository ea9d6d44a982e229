"""What people see: outputs rendered by LibreOffice as printed, history list/forget, the terminal."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from svcsheet.cli import _middle, cli

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = ["--as-of", "2026-11-23 09:00"]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("present")
    with pytest.MonkeyPatch.context() as mp:  # module scope runs before the autouse key fixture: same key here
        mp.setenv("SVCSHEET_KEY", "test-key-not-secret")
        mp.setenv("XDG_CONFIG_HOME", str(folder / "config"))
        res = CliRunner().invoke(cli, ["run", str(SAMPLES), "--out", str(folder / "out"), *AS_OF])
    assert res.exit_code == 0, res.output
    return folder / "out"


@pytest.fixture(scope="module")
def pdf_text(sample_run, tmp_path_factory) -> dict[str, list[str]]:
    """clean, rejects and summary through LibreOffice (one soffice call): the text of each printed page."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or pdftotext not installed")
    tmp = tmp_path_factory.mktemp("lo")
    names = ("clean", "rejects", "summary")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf",
         "--outdir", str(tmp)] + [str(sample_run / f"{n}.xlsx") for n in names],
        capture_output=True, timeout=600, check=True,
    )  # fmt: skip
    pages = {}
    for n in names:
        text = subprocess.run(
            ["pdftotext", "-layout", str(tmp / f"{n}.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages[n] = text.split("\f")
    return pages


def test_printed_workbooks_show_every_id_whole_and_no_hashes(sample_run, pdf_text):
    for name, pages in pdf_text.items():
        assert not any("###" in p for p in pages), name
    printed = "".join(pdf_text["clean"])
    ids = set()
    for ws in openpyxl.load_workbook(sample_run / "clean.xlsx", read_only=True).worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows)
        if "编号" in header:  # 时效明细
            col = header.index("编号")
        else:
            col = header.index("客户标识") + 1  # the form's id comes first among its fields
        ids |= {str(r[col]) for r in rows if r[col]}
    assert len(ids) > 40
    cut = [i for i in ids if not re.search(rf"(?<![0-9A-Za-z]){re.escape(i)}(?![0-9])", printed)]
    assert cut == []  # FW2026111600 would be a cut FW202611160001
    # SLA verdicts are not cut either
    assert "未到期（截止 2026-" in printed or "超时 +" in printed


def test_rejects_print_one_page_wide_with_the_reason_beside_the_file(sample_run, pdf_text):
    pages = [p for p in pdf_text["rejects"] if p.strip()]
    assert len(pages) <= 8  # 13 rejected rows: a few pages, not 50
    for page in pages:
        if "退回原因" in page:  # a rejected-row sheet: file, row, cell, reason and id on the same page
            assert "来源文件" in page and "问题单元格" in page
        else:  # 全部问题: first and last column on the same page
            assert "级别" in page and "说明" in page
    assert all("第 " in p and " 页，共 " in p for p in pages)  # footer with the page


def _display_width(text: str) -> int:
    import unicodedata

    lines = text.split("\n")
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line) for line in lines)


def test_wrapped_text_never_runs_into_the_next_row(sample_run):
    """A wrapped cell whose text needs two lines or more at its column's width sits in a row at least two
    lines tall (else its second line is drawn over the next row, as opened and as printed)."""
    from openpyxl.utils import get_column_letter

    line = 14.0  # points per line of 10-pt text
    for name in ("clean", "rejects"):
        tall_enough = []
        for ws in openpyxl.load_workbook(sample_run / f"{name}.xlsx").worksheets:
            # a <col> element may cover several columns: openpyxl files it under the first one
            widths = {get_column_letter(c): d.width for d in ws.column_dimensions.values()
                      for c in range(d.min, d.max + 1)}  # fmt: skip
            for row in ws.iter_rows():
                for cell in row:
                    text = cell.value
                    if not isinstance(text, str) or not cell.alignment.wrap_text:
                        continue
                    # Excel's width unit is about one Latin character; a wide (CJK) character takes two
                    if "\n" in text.strip() or _display_width(text) > widths[cell.column_letter]:
                        height = ws.row_dimensions[cell.row].height
                        where = (name, ws.title, cell.coordinate, text)
                        assert height is not None and height >= 2 * line, where
                        tall_enough.append(cell.coordinate)
        assert len(tall_enough) >= 5, name  # 来源文件 of the sample rows, 退回原因 with several reasons


def test_card_rejects_point_at_the_problem_cells_row(sample_run):
    ws = openpyxl.load_workbook(sample_run / "rejects.xlsx")["全部问题"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    row_col, cell_col = head.index("行号"), head.index("单元格")
    for r in rows[1:]:
        if r[cell_col]:
            assert str(r[row_col]) == re.sub(r"^[A-Z]+", "", r[cell_col]), r


def test_history_list_and_forget_a_trial_run(tmp_path):
    runner = CliRunner()
    weekly, trial = tmp_path / "weekly", tmp_path / "trial"
    res = runner.invoke(cli, ["run", str(SAMPLES), "--out", str(weekly), *AS_OF])
    assert res.exit_code == 0 and "历史记录库：已更新" in res.output
    one = str(SAMPLES / "team_service_feedback_nov.xlsx")
    res = runner.invoke(cli, ["run", one, "--out", str(trial), *AS_OF])
    assert "历史记录库：未更新" in res.output  # a trial into a new folder leaves the team's history alone
    listed = runner.invoke(cli, ["history", "list", "--out", str(weekly)])
    assert listed.exit_code == 0 and str(trial.resolve()) not in listed.output
    # next week's folder beside this week's is the usual place: it is written
    nxt = runner.invoke(cli, ["run", one, "--out", str(tmp_path / "w48"), "--as-of", "2026-11-30 09:00",
                              "--period", "2026-W48"])  # fmt: skip
    assert "历史记录库：已更新" in nxt.output
    w48 = json.loads((tmp_path / "w48" / "run.json").read_text(encoding="utf-8"))["run_id"]
    assert runner.invoke(cli, ["history", "forget", w48, "--out", str(weekly)]).exit_code == 0
    res = runner.invoke(cli, ["run", one, "--out", str(trial), *AS_OF, "--history", str(tmp_path / "svcsheet-history.sqlite")])
    assert "历史记录库：已更新" in res.output  # asked for
    listed = runner.invoke(cli, ["history", "list", "--out", str(weekly)])
    run_ids = re.findall(r"│ ([0-9a-f]{16}) ", listed.output)
    trial_id = json.loads((trial / "run.json").read_text(encoding="utf-8"))["run_id"]
    assert trial_id in run_ids and len(run_ids) == 2
    res = runner.invoke(cli, ["history", "forget", trial_id, "--out", str(weekly)])
    assert res.exit_code == 0 and "已从历史记录库" in res.output
    listed = runner.invoke(cli, ["history", "list", "--out", str(weekly)])
    assert trial_id not in listed.output and len(re.findall(r"│ ([0-9a-f]{16}) ", listed.output)) == 1
    res = runner.invoke(cli, ["history", "forget", trial_id, "--out", str(weekly)])
    assert res.exit_code == 2 and "没有运行" in res.output


def test_file_names_are_shortened_in_the_middle():
    names = ["sample_workbooks/issue_feedback_2026-11.xlsx", "sample_workbooks/service_feedback_2026-11.xlsx"]
    short = [_middle(n, 34) for n in names]
    assert short[0] == "sampl…/issue_feedback_2026-11.xlsx" and len(short[1]) == 34
    assert short[1].endswith("/service_feedback_2026-11.xlsx")  # the file name whole: the two stay apart
    cut = _middle("sample_workbooks/team_service_card_cards_nov.xlsx", 20)
    assert cut.startswith("team_ser") and cut.endswith("nov.xlsx") and "…" in cut and len(cut) == 20
    assert _middle("a.xlsx", 30) == "a.xlsx"


def test_partial_month_says_so_and_compares_like_for_like(tmp_path):
    res = CliRunner().invoke(
        cli, ["run", str(SAMPLES), "--out", str(tmp_path / "m"), "--period", "2026-11", *AS_OF, "--history", "off"]
    )
    assert "2026-11-01 至 2026-11-23（截至）" in res.output
    html = (tmp_path / "m" / "report.html").read_text(encoding="utf-8")
    assert "上期：2026-10（2026-10-01 至 2026-10-23（截至））" in html


def test_staff_shown_one_way_and_resolved_locally(sample_run):
    html = (sample_run / "report.html").read_text(encoding="utf-8")
    follow = html.split('id="followups"')[1].split("</section>")[0]
    assert "*工号" not in follow and "工号007" in follow  # one spelling per staff number
    assert re.search(r"<td>(已解决|处理中|协商中|部分解决|未解决)", follow)  # 状态 from the row
    pseudonym = re.search(r"员工-[a-z0-9]{4}", follow).group(0)
    res = CliRunner().invoke(cli, ["staff", str(SAMPLES), "--find", pseudonym])
    assert res.exit_code == 0 and pseudonym in res.output
    assert re.search(r"│ [\u4e00-\u9fff]{2,3} +│", res.output)  # the name behind it, on the terminal only
    assert CliRunner().invoke(cli, ["staff", str(SAMPLES), "--find", "员工-zzzz"]).exit_code == 1


def test_common_issue_models_one_per_model_with_the_product_apart():
    from svcsheet.outputs.figures import _models

    models, products = _models([("X-2024", 2), ("X-2024 空气净化器", 1), ("x-2024 空气净化器（批次 B2311）", 1)])
    assert (models, products) == ("X-2024（4）", "空气净化器")
    assert _models([("KFR-35GW", 3), ("空调", 1)]) == ("KFR-35GW（3）", "空调")


def test_unsupported_files_are_listed_with_the_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "response_log_2026-11.xlsx", folder)
    (folder / "导出.csv").write_text("问题编号,客户名称\n20261118001,张先生\n", encoding="utf-8")
    (folder / "记录.et").write_bytes(b"\xd0\xcf\x11\xe0")
    res = CliRunner().invoke(cli, ["validate", str(folder), *AS_OF])
    assert "未读取 in/导出.csv：CSV" in res.output and "未读取 in/记录.et：WPS" in res.output


def test_unsupported_files_are_in_run_json_but_do_not_make_the_run_fail(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "response_log_2026-11.xlsx", folder)
    (folder / "导出.csv").write_text("问题编号,客户名称\n20261118001,张先生\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(folder), "--out", str(out), "--history", "off", *AS_OF])
    assert res.exit_code == 0, res.output
    skipped = json.loads((out / "run.json").read_text(encoding="utf-8"))["skipped_inputs"]
    assert [s["path"] for s in skipped] == ["in/导出.csv"] and "另存为 .xlsx" in skipped[0]["reason"]


def test_common_issues_are_read_whole_on_a_desktop_screen(sample_run, tmp_path):
    import json
    import re

    from tests.test_report_html import CHROMIUM, PROBE, chromium

    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    html = (sample_run / "report.html").read_text(encoding="utf-8")
    assert "B2311" in html.split('id="common"')[1].split("</section>")[0]  # 集中批次 of 空气净化器无法开机
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dumped = chromium(probe, "1280,900", tmp_path, "--dump-dom")
    data = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dumped.stdout, re.S).group(1).replace("&quot;", '"'))
    common = [t for t in data["tables"] if t["section"] == "common"]
    assert common and all(t["fits"] for t in common), common  # no sideways scrolling at 1280 px
