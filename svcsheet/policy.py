"""The team's policy: SLA targets, business hours, calendar data, routing, de-identification and limits.

The built-in defaults are ``templates/policy.yaml`` (commented, copied by ``svcsheet policy --init``).
A team file is deep-merged over them and every key is checked against a schema, so a typo is refused
with its dotted key path instead of being silently ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import PolicyError, UsageError
from .forms import FormSpec, load_forms
from .resources import data_path

DURATION_HINT = '应为时长，如 "15分钟"、"2小时"、"1个工作日"'

# unit -> (canonical Chinese text, minutes per amount for minute-counted units)
_UNITS = {
    "minute": ("{n}分钟", 1),
    "hour": ("{n}小时", 60),
    "day": ("{n}天", 1440),
    "working_hour": ("{n}个工作小时", 60),
    "working_day": ("{n}个工作日", None),
}
_UNIT_WORDS = {
    "分钟": "minute",
    "分": "minute",
    "min": "minute",
    "m": "minute",
    "小时": "hour",
    "h": "hour",
    "天": "day",
    "d": "day",
    "工作小时": "working_hour",
    "工作时": "working_hour",
    "wh": "working_hour",
    "工作日": "working_day",
    "工作天": "working_day",
    "wd": "working_day",
}
_DURATION_RE = re.compile(r"^(\d+)个?(" + "|".join(sorted(_UNIT_WORDS, key=len, reverse=True)) + r")$")


@dataclass(frozen=True)
class Target:
    """An SLA time limit: an amount of calendar time, working hours or working days."""

    amount: int
    unit: str  # one of _UNITS

    @property
    def working(self) -> bool:
        """True when the limit counts business hours only (elapsed time is then working minutes)."""
        return self.unit.startswith("working")

    @property
    def minutes(self) -> int | None:
        """Length in (calendar or working) minutes; None for working days (they end at close of business)."""
        per = _UNITS[self.unit][1]
        return None if per is None else self.amount * per

    @property
    def text(self) -> str:
        return _UNITS[self.unit][0].format(n=self.amount)

    def __str__(self) -> str:
        return self.text


def parse_target(text: Any) -> Target | None:
    """``"15分钟"`` -> Target(15, "minute"); None when the text is not a positive duration."""
    if not isinstance(text, str):
        return None
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    m = _DURATION_RE.match(s)
    if not m or int(m.group(1)) <= 0:
        return None
    return Target(int(m.group(1)), _UNIT_WORDS[m.group(2)])


# ---------------------------------------------------------------- typed views


@dataclass(frozen=True)
class BusinessHours:
    start: dt.time
    end: dt.time

    @property
    def minutes_per_day(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


@dataclass(frozen=True)
class YearCalendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekend days that are working days (调休)


@dataclass(frozen=True)
class CalendarPolicy:
    source: str  # "chinese_calendar" or "policy_only"
    years: dict[int, YearCalendar]
    extra_holidays: frozenset[dt.date]
    extra_workdays: frozenset[dt.date]


@dataclass(frozen=True)
class StageRule:
    """The policy for one SLA stage of one form (the stage's timestamps come from the form YAML)."""

    form: str
    stage: str
    kind: str = "interval"  # "interval", "not_after" or "gaps"
    target: Target | None = None
    targets: dict[str, Target] = field(default_factory=dict)  # priority value -> target
    default: Target | None = None  # for priorities not in targets
    priority_field: str | None = None
    applies_when: dict[str, Any] | None = None
    open_when: dict[str, Any] | None = None  # gaps: the case is still open
    since: str | None = None  # gaps: extra first point
    until: str | None = None  # gaps: extra last point once closed
    enabled: bool = True

    def target_for(self, priority: str | None) -> Target | None:
        """The target for a row with this priority; None when it depends on a priority that is missing."""
        if self.priority_field is None:
            return self.target
        if priority is None:
            return None
        return self.targets.get(priority, self.default)

    @property
    def key(self) -> str:
        return f"sla.{self.form}.{self.stage}"


@dataclass(frozen=True)
class RoutingRule:
    field: str
    departments: dict[str, str]


@dataclass(frozen=True)
class CommonIssues:
    min_customers: int
    similarity: float
    window: str  # "days" (window_days ending with the period, history included), "input", or "period"
    window_days: int = 90
    lexicon: str | None = None  # a team lexicon file layered over the built-in one


@dataclass(frozen=True)
class Deid:
    key_env: str
    key_file: str | None
    honorific_by_name: dict[str, str]
    keep_company_names: bool
    address_level: str  # "province" or "city"


@dataclass(frozen=True)
class Archive:
    retention_days: int


@dataclass(frozen=True)
class History:
    path: str | None  # None: svcsheet-history.sqlite in the parent folder of the output folder


@dataclass(frozen=True)
class Limits:
    max_file_mb: float
    max_unzip_ratio: float
    max_rows_per_sheet: int
    file_seconds: float = 120.0
    max_cells: int = 2_000_000


@dataclass(frozen=True)
class Reports:
    satisfied_scores: tuple[int, ...]
    satisfied_choices: tuple[str, ...]


@dataclass(frozen=True)
class Followup:
    review_threshold: int
    unresolved_due: Target


@dataclass(frozen=True)
class Policy:
    """The effective policy: the raw merged dict, where it came from, its hash, and typed views of it."""

    raw: dict
    source: str
    sha256: str  # of the canonical JSON of the effective policy
    views: dict[str, Any] = field(repr=False, compare=False)

    @property
    def business_hours(self) -> BusinessHours:
        return self.views["business_hours"]

    @property
    def calendar(self) -> CalendarPolicy:
        return self.views["calendar"]

    @property
    def sla(self) -> dict[str, dict[str, StageRule]]:
        return self.views["sla"]

    @property
    def routing(self) -> dict[str, RoutingRule]:
        return self.views["routing"]

    @property
    def common_issues(self) -> CommonIssues:
        return self.views["common_issues"]

    @property
    def deid(self) -> Deid:
        return self.views["deid"]

    @property
    def archive(self) -> Archive:
        return self.views["archive"]

    @property
    def history(self) -> History:
        return self.views["history"]

    @property
    def limits(self) -> Limits:
        return self.views["limits"]

    @property
    def reports(self) -> Reports:
        return self.views["reports"]

    @property
    def followup(self) -> Followup:
        return self.views["followup"]

    def stage_rule(self, form: str, stage: str) -> StageRule | None:
        return self.sla.get(form, {}).get(stage)


# ---------------------------------------------------------------- public functions


def default_policy_text() -> str:
    """The commented built-in policy (templates/policy.yaml), as written by ``policy --init``."""
    return data_path("policy.yaml").read_text(encoding="utf-8")


def load_policy(path: Path | None = None) -> Policy:
    """Built-in defaults merged with the team file at ``path``; raises PolicyError naming the key and reason."""
    defaults = _parse_yaml(default_policy_text(), "内置策略")
    if path is None:
        merged, source = defaults, "内置默认"
    else:
        path = Path(path)
        where = f"策略文件 {path}"
        if not path.is_file():
            raise PolicyError(f"{where} 不存在或不是文件")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{where} 无法读取（应为 UTF-8 编码的 YAML 文本）：{exc}") from exc
        team = _parse_yaml(text, where) or {}
        merged, source = _merge(defaults, team, ()), str(path)
    where = "内置策略" if path is None else f"策略文件 {path}"
    views = _Validator(where).check(merged)
    raw = _plain(merged)
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    sha = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Policy(raw=raw, source=source, sha256=sha, views=views)


def policy_as_yaml(policy: Policy) -> str:
    """The effective policy as YAML, for ``svcsheet policy --show``."""
    head = f"# 生效的策略（来源：{policy.source}）\n# sha256: {policy.sha256}\n"
    return head + yaml.safe_dump(policy.raw, allow_unicode=True, sort_keys=False, default_flow_style=False)


def init_policy(path: Path) -> Path:
    """Write the commented default policy to ``path`` for a team to edit; never overwrites a file."""
    path = Path(path)
    if path.exists():
        raise UsageError(f"{path} 已存在，不会覆盖。请换一个文件名，或先移走原文件。")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_policy_text(), encoding="utf-8")
    return path


def route_department(policy: Policy, form: str, category: str | None) -> str | None:
    """The department the routing table gives for this category; None when the form or category has none."""
    rule = policy.routing.get(form)
    if rule is None or category is None:
        return None
    return rule.departments.get(category)


# ---------------------------------------------------------------- merging


# Conditions are replaced as a whole: merging two condition sets would combine them unexpectedly.
_REPLACE_KEYS = {"applies_when", "open_when"}
_TARGET_SHAPES = ({"target"}, {"targets", "default", "priority_field"})


def _merge(base: Any, over: Any, path: tuple[str, ...]) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        # sla.<form>.<stage>: a team switching between one target and per-priority targets drops the other shape
        if len(path) == 3 and path[0] == "sla":
            for mine, other in (_TARGET_SHAPES, _TARGET_SHAPES[::-1]):
                if mine & set(map(str, over)):
                    for k in other:
                        out.pop(k, None)
        for k, v in over.items():
            key = str(k) if not isinstance(k, int) else k
            match = next((b for b in out if str(b) == str(key)), key)
            if match in out and str(match) not in _REPLACE_KEYS:
                if v is None and isinstance(out[match], dict):
                    continue  # an emptied section ("calendar:" with everything commented out) keeps the defaults
                out[match] = _merge(out[match], v, (*path, str(match)))
            else:
                out[match] = v
        return out
    return over


def _parse_yaml(text: str, where: str) -> Any:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise PolicyError(f"{where} {at}不是有效的 YAML：{getattr(exc, 'problem', exc)}") from exc
    if data is not None and not isinstance(data, dict):
        raise PolicyError(f"{where} 的最外层应为“键: 值”的映射")
    return data


def _plain(obj: Any) -> Any:
    """JSON-able copy: dates as ISO text, keys as text (year keys stay sortable)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (dt.date, dt.datetime, dt.time)):
        return obj.isoformat()
    return obj


# ---------------------------------------------------------------- validation

_SECTIONS = (
    "version",
    "business_hours",
    "calendar",
    "sla",
    "routing",
    "common_issues",
    "deid",
    "archive",
    "history",
    "limits",
    "reports",
    "followup",
)
_STAGE_KEYS = (
    "kind",
    "target",
    "targets",
    "default",
    "priority_field",
    "applies_when",
    "open_when",
    "since",
    "until",
    "enabled",
)
_KINDS = ("interval", "not_after", "gaps")
_RANGE_SEP = re.compile(r"\s*(?:~|～|\.\.|至|到)\s*")


class _Validator:
    """Checks the merged policy and builds the typed views; the first mistake raises PolicyError."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.forms = load_forms()

    def fail(self, path: tuple[Any, ...], reason: str) -> None:
        raise PolicyError(f"{self.where} 中 {'.'.join(map(str, path))}: {reason}")

    def keys(self, path: tuple[Any, ...], obj: Any, allowed: tuple[str, ...] | list[str], need=()) -> dict:
        if not isinstance(obj, dict):
            self.fail(path, "应为“键: 值”的映射")
        for k in obj:
            if str(k) not in allowed:
                close = difflib.get_close_matches(str(k), [str(a) for a in allowed], n=1, cutoff=0.6)
                hint = (
                    f"，是否想写 {close[0]}？"
                    if close
                    else f"（可用的设置项：{'、'.join(map(str, allowed))}）"
                )
                self.fail((*path, k), "未知的设置项" + hint)
        for k in need:
            if k not in obj:
                self.fail((*path, k), "缺少这一项")
        return obj

    # -- scalars
    def integer(self, path, v, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(path, "应为整数")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.fail(path, f"应在 {lo if lo is not None else '-∞'} 到 {hi if hi is not None else '∞'} 之间")
        return v

    def number(self, path, v, lo: float, hi: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(path, "应为数字")
        if v < lo or (hi is not None and v > hi):
            self.fail(path, f"应在 {lo} 到 {hi if hi is not None else '∞'} 之间")
        return float(v)

    def text(self, path, v, nullable: bool = False) -> str | None:
        if v is None and nullable:
            return None
        if not isinstance(v, str) or not v.strip():
            self.fail(path, "应为非空文字")
        return v

    def boolean(self, path, v) -> bool:
        if not isinstance(v, bool):
            self.fail(path, "应为 true 或 false")
        return v

    def one_of(self, path, v, choices: tuple[str, ...]) -> str:
        if v not in choices:
            self.fail(path, f"只能是 {'、'.join(choices)} 之一")
        return v

    def duration(self, path, v) -> Target:
        t = parse_target(v)
        if t is None:
            self.fail(path, DURATION_HINT)
        return t

    def clock(self, path, v) -> dt.time:
        if isinstance(v, int) and not isinstance(
            v, bool
        ):  # YAML 1.1 reads an unquoted 09:00 as 540 (base 60)
            v = f"{v // 60:02d}:{v % 60:02d}"
        m = re.fullmatch(r"(\d{1,2})[:：](\d{2})", str(v).strip()) if isinstance(v, str) else None
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            self.fail(path, '应为时刻，如 "09:00"')
        return dt.time(int(m.group(1)), int(m.group(2)))

    def date(self, path, v) -> dt.date:
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(unicodedata.normalize("NFKC", str(v)).strip().replace("/", "-"))
        except ValueError:
            self.fail(path, '应为日期 "2027-02-06" 或日期区间 "2027-02-06~2027-02-12"')
        raise AssertionError  # unreachable

    def dates(self, path, v) -> frozenset[dt.date]:
        if v is None:
            return frozenset()
        if not isinstance(v, list):
            self.fail(path, '应为日期列表，如 ["2027-01-01", "2027-02-06~2027-02-12"]')
        out: set[dt.date] = set()
        for i, item in enumerate(v):
            p = (*path, i)
            parts = _RANGE_SEP.split(item.strip()) if isinstance(item, str) else [item]
            if len(parts) == 1:
                out.add(self.date(p, parts[0]))
            elif len(parts) == 2:
                a, b = self.date(p, parts[0]), self.date(p, parts[1])
                if b < a or (b - a).days > 366:
                    self.fail(p, "日期区间的结束日应不早于开始日，且不超过一年")
                out.update(a + dt.timedelta(days=n) for n in range((b - a).days + 1))
            else:
                self.fail(p, '应为日期 "2027-02-06" 或日期区间 "2027-02-06~2027-02-12"')
        return frozenset(out)

    # -- sections
    def check(self, raw: dict) -> dict[str, Any]:
        self.keys((), raw, _SECTIONS)
        if "version" in raw:
            self.integer(("version",), raw["version"], 1, 1)
        return {
            "business_hours": self.business_hours(raw.get("business_hours")),
            "calendar": self.calendar(raw.get("calendar")),
            "sla": self.sla(raw.get("sla") or {}),
            "routing": self.routing(raw.get("routing") or {}),
            "common_issues": self.common_issues(raw.get("common_issues")),
            "deid": self.deid(raw.get("deid")),
            "archive": self.archive(raw.get("archive")),
            "history": self.history(raw.get("history")),
            "limits": self.limits(raw.get("limits")),
            "reports": self.reports(raw.get("reports")),
            "followup": self.followup(raw.get("followup")),
        }

    def business_hours(self, v) -> BusinessHours:
        p = ("business_hours",)
        self.keys(p, v, ("start", "end"), need=("start", "end"))
        start, end = self.clock((*p, "start"), v["start"]), self.clock((*p, "end"), v["end"])
        if end <= start:
            self.fail((*p, "end"), "下班时间应晚于上班时间")
        return BusinessHours(start, end)

    def calendar(self, v) -> CalendarPolicy:
        p = ("calendar",)
        self.keys(p, v, ("source", "years", "extra_holidays", "extra_workdays"))
        source = self.one_of(
            (*p, "source"), v.get("source", "chinese_calendar"), ("chinese_calendar", "policy_only")
        )
        years: dict[int, YearCalendar] = {}
        ys = v.get("years") or {}
        if not isinstance(ys, dict):
            self.fail((*p, "years"), "应为“年份: {holidays: [...], workdays: [...]}”的映射")
        for y, entry in ys.items():
            yp = (*p, "years", y)
            try:
                year = int(str(y))
            except ValueError:
                year = 0
            if not 1900 <= year <= 2200:
                self.fail(yp, "键应为年份，如 2027")
            self.keys(yp, entry, ("holidays", "workdays"), need=("holidays",))
            hol = self.dates((*yp, "holidays"), entry.get("holidays"))
            work = self.dates((*yp, "workdays"), entry.get("workdays"))
            for name, ds in (("holidays", hol), ("workdays", work)):
                stray = sorted(d for d in ds if d.year != year)
                if stray:
                    self.fail((*yp, name), f"{stray[0].isoformat()} 不属于 {year} 年")
            both = sorted(hol & work)
            if both:
                self.fail((*yp, "workdays"), f"{both[0].isoformat()} 同时写在 holidays 和 workdays 中")
            years[year] = YearCalendar(hol, work)
        eh = self.dates((*p, "extra_holidays"), v.get("extra_holidays"))
        ew = self.dates((*p, "extra_workdays"), v.get("extra_workdays"))
        if eh & ew:
            self.fail(
                (*p, "extra_workdays"),
                f"{min(eh & ew).isoformat()} 同时写在 extra_holidays 和 extra_workdays 中",
            )
        return CalendarPolicy(source, years, eh, ew)

    def sla(self, v) -> dict[str, dict[str, StageRule]]:
        self.keys(("sla",), v, list(self.forms))
        out: dict[str, dict[str, StageRule]] = {}
        for form_key, stages in v.items():
            form = self.forms[form_key]
            self.keys(("sla", form_key), stages, [s.key for s in form.stages])
            out[form_key] = {s: self.stage(form, s, rule) for s, rule in stages.items()}
        return out

    def stage(self, form: FormSpec, stage: str, v) -> StageRule:
        p = ("sla", form.key, stage)
        self.keys(p, v, _STAGE_KEYS)
        kind = self.one_of((*p, "kind"), v.get("kind", "interval"), _KINDS)
        enabled = self.boolean((*p, "enabled"), v.get("enabled", True))
        target = self.duration((*p, "target"), v["target"]) if v.get("target") is not None else None
        default = self.duration((*p, "default"), v["default"]) if v.get("default") is not None else None
        pf = v.get("priority_field")
        targets: dict[str, Target] = {}
        if v.get("targets") is not None:
            if pf is None:
                self.fail((*p, "priority_field"), "写了 targets（按紧急程度的时限）时必须指明按哪个字段区分")
            fld = self.field_of(form, (*p, "priority_field"), pf, need_choices=True)
            if not isinstance(v["targets"], dict):
                self.fail((*p, "targets"), "应为“紧急程度: 时长”的映射")
            for level, t in v["targets"].items():
                if level not in fld.choices:
                    self.fail(
                        (*p, "targets", level),
                        f"「{fld.label}」没有这个选项（可选：{'、'.join(fld.choices)}）",
                    )
                targets[level] = self.duration((*p, "targets", level), t)
        elif pf is not None:
            self.fail((*p, "targets"), "写了 priority_field 时还应写出各紧急程度的时限 targets")
        if target is not None and targets:
            self.fail((*p, "target"), "target 与 targets 只能写一种")
        if default is not None and not targets:
            self.fail((*p, "default"), "default 只能和 targets 一起使用")
        if kind == "not_after":
            if target is not None or targets:
                self.fail((*p, "target"), "kind 为 not_after 时不写时限（以起始字段的时间为截止时间）")
        elif enabled and target is None and not targets:
            self.fail((*p, "target"), "缺少时限，" + DURATION_HINT)
        since = until = None
        if kind == "gaps":
            if v.get("since") is not None:
                since = self.field_of(form, (*p, "since"), v["since"], time=True).key
            if v.get("until") is not None:
                until = self.field_of(form, (*p, "until"), v["until"], time=True).key
        else:
            for k in ("since", "until", "open_when"):
                if v.get(k) is not None:
                    self.fail((*p, k), "只有 kind 为 gaps 的环节可以设置这一项")
        applies = self.condition(form, (*p, "applies_when"), v.get("applies_when"))
        open_when = self.condition(form, (*p, "open_when"), v.get("open_when"))
        return StageRule(
            form=form.key,
            stage=stage,
            kind=kind,
            target=target,
            targets=targets,
            default=default,
            priority_field=pf,
            applies_when=applies,
            open_when=open_when,
            since=since,
            until=until,
            enabled=enabled,
        )

    def field_of(self, form: FormSpec, path, key, need_choices: bool = False, time: bool = False):
        if not isinstance(key, str) or key not in form.field_keys:
            close = difflib.get_close_matches(str(key), form.field_keys, n=1, cutoff=0.6)
            hint = f"，是否想写 {close[0]}？" if close else ""
            self.fail(path, f"表单 {form.key} 没有字段 {key}{hint}")
        fld = form.field(key)
        if need_choices and not fld.choices:
            self.fail(path, f"字段 {key}（{fld.label}）不是选项字段")
        if time and not fld.is_time:
            self.fail(path, f"字段 {key}（{fld.label}）不是时间字段")
        return fld

    def condition(self, form: FormSpec, path, v) -> dict[str, Any] | None:
        if v is None or v == {}:
            return None
        if not isinstance(v, dict):
            self.fail(path, "应为“字段: [选项, ...]”的映射，如 {priority: [高, 中]}")
        out: dict[str, Any] = {}
        for k, want in v.items():
            if k == "any":
                if not isinstance(want, list) or not want:
                    self.fail((*path, k), "应为条件列表，满足其一即可")
                alts = [self.condition(form, (*path, k, i), alt) for i, alt in enumerate(want)]
                out["any"] = [a for a in alts if a]
                continue
            fld = self.field_of(form, (*path, k), k)
            negate = isinstance(want, dict)
            if negate:
                self.keys((*path, k), want, ("not",), need=("not",))
                want = want["not"]
            if isinstance(want, str):
                want = [want]
            if not isinstance(want, list) or not want:
                self.fail((*path, k), "应为选项列表，如 [高, 中]，或 {not: [已解决]}")
            for w in want:
                if fld.choices and w not in fld.choices:
                    self.fail((*path, k), f"「{fld.label}」没有选项 {w}（可选：{'、'.join(fld.choices)}）")
            out[k] = {"not": list(want)} if negate else list(want)
        return out

    def routing(self, v) -> dict[str, RoutingRule]:
        self.keys(("routing",), v, list(self.forms))
        out = {}
        for form_key, rule in v.items():
            p = ("routing", form_key)
            form = self.forms[form_key]
            self.keys(p, rule, ("field", "departments"), need=("field", "departments"))
            fld = self.field_of(form, (*p, "field"), rule["field"], need_choices=True)
            deps = rule["departments"]
            if not isinstance(deps, dict):
                self.fail((*p, "departments"), "应为“问题类型: 部门”的映射")
            dept_choices = form.field("department").choices if "department" in form.field_keys else ()
            for cat, dept in deps.items():
                if cat not in fld.choices:
                    self.fail(
                        (*p, "departments", cat),
                        f"「{fld.label}」没有这个选项（可选：{'、'.join(fld.choices)}）",
                    )
                self.text((*p, "departments", cat), dept)
                if dept_choices and dept not in dept_choices:
                    self.fail((*p, "departments", cat), f"责任部门只能是 {'、'.join(dept_choices)} 之一")
            out[form_key] = RoutingRule(fld.key, dict(deps))
        return out

    def common_issues(self, v) -> CommonIssues:
        p = ("common_issues",)
        self.keys(
            p,
            v,
            ("min_customers", "similarity", "window", "window_days", "lexicon"),
            need=("min_customers", "similarity", "window"),
        )
        window = self.one_of((*p, "window"), v["window"], ("days", "input", "period", "history"))
        return CommonIssues(
            self.integer((*p, "min_customers"), v["min_customers"], 2),
            self.number((*p, "similarity"), v["similarity"], 0.0, 1.0),
            "input" if window == "history" else window,  # "history" was the earlier name of "input"
            self.integer((*p, "window_days"), v.get("window_days", 90), 1),
            self.text((*p, "lexicon"), v["lexicon"]) if v.get("lexicon") else None,
        )

    def deid(self, v) -> Deid:
        p = ("deid",)
        allowed = ("key_env", "key_file", "honorific_by_name", "keep_company_names", "address_level")
        self.keys(p, v, allowed, need=("key_env", "keep_company_names", "address_level"))
        env = self.text((*p, "key_env"), v["key_env"])
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            self.fail((*p, "key_env"), "应为环境变量名，如 SVCSHEET_KEY")
        names = v.get("honorific_by_name") or {}
        if not isinstance(names, dict):
            self.fail((*p, "honorific_by_name"), "应为“姓名: 称谓”的映射，如 {张伟: 先生}")
        for name, title in names.items():
            self.one_of((*p, "honorific_by_name", name), title, ("先生", "女士"))
        return Deid(
            key_env=env,
            key_file=self.text((*p, "key_file"), v.get("key_file"), nullable=True),
            honorific_by_name={str(k): t for k, t in names.items()},
            keep_company_names=self.boolean((*p, "keep_company_names"), v["keep_company_names"]),
            address_level=self.one_of((*p, "address_level"), v["address_level"], ("province", "city")),
        )

    def archive(self, v) -> Archive:
        p = ("archive",)
        self.keys(p, v, ("retention_days",), need=("retention_days",))
        days = self.integer((*p, "retention_days"), v["retention_days"])
        if days < 730:
            self.fail((*p, "retention_days"), "归档材料应至少保存 2 年（730 天）")
        return Archive(days)

    def history(self, v) -> History:
        p = ("history",)
        self.keys(p, v, ("path",))
        return History(self.text((*p, "path"), v.get("path"), nullable=True))

    def limits(self, v) -> Limits:
        p = ("limits",)
        need = ("max_file_mb", "max_unzip_ratio", "max_rows_per_sheet")
        self.keys(p, v, (*need, "file_seconds", "max_cells"), need=need)
        return Limits(
            self.number((*p, "max_file_mb"), v["max_file_mb"], 0.001),
            self.number((*p, "max_unzip_ratio"), v["max_unzip_ratio"], 1.0),
            self.integer((*p, "max_rows_per_sheet"), v["max_rows_per_sheet"], 1),
            self.number((*p, "file_seconds"), v.get("file_seconds", 120), 1.0),
            self.integer((*p, "max_cells"), v.get("max_cells", 2_000_000), 1),
        )

    def reports(self, v) -> Reports:
        p = ("reports",)
        self.keys(p, v, ("csat",), need=("csat",))
        c = self.keys((*p, "csat"), v["csat"], ("satisfied_scores", "satisfied_choices"))
        scores = c.get("satisfied_scores") or []
        choices = c.get("satisfied_choices") or []
        if not isinstance(scores, list) or not isinstance(choices, list):
            self.fail((*p, "csat"), "satisfied_scores、satisfied_choices 应为列表")
        for i, s in enumerate(scores):
            self.integer((*p, "csat", "satisfied_scores", i), s, 1, 5)
        for i, s in enumerate(choices):
            self.text((*p, "csat", "satisfied_choices", i), s)
        return Reports(tuple(scores), tuple(choices))

    def followup(self, v) -> Followup:
        p = ("followup",)
        self.keys(p, v, ("review_threshold", "unresolved_due"), need=("review_threshold", "unresolved_due"))
        return Followup(
            self.integer((*p, "review_threshold"), v["review_threshold"], 1, 5),
            self.duration((*p, "unresolved_due"), v["unresolved_due"]),
        )
