"""The SLA verdict memo (issue 12): a row whose stages read the same values as an earlier row gets the earlier row's
verdicts, and they must be exactly what the row alone gives: for any mix of the samples' timestamps, priorities,
conditions, empty cells and missing columns; for one instant written in different zones (the calendar reads an
aware time's wall clock in its own zone, so equal aware datetimes must not share an entry); and when another
as-of takes the memos over between a check and a new memo (two threads of a library caller). The memo's key holds
every field a stage's verdict depends on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet import pipeline
from svcsheet.forms import load_forms
from svcsheet.policy import load_policy
from svcsheet.reading.discover import discover_inputs
from svcsheet.records import FieldMap, Parsed
from svcsheet.sla import verdicts

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)


@cache
def _pools() -> dict[str, dict[str, list]]:
    """Per form, per field: every parsed value the samples hold for it, an empty cell and no column (every field,
    not only those the memo's key holds: a field the key misses must vary too)."""
    policy = load_policy(None)
    forms = load_forms()
    pools: dict[str, dict[str, list]] = {}
    for item in discover_inputs([SAMPLES]).files:
        for row in pipeline.read_file(item, (policy, AS_OF)).rows:
            form = forms[row.form]
            pool = pools.setdefault(row.form, {})
            for key in form.field_keys:
                seen = pool.setdefault(key, [verdicts._ABSENT, None])
                value = row.values.get(key, verdicts._ABSENT)
                if not any(value is v for v in seen):
                    seen.append(value)
    return pools


@st.composite
def _rows(draw: st.DrawFn) -> tuple[str, list[FieldMap]]:
    """Rows of one form, each the one before with one field a stage reads changed (so a field missing from the
    memo's key makes two rows with different verdicts look the same)."""
    pools = _pools()
    form = draw(st.sampled_from(sorted(pools)))
    current = {key: draw(st.sampled_from(pool)) for key, pool in pools[form].items()}
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        key = draw(st.sampled_from(sorted(pools[form])))
        current[key] = draw(st.sampled_from(pools[form][key]))
        rows.append(FieldMap.of({k: v for k, v in current.items() if v is not verdicts._ABSENT}))
    return form, rows


@settings(max_examples=600, deadline=None)
@given(_rows(), st.sampled_from([AS_OF, AS_OF + timedelta(days=30)]))
def test_memoised_verdicts_are_those_of_the_row_alone(
    rows: tuple[str, list[FieldMap]], as_of: datetime
) -> None:
    """A row whose stages read the same values as an earlier row gets the earlier row's verdicts: for any mix of
    the samples' timestamps, priorities, conditions, empty cells and missing columns they are exactly what the
    row alone gives (a field the stages read left out of the memo's key would hand one row another's)."""
    policy = load_policy(None)
    form = load_forms()[rows[0]]
    cal = pipeline.calendar_of(policy)
    for values in rows[1]:
        got = verdicts.evaluate_row(form, values, policy, cal, as_of)
        assert dict(got) == dict(verdicts._evaluate_row(form, values, policy, cal, as_of))


def test_the_stages_read_keys_cover_priorities_and_conditions() -> None:
    """The memo's key holds every field a stage's verdict depends on: its start and end, the priority its
    target depends on, and the fields of its conditions."""
    policy = load_policy(None)
    forms = load_forms()
    for form in forms.values():
        keys = verdicts._read_keys(form, policy)
        for spec in form.stages:
            rule = policy.stage_rule(form.key, spec.key)
            if rule is None or not rule.enabled:
                continue
            assert spec.start in keys and spec.end in keys
            if rule.priority_field:
                assert rule.priority_field in keys
    assert any(
        policy.stage_rule(f.key, s.key).priority_field
        for f in forms.values()
        for s in f.stages
        if policy.stage_rule(f.key, s.key)
    )


FORM = "complaint_followup"  # its 核实 stage: 1个工作小时 from 接收时间 to 核实时间


def _row(received: datetime, verified: datetime | None) -> FieldMap:
    return FieldMap.of(
        {"received_time": Parsed(received, precision="minute"), "verified_time": Parsed(verified, precision="minute")}
    )


def _verdicts(values: FieldMap, memo: bool) -> list[str]:
    policy = load_policy(None)
    form, cal = load_forms()[FORM], pipeline.calendar_of(policy)
    evaluate = verdicts.evaluate_row if memo else verdicts._evaluate_row
    # repr: an aware datetime equals the same instant in another zone, its repr does not
    return [repr(v) for v in evaluate(form, values, policy, cal, AS_OF).values()]


def test_same_instant_written_in_two_zones_keeps_each_rows_own_verdict() -> None:
    """The calendar reads an aware time's wall clock in its own zone (bizcal), so 17:30 in Beijing and the same
    instant as 09:30 UTC are judged apart; equal aware datetimes must not share a memo entry."""
    beijing, utc = timezone(timedelta(hours=8)), timezone.utc
    first = _row(datetime(2026, 11, 20, 17, 30, tzinfo=beijing), datetime(2026, 11, 20, 18, 45, tzinfo=beijing))
    second = _row(datetime(2026, 11, 20, 9, 30, tzinfo=utc), datetime(2026, 11, 20, 10, 45, tzinfo=utc))
    assert _verdicts(first, memo=True) == _verdicts(first, memo=False)
    assert _verdicts(second, memo=True) == _verdicts(second, memo=False)
    assert _verdicts(first, memo=False) != _verdicts(second, memo=False)  # the probe tells the zones apart


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 11, 16), max_value=datetime(2026, 11, 22)),
    st.integers(0, 600),
    st.lists(st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))), min_size=2, max_size=4),
)
def test_a_memoised_verdict_is_the_rows_own_in_any_zone(start: datetime, minutes: int, zones: list) -> None:
    """Rows holding one instant written in different zones (or naive) each get what they alone would get."""
    # fold left out: equal naive times apart only in fold share an entry, and nothing computed or written reads it
    instant = start.replace(second=0, microsecond=0, fold=0, tzinfo=timezone.utc)
    for zone in [None, *zones]:
        s = instant.replace(tzinfo=None) if zone is None else instant.astimezone(zone)
        values = _row(s, s + timedelta(minutes=minutes))
        assert _verdicts(values, memo=True) == _verdicts(values, memo=False)


def test_a_memo_made_while_another_as_of_took_over_is_not_that_as_ofs(monkeypatch) -> None:
    """Two threads judging with different as-of times (a library caller's): one switching the memos to its
    as-of between the other's check and its new memo must not leave the other's verdicts under its as-of. The
    switch is made from inside the first call (where a thread switch could fall)."""
    policy = load_policy(None)
    form, cal = load_forms()[FORM], pipeline.calendar_of(policy)
    early, late = datetime(2026, 11, 20, 10, 30), datetime(2026, 11, 23, 9, 0)  # an open verdict, then an overdue one
    values = _row(datetime(2026, 11, 20, 10, 0), None)
    verdicts._MEMO_STATE[0] = (None, {})
    verdicts.evaluate_row(form, values, policy, cal, late)  # the memos are late's
    read_keys = verdicts._read_keys

    def interleaved(*args):
        monkeypatch.setattr(verdicts, "_read_keys", read_keys)
        verdicts.evaluate_row(form, values, policy, cal, late)  # "another thread", while early's memo is made
        return read_keys(*args)

    verdicts._MEMO_STATE[0] = (None, {})  # early's first call after late's: its memo is made anew
    monkeypatch.setattr(verdicts, "_read_keys", interleaved)
    verdicts.evaluate_row(form, values, policy, cal, early)
    got = verdicts.evaluate_row(form, values, policy, cal, late)
    assert got["verify"].outcome == verdicts.OVERDUE
    assert [repr(v) for v in got.values()] == [
        repr(v) for v in verdicts._evaluate_row(form, values, policy, cal, late).values()
    ]
