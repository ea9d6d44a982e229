"""Reading what agents type into a cell: one typed value per field, with a note and what the parser noticed.

``parse_value`` never raises on bad input; problems are (finding code, params) pairs in ``Parsed.issues``.
Structure (digits, dates, choice names) is read after full-width to half-width conversion; free text and
notes keep their Chinese punctuation as typed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers

from ..forms import FieldSpec
from ..records import Parsed

Issue = tuple[str, dict[str, Any]]

EXCEL_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)

# Excel's 1900 date system; serials outside 1980..2099 are not plausible timestamps for this domain.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 29221, 73051

_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_BLANK = re.compile(r"^[\s_\uff3f]*$")


# ---------------------------------------------------------------- normalisation


# one character for one, by str.translate in C (a loop over the characters cost ~0.2 us each, and every distinct
# text typed, descriptions included, goes through them)
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_SOFT = {
    code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
} | {0x3000: " "}  # the characters _FULLWIDTH_ALNUM matches, and the ideographic space


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (Ａ１！：（ …) and the ideographic space to their half-width forms, one char for one."""
    return text.translate(_HALFWIDTH)


def _soft(text: str) -> str:
    """Half-width digits, letters and spaces only: Chinese punctuation in free text stays as typed."""
    return text.translate(_SOFT)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _fullwidth_issue(raw: Any) -> list[Issue]:
    return [("fullwidth_normalised", {})] if isinstance(raw, str) and _FULLWIDTH_ALNUM.search(raw) else []


def _number_text(x: float | int) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return str(x)


def _as_text(raw: Any) -> str:
    """A non-text cell value as the text an agent would see in the cell."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (int, float)):
        return _number_text(raw)
    if isinstance(raw, datetime):
        return raw.strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, time):
        return raw.strftime("%H:%M")
    return str(raw)


# ---------------------------------------------------------------- dates and times

_AP = r"(?P<ap>上午|下午|早上|早晨|晚上|中午|凌晨|傍晚|夜里|AM|PM|am|pm)?"
_SEP_DATE = r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?P<dm>\s*[日号])?"
_COMPACT_DATE = r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"
_YEARLESS_DATE = r"(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?P<dm>\s*[日号])?"
_TIME_COLON = (
    _AP + r"\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?(?:\s*(?P<ap2>[AaPp]\.?[Mm]\.?))?"
)
_TIME_CN = (
    _AP + r"\s*(?P<H>\d{1,2})\s*[时点]\s*(?:(?P<half>半)|(?P<M>\d{1,2})\s*分?)?(?:\s*(?P<S>\d{1,2})\s*秒)?"
)
_TIME_COMPACT = r"(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?"
_DT_SEP = r"(?P<sep>\s+|\s*T\s*|\s*,\s*)?"


def _compile(date_re: str, time_re: str | None, sep_required: bool = False) -> re.Pattern[str]:
    if time_re is None:
        return re.compile(date_re)
    sep = r"(?P<sep>\s+|\s*T\s*)" if sep_required else _DT_SEP
    return re.compile(date_re + sep + time_re)


# Longest forms first; each is tried as a prefix and as a whole string.
_DT_PATTERNS = (
    _compile(_SEP_DATE, _TIME_COLON),
    _compile(_SEP_DATE, _TIME_CN),
    _compile(_COMPACT_DATE, _TIME_COLON),
    _compile(_COMPACT_DATE, _TIME_CN),
    _compile(_COMPACT_DATE, _TIME_COMPACT),
)
# Only as a whole string: "2023-10-01 0930" (as a prefix "2023-10-01 1000元" would read as a time).
_DT_WHOLE_ONLY = (_compile(_SEP_DATE, _TIME_COMPACT, sep_required=True),)
_DATE_PATTERNS = (re.compile(_SEP_DATE), re.compile(_COMPACT_DATE + r"(?!\d)"))
_YEARLESS = re.compile(_YEARLESS_DATE + r"(?:" + _DT_SEP + r"(?:" + _TIME_COLON + r"))?")
_TRAILING_NOTE = re.compile(r"\s*\((?P<note>[^()]*)\)\s*$")
_TRAILING_NOTE_TYPED = re.compile(r"\s*[(（](?P<note>[^()（）]*)[)）]\s*$")

_PM = {"下午", "晚上", "傍晚", "夜里", "PM", "pm"}
_NOON = {"中午"}
_AM = {"上午", "早上", "早晨", "凌晨", "AM", "am"}


def _dt_fold(text: str) -> str:
    """Half-width, one dash: one character for one, so positions still point into the typed text."""
    return re.sub(r"[\u2010-\u2015\u2212\ufe58\ufe63]", "-", to_halfwidth(text))


def _dt_clean(text: str) -> str:
    return re.sub(r"\s+", " ", _dt_fold(text).strip())


def _hour(h: int, marker: str | None) -> int:
    if marker in _PM:
        return h + 12 if h < 12 else h
    if marker in _NOON:
        return h + 12 if 1 <= h <= 5 else h  # 中午1点 is 13:00, 中午12点 is 12:00
    if marker in _AM:
        return 0 if h == 12 and marker in ("凌晨", "AM", "am") else h
    return h


def _build(m: re.Match[str]) -> tuple[datetime | date, str] | None:
    """The datetime (or date) a pattern match names, or None when it is impossible (2023-02-30, 25:00)."""
    g = m.groupdict()
    try:
        day = date(int(g["y"]), int(g["m"]), int(g["d"]))
    except (ValueError, TypeError):
        return None
    if g.get("H") is None:
        return day, "date"
    # Run-together date and time (2023-10-0109:30) is read only when the day has two digits.
    if not g.get("sep") and not g.get("dm") and not g.get("ap") and len(g["d"]) != 2:
        return None
    marker = g.get("ap") or (g.get("ap2") or "").replace(".", "").upper() or None
    hour = _hour(int(g["H"]), marker)
    minute = 30 if g.get("half") else int(g.get("M") or 0)
    second = int(g.get("S") or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return datetime(day.year, day.month, day.day, hour, minute), "minute"


def _scan_prefix(s: str) -> tuple[datetime | date | None, str | None, int, bool]:
    """The longest date/time at the start of ``s``: (value, precision, end, matched-but-impossible)."""
    best: tuple[datetime | date | None, str | None, int, bool] = (None, None, 0, False)
    for pat in (*_DT_PATTERNS, *_DATE_PATTERNS):
        m = pat.match(s)
        if not m:
            continue
        end = m.end()
        if re.match(r":?\d", s[end:]):
            continue  # stopped inside a number: not a clean boundary
        built = _build(m)
        if end > best[2]:
            best = (None, None, end, True) if built is None else (built[0], built[1], end, False)
    return best


def parse_datetime_text(text: str) -> tuple[datetime | date | None, str | None]:
    """Read a typed date or date-time: (datetime, "minute"), (date, "date") or (None, None). Seconds are dropped."""
    s = _dt_clean(text)
    if not s:
        return None, None
    for pat in (*_DT_PATTERNS, *_DT_WHOLE_ONLY, *_DATE_PATTERNS):
        m = pat.fullmatch(s)
        if m:
            built = _build(m)
            return (None, None) if built is None else built
    return None, None


def excel_serial_to_datetime(x: float) -> datetime:
    """An Excel (1900 date system) serial number as a datetime, rounded to the second."""
    seconds = round(float(x) * 86400)
    return _EXCEL_EPOCH + timedelta(seconds=seconds)


_VAGUE_WORDS = re.compile(
    r"约|大约|大概|左右|前后|未明确|不明确|不详|不清楚|未知|记不清|不记得|忘记|月初|月中|月底|月末|上旬|中旬|下旬|初|底|之前|以前|以后"
)


def _is_vague(s: str) -> bool:
    """Text a supervisor reads as an approximate date: 约9月28日, 客户未明确, 9月底, 9月28日, 2023年9月."""
    month_only = re.fullmatch(r"\d{4}\s*(?:年|[-/.])\s*\d{1,2}\s*月?", s)
    return bool(_VAGUE_WORDS.search(s) or _YEARLESS.fullmatch(s) or month_only)


def _serial_ok(x: float) -> bool:
    return not isinstance(x, bool) and _SERIAL_MIN <= x < _SERIAL_MAX  # False for nan and inf too


def _from_serial(x: float) -> datetime | date:
    """A whole serial is a date cell read as a number: a date, not midnight."""
    value = excel_serial_to_datetime(x)
    return value.date() if float(x).is_integer() else value


def _parse_time_value(spec: FieldSpec, raw: Any) -> Parsed:
    want_time = spec.type == "datetime"
    bad = "bad_datetime" if want_time else "bad_date"
    if isinstance(raw, datetime):
        if want_time and raw.time() == time(0, 0):
            # A date typed into a cell formatted with a time (yyyy-mm-dd hh:mm) is stored as midnight: the
            # time is unknown, as when the same date is typed as text. (The reader already turns midnight
            # in a date-only format into a date.)
            return Parsed(raw.date(), precision="date", issues=(("time_midnight", {}),))
        if want_time or (spec.keep_time and raw.time() != time(0, 0)):
            return Parsed(raw.replace(second=0, microsecond=0, tzinfo=None), precision="minute")
        return Parsed(raw.date(), precision="date")
    if isinstance(raw, date):
        if want_time:
            return Parsed(raw, precision="date", issues=(("time_unknown", {}),))
        return Parsed(raw, precision="date")
    if isinstance(raw, bool) or isinstance(raw, time):
        return Parsed(issues=((bad, {}),))
    if isinstance(raw, (int, float)):
        text = _number_text(raw)
        if re.fullmatch(r"\d{8}(\d{4}(\d{2})?)?", text):  # 20231001, 202310010930 typed as a number
            return _parse_time_value(spec, text)
        if not _serial_ok(raw):
            return Parsed(issues=((bad, {}),))
        return _parse_time_value(spec, _from_serial(float(raw)))
    text = _as_text(raw).strip()
    extra = _fullwidth_issue(text)
    s = _dt_clean(text)
    note = None
    m = _TRAILING_NOTE.search(s)
    if m and m.start() > 0:  # 2023-10-01 09:30（客户来电）: the note keeps its punctuation as typed
        typed = _TRAILING_NOTE_TYPED.search(_soft(text))
        note = _clean_note(typed.group("note") if typed else m.group("note"))
        s = s[: m.start()]
    value, precision = parse_datetime_text(s)
    if value is None and re.fullmatch(r"\d{5}(\.\d+)?", s) and _serial_ok(float(s)):
        value = _from_serial(float(s))
        precision = "minute" if isinstance(value, datetime) else "date"
    if value is None:
        if spec.allow_vague and _is_vague(s):
            return Parsed(text, precision="vague", issues=(("vague_date", {}),))
        return Parsed(issues=((bad, {}),))
    if not want_time:
        if spec.keep_time and isinstance(value, datetime) and precision == "minute":
            return Parsed(value, note=note, precision="minute", issues=tuple(extra))
        value = value.date() if isinstance(value, datetime) else value
        return Parsed(value, note=note, precision="date", issues=tuple(extra))
    if precision == "date":
        extra.append(("time_unknown", {}))
    return Parsed(value, note=note, precision=precision, issues=tuple(extra))


# ---------------------------------------------------------------- scores

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "零": 0}
_SCORE = re.compile(
    r"(?P<n>[+-]?\d+(?:\.\d+)?|[一二两三四五六零])\s*(?:分|星|颗星)?"
    r"(?:\s*[(（](?P<note>.*)[)）]|\s*[,，;；:：、\s]\s*(?P<tail>\D.*))?",
    re.S,
)


def _parse_score(raw: Any) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(issues=(("bad_score", {}),))
    if isinstance(raw, (int, float)):
        ok = 1 <= raw <= 5 and float(raw).is_integer()
        return Parsed(int(raw)) if ok else Parsed(issues=(("bad_score", {}),))
    text = _soft(_as_text(raw)).strip()
    stars = text.replace(" ", "")
    if stars and set(stars) <= {"★", "☆"}:  # ★★★★☆ = 4
        n = stars.count("★")
        return Parsed(n) if 1 <= n <= 5 else Parsed(issues=(("bad_score", {}),))
    m = _SCORE.fullmatch(text)
    if not m:
        return Parsed(issues=(("bad_score", {}),))
    token = m.group("n")
    n = float(_CN_DIGITS[token]) if token in _CN_DIGITS else float(token)
    if not (n.is_integer() and 1 <= n <= 5):
        return Parsed(issues=(("bad_score", {}),))
    note = _clean_note(m.group("note") if m.group("note") is not None else m.group("tail"))
    return Parsed(int(n), note=note, issues=tuple(_fullwidth_issue(raw)))


# ---------------------------------------------------------------- phones

_MASK = r"[*xX×]"
_PHONE_OK = (
    re.compile(rf"1[3-9]\d{_MASK}{{3,6}}\d{{4}}"),  # 138****5678
    re.compile(rf"0\d{{2,3}}{_MASK}{{3,8}}\d{{4}}"),  # 010****5678
    re.compile(rf"{_MASK}{{2,8}}\d{{4}}"),  # ****5678
    re.compile(r"\d{4}"),  # last four only
    re.compile(r"1[3-9]\d\d{4}"),  # first three + last four run together: 1395678
    # Landline with area code; phonenumbers rejects 7-digit local numbers such as 0755-1234567.
    re.compile(r"0\d{2,3}\d{7,8}"),
)
_PHONE_NOTE = re.compile(r"^(?P<num>[^()（）]*?)\s*[(（](?P<note>[^()（）]*)[)）]\s*$")
_EXT = re.compile(r"(?:转|分机|ext\.?|EXT\.?)\s*(\d{1,6})$")


# compiled once: every distinct phone typed goes through them (re.sub's cache look-up costs as much as the work)
_COUNTRY = re.compile(r"^(?:\+|00)?86(?=[\s\-]?1[3-9]|[\s\-]?[48]00)")
_PLUS86 = re.compile(r"^\+86")
_AREA_PARENS = re.compile(r"\((0\d{2,3})\)")
_PHONE_GAPS = re.compile(r"[\s\-.\u2010-\u2015]")


def _compact_phone(s: str) -> str:
    s = _COUNTRY.sub("", s)
    s = _PLUS86.sub("", s)
    s = _AREA_PARENS.sub(r"\1", s)  # (010)12345678
    return _PHONE_GAPS.sub("", s)


_MOBILE = re.compile(r"1[3-9]\d{9}")


def _phone_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    # what parse(digits, "CN") gives, without its 30 us (a month's phones are distinct)
    if _MOBILE.fullmatch(digits):
        return phonenumbers.is_valid_number(
            phonenumbers.PhoneNumber(country_code=86, national_number=int(digits))
        )
    if re.fullmatch(r"[48]00\d{7}|0\d{9,11}", digits):
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(digits, "CN"))
        except phonenumbers.NumberParseException:
            return False
    return False


def _parse_phone(raw: Any) -> Parsed:
    text = _soft(_as_text(raw)).strip()
    note = None
    m = _PHONE_NOTE.match(text)
    if m and m.group("num"):
        text, note = m.group("num"), _clean_note(m.group("note"))
    compact = _compact_phone(_nfkc(text))
    ext = _EXT.search(compact)
    base = compact[: ext.start()] if ext else compact
    ok = _phone_valid(base) or any(p.fullmatch(base) for p in _PHONE_OK)
    issues = _fullwidth_issue(raw)
    if not ok:
        # Not a phone: keep what was typed (an e-mail or a WeChat id) for de-identification to mask as text.
        issues.append(("bad_phone", {}))
        return Parsed(text, note=note, issues=tuple(issues))
    value = compact.replace("x", "*").replace("X", "*").replace("×", "*")
    return Parsed(value, note=note, issues=tuple(issues))


# ---------------------------------------------------------------- choices, checkboxes, multi

_TICK = r"[\[【]\s*[xX√✓✔]\s*[\]】]|[(（]\s*[√✓✔]\s*[)）]|☑|☒|■|▣|√|✓|✔|✅|⊠"
# An empty bracket is a box only in front of an option: "无法解决( )" is a blank reason, not a box.
_UNTICK = r"□|☐|▢|◻|(?:[\[【]\s*[\]】]|[(（]\s*[)）])(?=\s*[^\s(（\[【□☐▢◻])"
_MARK = re.compile(rf"(?P<tick>{_TICK})|(?P<untick>{_UNTICK})")
_NOTE_LABEL = re.compile(r"^\s*(?:原因|说明|客户意见|意见|金额/形式|金额|形式|备注|补充|具体诉求)\s*[:：]\s*")
_TOP_SEPS = "、,，;；/\n"


def _clean_note(note: str | None) -> str | None:
    """A note as typed, without the form's printed label (原因：) and without blank underscores."""
    if note is None:
        return None
    s = _NOTE_LABEL.sub("", _soft(note)).strip()
    s = s.strip("_＿ \t").strip()
    if not s or re.fullmatch(r"[\s_＿\-—.…:：/]*", s):
        return None
    return s


def _key(text: str) -> str:
    return re.sub(r"\s+", "", _nfkc(text)).strip("。.，,；;：:、").casefold()


_LOOKUPS: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], tuple[dict, dict]] = {}


def _lookup(spec: FieldSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Choice and synonym tables by normalised key, built once per field (not per cell)."""
    cache_key = (spec.key, spec.choices, tuple(spec.synonyms.items()))
    tables = _LOOKUPS.get(cache_key)
    if tables is None:
        exact = {_key(c): c for c in spec.choices}
        syn = {_key(k): v for k, v in spec.synonyms.items()}
        tables = _LOOKUPS[cache_key] = (exact, syn)
    return tables


def _split_note(item: str) -> tuple[str, str | None]:
    """ "无法解决（原因：配件停产）" -> ("无法解决", "配件停产"); "其他：延保一年" -> ("其他", "延保一年")."""
    s = item.strip()
    m = re.fullmatch(r"(?P<base>[^()（）]+?)\s*[(（](?P<note>.*)[)）]?\s*", s, re.S)
    if m:
        return m.group("base"), _clean_note(m.group("note").rstrip(")）"))
    m = re.fullmatch(r"(?P<base>[^:：]+?)\s*[:：]\s*(?P<note>.*)", s, re.S)
    if m:
        return m.group("base"), _clean_note(m.group("note"))
    return s, None


class _Item:
    """One chosen option as typed: its canonical choice (or None) and note."""

    def __init__(self, spec: FieldSpec, text: str) -> None:
        exact, syn = _lookup(spec)
        self.text = text.strip()
        self.synonym = False
        base, note = _split_note(self.text)
        key = _key(base)
        whole = _key(self.text)
        if whole in exact or whole in syn:  # a choice that itself holds brackets or a colon
            key, note = whole, None
        self.note = note
        if key in exact:
            self.choice: str | None = exact[key]
        elif key in syn:
            self.choice, self.synonym = syn[key], True
        else:
            self.choice = None


def _ticked_segments(text: str) -> list[str] | None:
    """The options ticked in checkbox text, or None when the text holds no box at all.

    Paper convention: the tick stands before its option (☑质量□服务). A text that ends with a box and does not
    start with one is read the other way round (质量☑服务□).
    """
    marks = list(_MARK.finditer(text))
    if not marks:
        return None
    trailing = text[: marks[0].start()].strip() != "" and text[marks[-1].end() :].strip() == ""
    ticked = []
    for i, m in enumerate(marks):
        if trailing:
            start = marks[i - 1].end() if i else 0
            seg = text[start : m.start()]
        else:
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            seg = text[m.end() : end]
        if m.group("tick") and seg.strip():
            ticked.append(seg.strip())
    return ticked


def _top_split(text: str, seps: str) -> list[str]:
    """Split on separators outside brackets: 补偿(金额/形式：50元)、其他 -> two parts."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】":
            depth = max(0, depth - 1)
        if depth == 0 and ch in seps:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _items(spec: FieldSpec, text: str) -> list[_Item]:
    """Split typed text into items; a part that is unknown as a whole is tried again split on 和 and spaces."""
    out = []
    for part in _top_split(text, _TOP_SEPS):
        item = _Item(spec, part)
        if item.choice is None:
            subs = [_Item(spec, p) for p in _top_split(part, "和 \t")]
            if len(subs) > 1 and all(s.choice for s in subs):
                out.extend(subs)
                continue
        out.append(item)
    return out


def _bool_choice(spec: FieldSpec, raw: bool) -> str:
    yes, no = ("是", "否") if "是" in spec.choices else ("TRUE", "FALSE")
    return yes if raw else no


def _choice_issues(spec: FieldSpec, item: _Item) -> list[Issue]:
    issues: list[Issue] = []
    if item.synonym:
        issues.append(("choice_synonym", {"value": item.choice}))
    if item.choice in spec.needs_note and not item.note:
        issues.append(("reason_missing", {"value": item.choice}))
    return issues


def _bad_choice(spec: FieldSpec, **extra: Any) -> Issue:
    return ("bad_choice", {"choices": "、".join(spec.choices), **extra})


def _parse_choice(spec: FieldSpec, raw: Any) -> Parsed:
    text = _bool_choice(spec, raw) if isinstance(raw, bool) else _soft(_as_text(raw)).strip()
    ticked = _ticked_segments(text)
    if ticked is not None:
        if not ticked:
            return Parsed()
        if len(ticked) > 1:
            return Parsed(issues=(("several_ticked", {}),))
        text = ticked[0]
    item = _Item(spec, text)
    if item.choice is None and ticked is None:
        parts = [_Item(spec, p) for p in _top_split(text, _TOP_SEPS)]
        if len(parts) > 1 and all(p.choice for p in parts):
            return Parsed(issues=(("several_ticked", {}),))
        # "已解决，客户满意": a known choice followed by a remark keeps the remark as the note.
        head = re.match(r"(?P<head>[^,，;；]+)[,，;；]\s*(?P<rest>.+)", text, re.S)
        if head and _Item(spec, head.group("head")).choice:
            item = _Item(spec, head.group("head"))
            item.note = item.note or _clean_note(head.group("rest"))
    if item.choice is None:
        if spec.open:
            return Parsed("其他", note=_clean_note(text))
        return Parsed(issues=(_bad_choice(spec),))
    return Parsed(item.choice, note=item.note, issues=tuple(_choice_issues(spec, item)))


def _parse_multi(spec: FieldSpec, raw: Any) -> Parsed:
    text = _bool_choice(spec, raw) if isinstance(raw, bool) else _soft(_as_text(raw)).strip()
    ticked = _ticked_segments(text)
    if ticked is not None:
        items = [_Item(spec, seg) for seg in ticked]
    else:
        items = _items(spec, text)
    if not items:
        return Parsed()
    issues: list[Issue] = []
    chosen: dict[str, list[str]] = {}
    unknown = []
    for item in items:
        if item.choice is None and spec.open and "其他" in spec.choices:
            item.choice, item.note = "其他", _clean_note(item.text)
        if item.choice is None:
            unknown.append(item.text)
            continue
        notes = chosen.setdefault(item.choice, [])
        if item.note:
            notes.append(item.note)
        issues.extend(i for i in _choice_issues(spec, item) if i not in issues)
    if unknown:
        issues.insert(0, _bad_choice(spec, items="、".join(unknown)))
    if not chosen:
        return Parsed(issues=tuple(issues))
    order = [c for c in spec.choices if c in chosen]
    note = "；".join(f"{c}:{'，'.join(chosen[c])}" for c in order if chosen[c]) or None
    return Parsed(tuple(order), note=note, issues=tuple(issues))


# ---------------------------------------------------------------- timelines

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑"
# "1." / "2、" / "3)" numbering, not the start of a date such as 5.20 or 2023.10.01.
_NUMBERING = re.compile(r"(?:(?<=^)|(?<=\s))\d{1,2}[.、)）](?=\D|\d{4}[-/.年]|\d{8})")
_LEAD = re.compile(r"^[\s\-•·*>【\[(（]*")
_NOTE_LEAD = re.compile(r"^[\s\]】)）:：,，、;；\-—]+")


def _timeline_lines(text: str) -> list[str]:
    text = re.sub(f"[{_CIRCLED}]", "\n", text)
    text = _NUMBERING.sub("\n", text)
    lines = []
    for line in re.split(r"[\r\n]+", text):
        # "；" starts a new entry only when a date follows it; otherwise it is punctuation inside a note.
        parts = re.split(r"[;；]\s*(?=\d{4}[-/.年]|\d{8}|\d{1,2}\s*(?:月|[-/.]\d))", line)
        lines.extend(p.strip() for p in parts if p.strip())
    return lines


def _timeline_entry(line: str) -> tuple[datetime | None, str, str | None]:
    """(datetime or None, note, issue code or None) for one entry."""
    body = _LEAD.sub("", line)
    norm = _dt_fold(body)
    value, precision, end, impossible = _scan_prefix(norm)
    if value is None and not impossible:
        # A time inside the line: 电话联系客户（2023-10-01 09:30）
        for m in re.finditer(r"\d{4}[-/.年]|\d{8}", norm):
            if m.start() == 0 or norm[m.start() - 1].isdigit():
                continue
            value, precision, length, impossible = _scan_prefix(norm[m.start() :])
            if value is not None or impossible:
                start = m.start()
                end = start + length
                if value is not None and precision == "minute":
                    note = (body[:start].rstrip("（(【[ ") + " " + body[end:].lstrip("）)】] ")).strip()
                    return value, _NOTE_LEAD.sub("", note), None  # type: ignore[return-value]
                break
    if impossible or value is None:
        yearless = _YEARLESS.match(norm)
        if (
            value is None
            and not impossible
            and yearless
            and (yearless.group("H") or "月" in yearless.group(0))
        ):
            return None, line.strip(), "timeline_no_year"
        return None, line.strip(), "bad_timeline"
    if precision != "minute":
        return None, line.strip(), "timeline_time_unknown"
    note = _NOTE_LEAD.sub("", body[end:]).strip()
    return value, note, None  # type: ignore[return-value]


def _parse_timeline(raw: Any) -> Parsed:
    if isinstance(raw, datetime):
        return Parsed(((raw.replace(second=0, microsecond=0), ""),))
    text = _soft(_as_text(raw))
    entries = []
    issues: list[Issue] = []
    for n, line in enumerate(_timeline_lines(text), start=1):
        when, note, code = _timeline_entry(line)
        entries.append((when, note))
        if code:
            issues.append((code, {"line": n}))
    if not entries:
        return Parsed()
    return Parsed(tuple(entries), issues=tuple(issues))


# ---------------------------------------------------------------- staff

# Role titles the seeds write with the name starred out: *经理, *工程师, *客服, *工号001, 客服代表*, 区域工程师*.
_ROLE_TITLE = r"(?:经理|工程师|客服代表|客服|主管|专员|师傅|技术员|维修员|组长|店长|工号\s*\d{1,8})"
_MASKED_STAFF = re.compile(
    rf"[*＊]+\s*[\u4e00-\u9fff]{{0,6}}?{_ROLE_TITLE}[*＊]*|[\u4e00-\u9fff]{{0,6}}?{_ROLE_TITLE}[*＊]+"
)


def is_masked_staff(text: str) -> bool:
    """A staff member written the seeds' way, a role with the name starred out (``*经理``, ``工程师*``).

    Such a cell is a filled value even where its role word is also a label (工程师, 客服代表) on some form.
    """
    text = text.strip()
    return len(text) <= 24 and bool(_MASKED_STAFF.fullmatch(text))


# ---------------------------------------------------------------- entry point


def _is_empty(spec: FieldSpec, raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if not isinstance(raw, str):
        return False
    s = raw.strip()
    if _BLANK.match(s):
        return True
    if not spec.none_marks:
        return False
    return _key(s) in _none_marks(spec.none_marks) or s in spec.none_marks


@lru_cache(maxsize=256)
def _none_marks(marks: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_key(m) for m in marks)


def _parse_text(raw: Any) -> Parsed:
    text = _soft(_as_text(raw)).replace("\r\n", "\n").strip()
    return Parsed(text) if text else Parsed()


_PARSERS = {
    "text": _parse_text,
    "person": _parse_text,
    "staff": _parse_text,
    "signature": _parse_text,
    "phone": _parse_phone,
    "score": _parse_score,
    "timeline": _parse_timeline,
}


YEARS = range(1990, 2101)  # outside this, a typed year is a typo (and Excel cannot show dates before 1900)


def _within_years(spec: FieldSpec, parsed: Parsed) -> Parsed:
    value = parsed.value
    if isinstance(value, (date, datetime)) and value.year not in YEARS:
        code = "bad_date" if spec.type == "date" else "bad_datetime"
        return Parsed(issues=((code, {}),))
    return parsed


def parse_value(spec: FieldSpec, raw: Any) -> Parsed:
    """Parse one cell as typed by an agent into the field's value; never raises on bad input."""
    if _is_empty(spec, raw):
        return Parsed()
    if isinstance(raw, str) and to_halfwidth(raw).strip().upper() in EXCEL_ERRORS:
        return Parsed(issues=(("cell_error", {"error": raw.strip()}),))
    if spec.type in ("date", "datetime"):
        return _within_years(spec, _parse_time_value(spec, raw))
    if spec.type in ("choice", "checkbox"):
        return _parse_choice(spec, raw)
    if spec.type == "multi":
        return _parse_multi(spec, raw)
    return _PARSERS.get(spec.type, _parse_text)(raw)
