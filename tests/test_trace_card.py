"""trace names a card by its cells (the id cell and the first problem cell), not by the id cell's row."""

from __future__ import annotations

import json

from click.testing import CliRunner
from layouts import card_sheet, new_book

from svcsheet.cli import cli
from svcsheet.forms import get_form


def test_trace_of_a_card_names_its_id_cell_and_its_problem_cell(tmp_path):
    wb, ws = new_book()
    ws.title = "流程卡1"
    refs = card_sheet(
        ws,
        get_form("service_card"),
        {
            "order_no": "GD202611200001",
            "customer_name": "李先生",
            "phone": "139****5678",
            "request_category": "故障维修",
            "service_type": "现场维修",
            "priority": "中",
            "product_model": "X-2024",
            "request_detail": "开机无反应",
            "request_time": "2026-11-20 15:00",
            "actual_done": "2026-11-20 09:00",  # before the request: an error at this cell
        },
    )
    (tmp_path / "in").mkdir()
    wb.save(tmp_path / "in" / "card.xlsx")
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["run", str(tmp_path / "in"), "--out", str(out), "--as-of", "2026-11-23 09:00"])
    assert done.exit_code in (0, 1), done.output
    [hit] = [t for t in json.loads((out / "trace.json").read_text(encoding="utf-8"))["tickets"]]
    problem = refs["actual_done"]
    assert (hit["layout"], hit["id_cell"], hit["cell"]) == ("card", refs["order_no"], problem)
    assert hit["row"] == int(problem[1:])  # as rejects.xlsx: the problem's row, not the id cell's
    shown = CliRunner().invoke(cli, ["trace", "GD202611200001", "--out", str(out)])
    assert shown.exit_code == 0, shown.output
    assert f"卡片（编号 {refs['order_no']}，第一个问题 {problem}）" in shown.output
    assert f"第 {int(refs['order_no'][1:])} 行" not in shown.output
