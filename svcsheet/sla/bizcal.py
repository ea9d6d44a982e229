"""The Chinese business calendar: statutory holidays, make-up working days (调休) and business hours.

Holidays come from the maintained ``chinese_calendar`` package or from years the team entered in the
policy (``calendar.years``). A year neither covers raises CalendarGap: svcsheet never guesses a year's
holidays, because a wrong guess would silently mark deadlines as met or missed.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from ..errors import CalendarGap
from ..policy import Policy, Target

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
        # per year: (ordinal of 1 January, running count of working days, running count of uncovered days)
        self._years: dict[int, tuple[int, list[int], list[int]]] = {}

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

    def _year(self, year: int) -> tuple[int, list[int], list[int]]:
        table = self._years.get(year)
        if table is None:
            first = dt.date(year, 1, 1).toordinal()
            work, gaps = [0], [0]
            for ordinal in range(first, dt.date(year, 12, 31).toordinal() + 1):
                try:
                    working, gap = self.is_workday(dt.date.fromordinal(ordinal)), 0
                except CalendarGap:
                    working, gap = False, 1
                work.append(work[-1] + working)
                gaps.append(gaps[-1] + gap)
            table = self._years[year] = (first, work, gaps)
        return table

    def _count_workdays(self, first: dt.date, last: dt.date) -> int | None:
        """Working days from ``first`` to ``last`` inclusive, by running counts per year; None when a day among
        them is in a year the calendar does not cover (the caller walks the days to raise the same CalendarGap)."""
        count, lo, hi = 0, first.toordinal(), last.toordinal()
        for year in range(first.year, last.year + 1):
            jan1, work, gaps = self._year(year)
            a, b = max(lo, jan1) - jan1, min(hi, jan1 + len(work) - 2) - jan1 + 1
            if gaps[b] != gaps[a]:
                return None
            count += work[b] - work[a]
        return count

    # -- working time
    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole business minutes between two instants (0 when end is not after start).

        Constant time: the first and last day by their business hours, the days between by running counts of
        working days (every SLA stage asks this, from its start to its end or to as-of)."""
        if end <= start:
            return 0
        first, last = start.date(), end.date()
        if last.toordinal() - first.toordinal() < 2 or start.tzinfo or end.tzinfo or self.close <= self.open:
            return self._walk_minutes(start, end)
        total = dt.timedelta()
        o, c = self._window(first, None)
        if c > max(start, o) and self.is_workday(first):  # consulted only when the day overlaps business hours
            total += c - max(start, o)
        between = self._count_workdays(first + _DAY, last - _DAY)
        if between is None:
            return self._walk_minutes(start, end)
        o, c = self._window(last, None)
        total += between * (c - o)
        if min(end, c) > o and self.is_workday(last):
            total += min(end, c) - o
        return int(total.total_seconds() // 60)

    def _walk_minutes(self, start: dt.datetime, end: dt.datetime) -> int:
        """working_minutes day by day (short spans, aware times, and to raise CalendarGap for the first
        uncovered day on the way)."""
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
