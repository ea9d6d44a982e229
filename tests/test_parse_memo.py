"""Parsing once per distinct raw value gives what parsing every cell gives."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.checking.parse import parse_cached
from svcsheet.checking.values import parse_value
from svcsheet.forms import load_forms

SPECS = [f for form in load_forms().values() for f in form.fields]
RAW = st.one_of(
    st.sampled_from(
        [
            "满意",
            "一般",
            "  紧急 ",
            "2026-11-17 09:30",
            "2026/11/17",
            "*工号001",
            "张三",
            "1",
            "是",
            "☑已解决",
        ]
    ),
    st.text(max_size=12),
    st.integers(-5, 20260000000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2040, 1, 1)),
    st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(spec=st.sampled_from(SPECS), raws=st.lists(RAW, min_size=1, max_size=4))
def test_memoised_parsing_equals_parsing(spec, raws):
    for raw in raws + raws:  # the second pass is served from the memo
        assert parse_cached(spec, raw) == parse_value(spec, raw)


def test_equal_values_of_different_types_are_parsed_apart():
    spec = next(f for f in SPECS if f.type == "text")
    assert parse_cached(spec, 1) == parse_value(spec, 1)
    assert parse_cached(spec, True) == parse_value(spec, True)
    assert parse_cached(spec, 1.0) == parse_value(spec, 1.0)
