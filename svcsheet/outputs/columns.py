"""Column layout shared by clean.xlsx and rejects.xlsx: provenance, customer key, every field label, SLA stages."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from ..forms import FormSpec
from ..records import Row

PROVENANCE = ["来源文件", "工作表", "行号"]
CUSTOMER = "客户标识"
COMMON_ISSUE = "共性问题"


def note_fields(form: FormSpec, rows: list[Row]) -> list[str]:
    """Fields that carry a note (4(上门及时)) in at least one row: they get an extra (说明) column."""
    seen: set[str] = set()
    for r in rows:  # only the note keys a row has are looked at (most rows have none)
        safe = r.safe
        for note in _note_keys(safe):
            if note not in seen and safe.get(note):
                seen.add(note)
    return [f.key for f in form.fields if f"{f.key}__note" in seen]


_NOTE_KEYS: dict[int, tuple[Any, tuple[str, ...]]] = {}


def _note_keys(safe: Any) -> tuple[str, ...]:
    """The note keys of a row's de-identified values; worked out once per key index a FieldMap shares."""
    index = getattr(safe, "_index", None)
    if index is None:
        return tuple(k for k in safe if k.endswith("__note"))
    hit = _NOTE_KEYS.get(id(index))
    if hit is None or hit[0] is not index:
        hit = _NOTE_KEYS[id(index)] = (index, tuple(k for k in index if k.endswith("__note")))
    return hit[1]


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


class FieldColumns:
    """The field columns of one form's table (a note column after each field in ``notes``): ``values(row)`` is
    ``field_values(form, row, notes)``, taken by position from a row's FieldMap (positions worked out once per
    key index the rows share)."""

    def __init__(self, form: FormSpec, notes: list[str]) -> None:
        self.form, self.notes = form, notes
        self.keys: list[str] = []
        for f in form.fields:
            self.keys.append(f.key)
            if f.key in notes:
                self.keys.append(f"{f.key}__note")
        self._plans: dict[int, tuple[Any, Any]] = {}

    def values(self, row: Row) -> list[Any]:
        safe = row.safe
        index = getattr(safe, "_index", None)
        if index is None or len(self.keys) < 2:
            return field_values(self.form, row, self.notes)
        plan = self._plans.get(id(index))
        if plan is None or plan[0] is not index:
            missing = len(index)  # a key the row does not have reads the None appended below
            plan = self._plans[id(index)] = (index, itemgetter(*(index.get(k, missing) for k in self.keys)))
        # a note is text, so display() (which changes tuples only) leaves the note columns as they are
        return [display(v) if isinstance(v, tuple) else v for v in plan[1](safe._values + (None,))]


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
