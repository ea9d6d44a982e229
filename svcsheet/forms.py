"""The five paper forms, described once as data (``templates/forms/*.yaml``) and loaded into typed specs.

Templates, the reader, validation, de-identification, SLA and reports all read these specs;
no other module hard-codes a column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from .errors import UsageError
from .resources import data_path, load_yaml

FORM_KEYS = ("service_feedback", "issue_feedback", "complaint_followup", "service_card", "response_log")

FIELD_TYPES = {
    "text",  # free text
    "person",  # customer name (or company when company_ok)
    "phone",  # phone number
    "staff",  # handler / owner / collector / signature of staff: pseudonymised
    "signature",  # customer signature or confirmation: kept only as "signed / not signed"
    "date",
    "datetime",
    "score",  # integer 1-5, optionally with a note: 4(上门及时)
    "choice",  # closed single choice
    "multi",  # multiple choice
    "checkbox",  # single choice typed as a checkbox group: ☑质量□服务
    "timeline",  # lines of time + note
}

# What a field means to the reports and the common-issue search; code looks fields up by role
# (``form.by_role("department")``), never by a per-form key table. At most one field per role per form.
ROLES = {
    "category",  # the form's problem category (Pareto per form, routing, suggestion grouping)
    "channel",  # where the feedback came in (APP, 电话 ...)
    "priority",  # urgency / priority level (SLA lines per level)
    "department",  # the responsible department as written (routing fills it when empty)
    "handler",  # the staff member who handles the ticket (pseudonymised)
    "status",  # processing status
    "result",  # processing result
    "satisfaction",  # the overall satisfaction answer (a 1-5 score or a word scale)
    "suggestion",  # the customer's or the owner's improvement suggestion
    "overdue_reason",  # the agent's explanation of a late stage (超时原因)
    "model",  # the product or model the problem is about (common issues)
    "batch",  # the production batch (common issues)
    "customer_id",  # the company's own customer number (part of the customer key)
}

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "：": ":"})
# compiled once: labels are normalised for every distinct cell text a reader looks at (re.sub's cache costs more)
_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"\([^)]*\)")


def normalize_label(text: str) -> str:
    """Canonical form of a header label: NFKC, no spaces, no required-marks, no trailing colon."""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    s = _SPACES.sub("", s)
    s = s.strip("*★☆:")
    return s


def label_base(text: str) -> str:
    """The label without parenthesised notes: 效率评分(1-5) -> 效率评分."""
    return base_of_normalized(normalize_label(text))


def base_of_normalized(label: str) -> str:
    """``label_base`` of a label already normalised (``normalize_label``): its parenthesised notes removed."""
    return _NOTE.sub("", label)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: key, Chinese label, type and rules.

    ``role`` says what the field means to the reports, whatever its key on this form: one of ``ROLES``
    (category, channel, priority, department, handler, status, result, satisfaction, suggestion,
    overdue_reason, model, batch, customer_id) or None.
    """

    key: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    variants: tuple[str, ...] = ()
    open: bool = False  # closed choices plus free text ("+text")
    needs_note: tuple[str, ...] = ()  # choices that must carry a reason in brackets
    company_ok: bool = False  # a company name is accepted (not personal data)
    allow_vague: bool = False  # vague dates such as 约9月28日 are kept as text
    none_marks: tuple[str, ...] = ()  # values meaning "none", e.g. ——
    vague_values: tuple[str, ...] = ()  # values that say nothing (已处理 as a solution)
    section: str | None = None  # card layout section
    group: str | None = None  # list layout: grouped header above this column (客户信息)
    follows: str | None = None  # card: a bare 日期 label after this field belongs here
    checkbox: bool = False  # multi typed as ticks on the paper card
    future_ok: bool = False  # a planned time (预计完成时间) may lie after the run's as-of time
    long: bool = False  # long free text: a tall, wrapped cell in the templates
    keep_time: bool = False  # a date field that keeps a time when one is typed (it sharpens the SLA verdict)
    mask: str | None = None  # "last4": an identifier shown as ****1234 (客户编号)
    report_as: dict[str, str] = field(default_factory=dict)  # choice -> name used in reports (售后 -> 售后部)
    role: str | None = None  # what the field means to the reports (see ROLES)

    @property
    def is_time(self) -> bool:
        return self.type in ("date", "datetime")

    @property
    def is_choice(self) -> bool:
        return self.type in ("choice", "multi", "checkbox")

    def all_labels(self) -> tuple[str, ...]:
        """The label and its variants, as typed on forms."""
        return (self.label, *self.variants)


@dataclass(frozen=True)
class StageSpec:
    """One SLA stage: from one timestamp field to another (targets live in the policy)."""

    key: str
    label: str
    start: str
    end: str
    ordered: bool = True  # start must not be later than end (checked by validation)
    reason_field: str | None = None  # a breach of this stage must be explained in this field (超时原因)


@dataclass(frozen=True)
class RuleSpec:
    """A cross-field rule: when choice fields hold given values, other fields must be filled.

    ``when``: every listed field has one of the values; ``when_any``: at least one does;
    ``not_after``: (a, b) means field a must not be later than field b, reported at a;
    ``in_order``: (a, b) means b must not come before a, reported at b (completion before the request).
    """

    code: str
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    when_any: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require: tuple[str, ...] = ()
    not_after: tuple[str, str] | None = None
    in_order: tuple[str, str] | None = None


@dataclass(frozen=True)
class Condition:
    """A report condition on one field: it holds one of ``values``, or (values None) it is filled at all."""

    field: str
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReportSpec:
    """Per-form report facts that are conditions rather than fields (the ``report:`` section of the YAML).

    ``resolved`` / ``closed``: the first listed field that is filled decides whether its condition holds;
    nothing filled means no. ``closed`` None: the form has no closed loop. ``unresolved``: the condition that
    puts a ticket on the follow-up list, due a policy delay after ``due_from`` (else after opening).
    """

    resolved: tuple[Condition, ...] = ()
    closed: tuple[Condition, ...] | None = None
    unresolved: Condition | None = None
    due_from: str | None = None


@dataclass(frozen=True)
class FormSpec:
    """One paper form."""

    key: str
    name: str
    layout: str  # "list" or "card"
    id_field: str
    fields: tuple[FieldSpec, ...]
    stages: tuple[StageSpec, ...]
    instructions: tuple[str, ...] = ()
    id_pattern: str | None = None
    id_example: str | None = None
    id_fix_prefix: str | None = None  # e.g. FB: a bare id matching id_fix_pattern gets this prefix
    id_fix_pattern: str | None = None
    problem_fields: tuple[str, ...] = ()
    opened_field: str | None = None  # the timestamp that places a ticket in a period
    list_ok: bool = False  # a card form also accepted as a list (one ticket per row)
    sections: tuple[tuple[str, str], ...] = ()  # (key, label) for card layout
    rules: tuple[RuleSpec, ...] = ()
    examples: tuple[dict[str, str], ...] = ()  # the paper form's printed example rows
    report: ReportSpec = field(default_factory=ReportSpec)

    def by_role(self, role: str) -> FieldSpec | None:
        """The field playing ``role`` on this form (see ``ROLES``), or None when the form has none."""
        if role not in ROLES:
            raise KeyError(f"unknown field role {role!r}")
        return self._fields_by_role.get(role)

    def role_key(self, role: str) -> str | None:
        """The key of the field playing ``role``, or None."""
        f = self.by_role(role)
        return f.key if f else None

    def field(self, key: str) -> FieldSpec:
        spec = self._fields_by_key.get(key)
        if spec is None:
            raise KeyError(f"{self.key} has no field {key!r}")
        return spec

    # cached_property writes the instance dict directly, so it works on this frozen dataclass; a form is looked up
    # once per cell in the hot loops, which used to walk (and rebuild) the field tuple every time
    @cached_property
    def _fields_by_key(self) -> dict[str, FieldSpec]:
        by_key: dict[str, FieldSpec] = {}
        for f in self.fields:
            by_key.setdefault(f.key, f)  # the first field of a key wins, as the walk did
        return by_key

    @cached_property
    def _fields_by_role(self) -> dict[str, FieldSpec]:
        by_role: dict[str, FieldSpec] = {}
        for f in self.fields:
            if f.role:
                by_role.setdefault(f.role, f)  # the first field of a role wins, as the walk did
        return by_role

    @cached_property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def id_label(self) -> str:
        return self.field(self.id_field).label

    def stage(self, key: str) -> StageSpec:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(f"{self.key} has no stage {key!r}")


def _field(raw: dict[str, Any]) -> FieldSpec:
    if raw["type"] not in FIELD_TYPES:
        raise ValueError(f"unknown field type {raw['type']!r} for {raw['key']}")
    if raw.get("role") is not None and raw["role"] not in ROLES:
        raise ValueError(f"unknown field role {raw['role']!r} for {raw['key']}")
    return FieldSpec(
        key=raw["key"],
        label=raw["label"],
        type=raw["type"],
        required=bool(raw.get("required", False)),
        choices=tuple(raw.get("choices", ())),
        synonyms=dict(raw.get("synonyms", {})),
        variants=tuple(raw.get("variants", ())),
        open=bool(raw.get("open", False)),
        needs_note=tuple(raw.get("needs_note", ())),
        company_ok=bool(raw.get("company_ok", False)),
        allow_vague=bool(raw.get("allow_vague", False)),
        none_marks=tuple(raw.get("none_marks", ())),
        vague_values=tuple(raw.get("vague_values", ())),
        section=raw.get("section"),
        group=raw.get("group"),
        follows=raw.get("follows"),
        checkbox=bool(raw.get("checkbox", raw["type"] == "checkbox")),
        future_ok=bool(raw.get("future_ok", False)),
        keep_time=bool(raw.get("keep_time", False)),
        long=bool(raw.get("long", False)),
        mask=raw.get("mask"),
        report_as=dict(raw.get("report_as") or {}),
        role=raw.get("role"),
    )


def _condition(raw: dict[str, Any]) -> Condition:
    values = raw.get("values")
    return Condition(raw["field"], tuple(str(v) for v in values) if values else None)


def _report(raw: dict[str, Any] | None) -> ReportSpec:
    raw = raw or {}
    closed = raw.get("closed")
    unresolved = raw.get("unresolved")
    return ReportSpec(
        resolved=tuple(_condition(c) for c in raw.get("resolved") or ()),
        closed=tuple(_condition(c) for c in closed) if closed is not None else None,
        unresolved=_condition(unresolved) if unresolved else None,
        due_from=unresolved.get("due_from") if unresolved else None,
    )


def _form(raw: dict[str, Any]) -> FormSpec:
    fields = tuple(_field(f) for f in raw["fields"])
    keys = {f.key for f in fields}
    stages = tuple(
        StageSpec(
            s["key"], s["label"], s["from"], s["to"], bool(s.get("ordered", True)), s.get("reason_field")
        )
        for s in raw.get("stages", ())
    )
    rules = tuple(
        RuleSpec(
            code=r["code"],
            when={k: tuple(v) for k, v in r.get("when", {}).items()},
            when_any={k: tuple(v) for k, v in r.get("when_any", {}).items()},
            require=tuple(r.get("require", ())),
            not_after=tuple(r["not_after"]) if r.get("not_after") else None,
            in_order=tuple(r["in_order"]) if r.get("in_order") else None,
        )
        for r in raw.get("rules") or ()
    )
    refs = [
        (s.key, ref)
        for s in stages
        for ref in (s.start, s.end, *([s.reason_field] if s.reason_field else []))
    ]
    refs += [
        (r.code, ref)
        for r in rules
        for ref in (*r.when, *r.when_any, *r.require, *(r.not_after or ()), *(r.in_order or ()))
    ]
    report = _report(raw.get("report"))
    conditions = (
        *report.resolved,
        *(report.closed or ()),
        *([report.unresolved] if report.unresolved else []),
    )
    refs += [("report", c.field) for c in conditions]
    refs += [("report", report.due_from)] if report.due_from else []
    roles = [f.role for f in fields if f.role]
    for role in {r for r in roles if roles.count(r) > 1}:
        raise ValueError(f"{raw['key']}: more than one field has role {role}")
    for owner, ref in refs:
        if ref not in keys:
            raise ValueError(f"{raw['key']}: {owner} refers to unknown field {ref}")
    if raw["id_field"] not in keys:
        raise ValueError(f"{raw['key']}: id_field {raw['id_field']} is not a field")
    return FormSpec(
        key=raw["key"],
        name=raw["name"],
        layout=raw["layout"],
        id_field=raw["id_field"],
        fields=fields,
        stages=stages,
        instructions=tuple(raw.get("instructions", ())),
        id_pattern=raw.get("id_pattern"),
        id_example=str(raw["id_example"]) if raw.get("id_example") else None,
        id_fix_prefix=raw.get("id_fix_prefix"),
        id_fix_pattern=raw.get("id_fix_pattern"),
        problem_fields=tuple(raw.get("problem_fields", ())),
        opened_field=raw.get("opened_field"),
        list_ok=bool(raw.get("list_ok", False)),
        sections=tuple((s["key"], s["label"]) for s in raw.get("sections", ())),
        rules=rules,
        examples=tuple({k: str(v) for k, v in e.items()} for e in raw.get("examples") or ()),
        report=report,
    )


@cache
def load_forms() -> dict[str, FormSpec]:
    """All form specs, keyed by form key, in the canonical order."""
    forms = {}
    for key in FORM_KEYS:
        with open(data_path("forms", f"{key}.yaml"), encoding="utf-8") as fh:
            forms[key] = _form(load_yaml(fh.read()))
    return forms


def get_form(key: str) -> FormSpec:
    """One form spec; an unknown key is a usage error listing the known ones."""
    forms = load_forms()
    if key not in forms:
        raise UsageError(f"unknown form {key!r}; known forms: {', '.join(forms)}")
    return forms[key]


def schema_dict(keys: list[str] | None = None) -> dict[str, Any]:
    """The form definitions in the documented JSON shape of ``svcsheet schema --json``."""
    forms = [get_form(k) for k in keys] if keys else list(load_forms().values())
    return {
        "forms": [
            {
                "key": f.key,
                "name": f.name,
                "id_field": f.id_field,
                "fields": [
                    {
                        "key": fld.key,
                        "label": fld.label,
                        "required": fld.required,
                        "type": fld.type,
                        "choices": list(fld.choices),
                    }
                    for fld in f.fields
                ],
                "stages": [{"key": s.key, "label": s.label} for s in f.stages],
            }
            for f in forms
        ]
    }
