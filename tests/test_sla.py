"""SLA outcomes per stage (both sides of every threshold), missing and imperfect timestamps, compliance rates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.forms import get_form, load_forms
from svcsheet.policy import load_policy
from svcsheet.records import Parsed
from svcsheet.sla.bizcal import BusinessCalendar
from svcsheet.sla.verdicts import OUTCOMES, compliance_table, evaluate_row

POLICY = load_policy()
CAL = BusinessCalendar(POLICY)
AS_OF = dt.datetime(2024, 6, 30, 12, 0)


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def at(text: str) -> Parsed:
    return Parsed(value=T(text), precision="minute")


def day_only(text: str) -> Parsed:
    return Parsed(value=dt.date.fromisoformat(text), precision="date")


def choice(value: str) -> Parsed:
    return Parsed(value=value)


def stage(
    form_key: str,
    stage_key: str,
    start: str | None,
    end: str | None,
    as_of=AS_OF,
    cal=CAL,
    policy=POLICY,
    **ctx,
):
    """Evaluate one stage with the stage's own start/end fields (taken from the form YAML)."""
    form = get_form(form_key)
    spec = form.stage(stage_key)
    values = {f.key: Parsed() for f in form.fields}  # a sheet with every column, blank unless given
    values.update({k: choice(v) for k, v in ctx.items()})
    if start is not None:
        values[spec.start] = at(start)
    if end is not None:
        values[spec.end] = at(end)
    return evaluate_row(form, values, policy, cal, as_of)[stage_key]


# Each stage on both sides of its threshold: (form, stage, context, start, end, outcome, overrun minutes).
# 2024-05-20 is a Monday; 2024-05-24 a Friday.
THRESHOLDS = [
    (
        "response_log",
        "first_response",
        {"urgency": "紧急"},
        "2024-05-20 10:00",
        "2024-05-20 10:15",
        "达标",
        0,
    ),
    (
        "response_log",
        "first_response",
        {"urgency": "紧急"},
        "2024-05-20 10:00",
        "2024-05-20 10:25",
        "超时",
        10,
    ),
    (
        "response_log",
        "first_response",
        {"urgency": "一般"},
        "2024-05-20 10:00",
        "2024-05-20 12:00",
        "达标",
        0,
    ),
    (
        "response_log",
        "first_response",
        {"urgency": "一般"},
        "2024-05-20 10:00",
        "2024-05-20 12:01",
        "超时",
        1,
    ),
    (
        "response_log",
        "first_response",
        {"urgency": "建议"},
        "2024-05-24 10:00",
        "2024-05-27 17:59",
        "达标",
        0,
    ),
    (
        "response_log",
        "first_response",
        {"urgency": "建议"},
        "2024-05-24 10:00",
        "2024-05-28 09:30",
        "超时",
        30,
    ),
    ("service_card", "register", {}, "2024-05-20 10:00", "2024-05-20 10:10", "达标", 0),
    ("service_card", "register", {}, "2024-05-20 10:00", "2024-05-20 10:11", "超时", 1),
    ("service_card", "classify", {}, "2024-05-20 10:00", "2024-05-20 10:30", "达标", 0),
    ("service_card", "classify", {}, "2024-05-20 10:00", "2024-05-20 10:40", "超时", 10),
    ("service_card", "dispatch", {}, "2024-05-20 10:00", "2024-05-20 11:00", "达标", 0),
    ("service_card", "dispatch", {}, "2024-05-20 10:00", "2024-05-20 11:05", "超时", 5),
    (
        "service_card",
        "first_response",
        {"priority": "紧急"},
        "2024-05-20 10:00",
        "2024-05-20 12:00",
        "达标",
        0,
    ),
    (
        "service_card",
        "first_response",
        {"priority": "紧急"},
        "2024-05-20 10:00",
        "2024-05-20 12:30",
        "超时",
        30,
    ),
    ("service_card", "first_response", {"priority": "中"}, "2024-05-20 10:00", "2024-05-21 10:00", "达标", 0),
    (
        "service_card",
        "first_response",
        {"priority": "中"},
        "2024-05-20 10:00",
        "2024-05-21 11:00",
        "超时",
        60,
    ),
    (
        "service_card",
        "arrival",
        {"priority": "紧急", "service_type": "现场维修"},
        "2024-05-20 10:00",
        "2024-05-20 14:00",
        "达标",
        0,
    ),
    (
        "service_card",
        "arrival",
        {"priority": "紧急", "service_type": "现场维修"},
        "2024-05-20 10:00",
        "2024-05-20 14:20",
        "超时",
        20,
    ),
    ("service_card", "confirm", {}, "2024-05-20 10:00", "2024-05-20 11:00", "达标", 0),
    ("service_card", "confirm", {}, "2024-05-20 10:00", "2024-05-20 11:01", "超时", 1),
    (
        "service_card",
        "survey",
        {},
        "2024-05-24 10:00",
        "2024-05-25 10:00",
        "达标",
        0,
    ),  # calendar time over Saturday
    ("service_card", "survey", {}, "2024-05-24 10:00", "2024-05-27 10:00", "超时", 48 * 60),
    ("service_card", "archive", {}, "2024-05-20 10:00", "2024-05-22 10:00", "达标", 0),
    ("service_card", "archive", {}, "2024-05-20 10:00", "2024-05-22 10:01", "超时", 1),
    ("issue_feedback", "check", {}, "2024-05-20 10:00", "2024-05-20 12:00", "达标", 0),
    ("issue_feedback", "check", {}, "2024-05-20 10:00", "2024-05-20 12:15", "超时", 15),
    ("issue_feedback", "analysis", {"priority": "高"}, "2024-05-20 10:00", "2024-05-21 10:00", "达标", 0),
    ("issue_feedback", "analysis", {"priority": "中"}, "2024-05-20 10:00", "2024-05-21 10:01", "超时", 1),
    ("issue_feedback", "notice", {}, "2024-05-20 10:00", "2024-05-20 14:00", "达标", 0),
    ("issue_feedback", "notice", {}, "2024-05-20 10:00", "2024-05-20 14:01", "超时", 1),
    ("issue_feedback", "revisit", {"priority": "高"}, "2024-05-20 10:00", "2024-05-23 18:00", "达标", 0),
    ("issue_feedback", "revisit", {"priority": "中"}, "2024-05-20 10:00", "2024-05-24 09:10", "超时", 10),
    ("service_feedback", "invite", {}, "2024-05-20 10:00", "2024-05-21 10:00", "达标", 0),
    ("service_feedback", "invite", {}, "2024-05-20 10:00", "2024-05-21 10:01", "超时", 1),
    (
        "service_feedback",
        "classify",
        {},
        "2024-05-24 16:00",
        "2024-05-28 18:00",
        "达标",
        0,
    ),  # weekend skipped
    ("service_feedback", "classify", {}, "2024-05-24 16:00", "2024-05-29 09:05", "超时", 5),
    (
        "service_feedback",
        "closure",
        {},
        "2024-09-27 10:00",
        "2024-10-08 17:00",
        "达标",
        0,
    ),  # 09-29 make-up Sunday counts
    ("service_feedback", "closure", {}, "2024-09-27 10:00", "2024-10-09 09:30", "超时", 30),
    ("complaint_followup", "verify", {}, "2024-05-20 17:55", "2024-05-21 09:55", "达标", 0),
    ("complaint_followup", "verify", {}, "2024-05-20 17:55", "2024-05-21 10:05", "超时", 10),
    ("complaint_followup", "submit", {}, "2024-05-20 10:00", "2024-05-21 10:00", "达标", 0),
    ("complaint_followup", "submit", {}, "2024-05-20 10:00", "2024-05-21 12:00", "超时", 120),
    ("complaint_followup", "review", {}, "2024-05-24 10:00", "2024-05-27 18:00", "达标", 0),
    ("complaint_followup", "review", {}, "2024-05-24 10:00", "2024-05-28 09:01", "超时", 1),
    (
        "complaint_followup",
        "followup",
        {"status": "协商中"},
        "2024-05-20 10:00",
        "2024-05-23 18:00",
        "达标",
        0,
    ),
    (
        "complaint_followup",
        "followup",
        {"status": "无法解决"},
        "2024-05-20 10:00",
        "2024-05-24 10:00",
        "超时",
        60,
    ),
]


@pytest.mark.parametrize(("form", "key", "ctx", "start", "end", "outcome", "overrun"), THRESHOLDS)
def test_stage_thresholds(form, key, ctx, start, end, outcome, overrun):
    r = stage(form, key, start, end, **ctx)
    assert r.outcome == outcome, r
    assert r.overrun_minutes == overrun
    assert r.start == T(start) and r.end == T(end) and r.deadline is not None
    assert r.cell_text().startswith(outcome)


def test_every_form_stage_is_covered_by_the_threshold_table():
    covered = {(f, s) for f, s, *_ in THRESHOLDS} | {
        ("service_card", "completion"),
        ("complaint_followup", "progress"),
    }
    assert covered == {(f.key, s.key) for f in load_forms().values() for s in f.stages}


def test_targets_come_from_the_policy(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text('sla: {response_log: {first_response: {targets: {紧急: "30分钟"}}}}', encoding="utf-8")
    team = load_policy(path)
    args = ("response_log", "first_response", "2024-05-20 10:00", "2024-05-20 10:25")
    assert stage(*args, urgency="紧急").outcome == "超时"
    r = stage(*args, policy=team, urgency="紧急")
    assert r.outcome == "达标" and r.target == "30分钟"


def test_breach_cell_text_and_elapsed():
    r = stage("response_log", "first_response", "2024-05-20 10:00", "2024-05-20 10:40", urgency="紧急")
    assert r.cell_text() == "超时 +25分钟"
    assert (r.elapsed_minutes, r.target, r.deadline) == (40, "15分钟", T("2024-05-20 10:15"))


def test_working_target_counts_working_minutes():
    r = stage("complaint_followup", "verify", "2024-05-24 17:30", "2024-05-27 10:00")
    assert r.outcome == "超时"
    assert (r.elapsed_minutes, r.overrun_minutes) == (90, 30)  # not the 64.5 calendar hours
    assert r.deadline == T("2024-05-27 09:30")


def test_working_target_met_after_hours_before_next_opening():
    # 1 working hour from 17:00 ends at 18:00; an answer at 18:30 used no business time beyond it
    assert stage("complaint_followup", "verify", "2024-05-20 17:00", "2024-05-20 18:30").outcome == "达标"
    assert stage("complaint_followup", "verify", "2024-05-20 17:00", "2024-05-21 09:01").outcome == "超时"


@pytest.mark.parametrize(
    ("received", "responded", "outcome"),
    [
        ("2024-10-01 10:00", "2024-10-08 17:59", "达标"),  # 建议: 1 working day after a holiday start
        ("2024-10-01 10:00", "2024-10-09 09:30", "超时"),
        (
            "2024-02-10 08:00",
            "2024-02-18 16:00",
            "达标",
        ),  # Spring Festival; the make-up Sunday is the working day
        ("2024-02-10 08:00", "2024-02-19 09:10", "超时"),
    ],
)
def test_request_received_on_a_holiday(received, responded, outcome):
    assert stage("response_log", "first_response", received, responded, urgency="建议").outcome == outcome


def test_holiday_start_for_working_hours():
    r = stage("complaint_followup", "verify", "2024-10-03 15:00", None, as_of=T("2024-10-07 20:00"))
    assert (r.outcome, r.deadline) == ("未到期", T("2024-10-08 10:00"))
    r = stage("complaint_followup", "verify", "2024-10-03 15:00", None, as_of=T("2024-10-08 10:20"))
    assert (r.outcome, r.overrun_minutes) == ("逾期未完成", 20)


@pytest.mark.parametrize(
    ("as_of", "outcome", "overrun"),
    [
        ("2024-05-20 10:10", "未到期", None),
        ("2024-05-20 10:15", "未到期", None),
        ("2024-05-20 11:00", "逾期未完成", 45),
    ],
)
def test_missing_end_is_open(as_of, outcome, overrun):
    r = stage("response_log", "first_response", "2024-05-20 10:00", None, as_of=T(as_of), urgency="紧急")
    assert (r.outcome, r.overrun_minutes, r.end) == (outcome, overrun, None)
    assert r.deadline == T("2024-05-20 10:15")


def test_missing_start_with_end_is_not_judgeable():
    r = stage("response_log", "first_response", None, "2024-05-20 10:05", urgency="紧急")
    label = get_form("response_log").field("received_time").label
    assert r.outcome == "无法判定" and r.reason == f"缺少{label}"
    assert r.cell_text() == f"无法判定：缺少{label}"


def test_both_missing_depends_on_whether_the_stage_has_started():
    # the opening timestamp is required: the row is broken
    assert stage("response_log", "first_response", None, None, urgency="紧急").outcome == "无法判定"
    # no 解决时间 yet: the 结果反馈 stage has not started
    r = stage("issue_feedback", "notice", None, None)
    assert r.outcome == "不适用" and "尚未开始" in r.reason


def test_reversed_timestamps():
    r = stage("service_card", "register", "2024-05-20 10:00", "2024-05-20 09:50")
    assert r.outcome == "无法判定" and "颠倒" in r.reason


@pytest.mark.parametrize("side", ["start", "end"])
def test_date_only_timestamp_is_not_judgeable(side):
    form = get_form("issue_feedback")
    spec = form.stage("check")
    values = {spec.start: at("2024-05-20 10:00"), spec.end: at("2024-05-20 11:00")}
    key = spec.start if side == "start" else spec.end
    values[key] = day_only("2024-05-20")
    r = evaluate_row(form, values, POLICY, CAL, AS_OF)["check"]
    assert r.outcome == "无法判定"
    assert form.field(key).label in r.reason and "只有日期" in r.reason


def test_unparseable_timestamp_is_not_judgeable():
    form = get_form("issue_feedback")
    spec = form.stage("check")
    values = {
        spec.start: at("2024-05-20 10:00"),
        spec.end: Parsed(value=None, issues=(("bad_datetime", {}),)),
    }
    r = evaluate_row(form, values, POLICY, CAL, AS_OF)["check"]
    assert r.outcome == "无法判定" and "无法识别" in r.reason


def test_missing_priority_for_per_priority_targets():
    r = stage("response_log", "first_response", "2024-05-20 10:00", "2024-05-20 10:05")
    assert r.outcome == "无法判定" and get_form("response_log").field("urgency").label in r.reason


@pytest.mark.parametrize(
    ("ctx", "outcome"),
    [
        ({"priority": "紧急", "service_type": "现场维修"}, "达标"),
        ({"priority": "高", "service_type": "现场维修"}, "不适用"),
        ({"priority": "紧急", "service_type": "远程协助"}, "不适用"),
        ({"priority": "紧急"}, "无法判定"),  # service type unknown: cannot tell whether it applies
    ],
)
def test_arrival_applies_to_urgent_onsite_only(ctx, outcome):
    assert stage("service_card", "arrival", "2024-05-20 10:00", "2024-05-20 12:00", **ctx).outcome == outcome


@pytest.mark.parametrize(("priority", "outcome"), [("高", "达标"), ("中", "达标"), ("低", "不适用")])
def test_issue_feedback_high_medium_only(priority, outcome):
    for key in ("analysis", "revisit"):
        assert (
            stage("issue_feedback", key, "2024-05-20 10:00", "2024-05-20 11:00", priority=priority).outcome
            == outcome
        )


@pytest.mark.parametrize(
    ("ctx", "outcome"),
    [
        ({"status": "已解决", "satisfaction": "满意"}, "不适用"),
        ({"status": "已解决"}, "不适用"),
        ({"status": "已解决", "satisfaction": "不满意"}, "达标"),
        ({"status": "协商中", "satisfaction": "满意"}, "达标"),
        ({"status": "无法解决"}, "达标"),
    ],
)
def test_complaint_followup_only_when_unresolved_or_unhappy(ctx, outcome):
    assert (
        stage("complaint_followup", "followup", "2024-05-20 10:00", "2024-05-21 10:00", **ctx).outcome
        == outcome
    )


@pytest.mark.parametrize(
    ("expected", "actual", "as_of", "outcome", "overrun"),
    [
        ("2024-05-22 18:00", "2024-05-22 17:00", AS_OF, "达标", 0),
        ("2024-05-22 18:00", "2024-05-22 18:00", AS_OF, "达标", 0),
        ("2024-05-22 18:00", "2024-05-23 10:00", AS_OF, "超时", 16 * 60),
        ("2024-05-22 18:00", None, T("2024-05-22 12:00"), "未到期", None),
        ("2024-05-22 18:00", None, T("2024-05-22 19:00"), "逾期未完成", 60),
        (None, None, AS_OF, "不适用", None),
        (None, "2024-05-23 10:00", AS_OF, "无法判定", None),
    ],
)
def test_service_card_completion(expected, actual, as_of, outcome, overrun):
    r = stage("service_card", "completion", expected, actual, as_of=as_of)
    assert (r.outcome, r.overrun_minutes) == (outcome, overrun)


def progress(timeline, as_of=AS_OF, **ctx):
    form = get_form("complaint_followup")
    values = {k: (at(v) if "time" in k else choice(v)) for k, v in ctx.items()}
    values["timeline"] = Parsed(value=tuple((T(t) if isinstance(t, str) else t, "说明") for t in timeline))
    return evaluate_row(form, values, POLICY, CAL, as_of)["progress"]


def test_progress_gaps_within_48_hours():
    r = progress(
        ["2024-05-21 10:00", "2024-05-23 09:00"],
        received_time="2024-05-20 10:00",
        handled_time="2024-05-24 08:00",
        status="已解决",
    )
    assert r.outcome == "达标" and r.elapsed_minutes == 47 * 60


def test_progress_gap_over_48_hours():
    r = progress(["2024-05-20 12:00", "2024-05-22 13:00"], received_time="2024-05-20 10:00", status="已解决")
    assert (r.outcome, r.overrun_minutes) == ("超时", 60)
    assert (r.start, r.end) == (T("2024-05-20 12:00"), T("2024-05-22 13:00"))


def test_progress_closed_without_timeline_uses_received_and_handled():
    r = progress([], received_time="2024-05-20 10:00", handled_time="2024-05-25 10:00", status="已解决")
    assert r.outcome == "超时" and r.overrun_minutes == 3 * 24 * 60


@pytest.mark.parametrize(
    ("as_of", "outcome"), [("2024-05-24 09:00", "未到期"), ("2024-05-24 11:00", "逾期未完成")]
)
def test_progress_while_negotiating_runs_to_as_of(as_of, outcome):
    r = progress(
        ["2024-05-21 10:00", "2024-05-22 10:00"],
        as_of=T(as_of),
        received_time="2024-05-20 10:00",
        status="协商中",
    )
    assert r.outcome == outcome and r.deadline == T("2024-05-24 10:00")


def test_progress_date_only_entry():
    r = progress(
        ["2024-05-21 10:00", dt.date(2024, 5, 22)], received_time="2024-05-20 10:00", status="已解决"
    )
    assert r.outcome == "无法判定" and "第 2 行" in r.reason


def test_progress_entry_without_a_time_as_parsed():
    # the value parser keeps such an entry with no time and reports it by line number
    form = get_form("complaint_followup")
    values = {
        "received_time": at("2024-05-20 10:00"),
        "status": choice("已解决"),
        "timeline": Parsed(
            value=((T("2024-05-21 10:00"), "上门"), (None, "5月22日 电话回访")),
            issues=(("timeline_no_year", {"line": 2}),),
        ),
    }
    r = evaluate_row(form, values, POLICY, CAL, AS_OF)["progress"]
    assert r.outcome == "无法判定" and "第 2 行" in r.reason


def test_calendar_gap_inside_a_stage_is_not_judgeable():
    r = stage(
        "response_log",
        "first_response",
        "2026-12-31 10:00",
        None,
        as_of=T("2027-01-05 10:00"),
        urgency="建议",
    )
    assert r.outcome == "无法判定"
    assert "2027" in r.reason and "calendar.years.2027" in r.reason
    # calendar-time targets in 2027 need no calendar
    assert (
        stage(
            "response_log", "first_response", "2027-03-01 10:00", "2027-03-01 10:10", urgency="紧急"
        ).outcome
        == "达标"
    )


def test_2027_with_policy_data_is_judged(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text('calendar: {years: {2027: {holidays: ["2027-01-01"], workdays: []}}}', encoding="utf-8")
    team = load_policy(path)
    cal = BusinessCalendar(team)
    r = stage(
        "response_log",
        "first_response",
        "2026-12-31 10:00",
        "2027-01-04 17:00",
        cal=cal,
        policy=team,
        urgency="建议",
    )
    assert (r.outcome, r.deadline) == ("达标", T("2027-01-04 18:00"))


def test_compliance_table_arithmetic():
    records = (
        [{"form": "response_log", "stage": "first_response", "group": "紧急", "outcome": "达标"}] * 3
        + [{"form": "response_log", "stage": "first_response", "group": "紧急", "outcome": "超时"}]
        + [{"form": "response_log", "stage": "first_response", "group": "紧急", "outcome": "逾期未完成"}]
        + [{"form": "response_log", "stage": "first_response", "group": "紧急", "outcome": "未到期"}] * 2
        + [{"form": "response_log", "stage": "first_response", "group": "紧急", "outcome": "无法判定"}]
        + [{"form": "response_log", "stage": "first_response", "group": "一般", "outcome": "不适用"}]
        + [{"form": "service_card", "stage": "register", "group": None, "outcome": "达标"}]
        + [{"form": "issue_feedback", "stage": "check", "group": "高", "outcome": "超时"}]
    )
    table = compliance_table(reversed(records))
    assert [(r["form"], r["stage"], r["group"]) for r in table] == [
        ("issue_feedback", "check", "高"),
        ("service_card", "register", None),
        ("response_log", "first_response", "一般"),
        ("response_log", "first_response", "紧急"),
    ]
    urgent = table[3]
    assert (urgent["达标"], urgent["超时"], urgent["逾期未完成"], urgent["未到期"], urgent["无法判定"]) == (
        3,
        1,
        1,
        2,
        1,
    )
    assert urgent["total"] == 8 and urgent["rate"] == pytest.approx(3 / 5)
    assert table[2]["rate"] is None  # nothing judged
    assert table[1]["rate"] == 1.0 and table[0]["rate"] == 0.0


def test_compliance_table_refuses_unknown_outcomes():
    with pytest.raises(ValueError):
        compliance_table(
            [{"form": "response_log", "stage": "first_response", "group": None, "outcome": "ok"}]
        )


def _values_strategy(form):
    """Random values for every field a stage or condition can read: times, dates, gaps, choices."""
    times = st.one_of(
        st.none(),
        st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2026, 12, 31)).map(
            lambda d: Parsed(value=d, precision="minute")
        ),
        st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(lambda d: Parsed(value=d, precision="date")),
        st.just(Parsed(value=None, issues=(("bad_datetime", {}),))),
    )
    fields = {}
    for f in form.fields:
        if f.type in ("datetime", "date"):
            fields[f.key] = times
        elif f.type == "timeline":
            fields[f.key] = st.lists(
                st.tuples(
                    st.one_of(st.none(), st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 31))),
                    st.just("x"),
                ),
                max_size=4,
            ).map(lambda xs: Parsed(value=tuple(xs)))
        elif f.choices:
            fields[f.key] = st.one_of(st.none(), st.sampled_from(f.choices).map(choice))
    return st.fixed_dictionaries({}, optional=fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


@pytest.mark.parametrize("form_key", [f for f in load_forms()])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_stage_gets_exactly_one_outcome(form_key, data):
    form = get_form(form_key)
    values = data.draw(_values_strategy(form))
    results = evaluate_row(form, values, POLICY, CAL, AS_OF)
    assert list(results) == [s.key for s in form.stages]
    for r in results.values():
        assert r.outcome in OUTCOMES
        assert r.cell_text().startswith(r.outcome)
        if r.outcome in ("超时", "逾期未完成"):
            # minutes when both times are known; whole days when the end has only a date
            assert (r.overrun_minutes or 0) > 0 or (r.precision == "date" and (r.overrun_days or 0) > 0)
            assert r.overrun_text()
        if r.outcome in ("不适用", "无法判定"):
            assert r.reason


# ---------------------------------------------------------------- date-only timestamps


def when(text: str | None) -> Parsed | None:
    """ "2024-05-20" -> a date without a time; "2024-05-20 10:00" -> a time; None -> empty."""
    if text is None:
        return None
    return at(text) if " " in text else day_only(text)


def dated(form_key: str, stage_key: str, start: str | None, end: str | None, as_of=AS_OF, **ctx):
    form = get_form(form_key)
    spec = form.stage(stage_key)
    values = {f.key: Parsed() for f in form.fields}  # a sheet with every column, blank unless given
    values.update({k: choice(v) for k, v in ctx.items()})
    values.update({k: p for k, p in ((spec.start, when(start)), (spec.end, when(end))) if p is not None})
    return evaluate_row(form, values, POLICY, CAL, as_of)[stage_key]


def label(form_key: str, stage_key: str, side: str) -> str:
    form = get_form(form_key)
    spec = form.stage(stage_key)
    return form.field(spec.start if side == "start" else spec.end).label


# (form, stage, start, end, outcome, cell text). Working-day targets: the deadline depends on the start date only.
# 2024-05-24 is a Friday; 2024-09-29 (Sunday) and 2024-10-12 (Saturday) are make-up working days around the
# 10-01..10-07 National Day holiday.
DATE_ONLY = [
    # service_feedback classify: 2 working days from a date-only 收集日期
    ("service_feedback", "classify", "2024-05-24", "2024-05-28 18:00", "达标", "达标"),
    ("service_feedback", "classify", "2024-05-24", "2024-05-29 09:05", "超时", "超时 +5分钟（工作时间）"),
    ("service_feedback", "classify", "2024-05-24", "2024-05-24", "达标", "达标"),
    ("service_feedback", "classify", "2024-05-24", "2024-05-28", "达标", "达标"),
    ("service_feedback", "classify", "2024-05-24", "2024-05-29", "超时", "超时 +1个工作日"),
    ("service_feedback", "classify", "2024-05-24", "2024-05-31", "超时", "超时 +3个工作日"),
    ("service_feedback", "classify", "2024-09-29", "2024-10-08", "达标", "达标"),  # make-up Sunday, holiday
    ("service_feedback", "classify", "2024-09-29", "2024-10-05", "达标", "达标"),  # a holiday is not late
    ("service_feedback", "classify", "2024-09-29", "2024-10-09", "超时", "超时 +1个工作日"),
    # complaint review: 1 working day from a date-only 责任人签字日期 to a date-only 主管签字日期
    ("complaint_followup", "review", "2024-05-24", "2024-05-24", "达标", "达标"),
    ("complaint_followup", "review", "2024-05-24", "2024-05-25", "达标", "达标"),  # Saturday: no working time
    ("complaint_followup", "review", "2024-05-24", "2024-05-27", "达标", "达标"),  # over the weekend
    ("complaint_followup", "review", "2024-05-24", "2024-05-28", "超时", "超时 +1个工作日"),
    ("complaint_followup", "review", "2024-05-24", "2024-05-27 17:59", "达标", "达标"),
    ("complaint_followup", "review", "2024-05-24", "2024-05-28 09:01", "超时", "超时 +1分钟（工作时间）"),
    ("complaint_followup", "review", "2024-05-24 17:50", "2024-05-27", "达标", "达标"),
    ("complaint_followup", "review", "2024-05-24 17:50", "2024-05-28", "超时", "超时 +1个工作日"),
    ("complaint_followup", "review", "2024-09-27", "2024-09-29", "达标", "达标"),  # the make-up Sunday is due
    ("complaint_followup", "review", "2024-09-27", "2024-09-30", "超时", "超时 +1个工作日"),
    ("complaint_followup", "review", "2024-09-27", "2024-10-06", "超时", "超时 +1个工作日"),  # holiday days
    ("complaint_followup", "review", "2024-09-27", "2024-10-08", "超时", "超时 +2个工作日"),
    ("complaint_followup", "review", "2024-09-30", "2024-10-07", "达标", "达标"),  # through the holiday
    ("complaint_followup", "review", "2024-09-30", "2024-10-08", "达标", "达标"),
    ("complaint_followup", "review", "2024-09-30", "2024-10-09", "超时", "超时 +1个工作日"),
    # complaint submit: 24 calendar hours from 处理完成时间 to a date-only 责任人签字日期
    ("complaint_followup", "submit", "2024-05-20 10:00", "2024-05-20", "达标", "达标"),
    ("complaint_followup", "submit", "2024-05-20 10:00", "2024-05-21", "无法判定", None),
    ("complaint_followup", "submit", "2024-05-20 10:00", "2024-05-22", "超时", "超时 +1天（按日期）"),
    (
        "complaint_followup",
        "submit",
        "2024-05-24 10:00",
        "2024-05-27",
        "超时",
        "超时 +2天（按日期）",
    ),  # calendar
    ("complaint_followup", "submit", "2024-05-20 00:00", "2024-05-21", "无法判定", None),
    # verify: 1 working hour, end with a date only (a datetime field where only the date was written)
    ("complaint_followup", "verify", "2024-05-24 17:00", "2024-05-24", "达标", "达标"),  # due at closing time
    ("complaint_followup", "verify", "2024-05-24 17:00", "2024-05-25", "达标", "达标"),
    ("complaint_followup", "verify", "2024-05-24 16:00", "2024-05-25", "超时", "超时 +1天（按日期）"),
    ("complaint_followup", "verify", "2024-05-24 17:30", "2024-05-25", "达标", "达标"),  # due Monday 09:30
    ("complaint_followup", "verify", "2024-05-24 17:30", "2024-05-27", "无法判定", None),
]


@pytest.mark.parametrize(("form", "key", "start", "end", "outcome", "text"), DATE_ONLY)
def test_date_only_stages(form, key, start, end, outcome, text):
    r = dated(form, key, start, end)
    assert r.outcome == outcome, r
    assert r.precision == ("date" if " " not in start or " " not in end else "minute")
    if text is not None:
        assert r.cell_text() == text
    if outcome == "无法判定":
        assert r.reason == f"「{label(form, key, 'end')}」只有日期，无法判断是否在截止时刻前"
        assert r.cell_text() == f"无法判定：{r.reason}"
    if outcome == "超时" and " " not in end:
        assert r.overrun_minutes is None and r.overrun_days and r.overrun_days > 0
    if " " not in start:  # the start time is unknown, so is the elapsed time
        assert r.elapsed_minutes is None and r.start == dt.date.fromisoformat(start)


def test_date_only_start_keeps_the_working_day_deadline():
    r = dated("complaint_followup", "review", "2024-09-27", None, as_of=T("2024-09-29 12:00"))
    assert (r.outcome, r.deadline) == ("未到期", T("2024-09-29 18:00"))
    assert r.cell_text() == "未到期（截止 2024-09-29 18:00）"
    r = dated("service_feedback", "classify", "2024-05-24", None, as_of=T("2024-05-29 10:00"))
    assert (r.outcome, r.overrun_minutes) == ("逾期未完成", 60)
    assert r.cell_text() == "逾期未完成 +1小时（工作时间）"


@pytest.mark.parametrize(
    ("form", "key", "end", "as_of"),
    [
        ("complaint_followup", "submit", "2024-05-21 09:00", AS_OF),  # 24 hours
        ("complaint_followup", "submit", "2024-05-20", AS_OF),
        ("complaint_followup", "submit", None, T("2024-05-20 12:00")),
        ("complaint_followup", "verify", "2024-05-20 11:00", AS_OF),  # 1 working hour
        ("service_feedback", "invite", "2024-05-22 10:00", AS_OF),  # 24 hours, and two days later
    ],
)
def test_date_only_start_with_hour_targets_is_not_judgeable(form, key, end, as_of):
    r = dated(form, key, "2024-05-20", end, as_of=as_of)
    assert r.outcome == "无法判定" and r.precision == "date"
    assert r.reason.startswith(f"「{label(form, key, 'start')}」只有日期，没有具体时刻")
    assert r.target in r.reason


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-05-24", "2024-05-23"), ("2024-05-24", "2024-05-23 17:00"), ("2024-05-24 10:00", "2024-05-23")],
)
def test_date_only_reversed_is_not_judgeable(start, end):
    r = dated("complaint_followup", "review", start, end)
    assert r.outcome == "无法判定" and "颠倒" in r.reason


def test_agents_typing_only_dates_get_a_verdict():
    """The signature and collection dates are date fields: a bare date is complete and the SLA is judged."""
    from svcsheet.checking.values import parse_value

    complaint = get_form("complaint_followup")
    typed = {
        "handled_time": "2024-05-20 15:00",
        "submit_date": "2024年5月21日",
        "review_date": "2024/5/23",
    }
    values = {k: parse_value(complaint.field(k), v) for k, v in typed.items()}
    assert all(not p.issues for p in values.values()), values
    got = evaluate_row(complaint, values, POLICY, CAL, AS_OF)
    assert got["review"].cell_text() == "超时 +1个工作日"  # due by the close of 05-22
    assert got["submit"].outcome == "无法判定" and "截止时刻" in got["submit"].reason  # due 05-21 15:00

    feedback = get_form("service_feedback")
    values = {
        "collect_time": parse_value(feedback.field("collect_time"), "2024-05-24"),
        "classify_time": parse_value(feedback.field("classify_time"), "2024-05-28 16:00"),
    }
    assert not values["collect_time"].issues
    assert evaluate_row(feedback, values, POLICY, CAL, AS_OF)["classify"].outcome == "达标"


def test_a_stage_whose_column_the_sheet_lacks_is_not_judged_never_overdue():
    from svcsheet.forms import get_form
    from svcsheet.policy import load_policy
    from svcsheet.records import Parsed
    from svcsheet.sla.bizcal import BusinessCalendar
    from svcsheet.sla.verdicts import evaluate_row

    policy = load_policy()
    values = {  # a team's list of work orders without 登记时间 / 归档时间 columns
        "request_time": Parsed(dt.datetime(2026, 11, 16, 9, 0), precision="minute"),
        "priority": Parsed("中"),
        "actual_done": Parsed(dt.datetime(2026, 11, 16, 15, 0), precision="minute"),
        "confirm_time": Parsed(None),
    }
    out = evaluate_row(
        get_form("service_card"), values, policy, BusinessCalendar(policy), dt.datetime(2026, 11, 23, 9)
    )
    assert out["register"].outcome == "无法判定" and "登记时间" in out["register"].reason
    assert out["archive"].outcome == "无法判定"
    assert out["confirm"].outcome == "逾期未完成"  # the column exists and is empty: really overdue
