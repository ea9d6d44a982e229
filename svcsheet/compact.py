"""Rows held compactly: at 100,000 rows the cells as read were most of a run's memory.

A row's cells were a dict of Cell objects, each with its own address string. Here they are a read-only mapping
over three small parts: the field keys with their column letters (one tuple shared by every row of the same
layout), the row number(s) and the raw values (short texts interned, so the same 满意 or 工号 is one object).
Cells are made on access; nothing else changes for the code that reads ``row.cells``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

from .records import Cell

_DIGITS = "0123456789"
_LAYOUTS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
_INTERN_MAX = 64


class CompactCells(Mapping[str, Cell]):
    """field key -> Cell, stored as (shared layout, row number or numbers, raw values)."""

    __slots__ = ("_layout", "_rows", "_raws")

    def __init__(self, layout: tuple[tuple[str, str], ...], rows: int | tuple[int, ...], raws: tuple) -> None:
        self._layout = layout
        self._rows = rows
        self._raws = raws

    def __getitem__(self, key: str) -> Cell:
        for i, (k, col) in enumerate(self._layout):
            if k == key:
                row = self._rows if isinstance(self._rows, int) else self._rows[i]
                return Cell(f"{col}{row}", self._raws[i])
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._layout)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._layout)

    def __len__(self) -> int:
        return len(self._layout)

    def __reduce__(self) -> tuple:
        return (CompactCells, (self._layout, self._rows, self._raws))

    def __repr__(self) -> str:
        return f"CompactCells({dict(self)!r})"


def compact_cells(cells: Mapping[str, Cell]) -> Mapping[str, Cell]:
    """The same cells, compactly; cells whose address is not a plain A1 reference stay as they are."""
    layout, rows, raws = [], [], []
    for key, cell in cells.items():
        ref = cell.ref
        col = ref.rstrip(_DIGITS) if isinstance(ref, str) else ""
        if not (col.isascii() and col.isalpha() and col.isupper() and len(col) < len(ref)):
            return cells  # a range (B10:C14) or no address: kept as it is
        layout.append((key, col))
        rows.append(int(ref[len(col) :]))
        raw = cell.raw
        raws.append(sys.intern(raw) if type(raw) is str and len(raw) <= _INTERN_MAX else raw)
    shared = tuple(layout)
    shared = _LAYOUTS.setdefault(shared, shared)
    one = rows[0] if rows and all(r == rows[0] for r in rows) else None
    return CompactCells(shared, one if one is not None else tuple(rows), tuple(raws))


def share_layouts(cells: Any) -> Any:
    """After unpickling in the parent: one layout tuple for every row of the same layout again."""
    if isinstance(cells, CompactCells):
        cells._layout = _LAYOUTS.setdefault(cells._layout, cells._layout)
        cells._raws = tuple(sys.intern(r) if type(r) is str and len(r) <= _INTERN_MAX else r for r in cells._raws)
    return cells
