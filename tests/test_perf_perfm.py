"""Rows held compactly in the main process (issue 12, memory): same answers as the dicts they replace."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcsheet.errors import CalendarGap
from svcsheet.policy import CalendarPolicy, YearCalendar, load_policy
from svcsheet.records import FieldMap
from svcsheet.sla.bizcal import BusinessCalendar

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


# --- working minutes in constant time -----------------------------------------------------------------------

_DAYS = st.dates(dt.date(2022, 12, 1), dt.date(2028, 1, 31))


@st.composite
def _calendars(draw) -> BusinessCalendar:
    """A calendar of random statutory holidays and 调休 days, some years not covered, random business hours."""
    cal = BusinessCalendar(load_policy())
    covered = draw(st.sets(st.integers(2022, 2028), max_size=7))
    years = {
        y: YearCalendar(
            frozenset(d for d in draw(st.sets(_DAYS, max_size=30)) if d.year == y),
            frozenset(d for d in draw(st.sets(_DAYS, max_size=8)) if d.year == y),
        )
        for y in covered
    }
    source = draw(st.sampled_from(["policy_only", "chinese_calendar"]))
    extra = (frozenset(draw(st.sets(_DAYS, max_size=5))), frozenset(draw(st.sets(_DAYS, max_size=5))))
    cal._cal = CalendarPolicy(source, years, *extra)
    opens = draw(st.integers(0, 23 * 60))
    closes = draw(st.integers(opens, 24 * 60 - 1))
    cal.open, cal.close = dt.time(*divmod(opens, 60)), dt.time(*divmod(closes, 60))
    return cal


def _minutes_or_gap(fn, start, end):
    try:
        return fn(start, end)
    except CalendarGap as gap:
        return ("gap", gap.year)


@given(
    _calendars(),
    st.datetimes(dt.datetime(2022, 12, 1), dt.datetime(2028, 1, 31)),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=500)),
)
def test_working_minutes_agree_with_the_day_by_day_walk(cal, start, span):
    """Holidays, make-up days, uncovered years (the same CalendarGap, for the same first uncovered day),
    seconds on either side, spans from nothing to more than a year."""
    end = start + span
    fresh = BusinessCalendar(load_policy())
    fresh._cal, fresh.open, fresh.close = cal._cal, cal.open, cal.close
    assert _minutes_or_gap(cal.working_minutes, start, end) == _minutes_or_gap(fresh._walk_minutes, start, end)


def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    """The run freezes what it keeps (full collections walked every row); the caller's process gets it back."""
    import gc

    from builders import good_response_log_row, list_workbook

    from svcsheet.pipeline import RunOptions, run

    book = list_workbook(tmp_path / "in.xlsx", "response_log", [good_response_log_row(1)])
    assert gc.get_freeze_count() == 0
    run(RunOptions(inputs=[book], out=tmp_path / "out", as_of=dt.datetime(2026, 11, 23, 9), history=Path("off"), jobs=1))
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_de_identification_caches_are_bounded_and_change_no_answer(monkeypatch):
    """A large run has hundreds of thousands of distinct texts and customers: the caches stay bounded."""
    from svcsheet.deid import deidentifier as deid_module
    from svcsheet.deid.deidentifier import Deidentifier

    monkeypatch.setattr(deid_module, "_MEMO_MAX", 10)
    monkeypatch.setattr(deid_module, "_CUSTOMERS_MAX", 10)
    bounded, fresh = Deidentifier(b"k"), Deidentifier(b"k")
    for i in range(60):
        text, phone = f"客户张伟来电 1380013{i:04d}，第{i}次", f"1390013{i % 25:04d}"
        assert bounded.free_text(text, ["张伟"]) == Deidentifier(b"k").free_text(text, ["张伟"])
        assert bounded.customer_key(phone) == fresh.customer_key(phone)
        assert len(bounded._memo) <= 10 and len(bounded._customers) <= 10
    assert bounded.customer_key("13900130001") == bounded.customer_key("13900130001") != bounded.customer_key(None, "C1")


def test_workbooks_read_in_this_process_leave_no_garbage_frozen(tmp_path):
    """xlrd leaves reference cycles behind each .xls it reads: they are collected before what the run keeps is
    frozen, or a run of many files would hold every workbook's leftovers until it ends."""
    import gc

    from builders import good_response_log_row
    from hostile import xls_workbook

    from svcsheet.forms import get_form
    from svcsheet.pipeline import RunOptions, run

    form = get_form("response_log")
    for n in range(6):
        cells = {(1, c): f.label for c, f in enumerate(form.fields, start=1)}
        for r in range(2, 12):
            row = good_response_log_row(n * 100 + r)
            cells.update({(r, c): row[f.key] for c, f in enumerate(form.fields, start=1) if f.key in row})
        xls_workbook(tmp_path / f"b{n}.xls", [("受理记录", 0, cells)])
    gc.collect()
    result = run(RunOptions(inputs=[tmp_path], out=None, as_of=dt.datetime(2026, 11, 23, 9), history=Path("off"), jobs=1))
    assert result.totals["rows_read"] == 60
    assert gc.collect() < 200
