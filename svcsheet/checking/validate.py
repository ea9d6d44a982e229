"""Stage 3: validation driven by the form definitions. Findings are appended to rows; nothing raises.

Per row: required fields, id format, the paper form's example row, the form's cross-field rules, time order along
every stage and vague values. Across the run: duplicate ticket ids within a form (both rows reported, none dropped).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ..findings import at_field
from ..forms import FieldSpec, FormSpec, RuleSpec
from ..records import Finding, Row
from ..sla.period import as_datetime
from .parse import canonical_ticket_id

_PUNCT = re.compile(r"[\s。，,.!！、;；:：]+")


EXCEL_CELL_LIMIT = 32767


def check_row(row: Row, form: FormSpec, as_of: datetime | None = None) -> None:
    """Append this row's validation findings to ``row.findings``; ``as_of`` is the run's "now"."""
    add = row.findings.append
    flagged = {f.field for f in row.findings}

    def finding(code: str, spec: FieldSpec | None, **params: Any) -> Finding:
        return at_field(code, row, form, spec.key if spec else None, **params)

    for spec in _required(form):
        if spec.key in flagged:
            continue
        if spec.key not in row.cells:
            add(finding("column_missing", spec))
        elif row.value(spec.key) is None:
            add(finding("required_missing", spec))

    _check_id(row, form, finding)
    if _is_example(row, form):
        add(finding("example_row", form.field(form.id_field)))
    else:
        marked = _example_mark(row, form)
        if marked:
            add(finding("example_marked", marked))
    for rule in form.rules:
        found = _check_rule(row, form, rule, finding)
        if found:
            add(found)
    for stage in form.stages:
        if stage.ordered and stage.start != stage.end:
            found = _check_order(row, form, stage.start, stage.end, "time_order", finding)
            if found:
                add(found)
    get = row.values.get
    today = None if as_of is None else as_of.date()
    for spec, vague in _field_checks(form):
        parsed = get(spec.key)
        value = None if parsed is None else parsed.value
        if vague is not None and _bare(value) in vague:
            add(finding("vague_solution", spec))
        if isinstance(value, str):
            if len(value) > EXCEL_CELL_LIMIT:
                add(finding("text_too_long", spec))
            continue
        if today is None or spec.future_ok or not isinstance(value, date):
            continue  # only a date or a time can lie in the future
        if (value.date() if isinstance(value, datetime) else value) > today:
            add(finding("future_time", spec, as_of=f"{as_of:%Y-%m-%d %H:%M}"))


_REQUIRED: dict[int, tuple[FormSpec, tuple[FieldSpec, ...]]] = {}


def _required(form: FormSpec) -> tuple[FieldSpec, ...]:
    """The form's required fields, in its order (listed once per form, not walked per row)."""
    hit = _REQUIRED.get(id(form))
    if hit is None or hit[0] is not form:
        hit = _REQUIRED[id(form)] = (form, tuple(f for f in form.fields if f.required))
    return hit[1]


_FIELD_CHECKS: dict[int, tuple[FormSpec, tuple[tuple[FieldSpec, frozenset[str] | None], ...]]] = {}


def _field_checks(form: FormSpec) -> tuple[tuple[FieldSpec, frozenset[str] | None], ...]:
    """(spec, its vague values as compared or None) of every field, in the form's order; once per form."""
    hit = _FIELD_CHECKS.get(id(form))
    if hit is None or hit[0] is not form:
        checks = tuple((spec, _vague(spec) if spec.vague_values else None) for spec in form.fields)
        hit = _FIELD_CHECKS[id(form)] = (form, checks)
    return hit[1]


_VAGUE: dict[int, tuple[FieldSpec, frozenset[str]]] = {}


def _vague(spec: FieldSpec) -> frozenset[str]:
    """The field's vague values as compared (built once per field, not once per row)."""
    hit = _VAGUE.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _VAGUE[id(spec)] = (spec, frozenset(_bare(v) for v in spec.vague_values))
    return hit[1]


def check_duplicates(rows: Iterable[Row], forms: dict[str, FormSpec]) -> None:
    """Report every row whose ticket id occurs more than once within its form across the whole run."""
    seen: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row.ticket_id:
            seen[(row.form, row.ticket_id)].append(row)
    for (form_key, _ticket), group in seen.items():
        if len(group) < 2:
            continue
        form = forms[form_key]
        for row in group:
            others = "；".join(_where(o) for o in group if o is not row)
            row.findings.append(
                at_field("id_duplicate", row, form, form.id_field, value=row.ticket_id, other=others)
            )


def _where(row: Row) -> str:
    return f"文件「{row.prov.file}」工作表「{row.prov.sheet}」第 {row.prov.row} 行"


def _check_id(row: Row, form: FormSpec, finding) -> None:
    ticket = row.ticket_id  # canonical since parsing (parse.canonical_ticket_id)
    # Findings the reader made before parsing carry the id as typed: every finding shows the canonical id.
    row.findings[:] = [f if f.ticket_id == ticket else replace(f, ticket_id=ticket) for f in row.findings]
    if ticket is None:
        return
    if form.id_pattern and not re.fullmatch(form.id_pattern, ticket):
        row.findings.append(finding("id_format", form.field(form.id_field), example=form.id_example or ""))


def _is_example(row: Row, form: FormSpec) -> bool:
    """The row repeats one of the paper form's printed example rows (the id compared in canonical form)."""
    id_field = form.id_field
    for example in _bare_examples(form):
        matched = True
        for key, expected in example:
            actual = row.ticket_id if key == id_field else row.value(key)
            if _bare(actual) != expected:
                matched = False
                break
        if matched:
            return True
    return False


_EXAMPLES: dict[int, tuple[FormSpec, tuple[tuple[tuple[str, str], ...], ...]]] = {}


def _bare_examples(form: FormSpec) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The form's example rows as compared: (field key, bare expected text) in the example's order, the id in
    canonical form (made once per form, not once per row)."""
    hit = _EXAMPLES.get(id(form))
    if hit is None or hit[0] is not form:
        examples = tuple(
            tuple(
                (key, _bare(_canonical_example(form, expected) if key == form.id_field else expected))
                for key, expected in example.items()
            )
            for example in form.examples
        )
        hit = _EXAMPLES[id(form)] = (form, examples)
    return hit[1]


_EXAMPLE_IDS: dict[tuple[int, str], tuple[FormSpec, str | None]] = {}


def _canonical_example(form: FormSpec, expected: Any) -> str | None:
    key = (id(form), repr(expected))
    hit = _EXAMPLE_IDS.get(key)
    if hit is None or hit[0] is not form:
        hit = _EXAMPLE_IDS[key] = (form, canonical_ticket_id(form, expected))
    return hit[1]


# A cell saying only that the row is an example: 示例, 【样例】, 示例行, 填写示例, 此行为示例，请删除 ...
_EXAMPLE_WORD = re.compile(r"示例|样例|范例")
_EXAMPLE_FILLER = re.compile(
    r"示例|样例|范例|此行|本行|这一?行|这是|仅供参考|参考|请勿?删除|删除|勿提交|请勿提交|填写|数据|记录|为|是|行|[^\w]|_"
)


# Every example word holds 例; NFKC makes 例 only of 例 and its compatibility twin U+F9B5 (no composition yields it):
# a text without either cannot mark an example, and most cells are not looked up in _marks_example's memo.
_LI, _LI_TWIN = "例", "\uf9b5"


def _example_mark(row: Row, form: FormSpec) -> FieldSpec | None:
    """The field whose cell marks the row as an example (its whole text is 示例/样例 and filler words)."""
    raw_items = getattr(row.cells, "raw_items", None)  # compact cells: the values as typed, no Cell made
    if raw_items is not None:
        # most rows type no 例 at all: one search of their texts joined, in C, before a look at each cell
        texts = [t for t in row.cells.raw_values() if isinstance(t, str)]
        if not texts or (_LI not in (joined := "\n".join(texts)) and _LI_TWIN not in joined):
            return None
        marked = {
            k
            for k, text in raw_items()
            if isinstance(text, str)
            and (_LI in text or _LI_TWIN in text)
            and len(text) <= 40
            and _marks_example(text)
        }
        return next((spec for spec in form.fields if spec.key in marked), None) if marked else None
    for spec in form.fields:
        cell = row.cells.get(spec.key)
        text = cell.raw if cell is not None else None
        if (
            isinstance(text, str)
            and (_LI in text or _LI_TWIN in text)
            and len(text) <= 40
            and _marks_example(text)
        ):
            return spec
    return None


@lru_cache(maxsize=8192)
def _marks_example(text: str) -> bool:
    norm = unicodedata.normalize("NFKC", text)
    return bool(_EXAMPLE_WORD.search(norm) and not _EXAMPLE_FILLER.sub("", norm))


def _bare(value: Any) -> str:
    """Text compared without width, spaces or punctuation differences."""
    if value is None:
        return ""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(value))).lower()


def _holds(row: Row, conditions: dict[str, tuple[str, ...]]) -> list[bool]:
    results = []
    for key, wanted in conditions.items():
        value = row.value(key)
        values = value if isinstance(value, tuple) else (value,)
        results.append(any(v in wanted for v in values))
    return results


def _check_rule(row: Row, form: FormSpec, rule: RuleSpec, finding) -> Finding | None:
    if rule.not_after:
        return _check_order(row, form, rule.not_after[0], rule.not_after[1], rule.code, finding, reverse=True)
    if rule.in_order:
        return _check_order(row, form, rule.in_order[0], rule.in_order[1], rule.code, finding)
    if rule.when and not all(_holds(row, rule.when)):
        return None
    if rule.when_any and not any(_holds(row, rule.when_any)):
        return None
    missing = [form.field(k) for k in rule.require if row.value(k) is None]
    if not missing:
        return None
    return finding(rule.code, missing[0], missing="、".join(f.label for f in missing))


def _as_datetime(value: Any) -> tuple[datetime, bool] | None:
    """(instant, exact) for a datetime or date value; exact is False for a date without time."""
    instant = as_datetime(value)
    return None if instant is None else (instant, isinstance(value, datetime))


def _check_order(
    row: Row, form: FormSpec, first: str, second: str, code: str, finding, reverse: bool = False
) -> Finding | None:
    """Report when ``first`` is later than ``second`` (compared by date only when either lacks a time)."""
    a, b = _as_datetime(row.value(first)), _as_datetime(row.value(second))
    if a is None or b is None:
        return None
    (ta, exact_a), (tb, exact_b) = a, b
    later = ta > tb if exact_a and exact_b else ta.date() > tb.date()
    if not later:
        return None
    if reverse:
        return finding(code, form.field(first), other=form.field(second).label)
    return finding(code, form.field(second), other=form.field(first).label)
