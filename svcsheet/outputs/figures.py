"""Every figure of a run, computed once; the summary workbook and the HTML report both read this object.

Statistics (counts, rates, means, compliance, trend) come from light ``TicketRecord``s: the run's accepted
rows, merged with the history store when one is used (the run's tickets replace stored ones with the same
form and id). Lists that need a row's detail (breaches, follow-ups, suggestions) come from the run's own
accepted rows in the period. See docs/reports.md for every definition.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audit.history import (
    SATISFACTION_DIMENSION,
    HistoryStore,
    TicketRecord,
    dimension,
    history_path,
    history_use,
    run_records,
    ticket_items,
    to_record,
)
from ..compact import PackedTuples
from ..errors import CalendarGap
from ..forms import FORM_KEYS, FormSpec, load_forms
from ..gcpause import paused_gc
from ..policy import route_department
from ..sla.bizcal import BusinessCalendar
from ..sla.period import Period, as_datetime, parse_period
from ..sla.verdicts import BREACHED, MET, OPEN, OUTCOMES, OVERDUE, compliance_table
from .manifest import run_id

# Fields are found by their role in the form YAML (FormSpec.by_role); the unresolved condition and its
# due-date base come from the form's ``report:`` section.
FOLLOWUP_STAGE = "followup"  # a form stage that already computes the second-handling deadline
REVISIT_STAGE = "revisit"
NOT_GIVEN = "未填写"
UNASSIGNED = "未指定"
NO_LEVEL = "不分级"  # the form has no priority / urgency field
OVERRUN_RULE = (
    "超时时长：注明“工作时间”的只计工作时间（不含下班、周末和节假日），“个工作日”按工作日计，"
    "“按日期”按自然日计，其余按自然时间（24 小时制）计。"
)

KIND_REVIEW, KIND_UNRESOLVED, KIND_REVISIT, KIND_REASON = ("复盘", "未解决跟进", "二次回访", "补写超时原因")


# ---------------------------------------------------------------- figure types


@dataclass
class FileQuality:
    """Data quality of one input workbook: who must fix what."""

    file: str
    rows: int
    clean: int
    rejected: int
    warnings: int
    error: str | None
    top_findings: list[tuple[str, int]]  # (message summary, count)


@dataclass(frozen=True)
class Kpi:
    """One headline figure against the previous period. ``unit``: count, rate (0..1) or score (1..5)."""

    key: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    basis: int = 0  # how many tickets or answers the value is computed from
    previous_basis: int = 0  # the same for the previous period (a change on 3 tickets is no trend)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def fmt(self, v: float | None) -> str:
        if v is None:
            return "—"
        if self.unit == "rate":
            return f"{v * 100:.1f}%"
        if self.unit == "score":
            return f"{v:.2f}"
        return str(int(v))

    @property
    def basis_unit(self) -> str:
        """What ``basis`` counts: tickets, answers or judged SLA stages."""
        if self.key == "sla":
            return "个环节"
        if self.unit == "score" or self.key == "csat":
            return "个回答"
        return "张工单"

    @property
    def basis_text(self) -> str:
        """本期 and 上期 bases side by side, e.g. "本期 43 张工单 / 上期 16 张工单"."""
        return f"本期 {self.basis} {self.basis_unit} / 上期 {self.previous_basis} {self.basis_unit}"

    @property
    def value_text(self) -> str:
        return self.fmt(self.value)

    @property
    def previous_text(self) -> str:
        return self.fmt(self.previous)

    @property
    def change_text(self) -> str:
        c = self.change
        if c is None:
            return "—"
        if self.unit == "rate":
            return f"{c * 100:+.1f}个百分点"
        if self.unit == "score":
            return f"{c:+.2f}"
        return f"{int(c):+d}"


@dataclass(frozen=True)
class Compared:
    """A count in this period and the previous one."""

    label: str
    value: int
    previous: int

    @property
    def change(self) -> int:
        return self.value - self.previous


@dataclass(frozen=True)
class ComplianceLine:
    form: str  # form name
    stage: str  # stage label
    priority: str
    counts: dict[str, int]  # outcome -> count, every outcome present
    rate: float | None


@dataclass(frozen=True)
class StageBar:
    """Compliance of one stage across priorities (the chart)."""

    label: str
    met: int
    breached: int
    overdue: int
    rate: float | None


@dataclass(frozen=True)
class Breach:
    form: str
    ticket_id: str | None
    stage: str
    priority: str
    outcome: str
    deadline: dt.datetime | None
    end: dt.datetime | None
    overrun_minutes: int | None
    overrun_text: str
    reason: str | None  # 超时原因 as written (de-identified)
    handler: str | None


@dataclass(frozen=True)
class CategoryShare:
    """One category of one form; share and cumulative share are within that form (each form has its list)."""

    form: str  # form name
    category: str
    count: int
    share: float
    cumulative: float


@dataclass(frozen=True)
class CategoryGroup:
    """One form's categories, largest first (its Pareto)."""

    form: str
    total: int
    items: list[CategoryShare]

    @property
    def top(self) -> CategoryShare:
        return self.items[0]

    @property
    def top_text(self) -> str:
        """The largest category; ties are all named: "服务、质量（并列）"."""
        tied = [c.category for c in self.items if c.count == self.top.count and c.category != NOT_GIVEN]
        if not tied:
            return self.top.category
        return tied[0] if len(tied) == 1 else "、".join(tied) + "（并列）"


@dataclass(frozen=True)
class RoutingLine:
    form: str
    category: str
    department: str
    tickets: int
    routed: int  # of which the department was empty and came from the routing table


@dataclass(frozen=True)
class IssueView:
    id: str
    label: str
    customers: int
    rows: int
    models: str
    batch: str
    forms: str
    departments: str
    examples: list[str]
    products: str = ""  # product words typed beside the model (空气净化器), one column of their own
    customers_period: int | None = None  # distinct customers whose rows were opened in the report period
    first_seen: str = ""  # date of its earliest row
    status: str = ""  # 新出现 (first seen this period), 增长 (more customers than the previous period), 持续


@dataclass(frozen=True)
class FollowupItem:
    kind: str
    form: str
    ticket_id: str | None
    handler: str | None
    department: str
    detail: str
    due: dt.datetime | None
    overdue: bool
    status: str | None = None  # the row's own 处理状态 (or 处理结果 where the form has no status)


@dataclass(frozen=True)
class PersonLine:
    name: str
    tickets: int
    judged: int  # stages that enter the compliance rate
    compliance: float | None
    satisfaction_mean: float | None
    answers: int


@dataclass(frozen=True)
class Suggestion:
    form: str
    ticket_id: str | None
    category: str
    text: str


@dataclass(frozen=True)
class SuggestionGroup:
    source: str  # field label, e.g. 针对性改进建议
    category: str
    items: list[Suggestion]


@dataclass(frozen=True)
class TrendPoint:
    label: str
    tickets: int
    satisfaction_mean: float | None
    csat: float | None
    answers: int


@dataclass
class Figures:
    """The figures of one run."""

    period_label: str | None
    files: int
    files_unreadable: int
    rows_read: int
    rows_clean: int
    rows_rejected: int
    by_form: list[tuple[str, int, int, int]]  # (form name, read, clean, rejected)
    quality: list[FileQuality]
    top_findings: list[tuple[str, str, int]]  # (code, label, count)
    period: Period | None = None
    title: str = ""
    as_of: dt.datetime | None = None
    run_id: str = ""
    history_path: str | None = None
    history_tickets: int = 0  # tickets read from the history store (other runs)
    history_write: bool = False  # this run's tickets go into the history (see history.history_use)
    history_note: str = "未使用"  # which history the run used and whether it changed it (Chinese)
    in_period: int = 0  # this run's accepted rows opened in the period
    outside_period: int = 0  # this run's accepted rows opened in another period
    undated: int = 0  # this run's accepted rows without a usable opening time
    rejected_in_period: int = 0  # this run's rejected rows opened in the period (in no figure)
    rejected_undated: int = 0  # rejected rows without a usable opening time (their period is unknown)
    rejected_other: int = 0  # rejected rows opened in another period
    kpis: list[Kpi] = field(default_factory=list)
    by_form_period: list[Compared] = field(default_factory=list)
    by_channel: list[Compared] = field(default_factory=list)
    compliance: list[ComplianceLine] = field(default_factory=list)
    stage_bars: list[StageBar] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    open_overdue: list[Breach] = field(default_factory=list)
    category_groups: list[CategoryGroup] = field(default_factory=list)
    routing: list[RoutingLine] = field(default_factory=list)
    common: list[IssueView] = field(default_factory=list)
    followups: list[FollowupItem] = field(default_factory=list)
    handlers: list[PersonLine] = field(default_factory=list)
    departments: list[PersonLine] = field(default_factory=list)
    no_handler_forms: list[str] = field(
        default_factory=list
    )  # forms without a handler field (not in handlers)
    no_department_forms: list[str] = field(default_factory=list)  # forms without a department field
    suggestions: list[SuggestionGroup] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    csat_rule: str = ""
    review_rule: str = ""
    overrun_rule: str = OVERRUN_RULE
    # this run's accepted tickets; a pipeline run empties it once the figures are made (the history write
    # takes ``history_items``): call `history.run_records` for them
    records: list[TicketRecord] = field(default_factory=list)
    # the same, as the history stores them (history.ticket_items), when this run writes the history
    history_items: PackedTuples | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    highlights: list[Any] = field(default_factory=list)  # Highlight: what needs action, first in the report

    @property
    def categories(self) -> list[CategoryShare]:
        """Every form's categories, form by form."""
        return [c for g in self.category_groups for c in g.items]

    @property
    def rejected_note(self) -> str:
        """The rejected rows of the period, which are in no figure (Chinese, for the reader)."""
        text = f"本期退回 {self.rejected_in_period} 行未计入统计，见 rejects.xlsx / 数据质量"
        if self.rejected_undated:
            text += f"；另有 {self.rejected_undated} 行退回且没有可用的受理时间，无法归入期间"
        return text + "。"

    def kpi(self, key: str) -> Kpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)


# ---------------------------------------------------------------- entry point


def compute_figures(
    result: Any, forms: dict[str, FormSpec], collect: bool = True, common: bool = True
) -> Figures:
    """All figures of a run. Reads (never writes) the history store; ``history.HistorySave`` writes it later.
    ``collect``: collect garbage cycles after (the pipeline freezes what the figures made instead: they make
    none, and the collection walked ~0.15 s at 100,000 rows to find nothing). ``common`` False: all but the
    common issues and the highlights, which ``add_common_issues`` adds once the clustering is known (the
    only figures that read it)."""
    with paused_gc(collect):  # a record per ticket and many working lists, no cycles among them
        fig = _compute_figures(result, forms)
    if common:
        add_common_issues(fig, getattr(result, "clustering", None), forms)
    return fig


def add_common_issues(fig: Figures, clustering: Any, forms: dict[str, FormSpec]) -> None:
    """The common issues of the period (``clustering``: the run's), and the highlights, which mention them."""
    fig.common = common_issues(clustering, forms, fig.period)
    fig.highlights = highlights(fig)


def _compute_figures(result: Any, forms: dict[str, FormSpec]) -> Figures:
    rows = result.rows
    flags = [r.rejected for r in rows]  # a walk of each row's findings: once, not once per use
    fig = _quality(result, forms, rows, flags)
    accepted = [r for r, bad in zip(rows, flags, strict=True) if not bad]
    records = [to_record(r, forms[r.form]) for r in accepted]
    period = getattr(result, "period", None) or parse_period(
        getattr(result.options, "period", None), result.as_of, records
    )
    period = period.upto(result.as_of)  # a period still running compares with the same days of the previous
    fig.period, fig.period_label, fig.title, fig.as_of = period, period.label, period.title, result.as_of
    fig.records = records
    fig.run_id = run_id(result)
    inside = _within(period)
    fig.in_period = sum(map(inside, (r.opened for r in records)))
    fig.undated = sum(1 for r in records if r.opened is None)
    fig.outside_period = len(records) - fig.in_period - fig.undated
    rejected_opened = [as_datetime(_opened(r, forms)) for r, bad in zip(rows, flags, strict=True) if bad]
    fig.rejected_in_period = sum(map(inside, rejected_opened))
    fig.rejected_undated = sum(1 for t in rejected_opened if t is None)
    fig.rejected_other = len(rejected_opened) - fig.rejected_in_period - fig.rejected_undated

    pool = list(records)
    path = history_path(result)
    fig.history_write, fig.history_note = history_use(result, path, period.label)
    if path is not None and fig.history_write:
        # what the history will store of each ticket, made now from the records at hand, kept deflated (the
        # records themselves are ~40 MB at 100,000 rows: making them again after the outputs cost ~0.6 s)
        fig.history_items = PackedTuples(ticket_items(records))
    if path is not None:
        fig.history_path = str(path)
        window = period.trend()
        if Path(path).exists():
            mine = {r.key for r in records if r.ticket_id}
            stored = HistoryStore(path).rows_between(window[0].start, period.end, skip=mine)
            fig.history_tickets = sum(1 for r in stored if period.contains(r.opened))
            pool += stored
    opened = [as_datetime(r.opened) for r in pool]  # once: each list below compares it
    cur = [r for r, t in zip(pool, opened, strict=True) if inside(t)]
    prev_period = period.previous()
    before = _within(prev_period)
    prev = [r for r, t in zip(pool, opened, strict=True) if before(t)]

    policy = result.policy
    fig.kpis = kpis(cur, prev, forms, policy)
    fig.csat_rule = csat_rule(policy)
    fig.review_rule = review_rule(policy)
    fig.by_form_period = _compare(cur, prev, lambda r: forms[r.form].name, [f.name for f in forms.values()])
    channel = _with_role(forms, "channel")
    with_channel = [r for r in cur if r.form in channel]
    prev_channel = [r for r in prev if r.form in channel]
    fig.by_channel = _compare(with_channel, prev_channel, lambda r: r.channel or NOT_GIVEN, [])
    fig.compliance, fig.stage_bars = compliance(cur, forms)
    fig.category_groups = categories(cur, forms)
    fig.routing = routing(cur, forms, policy)
    handler, department = _with_role(forms, "handler"), _with_role(forms, "department")
    fig.handlers = people([r for r in cur if r.form in handler], lambda r: staff_label(r.handler), policy)
    fig.no_handler_forms = [f.name for k, f in forms.items() if k not in handler]
    with_dept = [r for r in cur if r.form in department]
    fig.departments = people(with_dept, lambda r: department_of(r, policy, forms), policy)
    fig.no_department_forms = [f.name for k, f in forms.items() if k not in department]
    fig.trend = _trend(pool, opened, period, policy)
    del opened

    # the period's rows in report order, sorted once for the three lists below (each keeps that order)
    now = sorted(
        ((r, rec) for r, rec in zip(accepted, records, strict=True) if inside(rec.opened)),
        key=lambda pair: _order(pair[0]),
    )
    rows_now = [r for r, _ in now]
    late = _breaches([r for r in rows_now if _late(r)], forms)
    fig.breaches = [b for b in late if b.outcome == BREACHED]  # done, but late
    fig.open_overdue = [b for b in late if b.outcome == OVERDUE]  # still open and past the deadline
    fig.followups = _followups(now, forms, policy, result.as_of)
    del now
    fig.suggestions = _suggestions(rows_now, forms)
    return fig


def _within(period: Period) -> Any:
    """``period.contains`` for a value already made a naive datetime (or None) by ``as_datetime``."""
    start, end = period.start, period.end

    def inside(when: dt.datetime | None) -> bool:
        return when is not None and start <= when < end

    return inside


def _late(row: Any) -> bool:
    """Whether any of the row's stages is 超时 or 逾期未完成 (the rows ``breaches`` lists something for)."""
    return any(res.outcome in (BREACHED, OVERDUE) for res in row.sla.values() if res is not None)


# ---------------------------------------------------------------- pieces (public for the tests)


def _with_role(forms: dict[str, FormSpec], role: str) -> set[str]:
    """The keys of the forms that have a field playing ``role``."""
    return {k for k, f in forms.items() if f.by_role(role) is not None}


def csat_satisfied(value: int | str | None, policy: Any) -> bool | None:
    """True/False for an answer on a 1-5 scale or a word scale; None when there is no answer."""
    if value is None:
        return None
    if isinstance(value, int):
        return value in policy.reports.satisfied_scores
    return value in policy.reports.satisfied_choices


def csat_rule(policy: Any) -> str:
    scores = "、".join(str(s) for s in policy.reports.satisfied_scores)
    words = "、".join(policy.reports.satisfied_choices)
    return f"1–5 分制中 {scores} 分、文字选项中「{words}」计为满意；其余有回答的计为不满意，未回答的不计入。"


def needs_review(value: int | str | None, policy: Any) -> bool:
    """复盘: a 1-5 score at or below the threshold, or a word answer the CSAT does not count as satisfied
    (不满意, and the middle answers 一般 / 基本满意), so the review list and the CSAT never disagree."""
    if isinstance(value, int):
        return value <= policy.followup.review_threshold
    return csat_satisfied(value, policy) is False


def review_rule(policy: Any) -> str:
    words = "、".join(policy.reports.satisfied_choices)
    return (
        f"复盘：1–5 分制满意度不高于 {policy.followup.review_threshold} 分，"
        f"或文字选项中没有选「{words}」（如“一般”“基本满意”“不满意”）。"
    )


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def kpis(
    cur: list[TicketRecord], prev: list[TicketRecord], forms: dict[str, FormSpec], policy: Any
) -> list[Kpi]:
    """Tickets, resolution, closed loop, score means per dimension, CSAT and SLA compliance, with the change."""

    def both(fn):
        return fn(cur), fn(prev)

    def count(pred):
        return sum(1 for r in cur if pred(r)), sum(1 for r in prev if pred(r))

    out = [Kpi("tickets", "工单数", "count", len(cur), len(prev), len(cur), len(prev))]
    v, p = both(lambda rs: _rate([r.resolved for r in rs]))
    out.append(Kpi("resolved", "解决率", "rate", v, p, len(cur), len(prev)))
    v, p = both(lambda rs: _rate([r.closed for r in rs if r.closed is not None]))
    out.append(Kpi("closed", "闭环率", "rate", v, p, *count(lambda r: r.closed is not None)))
    for dim in dimensions(forms):
        v, p = both(lambda rs, d=dim: _mean([r.scores[d] for r in rs if d in r.scores]))
        out.append(
            Kpi(f"score:{dim}", f"{dim}评分均值", "score", v, p, *count(lambda r, d=dim: d in r.scores))
        )

    def csat(rs):
        return _rate([s for s in (csat_satisfied(r.satisfaction, policy) for r in rs) if s is not None])

    v, p = both(csat)
    out.append(Kpi("csat", "客户满意率（CSAT）", "rate", v, p, *count(lambda r: r.satisfaction is not None)))

    def sla(rs):
        c = Counter(o for r in rs for o in r.stages.values())
        judged = c[MET] + c[BREACHED] + c[OVERDUE]
        return (c[MET] / judged if judged else None), judged

    (v, n), (p, pn) = both(sla)
    out.append(Kpi("sla", "时效达标率", "rate", v, p, n, pn))
    return out


def dimensions(forms: dict[str, FormSpec]) -> list[str]:
    """Score dimensions in form order (效率, 态度, 满意度), from the 1-5 score fields' labels."""
    out: list[str] = []
    for form in forms.values():
        for f in form.fields:
            if f.type == "score" and dimension(f.label) not in out:
                out.append(dimension(f.label))
    return out


def _compare(cur, prev, key, order: list[str]) -> list[Compared]:
    a, b = Counter(key(r) for r in cur), Counter(key(r) for r in prev)
    labels = list(order)
    labels += sorted((set(a) | set(b)) - set(labels), key=lambda x: (x == NOT_GIVEN, -a[x], x))
    return [Compared(x, a[x], b[x]) for x in labels]


def priority_of(record_form: str, value: str | None) -> str:
    """The priority as reports show it: the choice, 未填写 when left empty, 不分级 when the form has none."""
    form = load_forms().get(record_form)
    if form is None or form.by_role("priority") is None:
        return NO_LEVEL
    return value or NOT_GIVEN


def priority_rank(form: FormSpec, value: str) -> tuple[int, int, str]:
    """Sort key following the form's own choice order (紧急, 高, 中, 低 / 紧急, 一般, 建议), unknowns after."""
    spec = form.by_role("priority")
    choices = spec.choices if spec else ()
    if value in choices:
        return (0, choices.index(value), "")
    return (1 if value not in (NOT_GIVEN, NO_LEVEL) else 2, 0, value)


def compliance(
    cur: list[TicketRecord], forms: dict[str, FormSpec]
) -> tuple[list[ComplianceLine], list[StageBar]]:
    """Counts of each outcome per form x stage x priority, and per form x stage for the chart.

    Lines follow the form order, the form's stage order and the form's priority choice order."""
    groups: dict[tuple[str, str | None], str] = {}
    counts: Counter = Counter()
    for r in cur:
        key = (r.form, r.priority)
        group = groups.get(key)
        if group is None:
            group = groups[key] = priority_of(r.form, r.priority)
        counts.update((r.form, s, group, o) for s, o in r.stages.items())
    by_stage: Counter = Counter()
    for (form, stage, _group, outcome), n in counts.items():
        by_stage[(form, stage, None, outcome)] += n

    def order(t: dict) -> tuple:
        form = forms[t["form"]]
        stages = [s.key for s in form.stages]
        stage = stages.index(t["stage"]) if t["stage"] in stages else len(stages)
        return (FORM_KEYS.index(form.key), stage, priority_rank(form, t["group"]))

    lines = [
        ComplianceLine(
            forms[t["form"]].name,
            forms[t["form"]].stage(t["stage"]).label,
            t["group"],
            {o: t[o] for o in OUTCOMES},
            t["rate"],
        )
        for t in sorted(tally_table(counts), key=order)
    ]
    bars = []
    for t in tally_table(by_stage):
        judged = t[MET] + t[BREACHED] + t[OVERDUE]
        if judged:
            label = f"{forms[t['form']].name}·{forms[t['form']].stage(t['stage']).label}"
            bars.append(StageBar(label, t[MET], t[BREACHED], t[OVERDUE], t["rate"]))
    return lines, bars


def tally_table(counts: Counter) -> list[dict]:
    """``compliance_table`` of the items counted in ``counts`` by (form, stage, group, outcome): the same lines
    (counts in OUTCOMES order, total, rate) in the same order, without a dict per item."""
    items = []
    for (form, stage, group, outcome), n in counts.items():
        if n:
            items.append({"form": form, "stage": stage, "group": group, "outcome": outcome})
    table = compliance_table(items)  # one item per key: its order, checks and layout
    for t in table:
        c = {o: counts.get((t["form"], t["stage"], t["group"], o), 0) for o in OUTCOMES}
        t.update(c)
        t["total"] = sum(c.values())
        judged = c[MET] + c[BREACHED] + c[OVERDUE]
        t["rate"] = c[MET] / judged if judged else None
    return table


def categories(cur: list[TicketRecord], forms: dict[str, FormSpec]) -> list[CategoryGroup]:
    """Per form, its own categories largest first with shares within the form (a Pareto per form).

    The five forms have different category lists (产品质量类 / 产品质量 / 质量 ...): merging or comparing
    them across forms would hide the real top problem, so each form is its own Pareto."""
    out = []
    by_form: dict[str, Counter] = defaultdict(Counter)
    for r in cur:
        by_form[r.form][r.category or NOT_GIVEN] += 1
    for key, form in forms.items():
        counts = by_form.get(key, Counter())
        total = sum(counts.values())
        if not total:
            continue
        items, running = [], 0
        for cat, n in sorted(counts.items(), key=lambda kv: (kv[0] == NOT_GIVEN, -kv[1], kv[0])):
            running += n
            items.append(CategoryShare(form.name, cat, n, n / total, running / total))
        out.append(CategoryGroup(form.name, total, items))
    return out


def report_name(forms: dict[str, FormSpec], form: str, department: str | None) -> str | None:
    """The department under the name reports use: the field's ``report_as`` (投诉表的“售后” -> 售后部)."""
    spec = forms[form].by_role("department") if form in forms else None
    if department is None or spec is None:
        return department
    return spec.report_as.get(department, department)


def _all_report_names(forms: dict[str, FormSpec]) -> dict[str, str]:
    out: dict[str, str] = {}
    for form in forms.values():
        spec = form.by_role("department")
        if spec is not None:
            out.update(spec.report_as)
    return out


def department_of(record: TicketRecord, policy: Any, forms: dict[str, FormSpec] | None = None) -> str:
    """The department as written (under its report name), else the routing table's, else 未指定."""
    written = report_name(forms, record.form, record.department) if forms else record.department
    routed = route_department(policy, record.form, record.category)
    if forms:
        routed = report_name(forms, record.form, routed)
    return written or routed or UNASSIGNED


def routing(cur: list[TicketRecord], forms: dict[str, FormSpec], policy: Any) -> list[RoutingLine]:
    """Tickets per form x category x department; ``routed`` counts those whose department came from routing."""
    counts: Counter = Counter()
    routed: Counter = Counter()
    department = _with_role(forms, "department")
    for r in cur:
        if r.form not in department:
            continue
        key = (FORM_KEYS.index(r.form), r.form, r.category or NOT_GIVEN, department_of(r, policy, forms))
        counts[key] += 1
        routed[key] += r.department is None and key[3] != UNASSIGNED
    return [RoutingLine(forms[k[1]].name, k[2], k[3], n, routed[k]) for k, n in sorted(counts.items())]


def people(cur: list[TicketRecord], key, policy: Any) -> list[PersonLine]:
    """Per handler (pseudonym) or department: tickets, SLA compliance and mean 1-5 satisfaction."""
    groups: dict[str, list[TicketRecord]] = defaultdict(list)
    for r in cur:
        groups[key(r) or NOT_GIVEN].append(r)
    out = []
    for name, rs in groups.items():
        c = Counter(o for r in rs for o in r.stages.values())
        judged = c[MET] + c[BREACHED] + c[OVERDUE]
        sats = [r.scores[SATISFACTION_DIMENSION] for r in rs if SATISFACTION_DIMENSION in r.scores]
        out.append(
            PersonLine(name, len(rs), judged, c[MET] / judged if judged else None, _mean(sats), len(sats))
        )
    return sorted(out, key=lambda p: (p.name in (NOT_GIVEN, UNASSIGNED), -p.tickets, p.name))


def trend(pool: list[TicketRecord], period: Period, policy: Any) -> list[TrendPoint]:
    """Tickets, mean 1-5 satisfaction and CSAT for the last 8 weeks or 12 months."""
    return _trend(pool, [as_datetime(r.opened) for r in pool], period, policy)


def _trend(pool: list[TicketRecord], opened: list[Any], period: Period, policy: Any) -> list[TrendPoint]:
    """``trend`` with each record's opening time already through ``as_datetime``: the records are put into the
    trend's periods (disjoint, oldest first) in one walk, each by bisection, in pool order."""
    periods = period.trend()
    starts = [p.start for p in periods]
    ends = [p.end for p in periods]
    if any(a > b for a, b in zip(ends, starts[1:], strict=False)):  # overlapping: each period tested alone
        buckets = [[r for r, t in zip(pool, opened, strict=True) if p.contains(t)] for p in periods]
    else:
        buckets = [[] for _ in periods]
        for r, t in zip(pool, opened, strict=True):
            if t is not None:
                i = bisect_right(starts, t) - 1
                if i >= 0 and t < ends[i]:
                    buckets[i].append(r)
    out = []
    for p, rs in zip(periods, buckets, strict=True):
        sats = [r.scores[SATISFACTION_DIMENSION] for r in rs if SATISFACTION_DIMENSION in r.scores]
        answers = [s for s in (csat_satisfied(r.satisfaction, policy) for r in rs) if s is not None]
        out.append(TrendPoint(p.label, len(rs), _mean(sats), _rate(answers), len(answers)))
    return out


# ---------------------------------------------------------------- lists from the run's rows


def _opened(row: Any, forms: dict[str, FormSpec]) -> Any:
    key = forms[row.form].opened_field
    return row.value(key) if key else None


_STAFF_NO_NOISE = re.compile(r"[\s:：*＊#]")


def staff_label(shown: str | None) -> str | None:
    """Who must act, one way everywhere: a staff number normalised (``*工号007``, ``工号：007`` -> ``工号007``),
    a pseudonym (``员工-qoeb``) or a title (``王经理``) as de-identification left it. A staff number is not
    customer data; the masks agents type in front of it only make two spellings of one person."""
    if shown is None or "工号" not in shown:
        return shown
    number = _STAFF_NO_NOISE.sub("", shown.split("工号", 1)[1])
    return f"工号{number}" if number else shown


def _safe_text(row: Any, key: str | None) -> str | None:
    if key is None:
        return None
    v = row.safe.get(key)
    if v is None or v == "" or v == ():
        return None
    return "、".join(str(x) for x in v) if isinstance(v, (tuple, list)) else str(v)


def _order(row: Any) -> tuple:
    return (FORM_KEYS.index(row.form), row.ticket_id or "", row.prov.file, row.prov.sheet, row.prov.row)


def breaches(rows: list[Any], forms: dict[str, FormSpec]) -> list[Breach]:
    """Every stage 超时 or 逾期未完成, with the overrun and the 超时原因 written by the agent."""
    return _breaches(sorted(rows, key=_order), forms)


def _breaches(rows: list[Any], forms: dict[str, FormSpec]) -> list[Breach]:
    """``breaches`` of rows already in report order."""
    out = []
    for row in rows:
        form = forms[row.form]
        for stage in form.stages:
            res = row.sla.get(stage.key)
            if res is None or res.outcome not in (BREACHED, OVERDUE):
                continue
            minutes = res.overrun_minutes
            out.append(
                Breach(
                    form=form.name,
                    ticket_id=row.ticket_id,
                    stage=stage.label,
                    priority=priority_of(form.key, _safe_text(row, form.role_key("priority"))),
                    outcome=res.outcome,
                    deadline=res.deadline,
                    end=res.end,
                    overrun_minutes=minutes,
                    overrun_text=res.overrun_text() or "—",
                    reason=_safe_text(row, form.role_key("overdue_reason")),
                    handler=staff_label(_safe_text(row, form.role_key("handler"))),
                )
            )
    return out


def followups(
    rows: list[Any],
    forms: dict[str, FormSpec],
    policy: Any,
    as_of: dt.datetime,
    records: list[TicketRecord] | None = None,
) -> list[FollowupItem]:
    """复盘 (see ``needs_review``), unresolved items with their due date,
    高/中 revisits still open, and breached first responses without 超时原因. ``records``: the rows' records
    when already made (one per row, in the same order)."""
    paired = zip(rows, records if records is not None else [None] * len(rows), strict=True)
    return _followups(sorted(paired, key=lambda pair: _order(pair[0])), forms, policy, as_of)


def _followups(
    pairs: list[tuple[Any, TicketRecord | None]], forms: dict[str, FormSpec], policy: Any, as_of: dt.datetime
) -> list[FollowupItem]:
    """``followups`` of (row, its record or None) pairs already in report order."""
    calendar = BusinessCalendar(policy)
    out = []
    for row, made in pairs:
        form = forms[row.form]
        rec = made or to_record(row, form)

        todo: list[tuple[str, str, dt.datetime | None]] = []

        sat = rec.satisfaction
        if needs_review(sat, policy):
            todo.append((KIND_REVIEW, f"客户满意度：{sat}", None))
        unresolved = form.report.unresolved
        if unresolved is not None:
            key = unresolved.field
            value = _safe_text(row, key)
            if value is not None and (unresolved.values is None or value in unresolved.values):
                due = None
                stage = row.sla.get(FOLLOWUP_STAGE)
                if stage is not None and stage.deadline is not None:
                    due = stage.deadline
                else:
                    base = row.value(form.report.due_from or "") or _opened(row, forms)
                    if isinstance(base, dt.datetime):
                        try:
                            due = calendar.deadline(base, policy.followup.unresolved_due)
                        except CalendarGap:
                            due = None
                label = form.field(key).label
                due_text = policy.followup.unresolved_due.text
                todo.append((KIND_UNRESOLVED, f"{label}：{value}，{due_text}内提交二次处理结果", due))
        res = row.sla.get(REVISIT_STAGE)
        if res is not None and res.outcome in (OPEN, OVERDUE):
            todo.append((KIND_REVISIT, f"{res.label}{res.target or ''}（{res.outcome}）", res.deadline))
        if any(f.code == "overdue_reason_missing" for f in row.safe_findings):
            todo.append((KIND_REASON, "首次响应超时，未写超时原因", None))
        if not todo:  # most rows: nothing to follow up, nothing more to look up
            continue
        dept = department_of(rec, policy, forms) if form.by_role("department") else ""
        handler = staff_label(_safe_text(row, form.role_key("handler")))
        status = _safe_text(row, form.role_key("status")) or _safe_text(row, form.role_key("result"))
        for kind, detail, due in todo:
            late = due is not None and as_of > due
            out.append(FollowupItem(kind, form.name, row.ticket_id, handler, dept, detail, due, late, status))
    kinds = (KIND_REVIEW, KIND_UNRESOLVED, KIND_REVISIT, KIND_REASON)
    return sorted(out, key=lambda i: kinds.index(i.kind))  # stable: rows keep their order within a kind


def suggestions(rows: list[Any], forms: dict[str, FormSpec]) -> list[SuggestionGroup]:
    """The period's improvement suggestions (针对性改进建议, 具体建议), grouped by source field and category."""
    return _suggestions(sorted(rows, key=_order), forms)


def _suggestions(rows: list[Any], forms: dict[str, FormSpec]) -> list[SuggestionGroup]:
    """``suggestions`` of rows already in report order."""
    groups: dict[tuple[int, str, str], list[Suggestion]] = defaultdict(list)
    for row in rows:
        form = forms[row.form]
        key = form.role_key("suggestion")
        text = _safe_text(row, key) if key else None
        if not text:
            continue
        cat = _safe_text(row, form.role_key("category")) or NOT_GIVEN
        label = form.field(key).label
        groups[(FORM_KEYS.index(form.key), label, cat)].append(
            Suggestion(form.name, row.ticket_id, cat, text)
        )
    ordered = sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] == NOT_GIVEN, -len(kv[1]), kv[0][2])
    )
    return [SuggestionGroup(k[1], k[2], items) for k, items in ordered]


def _join(value: Any) -> str:
    """A list of names or (name, count) pairs as one line of text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = sorted(
            value.items(), key=lambda kv: (-kv[1], str(kv[0])) if isinstance(kv[1], int) else str(kv[0])
        )
    if isinstance(value, Iterable):
        parts = []
        for v in value:
            if isinstance(v, (tuple, list)) and len(v) == 2:
                parts.append(f"{v[0]}（{v[1]}）")
            else:
                parts.append(str(v))
        return "、".join(parts)
    return str(value)


def _count(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _rename(value: Any, names: dict[str, str]) -> Any:
    """Department names (or (name, count) pairs) under their report names, merging duplicates."""
    if value is None or isinstance(value, str):
        return names.get(value, value) if isinstance(value, str) else value
    if isinstance(value, dict):
        value = list(value.items())
    merged: dict[str, int | None] = {}
    for v in value:
        if isinstance(v, (tuple, list)) and len(v) == 2 and isinstance(v[1], int):
            name = names.get(str(v[0]), str(v[0]))
            merged[name] = (merged.get(name) or 0) + v[1]
        else:
            merged.setdefault(names.get(str(v), str(v)), None)
    if all(n is None for n in merged.values()):
        return sorted(merged)
    return {k: n or 0 for k, n in merged.items()}


_MODEL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[0-9][A-Za-z0-9\-_/.]*")
_BATCH_NOTE = re.compile(r"[（(]\s*批次[^）)]*[）)]")


def _models(value: Any) -> tuple[str, str]:
    """Model cells as typed (``X-2024 空气净化器（批次 B2311）``) to one entry per model code with its count,
    and the product words in their own text: (``X-2024（4）``, ``空气净化器``)."""
    if not value:
        return "", ""
    items = list(value.items()) if isinstance(value, dict) else list(value)
    counts: dict[str, int] = {}
    products: dict[str, None] = {}
    for item in items:
        name, n = item if isinstance(item, (tuple, list)) and len(item) == 2 else (item, 1)
        text = _BATCH_NOTE.sub("", str(name)).strip()
        code = _MODEL_CODE.search(text)
        rest = (text[: code.start()] + " " + text[code.end() :]).strip(" -—/") if code else text
        if rest:
            products.setdefault(rest, None)
        if code:
            key = code.group(0).upper()
            counts[key] = counts.get(key, 0) + (n if isinstance(n, int) else 1)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "、".join(f"{k}（{n}）" for k, n in ordered), "、".join(products)


def _issue_trend(issue: Any, period: Period | None) -> tuple[int | None, str, str]:
    """(customers this period, first seen, status) of a common issue from its rows' opening times."""
    seen = getattr(issue, "seen", ()) or ()
    first = getattr(issue, "first_seen", None)
    if period is None or not seen:
        return None, first.strftime("%Y-%m-%d") if first else "", ""
    span = period.end - period.start
    now = {c for when, c in seen if c and period.start <= when < period.end}
    before = {c for when, c in seen if c and period.start - span <= when < period.start}
    if first is not None and first >= period.start:
        status = "新出现"
    elif len(now) > len(before):
        status = "增长"
    else:
        status = "持续"
    return len(now), first.strftime("%Y-%m-%d") if first else "", status


def common_issues(
    clustering: Any, forms: dict[str, FormSpec], period: Period | None = None
) -> list[IssueView]:
    """The common issues (共性问题) as the report shows them; tolerant of how the clustering names its parts.
    ``customers`` counts the whole window; ``customers_period`` the report period only."""
    if clustering is None:
        return []
    names = _all_report_names(forms)
    out = []
    for issue in getattr(clustering, "common", []) or []:
        examples = getattr(issue, "examples", None) or []
        models, products = _models(getattr(issue, "models", None))
        out.append(
            IssueView(
                id=str(getattr(issue, "id", "")),
                label=str(getattr(issue, "label", "")),
                customers=_count(getattr(issue, "customers", 0)),
                rows=_count(getattr(issue, "rows", 0)),
                models=models,
                products=products,
                batch=_join(getattr(issue, "dominant_batch", None)),
                forms=_join(
                    [forms[k].name if k in forms else k for k in getattr(issue, "forms", None) or ()]
                ),
                departments=_join(_rename(getattr(issue, "departments", None), names)),
                examples=[str(e) for e in list(examples)[:3]],
                **dict(
                    zip(
                        ("customers_period", "first_seen", "status"), _issue_trend(issue, period), strict=True
                    )
                ),
            )
        )
    return out


# ---------------------------------------------------------------- data quality (per input workbook)


def _quality(result: Any, forms: dict[str, FormSpec], rows: list[Any], flags: list[bool]) -> Figures:
    """Counts and the data quality of each file; ``flags``: each row of ``rows`` (the run's) rejected or not."""
    headlines: dict[str, str] = {}  # messages repeat (shared texts): each split once

    def headline(f: Any) -> str:
        h = headlines.get(f.message)
        if h is None:
            h = headlines[f.message] = _headline(f)
        return h

    quality = []
    at = 0
    for fr in result.files:
        counter = Counter(
            headline(f) for r in fr.rows for f in r.safe_findings if f.severity in ("error", "warning")
        )
        counter.update(headline(f) for f in fr.findings if f.severity in ("error", "warning"))
        rejected = sum(flags[at : at + len(fr.rows)])
        at += len(fr.rows)
        quality.append(
            FileQuality(
                file=fr.name,
                rows=len(fr.rows),
                clean=len(fr.rows) - rejected,
                rejected=rejected,
                warnings=fr.warnings,
                error=fr.error,
                top_findings=sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
            )
        )
    codes = Counter((f.code, headline(f)) for r in rows for f in r.safe_findings if f.severity != "info")
    per_form = Counter(zip((r.form for r in rows), flags, strict=True))
    by_form = []
    for form in forms.values():
        clean, bad = per_form[(form.key, False)], per_form[(form.key, True)]
        by_form.append((form.name, clean + bad, clean, bad))
    return Figures(
        period_label=None,
        files=len(result.files),
        files_unreadable=sum(1 for f in result.files if f.error),
        rows_read=len(rows),
        rows_clean=len(rows) - sum(flags),
        rows_rejected=sum(flags),
        by_form=by_form,
        quality=quality,
        top_findings=[
            (c, lbl, n) for (c, lbl), n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
    )


def _headline(finding: Any) -> str:
    """A finding's message without the per-row detail after the first sentence (for counting)."""
    return finding.message.split("，")[0].split("。")[0]


__all__ = ["Figures", "compute_figures", "run_records"]


# ---------------------------------------------------------------- what needs action (report.html leads with it)


@dataclass(frozen=True)
class Highlight:
    """One thing the supervisor should act on this period, in one sentence (Chinese)."""

    key: str
    level: str  # "bad" (act), "warn" (watch), "ok" (nothing to do)
    title: str
    text: str
    anchor: str  # the report section with the detail


def highlights(fig: Figures) -> list[Highlight]:
    """Compliance and its change, breaches, common issues, overdue follow-ups, files to fix: in that order."""
    out = []
    try:
        k = fig.kpi("sla")
    except KeyError:
        k = None
    if k is not None and k.value is not None:
        level = "ok" if k.value >= 0.9 else "bad" if k.value < 0.8 else "warn"
        change = f"，比上期 {k.change_text}" if k.change is not None else ""
        out.append(
            Highlight("sla", level, "时效达标率", f"{k.value_text}（{k.basis_text}）{change}。", "sla")
        )
    late, still = len(fig.breaches), len(fig.open_overdue)
    if late or still:
        where = Counter(f"{b.form}·{b.stage}" for b in fig.breaches + fig.open_overdue).most_common(1)[0]
        out.append(
            Highlight(
                "late",
                "bad" if still else "warn",
                "超时与逾期",
                f"已完成但超时 {late} 条，尚未完成且已逾期 {still} 条；最多的环节是 {where[0]}（{where[1]} 条）。",
                "breaches" if late else "open-overdue",
            )
        )
    else:
        out.append(Highlight("late", "ok", "超时与逾期", "本期没有超时，也没有逾期未完成的环节。", "sla"))
    if fig.common:
        top = max(fig.common, key=lambda c: (c.customers, c.rows))
        batch = f"，集中在批次 {top.batch}" if top.batch else ""
        out.append(
            Highlight(
                "common",
                "bad",
                "共性问题",
                f"{len(fig.common)} 个共性问题；最多的是「{top.label}」：{top.customers} 位客户、{top.rows} 张工单{batch}。",
                "common",
            )
        )
    else:
        out.append(Highlight("common", "ok", "共性问题", "本期没有 3 位以上客户反馈的同一问题。", "common"))
    overdue = [f for f in fig.followups if f.overdue]
    if fig.followups:
        who = Counter(f.handler or UNASSIGNED for f in overdue).most_common(2)
        names = "、".join(f"{h}（{n} 项）" for h, n in who)
        tail = f"，其中已逾期 {len(overdue)} 项：{names}" if overdue else "，均未逾期"
        out.append(
            Highlight(
                "followups",
                "bad" if overdue else "warn",
                "跟进清单",
                f"{len(fig.followups)} 项待跟进{tail}。",
                "followups",
            )
        )
    files = sorted((q for q in fig.quality if q.rejected or q.error), key=lambda q: (-q.rejected, q.file))
    if files:
        first = files[0]
        out.append(
            Highlight(
                "quality",
                "warn",
                "需要填表人修改",
                f"退回 {fig.rows_rejected} 行，涉及 {len(files)} 个文件（最多：{first.file}，{first.rejected} 行）；"
                "returns/ 中有标注了问题单元格的副本，请发给各填表人。",
                "quality",
            )
        )
    return out
