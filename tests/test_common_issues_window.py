"""Common issues build up across weekly runs through the history store."""

from __future__ import annotations

from datetime import datetime

import openpyxl
from builders import good_response_log_row, list_workbook

from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)


def _rows(serials_and_times: list[tuple[int, str]]) -> list[dict]:
    return [
        good_response_log_row(
            n,
            phone=f"1391234{n:04d}",  # one customer per row
            description="热水器用了几天就漏水，底下一滩水",
            received_time=when,
            first_response_time=None,
        )
        for n, when in serials_and_times
    ]


def _marked(out) -> list[str]:
    wb = openpyxl.load_workbook(out / "clean.xlsx", read_only=True)
    ws = (
        wb["售后服务响应时间与解决方案表"]
        if "售后服务响应时间与解决方案表" in wb.sheetnames
        else wb.worksheets[0]
    )
    rows = list(ws.iter_rows(values_only=True))
    col = rows[0].index("共性问题")
    return [r[col] for r in rows[1:] if r[col]]


def test_a_problem_reaching_three_customers_in_the_second_week_is_flagged_with_its_earlier_rows(tmp_path):
    (tmp_path / "in1").mkdir()
    (tmp_path / "in2").mkdir()
    w1 = list_workbook(
        tmp_path / "in1" / "w46.xlsx",
        "response_log",
        _rows([(1, "2026-11-10 10:00"), (2, "2026-11-12 15:00")]),
    )
    w2 = list_workbook(tmp_path / "in2" / "w47.xlsx", "response_log", _rows([(3, "2026-11-17 10:00")]))
    first = run(RunOptions(inputs=[w1], out=tmp_path / "w46", as_of=AS_OF, period="2026-W46"))
    assert first.clustering.common == []  # two customers so far: not yet a common issue
    second = run(RunOptions(inputs=[w2], out=tmp_path / "w47", as_of=AS_OF, period="2026-W47"))
    [issue] = second.clustering.common
    assert (issue.customers, issue.rows) == (3, 3)  # the first week's two rows count
    assert _marked(tmp_path / "w47") == [issue.id]  # this run's row carries the id in clean.xlsx
    [view] = second.figures.common  # what the report and summary.xlsx show
    assert (view.customers_period, view.customers, view.first_seen, view.status) == (1, 3, "2026-11-10", "持续")
    html = (tmp_path / "w47" / "report.html").read_text(encoding="utf-8")
    assert "本期客户数" in html and "2026-11-10" in html
    # re-running the second week replaces it in the history: still three customers, not four
    again = run(RunOptions(inputs=[w2], out=tmp_path / "w47b", as_of=AS_OF, period="2026-W47"))
    assert [(c.customers, c.rows, c.id) for c in again.clustering.common] == [(3, 3, issue.id)]
