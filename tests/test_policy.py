"""The policy file: built-in defaults match the domain spec, team overrides merge, mistakes are refused by key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from svcsheet.errors import PolicyError, UsageError
from svcsheet.forms import load_forms
from svcsheet.policy import (
    Target,
    default_policy_text,
    init_policy,
    load_policy,
    parse_target,
    policy_as_yaml,
    route_department,
)

# The SLA table of the domain spec, written out by hand: (form, stage, priority or None, target text).
SPEC_SLA = [
    ("response_log", "first_response", "紧急", "15分钟"),
    ("response_log", "first_response", "一般", "2小时"),
    ("response_log", "first_response", "建议", "1个工作日"),
    ("service_card", "register", None, "10分钟"),
    ("service_card", "classify", None, "30分钟"),
    ("service_card", "dispatch", None, "1小时"),
    ("service_card", "first_response", "紧急", "2小时"),
    ("service_card", "first_response", "高", "24小时"),
    ("service_card", "first_response", "中", "24小时"),
    ("service_card", "first_response", "低", "24小时"),
    ("service_card", "arrival", "紧急", "4小时"),
    ("service_card", "confirm", None, "1小时"),
    ("service_card", "survey", None, "24小时"),
    ("service_card", "archive", None, "48小时"),
    ("issue_feedback", "check", None, "2小时"),
    ("issue_feedback", "analysis", None, "24小时"),
    ("issue_feedback", "notice", None, "4小时"),
    ("issue_feedback", "revisit", None, "3个工作日"),
    ("service_feedback", "invite", None, "24小时"),
    ("service_feedback", "classify", None, "2个工作日"),
    ("service_feedback", "closure", None, "3个工作日"),
    ("complaint_followup", "verify", None, "1个工作小时"),
    ("complaint_followup", "submit", None, "24小时"),
    ("complaint_followup", "review", None, "1个工作日"),
    ("complaint_followup", "progress", None, "48小时"),
    ("complaint_followup", "followup", None, "3个工作日"),
]

SPEC_ROUTING = {
    "issue_feedback": {
        "产品功能": "产品部",
        "产品质量": "售后部",
        "服务态度": "客服部",
        "物流配送": "物流部",
        "售后保障": "售后部",
        "系统故障": "技术部",
        "其他": "客服部",
    },
    "service_feedback": {
        "产品质量类": "研发部",
        "服务流程类": "运营部",
        "人员服务类": "客服部",
        "其他建议": "客服部",
    },
}


def write(tmp_path: Path, text: str, name: str = "team.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("form", "stage", "priority", "text"), SPEC_SLA)
def test_default_targets_are_the_spec_table(form, stage, priority, text):
    rule = load_policy().stage_rule(form, stage)
    assert rule is not None and rule.enabled
    assert rule.target_for(priority) == parse_target(text)


def test_every_stage_of_every_form_has_a_default_rule():
    policy = load_policy()
    for form in load_forms().values():
        for stage in form.stages:
            assert policy.stage_rule(form.key, stage.key) is not None, (form.key, stage.key)


def test_default_stage_specials():
    sla = load_policy().sla
    assert sla["service_card"]["arrival"].applies_when == {"priority": ["紧急"], "service_type": ["现场维修"]}
    assert sla["service_card"]["completion"].kind == "not_after"
    assert sla["issue_feedback"]["analysis"].applies_when == {"priority": ["高", "中"]}
    assert sla["issue_feedback"]["revisit"].applies_when == {"priority": ["高", "中"]}
    assert sla["complaint_followup"]["progress"].kind == "gaps"
    assert sla["complaint_followup"]["progress"].open_when == {"status": ["协商中"]}


def test_other_defaults_follow_the_spec():
    p = load_policy()
    assert (p.business_hours.start, p.business_hours.end) == (dt.time(9), dt.time(18))
    assert p.calendar.source == "chinese_calendar" and p.calendar.years == {}
    assert {f: r.departments for f, r in p.routing.items()} == SPEC_ROUTING
    assert p.routing["issue_feedback"].field == "issue_type"
    assert p.routing["service_feedback"].field == "issue_category"
    assert (p.common_issues.min_customers, p.common_issues.similarity, p.common_issues.window) == (
        3,
        0.35,
        "days",
    )
    assert p.common_issues.window_days == 90
    assert p.deid.key_env == "SVCSHEET_KEY" and p.deid.key_file is None
    assert p.deid.keep_company_names is True and p.deid.address_level == "city"
    assert p.archive.retention_days == 730
    assert p.history.path is None
    assert (p.limits.max_file_mb, p.limits.max_unzip_ratio, p.limits.max_rows_per_sheet) == (50, 200, 100000)
    assert p.reports.satisfied_scores == (4, 5) and p.reports.satisfied_choices == ("满意",)
    assert p.followup.review_threshold == 3 and p.followup.unresolved_due == Target(3, "working_day")


@pytest.mark.parametrize(
    ("form", "category", "department"),
    [
        ("issue_feedback", "系统故障", "技术部"),
        ("issue_feedback", "物流配送", "物流部"),
        ("service_feedback", "产品质量类", "研发部"),
        ("service_feedback", None, None),
        ("response_log", "技术故障", None),
    ],
)
def test_route_department(form, category, department):
    assert route_department(load_policy(), form, category) == department


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15分钟", Target(15, "minute")),
        ("2 小时", Target(2, "hour")),
        ("1个工作日", Target(1, "working_day")),
        ("3个工作日", Target(3, "working_day")),
        ("1个工作小时", Target(1, "working_hour")),
        ("48h", Target(48, "hour")),
        ("２小时", Target(2, "hour")),
        ("十五分钟", None),
        ("0小时", None),
        ("2周", None),
        (15, None),
    ],
)
def test_parse_target(text, expected):
    assert parse_target(text) == expected


def test_team_override_merges_with_defaults(tmp_path):
    team = write(
        tmp_path,
        """
sla:
  response_log:
    first_response:
      targets: {紧急: "10分钟"}
  service_card:
    first_response:
      target: "8小时"
  issue_feedback:
    analysis:
      applies_when: null
business_hours: {start: "08:30", end: "17:30"}
calendar:
  extra_holidays: ["2024-05-21"]
""",
    )
    p = load_policy(team)
    rl = p.stage_rule("response_log", "first_response")
    assert rl.target_for("紧急") == Target(10, "minute")
    assert rl.target_for("一般") == Target(2, "hour")  # untouched default
    sc = p.stage_rule("service_card", "first_response")
    assert sc.priority_field is None and sc.target_for("紧急") == Target(8, "hour")
    assert p.stage_rule("issue_feedback", "analysis").applies_when is None
    assert p.stage_rule("issue_feedback", "revisit").applies_when == {"priority": ["高", "中"]}
    assert (p.business_hours.start, p.business_hours.end) == (dt.time(8, 30), dt.time(17, 30))
    assert dt.date(2024, 5, 21) in p.calendar.extra_holidays
    assert p.source == str(team)
    assert p.sha256 != load_policy().sha256


def test_year_calendar_with_ranges(tmp_path):
    team = write(
        tmp_path,
        """
calendar:
  years:
    2027:
      holidays: [2027-01-01, "2027-02-06~2027-02-12"]
      workdays: ["2027-02-20"]
""",
    )
    year = load_policy(team).calendar.years[2027]
    assert len(year.holidays) == 8 and dt.date(2027, 2, 9) in year.holidays
    assert year.workdays == frozenset({dt.date(2027, 2, 20)})


def test_empty_team_file_is_the_defaults(tmp_path):
    p = load_policy(write(tmp_path, "# nothing changed\n"))
    assert p.sha256 == load_policy().sha256


def test_show_output_loads_back_to_the_same_policy(tmp_path):
    team = write(tmp_path, 'sla: {issue_feedback: {check: {target: "3小时"}}}\n')
    p = load_policy(team)
    shown = policy_as_yaml(p)
    assert "3小时" in shown and p.sha256 in shown
    again = load_policy(write(tmp_path, shown, "shown.yaml"))
    assert again.sha256 == p.sha256


def test_init_writes_the_commented_defaults_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "conf" / "team.yaml"
    assert init_policy(target) == target
    text = target.read_text(encoding="utf-8")
    assert text == default_policy_text() and "#" in text
    assert load_policy(target).sha256 == load_policy().sha256
    with pytest.raises(UsageError):
        init_policy(target)
    assert target.read_text(encoding="utf-8") == text


def test_default_text_is_the_default_policy():
    assert load_policy().raw["sla"] == yaml.safe_load(default_policy_text())["sla"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            'sla: {response_log: {first_response: {targets: {紧急: "十五分钟"}}}}',
            "sla.response_log.first_response.targets.紧急",
        ),
        ('sla: {response_log: {first_respons: {target: "1小时"}}}', "sla.response_log.first_respons"),
        (
            'sla: {response_log: {first_response: {targets: {特急: "5分钟"}}}}',
            "sla.response_log.first_response.targets.特急",
        ),
        ('sla: {issue_feedback: {check: {taget: "1小时"}}}', "sla.issue_feedback.check.taget"),
        ("sla: {repsonse_log: {}}", "sla.repsonse_log"),
        (
            "sla: {issue_feedback: {analysis: {applies_when: {priority: [很高]}}}}",
            "sla.issue_feedback.analysis.applies_when.priority",
        ),
        (
            "sla: {issue_feedback: {analysis: {applies_when: {prio: [高]}}}}",
            "sla.issue_feedback.analysis.applies_when.prio",
        ),
        ("sla: {service_card: {completion: {target: 1小时}}}", "sla.service_card.completion.target"),
        ('busines_hours: {start: "09:00"}', "busines_hours"),
        ('business_hours: {start: "19:00"}', "business_hours.end"),
        ('business_hours: {start: "9点"}', "business_hours.start"),
        ('calendar: {years: {2027: {holiday: ["2027-01-01"]}}}', "calendar.years.2027.holiday"),
        ('calendar: {years: {2027: {holidays: ["2026-12-31"]}}}', "calendar.years.2027.holidays"),
        ('calendar: {years: {2027: {holidays: ["2027-02-30"]}}}', "calendar.years.2027.holidays.0"),
        ("calendar: {source: holidays}", "calendar.source"),
        (
            'calendar: {extra_holidays: ["2024-05-01"], extra_workdays: ["2024-05-01"]}',
            "calendar.extra_workdays",
        ),
        (
            "routing: {issue_feedback: {departments: {产品功能: 研发中心}}}",
            "routing.issue_feedback.departments.产品功能",
        ),
        ("routing: {issue_feedback: {field: description}}", "routing.issue_feedback.field"),
        ("archive: {retention_days: 30}", "archive.retention_days"),
        ("deid: {address_level: street}", "deid.address_level"),
        ("deid: {honorific_by_name: {张伟: 老师}}", "deid.honorific_by_name.张伟"),
        ("deid: {key_env: 'my key'}", "deid.key_env"),
        ("common_issues: {similarity: 1.5}", "common_issues.similarity"),
        ("limits: {max_rows_per_sheet: many}", "limits.max_rows_per_sheet"),
        ('followup: {unresolved_due: "三天"}', "followup.unresolved_due"),
    ],
)
def test_mistakes_are_refused_with_the_key_path(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    message = str(err.value)
    assert f" {key}:" in message
    assert "team.yaml" in message


def test_duration_mistake_message_says_what_to_write(tmp_path):
    path = write(tmp_path, 'sla: {response_log: {first_response: {targets: {紧急: "快"}}}}')
    with pytest.raises(PolicyError, match="15分钟") as err:
        load_policy(path)
    assert "sla.response_log.first_response.targets.紧急" in str(err.value)


def test_typo_gets_a_suggestion(tmp_path):
    with pytest.raises(PolicyError, match="targets"):
        load_policy(write(tmp_path, 'sla: {response_log: {first_response: {tragets: {紧急: "5分钟"}}}}'))


@pytest.mark.parametrize("text", ["sla: [1, 2", "- just\n- a list\n"])
def test_broken_yaml_is_a_policy_error(tmp_path, text):
    with pytest.raises(PolicyError, match="team.yaml"):
        load_policy(write(tmp_path, text))


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="nope.yaml"):
        load_policy(tmp_path / "nope.yaml")
