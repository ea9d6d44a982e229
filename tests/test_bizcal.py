"""The business calendar: Chinese holidays and make-up days, business hours, working-time arithmetic, gaps; the
working minutes counted in constant time agree with the day-by-day walk on any calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from svcsheet.errors import CalendarGap
from svcsheet.policy import CalendarPolicy, Target, YearCalendar, load_policy
from svcsheet.sla.bizcal import BusinessCalendar

CAL = BusinessCalendar(load_policy())

# A team's own entry for 2027 (the kind of data a team copies from the State Council notice).
YEAR_2027 = """
calendar:
  years:
    2027:
      holidays: ["2027-01-01", "2027-02-06~2027-02-12"]
      workdays: ["2027-02-20"]
"""


def T(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def cal_from(tmp_path: Path, text: str) -> BusinessCalendar:
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    return BusinessCalendar(load_policy(path))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-05-20", True),  # an ordinary Monday
        ("2024-05-25", False),  # an ordinary Saturday
        ("2024-02-04", True),  # Sunday, make-up day before the Spring Festival
        ("2024-02-09", True),  # Friday before the holiday, still a working day
        ("2024-02-12", False),  # Spring Festival (Monday)
        ("2024-02-17", False),  # Spring Festival, last day
        ("2024-02-18", True),  # Sunday, make-up day after the Spring Festival
        ("2024-09-29", True),  # Sunday, make-up day before National Day
        ("2024-10-01", False),
        ("2024-10-07", False),  # National Day (Monday)
        ("2024-10-12", True),  # Saturday, make-up day after National Day
        ("2024-10-13", False),
    ],
)
def test_is_workday_2024(day, working):
    assert CAL.is_workday(dt.date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        ("2024-05-20 10:00", 60, "2024-05-20 11:00"),
        ("2024-05-20 17:55", 60, "2024-05-21 09:55"),  # crosses the close of business
        ("2024-05-20 17:00", 60, "2024-05-20 18:00"),  # ends exactly at closing time
        ("2024-05-20 07:30", 30, "2024-05-20 09:30"),  # before opening: starts at 09:00
        ("2024-05-20 20:00", 30, "2024-05-21 09:30"),  # after closing
        ("2024-05-24 17:30", 60, "2024-05-27 09:30"),  # Friday evening over the weekend
        ("2024-05-25 11:00", 60, "2024-05-27 10:00"),  # received on a Saturday
        ("2024-10-01 10:00", 60, "2024-10-08 10:00"),  # received on National Day
        ("2024-09-28 10:00", 60, "2024-09-29 10:00"),  # Saturday, next is the make-up Sunday
        ("2024-02-09 17:00", 120, "2024-02-18 10:00"),  # over the Spring Festival to the make-up Sunday
        ("2024-05-20 09:00", 9 * 60 * 2, "2024-05-21 18:00"),  # two whole working days
    ],
)
def test_add_working_minutes(start, minutes, expected):
    assert CAL.add_working_minutes(T(start), minutes) == T(expected)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2024-05-20 10:00", 1, "2024-05-21 18:00"),
        ("2024-05-20 08:00", 1, "2024-05-21 18:00"),  # the start day never counts
        ("2024-05-24 17:59", 1, "2024-05-27 18:00"),
        ("2024-05-25 10:00", 1, "2024-05-27 18:00"),  # Saturday
        ("2024-05-20 10:00", 3, "2024-05-23 18:00"),
        ("2024-09-27 10:00", 1, "2024-09-29 18:00"),  # Friday -> make-up Sunday
        ("2024-09-30 10:00", 1, "2024-10-08 18:00"),  # over National Day
        ("2024-10-03 10:00", 3, "2024-10-10 18:00"),  # received during the holiday
        ("2024-10-10 10:00", 2, "2024-10-12 18:00"),  # make-up Saturday counts
        ("2024-02-08 10:00", 2, "2024-02-18 18:00"),  # over the Spring Festival
    ],
)
def test_add_working_days(start, days, expected):
    assert CAL.add_working_days(T(start), days) == T(expected)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2024-05-20 10:00", "2024-05-20 10:45", 45),
        ("2024-05-20 17:00", "2024-05-21 10:00", 120),
        ("2024-05-24 17:00", "2024-05-27 10:00", 120),  # a weekend is not counted
        ("2024-05-25 10:00", "2024-05-26 17:00", 0),  # all weekend
        ("2024-09-30 17:00", "2024-10-08 09:30", 90),  # National Day not counted
        ("2024-10-11 17:00", "2024-10-12 10:00", 120),  # make-up Saturday counted
        ("2024-05-20 12:00", "2024-05-20 11:00", 0),  # reversed
        ("2024-05-20 19:00", "2024-05-21 08:00", 0),  # overnight only
    ],
)
def test_working_minutes(start, end, minutes):
    assert CAL.working_minutes(T(start), T(end)) == minutes


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        ("2024-05-20 17:55", Target(1, "working_hour"), "2024-05-21 09:55"),
        ("2024-05-24 17:55", Target(15, "minute"), "2024-05-24 18:10"),  # plain minutes are calendar time
        ("2024-05-24 20:00", Target(24, "hour"), "2024-05-25 20:00"),
        ("2024-05-24 10:00", Target(2, "day"), "2024-05-26 10:00"),
        ("2024-10-01 10:00", Target(1, "working_day"), "2024-10-08 18:00"),
    ],
)
def test_deadline(start, target, expected):
    assert CAL.deadline(T(start), target) == T(expected)


def test_2027_without_policy_data_is_a_calendar_gap():
    with pytest.raises(CalendarGap) as err:
        CAL.is_workday(dt.date(2027, 3, 1))
    assert "2027" in str(err.value) and "calendar.years.2027" in str(err.value)
    assert err.value.year == 2027 and err.value.key == "calendar.years.2027"
    # a deadline that runs into 2027 refuses to guess too
    with pytest.raises(CalendarGap, match="calendar.years.2027"):
        CAL.add_working_minutes(T("2026-12-31 17:30"), 60)
    with pytest.raises(CalendarGap, match="2027"):
        CAL.working_minutes(T("2026-12-31 10:00"), T("2027-01-05 10:00"))


def test_calendar_time_needs_no_calendar():
    assert CAL.deadline(T("2027-03-01 10:00"), Target(15, "minute")) == T("2027-03-01 10:15")


def test_2027_with_policy_data(tmp_path):
    cal = cal_from(tmp_path, YEAR_2027)
    assert cal.is_workday(dt.date(2027, 1, 1)) is False  # New Year, a Friday
    assert cal.is_workday(dt.date(2027, 2, 8)) is False  # Spring Festival, a Monday
    assert cal.is_workday(dt.date(2027, 2, 20)) is True  # make-up Saturday
    assert cal.is_workday(dt.date(2027, 2, 21)) is False  # ordinary Sunday
    assert cal.is_workday(dt.date(2027, 3, 1)) is True
    assert cal.add_working_minutes(T("2026-12-31 17:30"), 60) == T("2027-01-04 09:30")
    assert cal.add_working_days(T("2027-02-05 10:00"), 1) == T("2027-02-15 18:00")
    assert cal.is_workday(dt.date(2026, 10, 1)) is False  # years not entered still come from chinese_calendar


def test_extra_days_override_the_statutory_calendar(tmp_path):
    cal = cal_from(
        tmp_path, 'calendar: {extra_holidays: ["2024-05-21~2024-05-22"], extra_workdays: ["2024-05-25"]}'
    )
    assert cal.is_workday(dt.date(2024, 5, 21)) is False
    assert cal.is_workday(dt.date(2024, 5, 25)) is True
    assert cal.add_working_minutes(T("2024-05-20 17:30"), 60) == T("2024-05-23 09:30")


def test_policy_only_source_needs_every_year(tmp_path):
    cal = cal_from(tmp_path, "calendar: {source: policy_only}")
    with pytest.raises(CalendarGap, match="calendar.years.2024"):
        cal.is_workday(dt.date(2024, 5, 20))


def test_team_business_hours(tmp_path):
    cal = cal_from(tmp_path, 'business_hours: {start: "08:30", end: "17:30"}')
    assert cal.add_working_minutes(T("2024-05-20 17:00"), 60) == T("2024-05-21 09:00")
    assert cal.add_working_days(T("2024-05-20 10:00"), 1) == T("2024-05-21 17:30")


workdays_2023_2025 = st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31))


@given(day=workdays_2023_2025, minute=st.integers(0, 9 * 60 - 1), n=st.integers(0, 20000))
def test_working_minutes_inverts_add_working_minutes(day, minute, n):
    assume(CAL.is_workday(day))
    a = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=minute)
    end = CAL.add_working_minutes(a, n)
    assert CAL.working_minutes(a, end) == n
    assert end >= a


@given(
    start=st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2025, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    n=st.integers(0, 5000),
)
def test_add_working_minutes_is_monotonic_from_any_start(start, n):
    assert CAL.add_working_minutes(start, n) <= CAL.add_working_minutes(start, n + 1)
    assert CAL.working_minutes(start, CAL.add_working_minutes(start, n)) == n


@given(start=st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2025, 12, 31)), days=st.integers(1, 30))
def test_working_day_deadline_is_a_close_of_business(start, days):
    end = CAL.add_working_days(start, days)
    assert end.time() == dt.time(18) and CAL.is_workday(end.date()) and end.date() > start.date()
    # exactly N working days lie after the start day, up to and including the deadline day
    between = sum(
        CAL.is_workday(start.date() + dt.timedelta(days=i))
        for i in range(1, (end.date() - start.date()).days + 1)
    )
    assert between == days


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
