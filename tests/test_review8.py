"""Round 8, review8: probes of the SLA memo and of trace.json written from the rows (issue 12), where the merged
tests' inputs did not reach."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet import pipeline
from svcsheet.forms import load_forms
from svcsheet.policy import load_policy
from svcsheet.records import FieldMap, Parsed
from svcsheet.sla import verdicts

AS_OF = datetime(2026, 11, 23, 9, 0)
FORM = "complaint_followup"  # its 核实 stage: 1个工作小时 from 接收时间 to 核实时间


def _row(received: datetime, verified: datetime) -> FieldMap:
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
    instant = start.replace(second=0, microsecond=0, tzinfo=timezone.utc)
    for zone in [None, *zones]:
        s = instant.replace(tzinfo=None) if zone is None else instant.astimezone(zone)
        values = _row(s, s + timedelta(minutes=minutes))
        assert _verdicts(values, memo=True) == _verdicts(values, memo=False)
