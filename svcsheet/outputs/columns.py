"""Column layout shared by clean.xlsx and rejects.xlsx: provenance, customer key, every field label, SLA stages."""

from __future__ import annotations

from typing import Any

from ..forms import FormSpec
from ..records import Row

PROVENANCE = ["来源文件", "工作表", "行号"]
CUSTOMER = "客户标识"
COMMON_ISSUE = "共性问题"


def note_fields(form: FormSpec, rows: list[Row]) -> list[str]:
    """Fields that carry a note (4(上门及时)) in at least one row: they get an extra (说明) column."""
    notes = [(f.key, f"{f.key}__note") for f in form.fields]
    return [key for key, note in notes if any(r.safe.get(note) for r in rows)]


def field_headers(form: FormSpec, notes: list[str]) -> list[str]:
    headers = []
    for f in form.fields:
        headers.append(f.label)
        if f.key in notes:
            headers.append(f"{f.label}(说明)")
    return headers


def field_values(form: FormSpec, row: Row, notes: list[str]) -> list[Any]:
    values = []
    for f in form.fields:
        values.append(display(row.safe.get(f.key)))
        if f.key in notes:
            values.append(row.safe.get(f"{f.key}__note"))
    return values


def display(value: Any) -> Any:
    """A de-identified value as a cell: timelines become lines of text, multi choices joined with 、."""
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "\n".join(f"{when:%Y-%m-%d %H:%M} {note}" if when else str(note) for when, note in value)
    if isinstance(value, tuple):
        return "、".join(str(v) for v in value)
    return value


def provenance(row: Row) -> list[Any]:
    prov = row.shown_prov
    return [prov.file, prov.sheet, prov.row]
