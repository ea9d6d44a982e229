"""Stage 2 of a row's journey: a RawRow (cells as typed) becomes a Row (typed values + parse findings).

The ticket id is made canonical here (``FB`` + digits for an id typed without its prefix), so the canonical id is
the one every later stage, output, the history and the archive index see; the id as typed stays in the id
field's note (a column beside the id in clean/rejects) and in the finding at its cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..findings import make
from ..forms import FieldSpec, FormSpec, load_forms
from ..records import Parsed, RawRow, Row
from .values import parse_value

_MEMO: dict[tuple[int, type, Any], tuple[FieldSpec, Parsed]] = {}
# a month of distinct customers fills it with one-off names, phones and times (cleared when full): 50,000 entries
# held ~15 MB in each pool worker; 10,000 keep every repeating value (staff, choices, models) at no CPU cost
_MEMO_MAX = 10_000
_MEMO_TEXT = 64  # longer texts (descriptions, notes) rarely repeat: not worth keeping


def parse_cached(spec: FieldSpec, raw: Any) -> Parsed:
    """parse_value, once per distinct (field, raw value): dates, choices, staff and names repeat a lot.

    Parsed is immutable, so one instance can serve every cell that typed the same thing."""
    if isinstance(raw, str) and len(raw) > _MEMO_TEXT:
        return parse_value(spec, raw)
    key = (id(spec), type(raw), raw)  # the type keeps 1, 1.0 and True apart
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    parsed = parse_value(spec, raw)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = (spec, parsed)
    return parsed


_SPECS: dict[int, tuple[FormSpec, dict[str, FieldSpec]]] = {}


def _specs(form: FormSpec) -> dict[str, FieldSpec]:
    """field key -> spec of one form (FormSpec.field walks the fields)."""
    hit = _SPECS.get(id(form))
    if hit is None or hit[0] is not form:
        hit = _SPECS[id(form)] = (form, {f.key: f for f in form.fields})
    return hit[1]


def _raw_items(cells: Any) -> Any:
    """(field key, value as typed) of every cell, without making a Cell each where the cells are compact."""
    raw_items = getattr(cells, "raw_items", None)
    return raw_items() if raw_items is not None else ((k, c.raw) for k, c in cells.items())


_LAYOUT_SPECS: dict[tuple[int, int], tuple[FormSpec, Any, tuple[tuple[str, FieldSpec, int], ...]]] = {}


def _typed_cells(cells: Any, form: FormSpec) -> Iterable[tuple[tuple[str, FieldSpec, int], Any]]:
    """((field key, spec, id of the spec), value as typed) of every cell. Compact cells share their layout with
    every row read the same way: its keys' specs are looked up once per layout, not once per cell."""
    layout = getattr(cells, "key_columns", None)
    if layout is None:
        specs = _specs(form)
        return (((k, specs[k], id(specs[k])), typed) for k, typed in _raw_items(cells))
    hit = _LAYOUT_SPECS.get((id(form), id(layout)))
    if hit is None or hit[0] is not form or hit[1] is not layout:
        specs = _specs(form)
        plan = tuple((k, specs[k], id(specs[k])) for k, _col in layout)
        if len(_LAYOUT_SPECS) >= 1024:  # each run reads new layouts: a program that runs weekly keeps no old ones
            _LAYOUT_SPECS.clear()
        hit = _LAYOUT_SPECS[(id(form), id(layout))] = (form, layout, plan)
    return zip(hit[2], cells.raw_values(), strict=True)


def parse_row(raw: RawRow, form: FormSpec) -> Row:
    """Parse every cell of a row with its field spec; parse problems become findings at the cell."""
    values: dict[str, Parsed] = {}
    findings = []
    memo = _MEMO.get
    id_field = form.id_field
    for (key, spec, spec_id), typed in _typed_cells(raw.cells, form):
        # parse_cached's hit inlined (a long text is never in the memo): most cells repeat a value
        hit = memo((spec_id, type(typed), typed))
        parsed = hit[1] if hit is not None and hit[0] is spec else parse_cached(spec, typed)
        if key == id_field:
            parsed = _canonical_id(form, parsed)
        values[key] = parsed
        if not parsed.issues:
            continue
        cell = raw.cells[key]
        for code, params in parsed.issues:
            findings.append(
                make(
                    code,
                    raw.prov,
                    cell=cell.ref,
                    field=key,
                    label=spec.label,
                    value=cell.raw,
                    form=form.key,
                    params=params,
                )
            )
    id_parsed = values.get(form.id_field)
    ticket = ticket_id_text(id_parsed.value if id_parsed else None)
    if findings:
        findings = [replace(f, ticket_id=ticket) for f in findings]
    return Row(
        form=form.key,
        prov=raw.prov,
        cells=raw.cells,
        values=values,
        findings=findings,
        layout=raw.layout,
        ticket_id=ticket,
    )


def ticket_id_text(value: object) -> str | None:
    """A ticket id as text: half-width, no spaces; integral floats lose their '.0'."""
    if value is None:
        return None
    if type(value) is str and value.isascii() and value.isalnum():
        return value  # NFKC leaves ASCII as it is, and there is no space to take out
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return text or None


def canonical_ticket_id(form: FormSpec, value: object) -> str | None:
    """The id under which a ticket of ``form`` travels: a bare id the form knows how to complete gets its
    prefix (``202310010001`` -> ``FB202310010001``); any other id is returned as ``ticket_id_text`` gives it."""
    text = ticket_id_text(value)
    if text and form.id_fix_prefix and form.id_fix_pattern and re.fullmatch(form.id_fix_pattern, text):
        return form.id_fix_prefix + text
    return text


def ticket_lookup_ids(typed: str) -> tuple[str, ...]:
    """Every id a ticket typed as ``typed`` may be recorded under: the id itself and, for each form that
    completes bare ids, its canonical form. ``trace 202310010001`` finds ``FB202310010001`` with these."""
    text = ticket_id_text(typed)
    if text is None:
        return ()
    ids = []
    for candidate in (text, text.upper()):  # fb2023... typed in lower case on the terminal
        ids += [candidate] + [canonical_ticket_id(form, candidate) or candidate for form in load_forms().values()]
    return tuple(dict.fromkeys(ids))


def _canonical_id(form: FormSpec, parsed: Parsed) -> Parsed:
    """The id field's value made canonical; the id as typed is kept as its note, with a warning."""
    typed = ticket_id_text(parsed.value)
    fixed = canonical_ticket_id(form, parsed.value)
    if typed is None or fixed == typed:
        return parsed
    issue = ("id_normalised", {"prefix": form.id_fix_prefix, "fixed": fixed, "typed": typed})
    return replace(parsed, value=fixed, note=f"原填写 {typed}", issues=(*parsed.issues, issue))
