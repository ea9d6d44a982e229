"""Compact cells read exactly like the dict of cells they replace, also after crossing a process boundary."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from svcsheet.compact import compact_cells, share_layouts
from svcsheet.records import Cell

KEYS = st.sampled_from(["id", "name", "phone", "time", "note", "score"])
RAW = st.one_of(st.none(), st.text(max_size=80), st.integers(), st.floats(allow_nan=False), st.booleans())


@given(
    cells=st.dictionaries(KEYS, st.tuples(st.integers(1, 200), st.integers(1, 16384), RAW), max_size=6),
    same_row=st.booleans(),
)
def test_compact_cells_equal_the_cells_they_replace(cells, same_row):
    original = {
        k: Cell(f"{get_column_letter(c)}{5 if same_row else r}", raw) for k, (r, c, raw) in cells.items()
    }
    compact = compact_cells(original)
    back = share_layouts(pickle.loads(pickle.dumps(compact)))
    for view in (compact, back):
        assert dict(view) == original and list(view) == list(original)
        assert all(key in view for key in original) and "missing" not in view
        assert view.get("missing") is None


def test_cells_without_a_plain_address_are_kept_as_they_are():
    cells = {"timeline": Cell("B10:C14", "2026-11-17 09:00 回访"), "id": Cell("B2", "TS1")}
    assert compact_cells(cells) is cells
