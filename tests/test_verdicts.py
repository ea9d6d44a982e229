"""Valid input must get the right verdict: ids typed the seed's way, staff written *工程师, a date typed into a
time-formatted cell, example rows left in (例 typed as U+F9B5 as well), a service finished before it was requested
(issue 10)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from builders import cell_of, good_response_log_row, list_workbook
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from layouts import card_sheet, new_book
from openpyxl import load_workbook

from svcsheet.audit import ledger
from svcsheet.checking.parse import canonical_ticket_id, parse_row, ticket_lookup_ids
from svcsheet.checking.values import is_masked_staff
from svcsheet.cli import cli
from svcsheet.forms import get_form, load_forms
from svcsheet.pipeline import RunOptions, run
from svcsheet.reading.reader import read_workbook

AS_OF = datetime(2026, 11, 23, 9, 0)
FORMS = load_forms()


def _run(inputs: list[Path], out: Path | None = None, store: Path | None = None):
    return run(RunOptions(inputs=inputs, out=out, as_of=AS_OF, store=store))


def _sheet(path: Path, title: str) -> list[dict[str, Any]]:
    """The rows of one output sheet as header -> value."""
    ws = load_workbook(path, read_only=True)[title]
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, r, strict=False)) for r in rows]


def _cells(path: Path, title: str) -> list[str]:
    """Every non-empty cell of one output sheet, as text."""
    ws = load_workbook(path, read_only=True)[title]
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def _findings(result, code: str) -> list:
    return [f for f in result.findings if f.code == code]


def issue_row(n: int, **over: Any) -> dict[str, Any]:
    """A valid issue_feedback row (反馈编号 FB20261117 + 4-digit serial)."""
    row = {
        "feedback_no": f"FB20261117{n:04d}",
        "customer_name": "*先生",
        "phone": "138****5678",
        "feedback_time": "2026-11-17 09:30",
        "issue_type": "产品质量",
        "description": "洗衣机脱水时噪音很大",
        "customer_request": "维修",
        "priority": "低",
        "channel": "APP",
        "status": "处理中",
        "handler": "*经理",
    }
    row.update(over)
    return row


# --- 1. ids typed without the FB prefix ------------------------------------------------------------------------


def test_an_id_typed_without_fb_travels_as_the_canonical_id_in_every_output(tmp_path):
    folder, out, store = tmp_path / "in", tmp_path / "week" / "out", tmp_path / "store"
    folder.mkdir()
    list_workbook(
        folder / "a.xlsx", "issue_feedback", [issue_row(1, feedback_no="202611170001", satisfaction=2)]
    )
    result = _run([folder], out, store)

    [row] = result.rows
    assert row.ticket_id == "FB202611170001" and not row.rejected
    [warn] = _findings(result, "id_normalised")
    assert warn.cell == "A3" and warn.severity == "warning"
    assert warn.message == (
        "「反馈编号」缺少前缀 FB，填写的 202611170001 已按 FB202611170001 处理，请在原表中改为 FB202611170001。"
    )

    [clean] = _sheet(out / "clean.xlsx", "客户服务问题反馈表")
    assert clean["反馈编号"] == "FB202611170001"
    # the id as the agent typed it, in a column beside the canonical one
    assert clean["反馈编号(说明)"] == "原填写 202611170001"
    assert "A3 「反馈编号」缺少前缀 FB，填写的 202611170001" in clean["提示"]
    detail = _sheet(out / "clean.xlsx", "时效明细")
    assert {d["编号"] for d in detail} == {"FB202611170001"}
    for sheet in ("跟进清单", "超时明细"):  # the follow-up list (satisfaction 2) and the late stages
        assert ["FB202611170001"] == [v for v in _cells(out / "summary.xlsx", sheet) if "202611170001" in v]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "FB202611170001" in html and ">202611170001" not in html

    trace = json.loads((out / "trace.json").read_text(encoding="utf-8"))
    assert [t["ticket_id"] for t in trace["tickets"]] == ["FB202611170001"]
    with sqlite3.connect(tmp_path / "week" / "svcsheet-history.sqlite") as conn:
        assert conn.execute("SELECT ticket_id FROM tickets").fetchall() == [("FB202611170001",)]
    with ledger.connect(store) as conn:
        assert [r[0] for r in conn.execute("SELECT ticket_id FROM tickets")] == ["FB202611170001"]
        assert [r[0] for r in conn.execute("SELECT ticket_id FROM file_tickets")] == ["FB202611170001"]

    # returns/: the agent's copy points at the cell holding the short id
    [copy] = (out / "returns").rglob("*.xlsx")
    comment = load_workbook(copy)[get_form("issue_feedback").name]["A3"].comment
    assert comment is not None and "FB202611170001" in comment.text


@pytest.mark.parametrize("typed", ["202611170001", "FB202611170001"])
def test_trace_finds_the_ticket_by_the_id_with_or_without_fb(tmp_path, typed):
    folder, out, store = tmp_path / "in", tmp_path / "out", tmp_path / "store"
    folder.mkdir()
    list_workbook(folder / "a.xlsx", "issue_feedback", [issue_row(1, feedback_no="202611170001")])
    _run([folder], out, store)
    for where in (["--out", str(out)], ["--store", str(store)]):
        hit = CliRunner().invoke(cli, ["trace", typed, *where, "--json"])
        assert hit.exit_code == 0, hit.output
        assert {h["ticket_id"] for h in json.loads(hit.output)} == {"FB202611170001"}


def test_the_same_ticket_typed_with_and_without_fb_is_a_duplicate(tmp_path):
    list_workbook(tmp_path / "a.xlsx", "issue_feedback", [issue_row(2, feedback_no="FB202611170002")])
    list_workbook(tmp_path / "b.xlsx", "issue_feedback", [issue_row(2, feedback_no="202611170002")])
    result = _run([tmp_path / "a.xlsx", tmp_path / "b.xlsx"])
    assert all(r.rejected for r in result.rows) and len(result.rows) == 2
    dups = _findings(result, "id_duplicate")
    assert sorted(f.file for f in dups) == ["a.xlsx", "b.xlsx"]
    assert {f.ticket_id for f in dups} == {"FB202611170002"}


def test_a_reader_finding_on_a_short_id_row_carries_the_canonical_id(tmp_path):
    list_workbook(
        tmp_path / "a.xlsx", "issue_feedback", [issue_row(3, feedback_no="202611170003", remark="#DIV/0!")]
    )
    result = _run([tmp_path / "a.xlsx"])
    assert {f.ticket_id for f in result.findings} == {"FB202611170003"}


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_a_bare_id_and_its_fb_form_are_one_ticket(digits):
    form = get_form("issue_feedback")
    assert canonical_ticket_id(form, digits) == canonical_ticket_id(form, "FB" + digits) == "FB" + digits
    assert "FB" + digits in ticket_lookup_ids(digits) and digits in ticket_lookup_ids(digits)
    # other forms keep their ids as typed: a 12-digit complaint number is not an issue_feedback id
    assert canonical_ticket_id(get_form("complaint_followup"), digits) == digits


def test_a_full_width_short_id_is_completed_too():
    assert canonical_ticket_id(get_form("issue_feedback"), "２０２３１００１０００１") == "FB202310010001"


# --- 2. staff written the seeds' way ---------------------------------------------------------------------------

STAFF_TYPED = ["*经理", "*工程师", "*工号001", "*客服", "客服代表*", "*客服代表", "工程师*"]


def _complaint_card(path: Path, owner: str) -> dict[str, str]:
    wb, ws = new_book()
    ws.title = "投诉单"
    values = {
        "complaint_no": "TS202611180001",
        "customer_name": "陈先生",
        "product": "X-2024 空气净化器",
        "complaint_type": "质量",
        "description": "开不了机",
        "owner": owner,
        "owner_dept": "售后",
        "status": "已解决",
        "received_time": "2026-11-18 09:40",
        "handled_time": "2026-11-20 11:00",
    }
    refs = card_sheet(ws, get_form("complaint_followup"), values)
    wb.save(path)
    return refs


@pytest.mark.parametrize("owner", STAFF_TYPED)
def test_a_complaint_card_whose_owner_is_written_with_a_starred_name_is_accepted(tmp_path, owner):
    refs = _complaint_card(tmp_path / "card.xlsx", owner)
    result = _run([tmp_path / "card.xlsx"], tmp_path / "out")
    [row] = result.rows
    assert not _findings(result, "required_missing")
    assert not row.rejected
    # the owner as parsed (a run keeps only the de-identified values once its rows are de-identified)
    [raw] = read_workbook(tmp_path / "card.xlsx").rows
    assert parse_row(raw, get_form("complaint_followup")).value("owner") == owner
    assert row.cells["owner"].ref == refs["owner"]
    [clean] = _sheet(tmp_path / "out" / "clean.xlsx", get_form("complaint_followup").name[:31])
    assert clean["责任人"]  # shown (masked or as typed), never empty


@pytest.mark.parametrize("typed", STAFF_TYPED + ["*工号 002", "区域工程师*", "售后服务主管*"])
def test_a_role_with_the_name_starred_out_is_a_staff_value(typed):
    assert is_masked_staff(typed)


@pytest.mark.parametrize(
    "label", ["工程师", "客服代表", "责任人", "*处理人", "*所属部门", "王经理", "工程师 *"]
)
def test_labels_and_plain_names_are_not_starred_staff_values(label):
    assert not is_masked_staff(label)


def test_no_label_of_any_form_reads_as_a_starred_staff_value():
    labels = {label for form in load_forms().values() for f in form.fields for label in f.all_labels()}
    assert not [label for label in labels if is_masked_staff(label) or is_masked_staff(label + " *")]


# --- 3. a date typed into a cell formatted with a time -----------------------------------------------------------


def _urgent_log(path: Path, received: Any, number_format: str | None = None) -> str:
    """One 紧急 response_log row first answered at 14:45 on 2026-11-20; returns the 接收时间 cell."""
    row = good_response_log_row(
        1,
        urgency="紧急",
        received_time=received,
        first_response_time="2026-11-20 14:45",
        resolved_time="2026-11-20 17:00",
        overdue_reason="客服忙线",
    )
    list_workbook(path, "response_log", [row])
    ref = cell_of("response_log", "received_time", 3)
    if number_format:
        wb = load_workbook(path)
        wb.active[ref].number_format = number_format
        wb.save(path)
    return ref


@pytest.mark.parametrize("fmt", ["yyyy-mm-dd hh:mm", "yyyy/m/d h:mm", 'yyyy"年"m"月"d"日" hh"时"mm"分"'])
def test_a_date_typed_into_a_time_formatted_cell_is_not_judgeable_like_the_same_date_as_text(tmp_path, fmt):
    ref = _urgent_log(tmp_path / "cell.xlsx", datetime(2026, 11, 20), fmt)  # 2026-11-20 or 11月20日 typed
    _urgent_log(tmp_path / "text.xlsx", "2026-11-20")
    cell, text = (_run([tmp_path / name]) for name in ("cell.xlsx", "text.xlsx"))
    for result in (cell, text):
        verdict = result.rows[0].sla["first_response"]
        assert verdict.outcome == "无法判定" and not result.rows[0].rejected
    assert cell.rows[0].value("received_time") == text.rows[0].value("received_time")
    [warn] = _findings(cell, "time_midnight")
    assert warn.cell == ref and warn.severity == "warning"
    assert warn.message.startswith("「接收时间」的时刻是 00:00，像是只填了日期")


def test_a_time_formatted_cell_with_a_real_time_is_judged(tmp_path):
    _urgent_log(tmp_path / "a.xlsx", datetime(2026, 11, 20, 14, 15), "yyyy-mm-dd hh:mm")
    result = _run([tmp_path / "a.xlsx"])
    assert result.rows[0].sla["first_response"].cell_text() == "超时 +15分钟"
    assert not _findings(result, "time_midnight")


# --- 4. example rows ---------------------------------------------------------------------------------------------


def test_the_paper_tables_example_row_with_its_id_completed_is_rejected_as_an_example(tmp_path):
    seed = {"issue_no": "20231001001", "description": "设备无法启动", "received_time": "2023-10-01 09:30"}
    list_workbook(
        tmp_path / "a.xlsx",
        "response_log",
        [good_response_log_row(1, **seed, first_response_time="2023-10-01 09:45", resolved_time=None)],
    )
    result = _run([tmp_path / "a.xlsx"], tmp_path / "out")
    [row] = result.rows
    assert row.rejected
    [found] = _findings(result, "example_row")
    assert found.cell == "A3" and found.message == "这一行是模板自带的示例，请删除后再提交。"
    [rejected] = _sheet(tmp_path / "out" / "rejects.xlsx", "退回-售后服务响应时间与解决方案表")
    assert rejected["问题编号"] == "20231001001"


@pytest.mark.parametrize("typed_id", ["202310010001", "FB202310010001", "ＦＢ２０２３１００１０００１"])
def test_the_guides_example_row_is_an_example_with_its_id_in_any_accepted_form(tmp_path, typed_id):
    example = get_form("issue_feedback").examples[0]
    list_workbook(
        tmp_path / "a.xlsx",
        "issue_feedback",
        [issue_row(1, feedback_no=typed_id, description=example["description"], remark="示例")],
    )
    result = _run([tmp_path / "a.xlsx"])
    assert result.rows[0].rejected and result.rows[0].ticket_id == "FB202310010001"
    assert [f.cell for f in _findings(result, "example_row")] == ["A3"]


@pytest.mark.parametrize("mark", ["示例", "【样例】", "此行为示例，请删除", "填写示例", "(示例数据)"])
def test_a_row_marked_as_an_example_in_any_cell_is_rejected_at_that_cell(tmp_path, mark):
    list_workbook(tmp_path / "a.xlsx", "response_log", [good_response_log_row(1, remark=mark)])
    result = _run([tmp_path / "a.xlsx"], tmp_path / "out")
    assert result.rows[0].rejected
    [found] = _findings(result, "example_marked")
    assert found.cell == cell_of("response_log", "remark", 3)
    assert found.message == f"「备注」写着“{mark}”，这一行是示例而不是真实工单，请删除后再提交。"
    assert len(_sheet(tmp_path / "out" / "rejects.xlsx", "退回-售后服务响应时间与解决方案表")) == 1


@pytest.mark.parametrize("text", ["按说明书示例操作仍然连不上", "客户要求提供样例机对比", "示例代码运行报错"])
def test_a_description_that_mentions_an_example_is_a_real_ticket(tmp_path, text):
    list_workbook(tmp_path / "a.xlsx", "response_log", [good_response_log_row(1, description=text)])
    result = _run([tmp_path / "a.xlsx"])
    assert not result.rows[0].rejected


# --- 5. completion before the request ----------------------------------------------------------------------------


def _service_card_row(**over: Any) -> dict[str, Any]:
    row = {
        "order_no": "GD202611200001",
        "customer_name": "李先生",
        "phone": "139****5678",
        "product_model": "X-2024",
        "request_detail": "开机无反应",
        "request_category": "故障维修",
        "service_type": "现场维修",
        "priority": "中",
        "request_time": "2026-11-20 15:00",
        "actual_done": "2026-11-20 09:00",
    }
    row.update(over)
    return row


def test_a_service_card_completed_before_it_was_requested_is_rejected_at_the_completion_cell(tmp_path):
    wb, ws = new_book()
    ws.title = "流程卡1"
    refs = card_sheet(ws, get_form("service_card"), _service_card_row())
    wb.save(tmp_path / "card.xlsx")
    list_workbook(tmp_path / "list.xlsx", "service_card", [_service_card_row(order_no="GD202611200002")])
    result = _run([tmp_path / "card.xlsx", tmp_path / "list.xlsx"])
    assert len(result.rows) == 2 and all(r.rejected for r in result.rows)
    found = sorted(_findings(result, "time_order"), key=lambda f: f.file)
    assert [(f.file, f.cell) for f in found] == [
        ("card.xlsx", refs["actual_done"]),
        ("list.xlsx", cell_of("service_card", "actual_done", 3)),
    ]
    assert found[0].message == "「实际完成时间」早于「需求提出时间」，时间顺序不可能，请核对两处时间。"


def test_a_service_card_completed_after_its_request_the_same_day_is_accepted(tmp_path):
    list_workbook(tmp_path / "a.xlsx", "service_card", [_service_card_row(actual_done="2026-11-20 17:30")])
    assert not _run([tmp_path / "a.xlsx"]).rows[0].rejected


def test_a_service_order_done_before_it_was_taken_is_rejected(tmp_path):
    row = {
        "service_no": "FW202611200001",
        "customer_name": "李先生",
        "phone": "139****5678",
        "product_model": "KFR-35GW",
        "purchase_date": "2026-01-05",
        "service_type": "维修",
        "request_time": "2026-11-20 15:00",
        "problem_description": "空调不制冷",
        "service_done_time": "2026-11-20 09:00",
    }
    list_workbook(tmp_path / "a.xlsx", "service_feedback", [row])
    result = _run([tmp_path / "a.xlsx"])
    [found] = _findings(result, "time_order")
    assert found.cell == cell_of("service_feedback", "service_done_time", 3)
    assert found.message == "「服务完成时间」早于「受理时间」，时间顺序不可能，请核对两处时间。"


def test_an_id_typed_in_lower_case_on_the_terminal_finds_the_ticket():
    assert "FB202310010001" in ticket_lookup_ids("fb202310010001")


def test_only_li_and_its_twin_normalise_to_li() -> None:
    """The example-row check looks only at texts holding 例 or U+F9B5: no other character's NFKC holds 例 (so no
    text without them can say 示例/样例/范例 once normalised)."""
    import sys
    import unicodedata

    from svcsheet.checking import validate

    found = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and "例" in unicodedata.normalize("NFKD", chr(c))
    }
    assert found == {validate._LI, validate._LI_TWIN}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["示例", "樣例", "样\uf9b5", "范例", "此行", "请删除", "（", "】", " ", "张伟", "例", "示", 7]
        ),
        min_size=3,
        max_size=3,
    )
)
def test_example_mark_sees_every_spelling_of_li(cells: list) -> None:
    """The cell marking a row as an example is found whichever 例 it was typed with (U+F9B5 or 例): the same
    field as for the row typed with 例 alone, and none when no cell marks it."""
    from svcsheet.checking import validate
    from svcsheet.checking.parse import parse_row
    from svcsheet.compact import CompactCells
    from svcsheet.records import Provenance, RawRow

    form = FORMS["service_feedback"]
    keys = [f.key for f in form.fields[1:4]]

    def mark(values: list) -> str | None:
        layout = tuple((k, "BCD"[i]) for i, k in enumerate(keys))
        raw = RawRow(form.key, Provenance("f.xlsx", "表1", 5), CompactCells(layout, 5, tuple(values)), "list")
        spec = validate._example_mark(parse_row(raw, form), form)
        return None if spec is None else spec.key

    plain = [v.replace("\uf9b5", "例") if isinstance(v, str) else v for v in cells]
    want = next(
        (k for k, v in zip(keys, plain, strict=True) if isinstance(v, str) and validate._marks_example(v)),
        None,
    )
    assert mark(cells) == mark(plain) == want
