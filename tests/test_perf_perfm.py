"""Rows held compactly in the main process (issue 12, memory): same answers as the dicts they replace."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcsheet.records import FieldMap

_KEYS = st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=8)


@given(_KEYS.flatmap(lambda keys: st.tuples(st.just(keys), st.lists(st.integers() | st.none(), min_size=len(keys), max_size=len(keys)))))
def test_a_field_map_answers_like_the_dict_it_replaces(case):
    keys, values = case
    plain = dict(zip(keys, values, strict=True))
    fm = FieldMap.of(plain)
    assert fm == plain and plain == fm
    assert list(fm) == keys and list(fm.items()) == list(plain.items()) and len(fm) == len(plain)
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
