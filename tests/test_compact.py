"""Compact rows read exactly like the dicts they replace (issue 12): compact cells, also after crossing a process
boundary, and the field maps holding a row's values in the main process, which share one key index per set of
keys, are read-only and refuse values that do not match their keys."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from svcsheet.compact import compact_cells, share_layouts
from svcsheet.records import Cell, FieldMap

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


_KEYS = st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=8)


@given(_KEYS.flatmap(lambda keys: st.tuples(st.just(keys), st.lists(st.integers() | st.none(), min_size=len(keys), max_size=len(keys)))))
def test_a_field_map_answers_like_the_dict_it_replaces(case):
    keys, values = case
    plain = dict(zip(keys, values, strict=True))
    fm = FieldMap.of(plain)
    assert fm == plain and plain == fm
    assert list(fm) == keys and list(fm.items()) == list(plain.items()) and len(fm) == len(plain)
    assert list(fm.values()) == list(plain.values()) and list(fm.keys()) == keys
    assert (keys[0], values[0]) in fm.items() if keys else fm.items() == plain.items()
    for k in keys + ["absent"]:
        assert fm.get(k) == plain.get(k) and (k in fm) == (k in plain)
        assert fm.get(k, "d") == plain.get(k, "d")
    with pytest.raises(KeyError):
        fm["absent" * 7]
    assert pickle.loads(pickle.dumps(fm)) == plain


def test_rows_with_the_same_keys_share_one_index():
    a = FieldMap(("x", "y"), (1, 2))
    b = pickle.loads(pickle.dumps(FieldMap(("x", "y"), (3, None))))
    assert a._index is b._index and b == {"x": 3, "y": None}


def test_a_field_map_is_read_only_and_refuses_mismatched_values():
    fm = FieldMap(("x",), (1,))
    with pytest.raises(TypeError):
        fm["x"] = 2  # type: ignore[index]
    with pytest.raises(ValueError):
        FieldMap(("x", "y"), (1,))
    with pytest.raises(ValueError):
        FieldMap(("x", "x"), (1, 2))
