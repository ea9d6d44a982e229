"""Figures against values computed by hand on a small fixture of Rows built directly.

The fixture (week 2026-W47 is 2026-11-16..22, as-of Monday 2026-11-23 09:00):
8 accepted tickets in W47, 2 in W46, one rejected row (never counted) and an unreadable file.

The figures counted once (issue 12) are those counted item by item: a tally gives the compliance table of its
items, the trend found by bisection is each period's, and the compliance lines and bars count every judged stage.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcsheet.audit.history import TicketRecord
from svcsheet.forms import FORM_KEYS, load_forms
from svcsheet.outputs.figures import TrendPoint, _trend, compliance, compute_figures, tally_table, trend
from svcsheet.policy import load_policy
from svcsheet.records import Finding, Parsed, Provenance, Row
from svcsheet.sla.period import as_datetime, month_period, parse_period, week_period
from svcsheet.sla.verdicts import OUTCOMES, StageResult, compliance_table

FORMS = load_forms()
AS_OF = dt.datetime(2026, 11, 23, 9, 0)


def T(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute)


def stage(form: str, key: str, outcome: str, overrun: int | None = None, deadline=None) -> StageResult:
    return StageResult(
        stage=key,
        label=FORMS[form].stage(key).label,
        outcome=outcome,
        overrun_minutes=overrun,
        deadline=deadline,
    )


def make_row(
    form: str,
    ticket: str,
    file: str,
    line: int,
    values: dict,
    stages: dict | None = None,
    customer: str | None = None,
    findings: list[Finding] | None = None,
) -> Row:
    """A Row as the pipeline leaves it: parsed values, de-identified ``safe`` view (same values here), SLA."""
    row = Row(
        form=form,
        prov=Provenance(file, "Sheet1", line),
        cells={},
        values={k: Parsed(v) for k, v in values.items()},
        ticket_id=ticket,
        customer_key=customer or f"c-{ticket}",
    )
    row.safe = dict(values)
    row.safe[FORMS[form].id_field] = ticket
    row.sla = {k: stage(form, k, *(v if isinstance(v, tuple) else (v,))) for k, v in (stages or {}).items()}
    row.findings = list(findings or [])
    row.safe_findings = list(findings or [])
    return row


def finding(code: str, severity: str, file: str, line: int, message: str) -> Finding:
    return Finding(code, severity, file, "Sheet1", line, None, None, None, message)


def fixture_rows() -> dict[str, list[Row]]:
    a = [
        make_row(
            "issue_feedback",
            "FB202611170001",
            "a.xlsx",
            2,
            {
                "feedback_time": T(17, 10),
                "issue_type": "产品质量",
                "priority": "高",
                "channel": "电话",
                "handler": "员工甲",
                "status": "已闭环",
                "result": "已解决",
                "satisfaction": 5,
            },
            {"check": "达标", "analysis": "达标", "notice": ("超时", 30), "revisit": "达标"},
        ),
        make_row(
            "issue_feedback",
            "FB202611180001",
            "a.xlsx",
            3,
            {
                "feedback_time": T(18, 9),
                "issue_type": "物流配送",
                "priority": "中",
                "channel": "APP",
                "department": "物流部",
                "handler": "员工乙",
                "status": "处理中",
                "result": "未解决",
                "satisfaction": 1,
                "resolved_time": T(19, 10),
            },
            {
                "check": ("超时", 45),
                "analysis": ("逾期未完成", 120),
                "notice": "达标",
                "revisit": ("未到期", None, T(24, 18)),
            },
        ),
        make_row(
            "issue_feedback",
            "FB202611190001",
            "a.xlsx",
            4,
            {
                "feedback_time": T(19, 14),
                "issue_type": "产品质量",
                "priority": "低",
                "channel": "电话",
                "handler": "员工甲",
                "status": "已解决",
            },
            {"check": "达标", "analysis": "不适用", "notice": "不适用", "revisit": "不适用"},
        ),
        make_row(
            "issue_feedback",
            "FB202611100001",
            "a.xlsx",
            5,
            {
                "feedback_time": T(10, 9),
                "issue_type": "产品功能",
                "priority": "中",
                "channel": "电话",
                "department": "产品部",
                "handler": "员工乙",
                "status": "已闭环",
                "result": "已解决",
                "satisfaction": 4,
            },
            {"check": "达标"},
        ),
        # rejected: in the period, never counted
        make_row(
            "issue_feedback",
            "FB202611200009",
            "a.xlsx",
            6,
            {
                "feedback_time": T(20, 9),
                "issue_type": "服务态度",
                "priority": "高",
                "channel": "门店",
                "status": "已解决",
                "satisfaction": 1,
            },
            {},
            findings=[finding("required_missing", "error", "a.xlsx", 6, "「联系方式」为必填项，请填写。")],
        ),
    ]
    b = [
        make_row(
            "service_feedback",
            "FW202611170001",
            "b.xlsx",
            2,
            {
                "request_time": T(17, 8),
                "issue_category": "产品质量类",
                "urgency": "紧急",
                "efficiency_score": 4,
                "attitude_score": 5,
                "satisfaction_score": 4,
                "service_done_time": T(17, 15),
                "closure_time": T(20, 10),
                "suggestion": "上门前先电话确认时间",
            },
            {"invite": "达标", "classify": "达标", "closure": "达标"},
        ),
        make_row(
            "service_feedback",
            "FW202611200001",
            "b.xlsx",
            3,
            {
                "request_time": T(20, 9),
                "issue_category": "服务流程类",
                "urgency": "一般",
                "department": "运营部",
                "efficiency_score": 3,
                "attitude_score": 1,
                "satisfaction_score": 3,
                "service_done_time": T(20, 16),
                "suggestion": "配件到货后及时通知",
            },
            {"invite": ("超时", 60), "classify": "无法判定", "closure": ("未到期", None, T(25, 18))},
        ),
        make_row(
            "response_log",
            "20261118001",
            "b.xlsx",
            10,
            {
                "received_time": T(18, 10),
                "category": "技术故障",
                "urgency": "紧急",
                "handler": "员工丙",
                "result": "已解决",
                "satisfaction": "满意",
                "overdue_reason": "客服忙线",
            },
            {"first_response": ("超时", 10)},
        ),
        make_row(
            "response_log",
            "20261121001",
            "b.xlsx",
            11,
            {
                "received_time": T(21, 11),
                "category": "产品质量",
                "urgency": "一般",
                "handler": "员工丙",
                "result": "未解决",
                "satisfaction": "不满意",
            },
            {"first_response": ("超时", 20)},
            findings=[
                finding("overdue_reason_missing", "warning", "b.xlsx", 11, "首次响应已超时，请写明原因。")
            ],
        ),
        make_row(
            "complaint_followup",
            "TS-001",
            "b.xlsx",
            20,
            {
                "received_time": T(19, 9),
                "complaint_type": "质量",
                "owner": "员工丁",
                "owner_dept": "售后",
                "status": "协商中",
                "satisfaction": "基本满意",
                "improvement": "出厂前增加老化测试",
                "handled_time": T(20, 17),
            },
            {
                "verify": "达标",
                "submit": "达标",
                "review": "不适用",
                "progress": "达标",
                "followup": ("未到期", None, T(25, 18)),
            },
        ),
        make_row(
            "service_card",
            "WO-1",
            "b.xlsx",
            30,
            {
                "request_time": T(12, 10),
                "request_category": "故障维修",
                "priority": "紧急",
                "owner": "员工甲",
                "satisfaction": 3,
                "actual_done": T(12, 16),
            },
            {"register": "达标", "first_response": "达标"},
        ),
    ]
    return {"a.xlsx": a, "b.xlsx": b}


def fixture_result(
    period: str | None = None, history: Path | None = None, rows=None, as_of=AS_OF, policy=None
):
    rows = rows if rows is not None else fixture_rows()
    files = []
    for i, (name, rs) in enumerate(rows.items()):
        files.append(
            SimpleNamespace(
                name=name,
                sha256=f"{i:064d}",
                error=None,
                rows=rs,
                findings=[],
                rows_clean=sum(1 for r in rs if not r.rejected),
                rows_rejected=sum(1 for r in rs if r.rejected),
                warnings=sum(1 for r in rs for f in r.findings if f.severity == "warning"),
            )
        )
    files.append(
        SimpleNamespace(
            name="c.xlsx",
            sha256="f" * 64,
            error="不是有效的工作簿",
            rows=[],
            findings=[],
            rows_clean=0,
            rows_rejected=0,
            warnings=0,
        )
    )
    return SimpleNamespace(
        options=SimpleNamespace(period=period, history=history),
        policy=policy or load_policy(),
        as_of=as_of,
        files=files,
        rows=[r for f in files for r in f.rows],
        clustering=None,
        manifest={},
    )


@pytest.fixture(scope="module")
def fig():
    return compute_figures(fixture_result(), FORMS)


def test_default_period_is_the_week_of_the_latest_opening(fig):
    assert fig.period_label == "2026-W47"
    assert fig.title == "客户反馈周报"
    assert (fig.period.start, fig.period.end) == (T(16, 0), T(23, 0))
    assert (fig.in_period, fig.outside_period, fig.undated) == (8, 2, 0)


def test_kpis_match_hand_computed_values(fig):
    got = {k.key: (k.value, k.previous) for k in fig.kpis}
    assert got["tickets"] == (8, 2)
    assert got["resolved"] == (5 / 8, 1.0)
    assert got["closed"] == (2 / 6, 1 / 2)
    assert got["score:效率"] == (3.5, None)
    assert got["score:态度"] == (3.0, None)
    assert got["score:满意度"] == (13 / 4, 3.5)
    assert got["csat"] == (3 / 7, 1 / 2)
    assert got["sla"] == (11 / 17, 1.0)
    assert [k.key for k in fig.kpis][3:6] == ["score:效率", "score:态度", "score:满意度"]
    assert fig.kpi("tickets").change_text == "+6"
    assert fig.kpi("resolved").change_text == "-37.5个百分点"
    assert fig.kpi("score:满意度").change_text == "-0.25"
    assert fig.kpi("score:效率").change_text == "—"


def test_every_comparison_carries_the_previous_basis(fig):
    got = {k.key: (k.basis, k.previous_basis) for k in fig.kpis}
    assert got["tickets"] == (8, 2) and got["resolved"] == (8, 2)
    assert got["csat"] == (7, 2)  # answers, not tickets
    assert got["sla"] == (17, 3)  # judged stages: FB202611100001 check, WO-1 two stages
    assert fig.kpi("tickets").basis_text == "本期 8 张工单 / 上期 2 张工单"
    assert fig.kpi("sla").basis_text.endswith("上期 3 个环节")


def test_rejected_rows_are_counted_per_period():
    rows = fixture_rows()
    bad = [finding("required_missing", "error", "a.xlsx", 9, "「联系方式」为必填项，请填写。")]
    base = {"issue_type": "服务态度", "priority": "高", "channel": "门店", "status": "已解决"}
    rows["a.xlsx"] += [
        make_row(
            "issue_feedback", "FB202611110009", "a.xlsx", 9, {**base, "feedback_time": T(11)}, findings=bad
        ),
        make_row("issue_feedback", "FB202611000009", "a.xlsx", 10, dict(base), findings=bad),
    ]
    week = compute_figures(fixture_result(rows=rows), FORMS)
    assert (week.rejected_in_period, week.rejected_other, week.rejected_undated) == (1, 1, 1)
    assert week.rejected_note.startswith("本期退回 1 行未计入统计，见 rejects.xlsx / 数据质量")
    assert "另有 1 行退回且没有可用的受理时间" in week.rejected_note
    month = compute_figures(fixture_result(period="2026-11", rows=rows), FORMS)
    assert month.rejected_in_period == 2


def test_tickets_by_form_and_channel(fig):
    by_form = {c.label: (c.value, c.previous) for c in fig.by_form_period}
    assert [c.label for c in fig.by_form_period] == [f.name for f in FORMS.values()]
    assert by_form[FORMS["issue_feedback"].name] == (3, 1)
    assert by_form[FORMS["service_card"].name] == (0, 1)
    assert by_form[FORMS["response_log"].name] == (2, 0)
    assert [(c.label, c.value, c.previous) for c in fig.by_channel] == [("电话", 2, 1), ("APP", 1, 0)]


def test_compliance_per_form_stage_priority(fig):
    lines = {(c.form, c.stage, c.priority): c for c in fig.compliance}
    cf = FORMS["complaint_followup"]
    assert {c.priority for c in fig.compliance if c.form == cf.name} == {"不分级"}  # the form has no priority
    assert "未填写" not in {c.priority for c in fig.compliance}
    issue = FORMS["issue_feedback"].name
    check = FORMS["issue_feedback"].stage("check").label
    assert lines[(issue, check, "高")].counts["达标"] == 1
    assert lines[(issue, check, "中")].counts["超时"] == 1 and lines[(issue, check, "中")].rate == 0
    analysis = lines[(issue, FORMS["issue_feedback"].stage("analysis").label, "中")]
    assert analysis.counts["逾期未完成"] == 1
    log = FORMS["response_log"]
    assert lines[(log.name, log.stage("first_response").label, "紧急")].counts["超时"] == 1
    assert sum(sum(c.counts.values()) for c in fig.compliance) == 4 + 4 + 4 + 3 + 3 + 1 + 1 + 5
    bars = {b.label: b for b in fig.stage_bars}
    bar = bars[f"{issue}·{check}"]
    assert (bar.met, bar.breached, bar.overdue) == (2, 1, 0) and bar.rate == pytest.approx(2 / 3)


def test_breach_list_and_open_overdue_are_separate(fig):
    got = [(b.ticket_id, b.stage, b.outcome, b.overrun_minutes, b.reason) for b in fig.breaches]
    sf, iss, log = FORMS["service_feedback"], FORMS["issue_feedback"], FORMS["response_log"]
    assert got == [
        ("FW202611200001", sf.stage("invite").label, "超时", 60, None),
        ("FB202611170001", iss.stage("notice").label, "超时", 30, None),
        ("FB202611180001", iss.stage("check").label, "超时", 45, None),
        ("20261118001", log.stage("first_response").label, "超时", 10, "客服忙线"),
        ("20261121001", log.stage("first_response").label, "超时", 20, None),
    ]
    assert [(b.ticket_id, b.stage, b.outcome) for b in fig.open_overdue] == [
        ("FB202611180001", iss.stage("analysis").label, "逾期未完成")
    ]
    assert fig.breaches[0].overrun_text == "1小时"
    assert [b.priority for b in fig.breaches][:3] == ["一般", "高", "中"]


def test_priorities_follow_the_form_choice_order():
    sf, card = FORMS["service_feedback"], FORMS["service_card"]
    rows = {"x.xlsx": []}
    for i, (form, urgency) in enumerate(
        [
            (sf, "一般"),
            (sf, "建议优化"),
            (sf, None),
            (sf, "紧急"),
            (card, "低"),
            (card, "中"),
            (card, "紧急"),
            (card, "高"),
        ]
    ):
        key = "urgency" if form is sf else "priority"
        values = {"request_time": T(17, 8 + i), "issue_category": "其他"}
        if urgency:
            values[key] = urgency
        stages = {form.stages[0].key: "达标"}
        rows["x.xlsx"].append(make_row(form.key, f"{form.key}-{i}", "x.xlsx", i + 2, values, stages))
    fig = compute_figures(fixture_result(rows=rows), FORMS)
    assert [c.priority for c in fig.compliance if c.form == sf.name] == ["紧急", "一般", "建议优化", "未填写"]
    assert [c.priority for c in fig.compliance if c.form == card.name] == ["紧急", "高", "中", "低"]


def test_categories_are_a_pareto_per_form_with_its_own_list(fig):
    groups = {g.form: g for g in fig.category_groups}
    assert [g.form for g in fig.category_groups] == [
        FORMS[k].name for k in ("service_feedback", "issue_feedback", "complaint_followup", "response_log")
    ]  # form order; 服务单 has no ticket in the period
    iss = groups[FORMS["issue_feedback"].name]
    assert [(c.category, c.count, c.share) for c in iss.items] == [
        ("产品质量", 2, 2 / 3),
        ("物流配送", 1, 1 / 3),
    ]
    assert iss.top.category == "产品质量" and iss.total == 3
    log = groups[FORMS["response_log"].name]
    assert sorted((c.category, c.share) for c in log.items) == [("产品质量", 0.5), ("技术故障", 0.5)]
    for g in fig.category_groups:  # shares are within the form, never mixed with another form's list
        assert {c.form for c in g.items} == {g.form}
        assert g.items[-1].cumulative == pytest.approx(1.0) and sum(c.count for c in g.items) == g.total
    assert sum(g.total for g in fig.category_groups) == fig.kpi("tickets").value


def test_routing_fills_empty_departments_from_the_policy_table(fig):
    got = {(r.form, r.category, r.department): (r.tickets, r.routed) for r in fig.routing}
    iss, sf = FORMS["issue_feedback"].name, FORMS["service_feedback"].name
    assert got[(iss, "产品质量", "售后部")] == (2, 2)
    assert got[(iss, "物流配送", "物流部")] == (1, 0)
    assert got[(sf, "产品质量类", "研发部")] == (1, 1)
    assert got[(sf, "服务流程类", "运营部")] == (1, 0)
    assert got[(FORMS["complaint_followup"].name, "质量", "售后部")] == (1, 0)  # report_as: 售后 -> 售后部
    assert len(got) == 5  # forms without 责任部门 are not routed


def test_followup_list(fig):
    got = [(f.kind, f.ticket_id, f.due) for f in fig.followups]
    assert got == [
        ("复盘", "FW202611200001", None),  # 3 分
        ("复盘", "FB202611180001", None),  # 1 分
        ("复盘", "TS-001", None),  # 基本满意: not counted satisfied by the CSAT, so reviewed
        ("复盘", "20261121001", None),  # 不满意
        ("未解决跟进", "FB202611180001", T(24, 18)),  # 3 working days after resolved_time Thu 19th
        ("未解决跟进", "TS-001", T(25, 18)),  # the SLA followup stage's own deadline
        ("未解决跟进", "20261121001", T(25, 18)),  # opened Saturday 21st: Mon, Tue, Wed
        ("二次回访", "FB202611180001", T(24, 18)),
        ("补写超时原因", "20261121001", None),
    ]
    assert not any(f.overdue for f in fig.followups)
    assert "不高于 3 分" in fig.review_rule and "基本满意" in fig.review_rule


@pytest.mark.parametrize(
    ("answer", "review"),
    [
        (1, True),
        (3, True),
        (4, False),
        (5, False),
        ("不满意", True),
        ("一般", True),
        ("基本满意", True),
        ("满意", False),
        (None, False),
    ],
)
def test_review_list_agrees_with_the_csat(answer, review):
    from svcsheet.outputs.figures import csat_satisfied, needs_review

    policy = load_policy()
    assert needs_review(answer, policy) is review
    if answer is not None and not isinstance(answer, int):
        assert review is (
            csat_satisfied(answer, policy) is False
        )  # a word answer: reviewed iff not satisfied


def test_people_and_departments(fig):
    got = [(p.name, p.tickets, p.compliance, p.satisfaction_mean) for p in fig.handlers]
    assert got == [
        ("员工丙", 2, 0.0, None),
        ("员工甲", 2, 4 / 5, 5.0),
        ("员工丁", 1, 1.0, None),
        ("员工乙", 1, 1 / 3, 1.0),
    ]  # 服务反馈表 has no handler field: not counted as 未填写
    assert fig.no_handler_forms == [FORMS["service_feedback"].name]
    depts = {p.name: p.tickets for p in fig.departments}
    assert depts == {"售后部": 3, "物流部": 1, "研发部": 1, "运营部": 1}  # 投诉表的“售后” reported as 售后部
    assert fig.no_department_forms == [FORMS["service_card"].name, FORMS["response_log"].name]


def test_suggestions_grouped_by_source_and_category(fig):
    got = [(g.source, g.category, [s.ticket_id for s in g.items]) for g in fig.suggestions]
    sf, cf = FORMS["service_feedback"], FORMS["complaint_followup"]
    assert got == [
        (sf.field("suggestion").label, "产品质量类", ["FW202611170001"]),
        (sf.field("suggestion").label, "服务流程类", ["FW202611200001"]),
        (cf.field("improvement").label, "质量", ["TS-001"]),
    ]


def test_trend_covers_eight_weeks_from_the_runs_own_rows(fig):
    assert [t.label for t in fig.trend] == [f"2026-W{w}" for w in range(40, 48)]
    assert [t.tickets for t in fig.trend] == [0] * 6 + [2, 8]
    assert fig.trend[-2].satisfaction_mean == 3.5 and fig.trend[-2].csat == 0.5
    assert fig.trend[-1].csat == 3 / 7


def test_data_quality_per_workbook(fig):
    q = {x.file: x for x in fig.quality}
    assert (q["a.xlsx"].rows, q["a.xlsx"].clean, q["a.xlsx"].rejected) == (5, 4, 1)
    assert q["a.xlsx"].top_findings == [("「联系方式」为必填项", 1)]
    assert q["c.xlsx"].error == "不是有效的工作簿"
    assert (fig.rows_read, fig.rows_clean, fig.rows_rejected) == (11, 10, 1)


def test_month_period_title_and_previous():
    fig = compute_figures(fixture_result(period="2026-11"), FORMS)
    assert fig.title == "售后服务月度报告" and fig.period_label == "2026-11"
    assert fig.kpi("tickets").value == 10 and fig.kpi("tickets").previous == 0
    assert [t.label for t in fig.trend][0] == "2025-12" and len(fig.trend) == 12


def test_csat_follows_the_policy(tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(
        "reports:\n  csat:\n    satisfied_scores: [3, 4, 5]\n    satisfied_choices: [满意, 基本满意]\n",
        encoding="utf-8",
    )
    fig = compute_figures(fixture_result(policy=load_policy(team)), FORMS)
    assert fig.kpi("csat").value == 5 / 7  # 7 answers; F2 (1 分) and R2 (不满意) are not satisfied


@given(st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_weeks_and_months_tile_the_calendar(day):
    when = dt.datetime(day.year, day.month, day.day, 12)
    for text in ("week", "month"):
        p = parse_period(text, when, [])
        assert p.contains(when) and not p.previous().contains(when)
        assert p.previous().end == p.start
        assert p.previous().shift(1) == p
        assert parse_period(p.label, when, []) == p


def test_period_texts():
    assert parse_period("2026-W01", AS_OF).start == dt.datetime(2025, 12, 29)
    assert parse_period("2026-02", AS_OF).end == dt.datetime(2026, 3, 1)
    assert parse_period(None, AS_OF, []).label == "2026-W48"  # no rows: the as-of week
    from svcsheet.errors import UsageError

    for bad in ("2026-W54", "2026-13", "last week"):
        with pytest.raises(UsageError):
            parse_period(bad, AS_OF)


def test_common_issues_are_shown_with_form_names():
    from svcsheet.common_issues.cluster import Clustering, CommonIssue

    issue = CommonIssue(
        id="G1",
        label="开机无反应",
        rows=4,
        customers=3,
        uids=("a", "b", "c", "d"),
        models=(("X100", 3), ("X200", 1)),
        batches=(("B7", 3),),
        dominant_batch="B7",
        forms=("service_card", "issue_feedback"),
        departments=("售后", "售后部"),
        examples=("按电源键没有反应", "无法开机", "开机黑屏", "第四条"),
    )
    result = fixture_result()
    result.clustering = Clustering(cluster_of={}, common=[issue])
    view = compute_figures(result, FORMS).common[0]
    assert (view.id, view.label, view.customers, view.rows) == ("G1", "开机无反应", 3, 4)
    assert view.models == "X100（3）、X200（1）" and view.batch == "B7"
    assert view.forms == f"{FORMS['service_card'].name}、{FORMS['issue_feedback'].name}"
    assert view.examples == ["按电源键没有反应", "无法开机", "开机黑屏"]
    assert view.departments == "售后部"  # the complaint form's 售后 under its report name


STAGES = sorted({s.key for f in FORMS.values() for s in f.stages}) + ["no_such_stage"]


items = st.lists(
    st.tuples(
        st.sampled_from(FORM_KEYS),
        st.sampled_from(STAGES),
        st.sampled_from(["紧急", "高", "中", "低", "一般", "未填写", "不分级", None]),
        st.sampled_from(OUTCOMES),
    ),
    max_size=60,
)


@given(items)
def test_a_tally_gives_the_compliance_table_of_its_items(picked) -> None:
    table = tally_table(Counter(picked))
    expected = compliance_table({"form": f, "stage": s, "group": g, "outcome": o} for f, s, g, o in picked)
    assert table == expected
    assert [list(t) for t in table] == [list(t) for t in expected]  # the keys in the same order too


def _record(form: str, opened, stages: dict[str, str], priority: str | None, sat) -> TicketRecord:
    return TicketRecord(
        form=form,
        ticket_id="T",
        opened=opened,
        priority=priority,
        stages=stages,
        satisfaction=sat,
        scores={"满意度": sat} if isinstance(sat, int) else {},
    )


records = st.lists(
    st.builds(
        _record,
        st.sampled_from(FORM_KEYS),
        st.one_of(
            st.none(),
            st.datetimes(min_value=dt.datetime(2026, 8, 1), max_value=dt.datetime(2027, 1, 31)),
            st.dates(min_value=dt.date(2026, 8, 1), max_value=dt.date(2027, 1, 31)),
        ),
        st.dictionaries(st.sampled_from(STAGES[:-1]), st.sampled_from(OUTCOMES), max_size=3),
        st.sampled_from(["紧急", "高", "中", "低", None]),
        st.one_of(st.none(), st.integers(1, 5), st.sampled_from(["满意", "一般", "不满意"])),
    ),
    max_size=40,
)


@given(records, st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2026, 12, 31)), st.booleans())
def test_the_trend_found_by_bisection_is_the_trend_of_each_period(pool, day, monthly) -> None:
    policy = load_policy(None)
    period = month_period(day.year, day.month) if monthly else week_period(day)
    period = period.upto(dt.datetime.combine(day, dt.time(9)))  # partial, as a run's period usually is
    got = trend(pool, period, policy)
    expected = []
    for p in period.trend():
        rs = [r for r in pool if p.contains(r.opened)]
        sats = [r.scores["满意度"] for r in rs if "满意度" in r.scores]
        answers = [s for s in (r.satisfaction in policy.reports.satisfied_scores if isinstance(r.satisfaction, int)
                               else r.satisfaction in policy.reports.satisfied_choices
                               for r in rs if r.satisfaction is not None)]
        expected.append(
            TrendPoint(
                p.label,
                len(rs),
                sum(sats) / len(sats) if sats else None,
                sum(answers) / len(answers) if answers else None,
                len(answers),
            )
        )
    assert got == expected
    # the same with the opening times given (as compute_figures gives them)
    assert _trend(pool, [as_datetime(r.opened) for r in pool], period, policy) == expected


@given(records)
def test_compliance_lines_and_bars_count_every_judged_stage(pool) -> None:
    own = {k: {s.key for s in f.stages} for k, f in FORMS.items()}
    pool = [replace(r, stages={s: o for s, o in r.stages.items() if s in own[r.form]}) for r in pool]
    lines, bars = compliance(pool, FORMS)
    judged = Counter((r.form, s) for r in pool for s, o in r.stages.items())
    assert sum(sum(line.counts.values()) for line in lines) == sum(judged.values())
    assert sum(b.met + b.breached + b.overdue for b in bars) == sum(
        1 for r in pool for o in r.stages.values() if o in ("达标", "超时", "逾期未完成")
    )
