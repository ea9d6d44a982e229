"""Field roles and report conditions: the form YAML, not per-form key tables, tells the code what a field means."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from test_figures import make_row

from svcsheet import forms as forms_mod
from svcsheet.audit.history import RECORD_ROLES, SATISFACTION_DIMENSION, dimension, to_record
from svcsheet.forms import ROLES, load_forms, schema_dict
from svcsheet.resources import data_path

FORMS = load_forms()
SOURCE = Path(forms_mod.__file__).parent

# What the paper forms carry (domain spec): without these roles a form silently drops out of a report table.
NEEDED = {
    "service_feedback": {
        "category",
        "priority",
        "department",
        "satisfaction",
        "suggestion",
        "model",
        "batch",
    },
    "issue_feedback": {
        "category",
        "priority",
        "channel",
        "department",
        "handler",
        "status",
        "result",
        "satisfaction",
        "customer_id",
    },
    "complaint_followup": {
        "category",
        "department",
        "handler",
        "status",
        "satisfaction",
        "suggestion",
        "model",
    },
    "service_card": {"category", "priority", "handler", "satisfaction", "model"},
    "response_log": {"category", "priority", "handler", "result", "satisfaction", "overdue_reason"},
}

_ASKED = re.compile(
    r'(?:by_role|role_key)\("(\w+)"\)|_with_role\(forms, "(\w+)"\)|_first\(row, form, "(\w+)"\)'
    r'|_(?:by_role|role_key)\([\w\[\]]+, "(\w+)"\)'  # figures' memoised lookups
)


def _roles_asked_by_code() -> set[str]:
    asked = set(RECORD_ROLES)
    for path in SOURCE.rglob("*.py"):
        for m in _ASKED.finditer(path.read_text(encoding="utf-8")):
            asked.add(next(g for g in m.groups() if g))
    return asked


def _raw(key: str) -> dict:
    with open(data_path("forms", f"{key}.yaml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_every_role_the_code_asks_for_is_documented_and_set_on_some_form():
    asked = _roles_asked_by_code()
    assert {"department", "customer_id", "model", "suggestion"} <= asked  # the scan sees the modules
    assert asked <= ROLES
    on_forms = {f.role for form in FORMS.values() for f in form.fields if f.role}
    assert asked <= on_forms, f"roles no form sets: {sorted(asked - on_forms)}"
    vocabulary_comment = data_path("forms", "service_feedback.yaml").read_text("utf-8")
    for role in ROLES:
        assert re.search(rf"^#\s.*\b{role}\b", vocabulary_comment, re.M), f"{role} not documented in YAML"


@pytest.mark.parametrize("form_key", list(NEEDED))
def test_each_form_sets_the_roles_its_reports_need(form_key):
    form = FORMS[form_key]
    have = {f.role for f in form.fields if f.role}
    assert NEEDED[form_key] <= have, sorted(NEEDED[form_key] - have)


def test_by_role_returns_none_when_absent_and_rejects_unknown_roles():
    assert FORMS["service_card"].by_role("channel") is None
    assert FORMS["issue_feedback"].by_role("channel").label == "反馈渠道"
    with pytest.raises(KeyError):
        FORMS["issue_feedback"].by_role("chanel")


def test_loader_rejects_an_unknown_or_repeated_role():
    raw = _raw("issue_feedback")
    bad = copy.deepcopy(raw)
    bad["fields"][0]["role"] = "nonsense"
    with pytest.raises(ValueError, match="nonsense"):
        forms_mod._form(bad)
    twice = copy.deepcopy(raw)
    next(f for f in twice["fields"] if f["key"] == "remark")["role"] = "handler"
    with pytest.raises(ValueError, match="handler"):
        forms_mod._form(twice)
    dangling = copy.deepcopy(raw)
    dangling["report"]["unresolved"]["due_from"] = "no_such_time"
    with pytest.raises(ValueError, match="no_such_time"):
        forms_mod._form(dangling)


@pytest.mark.parametrize("form_key", list(NEEDED))
def test_report_condition_values_are_choices_of_their_field(form_key):
    form = FORMS[form_key]
    rep = form.report
    assert rep.resolved, "every form says what resolved means"
    for c in (*rep.resolved, *(rep.closed or ()), *([rep.unresolved] if rep.unresolved else [])):
        spec = form.field(c.field)
        if c.values is None:
            assert spec.is_time, f"{c.field}: a 'filled at all' condition is a timestamp"
        else:
            assert set(c.values) <= set(spec.choices), (c.field, c.values)
    if rep.unresolved is not None:
        assert rep.due_from is not None and form.field(rep.due_from).is_time


def test_satisfaction_role_is_the_field_the_satisfaction_figures_read():
    for form in FORMS.values():
        spec = form.by_role("satisfaction")
        assert spec is not None and spec.type in ("score", "choice", "checkbox")
        assert dimension(spec.label) == SATISFACTION_DIMENSION  # 满意度 means come from this dimension


def test_schema_output_is_unchanged_by_roles_and_report_conditions():
    data = schema_dict()
    for form in data["forms"]:
        assert set(form) == {"key", "name", "id_field", "fields", "stages"}
        for f in form["fields"]:
            assert set(f) == {"key", "label", "required", "type", "choices"}


def test_a_renamed_field_keeps_its_meaning_through_its_role():
    """Adding or renaming a field is a YAML edit: the reports follow the role, whatever the key."""
    raw = _raw("issue_feedback")
    for f in raw["fields"]:
        if f["key"] in ("handler", "result"):
            f["key"] = {"handler": "assignee", "result": "outcome"}[f["key"]]
    raw["rules"] = []
    rep = raw["report"]
    for c in (*rep["resolved"], rep["unresolved"]):
        c["field"] = "outcome" if c["field"] == "result" else c["field"]
    form = forms_mod._form(raw)
    when = dt.datetime(2026, 11, 17, 10)
    row = make_row(
        "issue_feedback",
        "FB202611170001",
        "a.xlsx",
        2,
        {"feedback_time": when, "assignee": "员工甲", "outcome": "已解决", "status": "处理中"},
    )
    rec = to_record(row, form)
    assert (rec.handler, rec.result, rec.resolved, rec.status) == ("员工甲", "已解决", True, "处理中")
    row.safe["outcome"] = "未解决"
    assert to_record(row, form).resolved is False
