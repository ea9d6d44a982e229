"""Stage 2 of a row's journey: a RawRow (cells as typed) becomes a Row (typed values + parse findings)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from .findings import make
from .forms import FieldSpec, FormSpec
from .records import Parsed, RawRow, Row
from .values import parse_value

_MEMO: dict[tuple[int, type, Any], tuple[FieldSpec, Parsed]] = {}
_MEMO_MAX = 200_000
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


def parse_row(raw: RawRow, form: FormSpec) -> Row:
    """Parse every cell of a row with its field spec; parse problems become findings at the cell."""
    values: dict[str, Parsed] = {}
    findings = []
    for key, cell in raw.cells.items():
        spec = form.field(key)
        parsed = parse_cached(spec, cell.raw)
        values[key] = parsed
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    return text or None
