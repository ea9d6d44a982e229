"""The Chinese business calendar: statutory holidays, make-up working days (调休) and business hours.

Holidays come from the maintained ``chinese_calendar`` package or from years the team entered in the
policy (``calendar.years``). A year neither covers raises CalendarGap: svcsheet never guesses a year's
holidays, because a wrong guess would silently mark deadlines as met or missed.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from .errors import CalendarGap
from .policy import Policy, Target

_DAY = dt.timedelta(days=1)
# Safety bound for the day-by-day walks (about 30 years); real spans are days or months.
_MAX_DAYS = 11000


def calendar_gap(year: int) -> CalendarGap:
    """The error for an uncovered year; carries ``year`` and ``key`` (the policy key to fill in)."""
    key = f"calendar.years.{year}"
    err = CalendarGap(
        f"{year} 年的法定节假日和调休安排未知，无法计算工作时间。"
        f"请在策略文件的 {key} 中按国务院放假通知填写该年的 holidays（放假日期）和 workdays（调休上班日期）。"
    )
    err.year = year  # type: ignore[attr-defined]
    err.key = key  # type: ignore[attr-defined]
    return err


class BusinessCalendar:
    """Working days and business hours of one policy. Datetimes are naive local (Beijing) time."""

    def __init__(self, policy: Policy) -> None:
        self.open = policy.business_hours.start
        self.close = policy.business_hours.end
        self._cal = policy.calendar
        self._days: dict[dt.date, bool] = {}

    # -- days
    def is_workday(self, d: dt.date) -> bool:
        """True for a working day; raises CalendarGap for a year the calendar does not cover."""
        if isinstance(d, dt.datetime):
            d = d.date()
        hit = self._days.get(d)
        if hit is None:
            hit = self._days[d] = self._lookup(d)
        return hit

    def _lookup(self, d: dt.date) -> bool:
        cal = self._cal
        if d in cal.extra_workdays:
            return True
        if d in cal.extra_holidays:
            return False
        year = cal.years.get(d.year)
        if year is not None:
            return d in year.workdays or (d.weekday() < 5 and d not in year.holidays)
        if cal.source == "chinese_calendar":
            try:
                return bool(chinese_calendar.is_workday(d))
            except NotImplementedError:
                pass
        raise calendar_gap(d.year)

    def _window(self, d: dt.date, tz: dt.tzinfo | None) -> tuple[dt.datetime, dt.datetime]:
        return dt.datetime.combine(d, self.open, tzinfo=tz), dt.datetime.combine(d, self.close, tzinfo=tz)

    # -- working time
    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole business minutes between two instants (0 when end is not after start)."""
        if end <= start:
            return 0
        total = dt.timedelta()
        d = start.date()
        while d <= end.date():
            o, c = self._window(d, start.tzinfo)
            s, e = max(start, o), min(end, c)
            # the calendar is only consulted for days that overlap business hours
            if e > s and self.is_workday(d):
                total += e - s
            d += _DAY
        return int(total.total_seconds() // 60)

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant ``minutes`` business minutes after ``start`` (a start outside hours begins at the next opening).

        A target that ends exactly at closing time ends at closing time, not at the next opening.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        left = dt.timedelta(minutes=minutes)
        d = start.date()
        for _ in range(_MAX_DAYS):
            o, c = self._window(d, start.tzinfo)
            s = max(start, o)
            if s < c and self.is_workday(d):
                if left <= c - s:
                    return s + left
                left -= c - s
            d += _DAY
        raise ValueError("working-time target too long")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Close of business of the Nth working day after the start's calendar day.

        The start day itself never counts, whether or not it is a working day and whatever the time:
        "1个工作日" from Friday 17:00, Saturday or a holiday all end at the close of the next working day.
        ``days == 0`` is the close of the start day, or of the next working day if the start day is off.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        d = start.date()
        count = 0
        if days == 0:
            while not self.is_workday(d):
                d += _DAY
        for _ in range(_MAX_DAYS):
            if count >= days:
                break
            d += _DAY
            if self.is_workday(d):
                count += 1
        return self._window(d, start.tzinfo)[1]

    def deadline(self, start: dt.datetime, target: Target) -> dt.datetime:
        """When a stage started at ``start`` is due under ``target``."""
        if target.unit == "working_day":
            return self.add_working_days(start, target.amount)
        if target.working:
            return self.add_working_minutes(start, target.minutes or 0)
        return start + dt.timedelta(minutes=target.minutes or 0)

    def elapsed(self, start: dt.datetime, end: dt.datetime, target: Target | None) -> int:
        """Minutes from start to end as the target counts them: working minutes or calendar minutes."""
        if target is not None and target.working:
            return self.working_minutes(start, end)
        return max(0, int((end - start).total_seconds() // 60))
