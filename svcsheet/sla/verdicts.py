"""SLA outcomes for every stage of a row, and compliance tables.

A stage runs from one timestamp field to another (``form.stages`` in the form YAML); its target and
applicability come from the policy. Every stage ends in exactly one of OUTCOMES; nothing is dropped.

How missing or imperfect data is judged (the order of the checks below):
- the policy disables the stage, or its ``applies_when`` is false            -> 不适用 (with the reason)
- ``applies_when`` needs a field that is empty                               -> 无法判定 (which field)
- a timestamp that could not be parsed                                        -> 无法判定
- start and end both empty: start is a required field -> 无法判定 (the row is broken);
  otherwise the stage has not started yet (e.g. no 解决时间 so no 结果反馈)      -> 不适用 "尚未开始"
- start empty, end present                                                    -> 无法判定 "缺少<start>"
- end before start (by date when either side has no time)                     -> 无法判定 (reversed; the validator
  reports the time order separately)
- per-priority target and the priority is empty                               -> 无法判定
- the sheet has no column for the stage's start or end (a team layout without it) -> 无法判定, never overdue
- the calendar does not cover a year the computation needs (CalendarGap)      -> 无法判定 with the year and key
- end present: end <= deadline -> 达标, else 超时 with the overrun
- end empty: as_of <= deadline -> 未到期, else 逾期未完成 with the overrun as of as_of

A side with date precision (a ``date`` value, or a Parsed with precision "date": a ``type: date`` field, or a
datetime field where only a date was written) is judged only when the date alone settles the outcome:
- start is a date:
  - working-day target ("N个工作日" ends at the close of the Nth working day after the start DAY): the deadline
    depends on the date only, so the stage is judged as usual (elapsed_minutes is None: the start time is unknown);
  - calendar-time or working-hour target                                      -> 无法判定 (start has no time)
- end is a date (start known): the stage is met when every moment of that day would be met, breached when every
  moment would be late, otherwise 无法判定 "只有日期，无法判断是否在截止时刻前". With the working-time rule used
  for datetimes (late only once a business minute past the deadline is used), and taking an action dated on a
  working day to happen during that day's business hours, this gives:
  - working-day target: met when end date <= deadline date, or when no working day lies between the deadline
    and the end date (a Saturday after a Friday deadline); breached otherwise;
  - calendar-time target: met when end date < deadline date, breached when later, 无法判定 on the same date;
  - working-hour target: as calendar time, except that days without business time after the deadline count as met.
  A date-judged breach has ``overrun_minutes`` None and ``overrun_days``: for working-day targets the working days
  after the deadline day up to the end date (cell_text "超时 +1个工作日"), otherwise the calendar days between the
  deadline's date and the end date ("超时 +1天（按日期）": the exact minutes are unknown).
- results judged with a date-only side have ``precision == "date"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import CalendarGap
from ..forms import FORM_KEYS, FormSpec, load_forms
from ..policy import Policy, StageRule, Target
from ..records import FieldMap, Parsed
from .bizcal import BusinessCalendar

MET, BREACHED, OPEN, OVERDUE, NA, UNKNOWN = OUTCOMES = (
    "达标",
    "超时",
    "未到期",
    "逾期未完成",
    "不适用",
    "无法判定",
)


def format_minutes(minutes: int, working: bool = False) -> str:
    """``65`` -> "1小时5分钟"; working time is shown in hours only (a working day is not 24 hours)."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest if not working else minutes, 60)
    parts = []
    if days and not working:
        parts.append(f"{days}天")
    if hours:
        parts.append(f"{hours}小时")
    if mins or not parts:
        parts.append(f"{mins}分钟")
    return "".join(parts) + ("（工作时间）" if working else "")


@dataclass(frozen=True, slots=True)
class StageResult:
    """The outcome of one stage of one row."""

    stage: str
    label: str
    outcome: str  # one of OUTCOMES
    start: dt.date | None = None  # a datetime, or a date when only the date was written
    end: dt.date | None = None
    deadline: dt.datetime | None = None
    target: str | None = None  # human text, e.g. "15分钟" / "1个工作日"
    elapsed_minutes: int | None = None  # calendar or working minutes, as the target counts
    overrun_minutes: int | None = None
    reason: str | None = None  # Chinese: why 不适用 / 无法判定
    working: bool = False  # elapsed/overrun are working minutes
    precision: str = "minute"  # "date" when judged from a start or end without a time of day
    overrun_days: int | None = None  # a breach judged by date: working days if ``by_day``, else calendar days
    by_day: bool = False  # the target counts whole working days (the deadline is a close of business)
    calendar_gap: tuple[int, str] | None = None  # (year, policy key) when the calendar does not cover a year

    def overrun_text(self) -> str | None:
        """How late, for people: "25分钟", "1小时（工作时间）", "1个工作日", "2天（按日期）"; None when on time."""
        if self.overrun_days is not None:
            if self.by_day:
                return f"{self.overrun_days}个工作日"
            return f"{self.overrun_days}天（按日期）"
        if self.overrun_minutes:
            return format_minutes(self.overrun_minutes, self.working)
        return None

    def cell_text(self) -> str:
        """Text for a summary cell, starting with the outcome: "超时 +25分钟", "超时 +1个工作日",
        "无法判定：缺少接收时间"."""
        late = self.overrun_text() if self.outcome in (BREACHED, OVERDUE) else None
        if late:
            return f"{self.outcome} +{late}"
        if self.outcome == OPEN and self.deadline is not None:
            return f"{OPEN}（截止 {self.deadline:%Y-%m-%d %H:%M}）"
        if self.reason and self.outcome in (NA, UNKNOWN):
            return f"{self.outcome}：{self.reason}"
        return self.outcome


# ---------------------------------------------------------------- conditions


def _matches(value: Any, want: Any) -> bool | None:
    if value is None or value == "" or value == ():
        return None
    values = set(value) if isinstance(value, (list, tuple, set, frozenset)) else {value}
    if isinstance(want, dict):
        return not (values & set(want["not"]))
    return bool(values & set(want))


def eval_condition(
    cond: dict[str, Any] | None, values: Mapping[str, Parsed]
) -> tuple[bool | None, str | None]:
    """(True/False/None, the empty field key when None). All listed fields must match; ``any`` needs one
    alternative to match, and an alternative whose field is empty does not match."""
    if not cond:
        return True, None
    unknown = None
    for key, want in cond.items():
        if key == "any":
            hits = [eval_condition(alt, values)[0] for alt in want]
            if not any(h is True for h in hits):
                return False, None
            continue
        p = values.get(key)
        hit = _matches(None if p is None else p.value, want)
        if hit is False:
            return False, None
        if hit is None and unknown is None:
            unknown = key
    return (None, unknown) if unknown else (True, None)


# ---------------------------------------------------------------- evaluation


class _Stage:
    """Evaluates one stage; small helpers keep evaluate_row readable."""

    def __init__(self, form: FormSpec, key: str, values: Mapping[str, Parsed], cal: BusinessCalendar, as_of):
        self.form, self.values, self.cal, self.as_of = form, values, cal, as_of
        self.spec = form.stage(key)

    def label_of(self, key: str) -> str:
        return self.form.field(key).label

    def result(self, outcome: str, **kw: Any) -> StageResult:
        for key in ("reason", "target"):  # built from labels and targets: a few distinct texts in a whole run
            text = kw.get(key)
            if text is not None:
                kw[key] = _SHARED.setdefault(text, text)
        result = StageResult(stage=self.spec.key, label=self.spec.label, outcome=outcome, **kw)
        if result.start is None and result.end is None and result.deadline is None:
            # no timestamp (不适用/无法判定 with a reason): equal verdicts of many rows are one object
            return _SHARED.setdefault(result, result)
        return result

    def time(self, key: str) -> tuple[str, Any]:
        """("ok", datetime) / ("missing", None) / ("bad", None) / ("date", date)."""
        p = self.values.get(key)
        if p is None or (p.value is None and not p.issues):
            return "missing", None
        v = p.value
        if isinstance(v, dt.datetime) and p.precision != "date":
            return "ok", v
        if isinstance(v, dt.datetime):
            return "date", v.date()
        if isinstance(v, dt.date):
            return "date", v
        return "bad", None

    def problem(self, key: str, state: str) -> str:
        label = self.label_of(key)
        return {
            "missing": f"缺少{label}",
            "bad": f"「{label}」无法识别为时间",
            "date": f"「{label}」只有日期，没有具体时刻",
        }[state]


# verdicts and reason texts without a timestamp, shared by every row that has them (bounded by forms x stages x
# field labels, not by rows)
_SHARED: dict[Any, Any] = {}


def evaluate_row(
    form: FormSpec, values: Mapping[str, Parsed], policy: Policy, cal: BusinessCalendar, as_of: dt.datetime
) -> Mapping[str, StageResult]:
    """The outcome of every stage of ``form`` for one row (stage key -> StageResult, in the form's order)."""
    memo, reads = _memo_for(form, policy, cal, as_of)
    get = values.get
    try:  # the verdicts depend only on the values the stages read (and the form, policy, calendar, as_of)
        # a parsed value compared with its value's type (1, 1.0 and True apart); None: empty, _ABSENT: no column.
        # An aware datetime equals the same instant in another zone, but the calendar reads its wall clock: its
        # zone joins the key (the reader's datetimes are naive: the usual key is unchanged)
        key = tuple(
            [
                p
                if p is None or p is _ABSENT
                else (c, p)
                if (c := p.value.__class__) is not dt.datetime or p.value.tzinfo is None
                else (c, p, p.value.tzinfo)
                for p in [get(k, _ABSENT) for k in reads]
            ]
        )
        hit = memo.get(key)
    except TypeError:  # a value that does not hash (an issue's params): computed, not kept
        return _evaluate_row(form, values, policy, cal, as_of)
    if hit is None:
        hit = _evaluate_row(form, values, policy, cal, as_of)
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = hit
    return hit


# Rows whose stages read equal values get equal verdicts: one computation and one (read-only) FieldMap for
# all of them (a batch of tickets entered with the same times, rows copied from a template; the generated
# bench's rows repeat the samples' 72 sets of times). The memo is per (form, policy, calendar, as_of) and small:
# an entry holds 0.7-3.1 KB of verdicts and key, and rows whose times are all their own (a real month) only
# fill it; cleared when full, so a worker keeps at most ~2 MB of it between files.
_ABSENT = object()  # a field the sheet has no column for (not the same as an empty cell)
_MEMO_MAX = 256
# [((policy sha256, calendar, as_of), the memos made for them by id(form))]: owner and memos are replaced
# together, never cleared in place, so a caller (a thread) that read them keeps a pair that belong together
_MEMO_STATE: list[tuple[Any, dict[int, tuple[FormSpec, tuple[str, ...], dict[tuple, Any]]]]] = [(None, {})]


def _memo_for(
    form: FormSpec, policy: Policy, cal: BusinessCalendar, as_of: dt.datetime
) -> tuple[dict[tuple, Mapping[str, StageResult]], tuple[str, ...]]:
    owner, memos = _MEMO_STATE[0]
    if owner is None or owner[0] != policy.sha256 or owner[1] is not cal or owner[2] != as_of:
        memos = {}
        _MEMO_STATE[0] = ((policy.sha256, cal, as_of), memos)
    hit = memos.get(id(form))
    if hit is None or hit[0] is not form:
        hit = memos[id(form)] = (form, _read_keys(form, policy), {})
    return hit[2], hit[1]


def _read_keys(form: FormSpec, policy: Policy) -> tuple[str, ...]:
    """Every field whose value one of the form's stages reads (``_evaluate`` and its helpers)."""
    keys: list[str] = []

    def condition(cond: dict[str, Any] | None) -> None:
        for key, want in (cond or {}).items():
            if key == "any":
                for alt in want:
                    condition(alt)
            else:
                keys.append(key)

    for spec in form.stages:
        rule = policy.stage_rule(form.key, spec.key)
        if rule is None or not rule.enabled:
            continue
        condition(rule.applies_when)
        condition(rule.open_when)
        keys += [k for k in (spec.start, spec.end, rule.priority_field, rule.since, rule.until) if k]
    return tuple(dict.fromkeys(keys))


def _evaluate_row(
    form: FormSpec, values: Mapping[str, Parsed], policy: Policy, cal: BusinessCalendar, as_of: dt.datetime
) -> Mapping[str, StageResult]:
    out: dict[str, StageResult] = {}
    for spec in form.stages:
        st = _Stage(form, spec.key, values, cal, as_of)
        rule = policy.stage_rule(form.key, spec.key)
        try:
            out[spec.key] = _evaluate(st, rule)
        except CalendarGap as gap:
            out[spec.key] = replace(st.result(UNKNOWN, reason=str(gap)), calendar_gap=(gap.year, gap.key))
    return FieldMap.of(out)  # held for every row until the outputs are written: compact


def _evaluate(st: _Stage, rule: StageRule | None) -> StageResult:
    if rule is None or not rule.enabled:
        return st.result(NA, reason="策略未设定该环节的时限")
    ok, empty = eval_condition(rule.applies_when, st.values)
    if ok is False:
        return st.result(NA, reason="不符合该环节的适用条件")
    if ok is None:
        return st.result(UNKNOWN, reason=f"缺少{st.label_of(empty)}，无法确定该环节是否适用")
    absent = [k for k in dict.fromkeys((st.spec.start, st.spec.end)) if k not in st.values]
    if (
        absent
    ):  # the sheet has no such column: nothing was ever recorded, so nothing can be judged (not overdue)
        return st.result(
            UNKNOWN, reason="表中没有" + "、".join(f"「{st.label_of(k)}」" for k in absent) + "这一栏"
        )
    if rule.kind == "gaps":
        return _gaps(st, rule)
    if rule.kind == "not_after":
        return _not_after(st)
    return _interval(st, rule)


def _resolve_target(st: _Stage, rule: StageRule) -> tuple[Target | None, str | None]:
    if rule.priority_field is None:
        return rule.target, None
    p = st.values.get(rule.priority_field)
    level = None if p is None else p.value
    target = rule.target_for(level)
    if target is None:
        return None, f"缺少{st.label_of(rule.priority_field)}，无法确定时限"
    return target, None


def _endpoints(st: _Stage) -> tuple[StageResult | None, Any, Any]:
    """Common checks on the stage's two timestamps; a StageResult when they settle the outcome."""
    s_key, e_key = st.spec.start, st.spec.end
    (s_state, start), (e_state, end) = st.time(s_key), st.time(e_key)
    for key, state in ((s_key, s_state), (e_key, e_state)):
        if state == "bad":
            return st.result(UNKNOWN, reason=st.problem(key, state)), None, None
    if s_state == "missing":
        if e_state == "missing" and not st.form.field(s_key).required:
            return st.result(NA, reason=f"尚未开始（未填写{st.label_of(s_key)}）"), None, None
        return st.result(UNKNOWN, reason=st.problem(s_key, s_state)), None, None
    if end is not None and _before(end, start):
        why = f"时间顺序颠倒：「{st.label_of(e_key)}」早于「{st.label_of(s_key)}」"
        return st.result(UNKNOWN, start=start, end=end, reason=why), None, None
    return None, start, end


def _is_day(value: Any) -> bool:
    """A date without a time of day."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _before(a: dt.date, b: dt.date) -> bool:
    """a earlier than b; by date when either has no time (a date is not midnight)."""
    if _is_day(a) or _is_day(b):
        return _day(a) < _day(b)
    return a < b


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _judge(st: _Stage, start, end, deadline, target: Target | None, target_text: str | None) -> StageResult:
    """Outcome with a known end time (or none yet); ``start`` may be a date (the elapsed time is then unknown)."""
    working = bool(target and target.working)
    common = dict(start=start, end=end, deadline=deadline, target=target_text, working=working)
    common["by_day"] = bool(target and target.unit == "working_day")
    if _is_day(start):
        common["precision"] = "date"
    when = end if end is not None else st.as_of
    if _is_day(start):
        elapsed = None
    else:
        elapsed = st.cal.elapsed(start, when, target) if when > start else 0
    late = _late(st.cal, deadline, when, target)
    overrun = max(st.cal.elapsed(deadline, when, target), 1) if late else 0
    if end is not None:
        if late:
            return st.result(BREACHED, elapsed_minutes=elapsed, overrun_minutes=overrun, **common)
        return st.result(MET, elapsed_minutes=elapsed, overrun_minutes=0, **common)
    if late:
        return st.result(OVERDUE, elapsed_minutes=elapsed, overrun_minutes=overrun, **common)
    return st.result(OPEN, elapsed_minutes=elapsed, **common)


def _late(cal: BusinessCalendar, deadline: dt.datetime, when: dt.datetime, target: Target | None) -> bool:
    """Working-time targets are late only once business time past the deadline is used (a reply at 18:30 to a
    deadline of 18:00 cost no business minute); calendar targets are late from the first second."""
    if when <= deadline:
        return False
    return not (target and target.working) or cal.working_minutes(deadline, when) > 0


def _over(deadline: dt.datetime, when: dt.datetime) -> int:
    """Calendar minutes late, at least one (a few seconds late is still late)."""
    return max(int((when - deadline).total_seconds() // 60), 1)


def _interval(st: _Stage, rule: StageRule) -> StageResult:
    settled, start, end = _endpoints(st)
    if settled:
        return settled
    target, why = _resolve_target(st, rule)
    if target is None:
        return st.result(UNKNOWN, start=start, end=end, reason=why)
    by_day = target.unit == "working_day"
    if _is_day(start) and not by_day:
        why = f"「{st.label_of(st.spec.start)}」只有日期，没有具体时刻，无法计算{target.text}的时限"
        return st.result(UNKNOWN, start=start, end=end, target=target.text, precision="date", reason=why)
    # a working-day deadline depends on the start's date only
    origin = dt.datetime.combine(start, dt.time()) if _is_day(start) else start
    deadline = st.cal.deadline(origin, target)
    if _is_day(end):
        return _judge_end_day(st, start, end, deadline, target)
    return _judge(st, start, end, deadline, target, target.text)


def _judge_end_day(st: _Stage, start, end: dt.date, deadline: dt.datetime, target: Target) -> StageResult:
    """The end has a date only: met if every moment of that day would be met, breached if every moment would be
    late (a working day's action is taken to happen during its business hours), else not judgeable."""
    cal, by_day = st.cal, target.unit == "working_day"
    common = dict(
        start=start,
        end=end,
        deadline=deadline,
        target=target.text,
        working=target.working,
        precision="date",
        by_day=by_day,
    )
    latest = dt.datetime.combine(end, dt.time.max)
    if not _late(cal, deadline, latest, target):
        return st.result(MET, overrun_minutes=0, **common)
    if target.working and cal.is_workday(end):
        earliest = dt.datetime.combine(end, cal.open) + dt.timedelta(minutes=1)
    else:
        earliest = dt.datetime.combine(end, dt.time())
    if not _is_day(start):
        earliest = max(earliest, start)
    if _late(cal, deadline, earliest, target):
        span = (end - deadline.date()).days
        if by_day:  # the deadline is a close of business: count the working days used after it
            days = sum(cal.is_workday(deadline.date() + dt.timedelta(days=i)) for i in range(1, span + 1))
        else:
            days = span
        return st.result(BREACHED, overrun_days=days, **common)
    why = f"「{st.label_of(st.spec.end)}」只有日期，无法判断是否在截止时刻前"
    return st.result(UNKNOWN, reason=why, **common)


def _not_after(st: _Stage) -> StageResult:
    """End must not be later than the time in the start field (e.g. 实际完成 <= 预计完成); calendar time."""
    s_key, e_key = st.spec.start, st.spec.end
    (s_state, due), (e_state, end) = st.time(s_key), st.time(e_key)
    text = f"不晚于{st.label_of(s_key)}"
    for key, state in ((s_key, s_state), (e_key, e_state)):
        if state in ("bad", "date"):
            return st.result(UNKNOWN, target=text, reason=st.problem(key, state))
    if s_state == "missing":
        if e_state == "missing":
            return st.result(NA, target=text, reason=f"未填写{st.label_of(s_key)}")
        return st.result(UNKNOWN, end=end, target=text, reason=st.problem(s_key, s_state))
    common = dict(start=due, end=end, deadline=due, target=text)
    if end is not None:
        if end <= due:
            return st.result(MET, overrun_minutes=0, **common)
        return st.result(BREACHED, overrun_minutes=_over(due, end), **common)
    if st.as_of <= due:
        return st.result(OPEN, **common)
    return st.result(OVERDUE, overrun_minutes=_over(due, st.as_of), **common)


def _gaps(st: _Stage, rule: StageRule) -> StageResult:
    """Consecutive progress points (since, timeline entries, until or as_of) must be at most the target apart."""
    target = rule.target
    assert target is not None  # the policy validator requires one
    open_now, _ = eval_condition(rule.open_when, st.values) if rule.open_when else (False, None)
    is_open = open_now is True
    points: list[dt.datetime] = []
    if rule.since:
        state, t = st.time(rule.since)
        if state in ("bad", "date"):
            return st.result(UNKNOWN, target=target.text, reason=st.problem(rule.since, state))
        if t is not None:
            points.append(t)
    p = st.values.get(st.spec.start)
    entries = p.value if p is not None and isinstance(p.value, (list, tuple)) else ()
    label = st.label_of(st.spec.start)
    # an entry whose time the parser could not pin down would make its neighbours' gap look too long
    unsure = {"timeline_time_unknown": "只有日期，没有具体时刻", "timeline_no_year": "的时间没有年份"}
    for code, params in p.issues if p is not None else ():
        if code in unsure:
            why = f"「{label}」第 {params.get('line', '?')} 行{unsure[code]}"
            return st.result(UNKNOWN, target=target.text, reason=why)
    for i, entry in enumerate(entries, 1):
        when = entry[0] if isinstance(entry, (list, tuple)) else entry
        if isinstance(when, dt.datetime):
            points.append(when)
        elif isinstance(when, dt.date):
            return st.result(
                UNKNOWN, target=target.text, reason=f"「{label}」第 {i} 行只有日期，没有具体时刻"
            )
    if rule.until and not is_open:
        state, t = st.time(rule.until)
        if state in ("bad", "date"):
            return st.result(UNKNOWN, target=target.text, reason=st.problem(rule.until, state))
        if t is not None:
            points.append(t)
    points.sort()
    if not points:
        if is_open:
            return st.result(UNKNOWN, target=target.text, reason=f"处理尚未结束，但没有任何{label}")
        return st.result(NA, target=target.text, reason=f"没有{label}")
    worst = None  # (elapsed, a, b)
    for a, b in zip(points[:-1], points[1:], strict=True):
        gap = st.cal.elapsed(a, b, target)
        if _late(st.cal, st.cal.deadline(a, target), b, target) and (worst is None or gap > worst[0]):
            worst = (gap, a, b)
    if worst is not None:
        _, a, b = worst
        return _judge(st, a, b, st.cal.deadline(a, target), target, target.text)
    if is_open:
        last = points[-1]
        return _judge(st, last, None, st.cal.deadline(last, target), target, target.text)
    if len(points) < 2:
        return st.result(NA, start=points[0], target=target.text, reason="只有一个时间点，没有需要检查的间隔")
    longest = max(st.cal.elapsed(a, b, target) for a, b in zip(points[:-1], points[1:], strict=True))
    return st.result(
        MET,
        start=points[0],
        end=points[-1],
        target=target.text,
        elapsed_minutes=longest,
        overrun_minutes=0,
        working=target.working,
    )


# ---------------------------------------------------------------- compliance


def compliance_table(records: Iterable[dict]) -> list[dict]:
    """Counts of each outcome per (form, stage, group) and the compliance rate.

    ``rate`` = 达标 / (达标 + 超时 + 逾期未完成), None when that is 0 (open, not-applicable and not-judgeable
    stages are counted but do not enter the rate). Ordered by form, the form's stage order, then group.
    """
    counts: dict[tuple[str, str, Any], dict[str, int]] = {}
    for r in records:
        outcome = r["outcome"]
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown SLA outcome {outcome!r}")
        key = (r["form"], r["stage"], r.get("group"))
        row = counts.setdefault(key, dict.fromkeys(OUTCOMES, 0))
        row[outcome] += 1
    forms = load_forms()

    def order(key: tuple[str, str, Any]) -> tuple:
        form, stage, group = key
        f_idx = FORM_KEYS.index(form) if form in FORM_KEYS else len(FORM_KEYS)
        stages = [s.key for s in forms[form].stages] if form in forms else []
        s_idx = stages.index(stage) if stage in stages else len(stages)
        return (f_idx, form, s_idx, stage, group is None, str(group) if group is not None else "")

    table = []
    for key in sorted(counts, key=order):
        c = counts[key]
        denominator = c[MET] + c[BREACHED] + c[OVERDUE]
        table.append(
            {
                "form": key[0],
                "stage": key[1],
                "group": key[2],
                **c,
                "total": sum(c.values()),
                "rate": c[MET] / denominator if denominator else None,
            }
        )
    return table
