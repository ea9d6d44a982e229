"""Stage 2 of a row's journey: a RawRow (cells as typed) becomes a Row (typed values + parse findings)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from .findings import make
from .forms import FormSpec
from .records import Parsed, RawRow, Row
from .values import parse_value


def parse_row(raw: RawRow, form: FormSpec) -> Row:
    """Parse every cell of a row with its field spec; parse problems become findings at the cell."""
    values: dict[str, Parsed] = {}
    findings = []
    for key, cell in raw.cells.items():
        spec = form.field(key)
        parsed = parse_value(spec, cell.raw)
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
