"""Rows held compactly: at 100,000 rows the cells as read were most of a run's memory.

A row's cells were a dict of Cell objects, each with its own address string. Here they are a read-only mapping
over three small parts: the field keys with their column letters (one tuple shared by every row of the same
layout), the row number(s) and the raw values (short texts interned, so the same 满意 or 工号 is one object).
Cells are made on access; nothing else changes for the code that reads ``row.cells``.

After validation the pipeline drops the raw values (``keep_raw=False``): no later stage reads them (the parsed
values, the id as typed in its note and the findings' values are kept elsewhere; returns/ reads the originals
again), so a row then holds its cells' addresses only and every Cell it makes has ``raw`` None.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from collections.abc import ItemsView, Iterable, Iterator, Mapping
from typing import Any

from .records import Cell

_DIGITS = "0123456789"
# layout -> (the one shared layout tuple, its key -> position index)
_LAYOUTS: dict[tuple[tuple[str, str], ...], tuple[tuple[tuple[str, str], ...], dict[str, int]]] = {}
INTERN_MAX = 64


def shared_layout(layout: tuple[tuple[str, str], ...]) -> tuple[tuple[tuple[str, str], ...], dict[str, int]]:
    """The one tuple every row of this layout holds, and where each key sits in it."""
    hit = _LAYOUTS.get(layout)
    if hit is None:
        hit = _LAYOUTS[layout] = (layout, {k: i for i, (k, _) in enumerate(layout)})
    return hit


class CompactCells(Mapping[str, Cell]):
    """field key -> Cell, stored as (shared layout, row number or numbers, raw values or None when dropped)."""

    __slots__ = ("_layout", "_rows", "_raws", "_index")

    def __init__(
        self, layout: tuple[tuple[str, str], ...], rows: int | tuple[int, ...], raws: tuple | None
    ) -> None:
        self._layout, self._index = shared_layout(layout)
        self._rows = rows
        self._raws = raws

    def __getitem__(self, key: str) -> Cell:
        i = self._index[key]
        row = self._rows if isinstance(self._rows, int) else self._rows[i]
        return Cell(f"{self._layout[i][1]}{row}", None if self._raws is None else self._raws[i])

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._layout)

    def __len__(self) -> int:
        return len(self._layout)

    def items(self) -> ItemsView[str, Cell]:
        return _Items(self)

    def raw_items(self) -> Iterator[tuple[str, Any]]:
        """(key, value as typed) pairs, without making a Cell each."""
        if self._raws is None:
            raise ValueError("the values as typed were dropped after validation")
        return zip((k for k, _ in self._layout), self._raws, strict=True)

    def raw_values(self) -> tuple[Any, ...]:
        """The values as typed, in the order of ``keys()``."""
        if self._raws is None:
            raise ValueError("the values as typed were dropped after validation")
        return self._raws

    @property
    def key_columns(self) -> tuple[tuple[str, str], ...]:
        """(field key, column letters) of each cell, in order: one tuple shared by every row of this layout."""
        return self._layout

    def __reduce__(self) -> tuple:
        return (CompactCells, (self._layout, self._rows, self._raws))

    def __repr__(self) -> str:
        return f"CompactCells({dict(self)!r})"


class _Items(ItemsView):
    """(key, Cell) pairs in one walk (the generic view looks every key up again)."""

    def __iter__(self) -> Iterator[tuple[str, Cell]]:
        cells: CompactCells = self._mapping  # type: ignore[assignment]
        rows, raws = cells._rows, cells._raws
        for i, (key, col) in enumerate(cells._layout):
            yield key, Cell(f"{col}{rows if isinstance(rows, int) else rows[i]}", None if raws is None else raws[i])


def intern_raw(raw: Any) -> Any:
    """Short texts as one shared object (the same 满意 or 工号 in every row)."""
    return sys.intern(raw) if type(raw) is str and len(raw) <= INTERN_MAX else raw


def compact_cells(cells: Mapping[str, Cell], keep_raw: bool = True) -> Mapping[str, Cell]:
    """The same cells, compactly; cells whose address is not a plain A1 reference stay a dict of Cells.
    ``keep_raw`` False: their addresses only (see the module's docstring)."""
    if isinstance(cells, CompactCells):
        if not keep_raw and cells._raws is not None:
            return CompactCells(cells._layout, cells._rows, None)
        return cells
    layout, rows, raws = [], [], []
    for key, cell in cells.items():
        ref = cell.ref
        col = ref.rstrip(_DIGITS) if isinstance(ref, str) else ""
        if not (col.isascii() and col.isalpha() and col.isupper() and len(col) < len(ref)):
            # a range (B10:C14) or no address: kept as it is (its addresses only, without ``keep_raw``)
            if keep_raw:
                return cells
            return {k: c if c.raw is None else Cell(c.ref, None) for k, c in cells.items()}
        layout.append((key, col))
        rows.append(int(ref[len(col) :]))
        raws.append(intern_raw(cell.raw))
    one = rows[0] if rows and all(r == rows[0] for r in rows) else None
    return CompactCells(tuple(layout), one if one is not None else tuple(rows), tuple(raws) if keep_raw else None)


def share_layouts(cells: Any) -> Any:
    """After unpickling in the parent: one layout tuple for every row of the same layout again."""
    if isinstance(cells, CompactCells) and cells._raws is not None:  # __init__ shared the layout already
        intern = sys.intern
        cells._raws = tuple([intern(r) if type(r) is str and len(r) <= INTERN_MAX else r for r in cells._raws])
    return cells


class PackedTuples:
    """Tuples kept as deflated pickles of ``chunk`` at a time, read back in order: what a later stage writes
    row by row (the history's records and problem texts) made once, where they are at hand, without holding
    them as objects (~40 MB at 100,000 rows) beside the outputs' writers."""

    def __init__(self, items: Iterable[tuple[Any, ...]] = (), chunk: int = 4096) -> None:
        self._chunk = chunk
        self._sealed: list[bytes] = []
        self._open: list[tuple[Any, ...]] = []
        self._count = 0
        for item in items:
            self.append(item)

    def append(self, item: tuple[Any, ...]) -> None:
        self._open.append(item)
        self._count += 1
        if len(self._open) >= self._chunk:
            self._sealed.append(zlib.compress(pickle.dumps(self._open, pickle.HIGHEST_PROTOCOL), 1))
            self._open = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for packed in self._sealed:
            yield from pickle.loads(zlib.decompress(packed))
        yield from list(self._open)
