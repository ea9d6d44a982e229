"""The reporting period: an ISO week or a calendar month, chosen by ``--period``.

``week`` / ``month`` / no value pick the week (or month) of the latest opening time among the accepted rows,
so a report run on Monday morning covers the week the data is about; with no dated rows, the as-of time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import UsageError

WEEK, MONTH = "week", "month"
TITLES = {WEEK: "客户反馈周报", MONTH: "售后服务月度报告"}
TREND_LENGTH = {WEEK: 8, MONTH: 12}

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) with its kind and label ("2026-W47", "2026-11")."""

    kind: str  # "week" or "month"
    label: str
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime | None = None  # a period still running at the as-of time: its data ends here

    @property
    def partial(self) -> bool:
        return self.cutoff is not None

    def upto(self, as_of: dt.datetime) -> Period:
        """This period, marked partial when ``as_of`` falls inside it (a month two-thirds over)."""
        as_of = as_datetime(as_of) or as_of
        return replace(self, cutoff=as_of) if self.start <= as_of < self.end else self

    @property
    def title(self) -> str:
        """The report's name: 《客户反馈周报》 for a week, 《售后服务月度报告》 for a month."""
        return TITLES[self.kind]

    @property
    def span_text(self) -> str:
        """ "2026-11-16 至 2026-11-22" (the last day inclusive); "2026-11-01 至 2026-11-23（截至）" when partial."""
        if self.cutoff is not None:
            return f"{self.start:%Y-%m-%d} 至 {self.cutoff:%Y-%m-%d}（截至）"
        last = (self.end - dt.timedelta(days=1)).date()
        return f"{self.start:%Y-%m-%d} 至 {last:%Y-%m-%d}"

    @property
    def compare_text(self) -> str:
        """The label, with the span when only part of the period counts: "2026-10（2026-10-01 至 2026-10-23（截至））"."""
        return f"{self.label}（{self.span_text}）" if self.partial else self.label

    def contains(self, when: dt.datetime | dt.date | None) -> bool:
        when = as_datetime(when)
        return when is not None and self.start <= when < self.end

    def previous(self) -> Period:
        """The period before; for a partial period, only the same elapsed time of it (like for like)."""
        before = self.shift(-1)
        if self.cutoff is None:
            return before
        end = min(before.end, before.start + (self.cutoff - self.start))
        return replace(before, end=end, cutoff=end)

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (negative: earlier)."""
        if self.kind == WEEK:
            return week_period(self.start.date() + dt.timedelta(weeks=n))
        months = self.start.year * 12 + self.start.month - 1 + n
        return month_period(months // 12, months % 12 + 1)

    def trend(self) -> list[Period]:
        """The last 8 weeks or 12 months, oldest first, ending with this period."""
        n = TREND_LENGTH[self.kind]
        return [self.shift(i) for i in range(-(n - 1), 1)]


def week_period(day: dt.date) -> Period:
    """The ISO week (Monday to Sunday) containing ``day``."""
    year, week, weekday = day.isocalendar()
    monday = day - dt.timedelta(days=weekday - 1)
    start = dt.datetime(monday.year, monday.month, monday.day)
    return Period(WEEK, f"{year}-W{week:02d}", start, start + dt.timedelta(days=7))


def month_period(year: int, month: int) -> Period:
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
    return Period(MONTH, f"{year}-{month:02d}", start, end)


def as_datetime(value: Any) -> dt.datetime | None:
    """A datetime (naive) from a datetime or a date; None for anything else."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is None else value.replace(tzinfo=None)  # no copy per record
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def latest_opening(openings: Iterable[Any]) -> dt.datetime | None:
    latest = None
    for value in openings:
        when = as_datetime(getattr(value, "opened", value))
        if when is not None and (latest is None or when > latest):
            latest = when
    return latest


def parse_period(text: str | None, as_of: dt.datetime, rows: Iterable[Any] = ()) -> Period:
    """The period for ``--period``: week, month, YYYY-Www, YYYY-MM, or None (the default, a week).

    ``rows`` are the opening times of the accepted rows (datetimes, dates, or objects with ``.opened``);
    week/month/None use the latest of them, or ``as_of`` when there is none. Raises UsageError otherwise.
    """
    s = (text or WEEK).strip()
    if s.lower() in (WEEK, MONTH):
        anchor = latest_opening(rows) or as_of
        if s.lower() == WEEK:
            return week_period(anchor.date())
        return month_period(anchor.year, anchor.month)
    m = _WEEK_RE.match(s)
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise UsageError(f"--period {s}：{year} 年没有第 {week} 周") from None
        return week_period(monday)
    m = _MONTH_RE.match(s)
    if m and 1 <= int(m.group(2)) <= 12:
        return month_period(int(m.group(1)), int(m.group(2)))
    raise UsageError(f"--period {s} 无法识别：应为 week、month、如 2026-W47 的周或如 2026-11 的月份")
