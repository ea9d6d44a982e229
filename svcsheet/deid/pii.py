"""Detect personal data in Chinese text: mobiles, landlines, ID numbers, passports, cards, e-mails, addresses.

Detection runs on a per-character NFKC copy of the text (full-width digits and punctuation become ASCII), so
every position still points into the original. ``\\b`` never fires next to Chinese characters, so numbers are
delimited by digit look-arounds. Detectors run in priority order (numbers first; an ID number before a bank
card, both can be 18 digits); what one detector takes is blanked for the next, so hits never overlap.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

KINDS = ("mobile", "landline", "id_number", "passport", "bank_card", "email", "address")


@dataclass(frozen=True)
class PiiHit:
    kind: str
    start: int
    end: int
    text: str


# --- normalisation --------------------------------------------------------------------------------


def normalize_chars(text: str) -> str:
    """NFKC each character on its own, keeping the length: one output character per input character."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):  # the common case, checked in C
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


_NOT_DIGIT = re.compile(r"\D")


def digits_of(text: str) -> str:
    return _NOT_DIGIT.sub("", normalize_chars(text))


# --- checks ---------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (plus 83 for residence permits and 91 for permanent-residence cards).
_PROVINCES = {
    *"11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46".split(),
    *"50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split(),
}


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        d = _dt.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year and d <= _dt.date.today()


def is_valid_id_number(s: str) -> bool:
    """A resident ID number: 18 digits with a GB 11643 check digit, or an old 15-digit one; real birth date."""
    s = re.sub(r"[\s-]", "", normalize_chars(s)).upper()
    if re.fullmatch(r"\d{17}[\dX]", s):
        if s[:2] not in _PROVINCES or not _real_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
            return False
        total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
        return _ID_CHECK[total % 11] == s[17]
    if re.fullmatch(r"\d{15}", s):
        return s[:2] in _PROVINCES and _real_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    return False


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by bank cards (non-digits are ignored)."""
    ds = [int(c) for c in digits_of(digits)]
    if len(ds) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(ds)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_service_line(text: str) -> bool:
    """A 400/800 company service number: not personal data."""
    d = digits_of(text)
    if d.startswith("86") and len(d) == 12:
        d = d[2:]
    return len(d) == 10 and d[:3] in ("400", "800")


# --- patterns -------------------------------------------------------------------------------------

# A number may start where no digit precedes it, or right after a short fault code (故障码E3 13812345678 typed
# without a space): a letter and one or two digits. Numbers found after such a code must pass a stricter check.
_AFTER_CODE = r"(?<=[A-Za-z]\d)|(?<=[A-Za-z]\d\d)"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+@*-])[A-Za-z0-9_][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*?\.[A-Za-z]{2,}(?![A-Za-z])(?!\.[A-Za-z])"
)
_ID = re.compile(
    rf"(?:(?<!\d)|{_AFTER_CODE})(?:\d{{6}}[ -]?\d{{8}}[ -]?\d{{3}}(?:\d(?!\d)|[Xx])|\d{{15}}(?![\dXx]))"
)
_PASSPORT = re.compile(
    r"(?:护照|passport|证件)[^\n\d]{0,8}?(?<![A-Za-z0-9])"
    r"([EeGg]\d{8}|[Ee][A-HJ-NP-Za-hj-np-z]\d{7})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# 16-19 digits, or 4-4-4-4 groups with an optional short last group; a digit right after a space is not glued on
# (卡号6222...0 2张 is a card and a count), see _cards.
_CARD = re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?)(?!\d)")
_MOBILE = re.compile(
    rf"(?:(?<!\d)(?:\(?(?:\+|00)\s?86\)?[ -]?|86[ -]?)?|{_AFTER_CODE})1[3-9]\d(?:[ -]?\d{{4}}){{2}}(?!\d)"
)
# Mobile prefixes in use (three digits); a number glued to a fault code must have one to count as a mobile.
_MOBILE_PREFIX = re.compile(r"1(?:3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9])")
_LANDLINE = re.compile(
    r"(?<!\d)(?<!\d[ -])(?:(?:\+|00)86[ -]?)?(?:\((0\d{2,3})\)\s?|(0\d{2,3})[ -])(\d{7,8})(?!\d)(?!-\d{5})"
    r"|(?<!\d)(0\d{9,11})(?!\d)"
)

_PROVINCE_NAMES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州"
    "|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
# One Chinese character that is not a word which usually precedes an address (住在, 寄到, 位于 ...).
_NC = r"(?:(?![在到至往于的了是住从和与及为向寄送址家])[\u4e00-\u9fff])"
_ADMIN = (
    rf"(?P<prov>(?:{_PROVINCE_NAMES})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?)?"
    rf"(?P<city>{_NC}{{1,6}}?(?:市|自治州|地区|盟))?"
    rf"(?P<dist>{_NC}{{1,6}}?(?:区|县|旗|市))?"
    rf"(?P<town>{_NC}{{1,6}}?(?:街道|镇|乡))?"
)
_UNIT = r"(?:[A-Za-z]?\d{1,5}(?!\d)[A-Za-z]?(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|户)|[A-Za-z](?:座|栋))"
_DETAIL = (
    rf"(?:{_NC}{{1,8}}?(?:大道|大街|路|街|巷|弄|胡同)(?<!\d)\d{{1,5}}(?:-\d{{1,5}})?(?!\d)号(?:院)?"
    rf"(?:{_NC}{{1,8}}?(?:小区|花园|公寓|大厦|家园|新村|广场|中心|苑|园))?(?:{_UNIT}){{0,4}}(?:\d{{1,5}}(?!\d)(?!{_UNIT}))?"
    rf"|{_NC}{{2,8}}?(?:小区|花园|公寓|大厦|家园|新村|广场|苑)(?:{_UNIT}){{1,4}}(?:\d{{1,5}}(?!\d))?"
    rf"|{_NC}{{1,6}}?村\d{{1,3}}组)"
)
_ADDRESS = re.compile(rf"{_ADMIN}(?P<detail>{_DETAIL})")
# Every detailed address holds one of these (a road with its number, an estate followed by a building or unit,
# a village group): the address pattern, slow per position, only runs near them. An address reaches at most
# ~45 characters before its anchor and ~80 after it.
_ESTATES = "小区|花园|公寓|大厦|家园|新村|广场|苑"
_ADDRESS_ANCHOR = re.compile(
    rf"(?:大道|大街|路|街|巷|弄|胡同)\d{{1,5}}(?:-\d{{1,5}})?号|(?:{_ESTATES})(?:[A-Za-z]?\d|[A-Za-z][座栋])|村\d{{1,3}}组"
)
_ANCHOR_BEFORE, _ANCHOR_AFTER = 64, 160


# --- detectors ------------------------------------------------------------------------------------


def _after_code(norm: str, start: int) -> bool:
    """The number starting here is glued to a fault code (E3, F12) rather than standing on its own."""
    return start > 0 and norm[start - 1].isdigit()


def _emails(norm: str):
    for m in _EMAIL.finditer(norm):
        yield "email", m.start(), m.end()


def _ids(norm: str):
    for m in _ID.finditer(norm):
        if is_valid_id_number(m.group()):
            yield "id_number", m.start(), m.end()


def _passports(norm: str):
    for m in _PASSPORT.finditer(norm):
        yield "passport", m.start(1), m.end(1)


def _is_card(text: str) -> bool:
    d = digits_of(text)
    # Card networks start with 3-6 or 9 (and 22-27 for newer Mastercard); this spares dates like 2023...
    return (d[0] in "34569" or d[:2] in ("22", "23", "24", "25", "26", "27")) and luhn_ok(d)


def _cards(norm: str):
    for m in _CARD.finditer(norm):
        text = m.group()
        if _is_card(text):
            yield "bank_card", m.start(), m.end()
        elif m.group(1) and len(text) > 19 and _is_card(text[:19]):  # 4-4-4-4 then a separate short number
            yield "bank_card", m.start(), m.start() + 19


def _mobiles(norm: str):
    for m in _MOBILE.finditer(norm):
        if _after_code(norm, m.start()) and not _MOBILE_PREFIX.match(m.group()):
            continue
        yield "mobile", m.start(), m.end()


def _landlines(norm: str):
    for m in _LANDLINE.finditer(norm):
        if m.group(4):
            try:
                num = phonenumbers.parse(m.group(4), "CN")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.number_type(num) not in (
                phonenumbers.PhoneNumberType.FIXED_LINE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ) or not phonenumbers.is_valid_number(num):
                continue
        else:
            area = m.group(1) or m.group(2)
            local = m.group(3)
            # Two-digit area codes (010, 02x) go with 8-digit numbers; three-digit ones with 7 or 8.
            if area[1] in "12" and (len(area) != 3 or len(local) != 8):
                continue
            if area[1] not in "12" and len(area) != 4:
                continue
        yield "landline", m.start(), m.end()


def _addresses(norm: str):
    """Addresses, searched only in windows around anchor characters (merged when they overlap)."""
    windows: list[list[int]] = []
    for m in _ADDRESS_ANCHOR.finditer(norm):
        lo, hi = max(0, m.start() - _ANCHOR_BEFORE), min(len(norm), m.end() + _ANCHOR_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    for lo, hi in windows:
        for m in _ADDRESS.finditer(norm, lo, hi):
            yield "address", m.start(), m.end()


# E-mails first, so an address whose name holds a number (13812345678_zhang@qq.com) is masked whole; then the
# numbers (an ID number before a bank card: both can be 18 digits), then addresses.
_DETECTORS = (_emails, _ids, _passports, _cards, _mobiles, _landlines, _addresses)
# The fewest digits (``\d``) each number's pattern holds: an ID number 15 (\d{15}, or 17 and an X), a passport 7,
# a card 16, a mobile 11, a landline 10 (an area code 0\d{2,3} and \d{7,8}, or 0\d{9,11}). A text with fewer
# digits than that cannot hold one, and blanking what an earlier detector took only removes digits.
_NUMBER_DETECTORS = {_ids: 15, _passports: 7, _cards: 16, _mobiles: 11, _landlines: 10}
BIDI_CONTROLS = _BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CACHE_LIMIT = 4096  # texts up to this length are memoised: names, staff and choices repeat across rows


def strip_bidi(text: str) -> str:
    """Remove the invisible direction controls (U+202E and kin) that can make a text display reversed."""
    return text if text.isascii() else _BIDI.sub("", text)  # the controls are not ASCII


def find_pii(text: str) -> list[PiiHit]:
    """All personal data in ``text``, non-overlapping, in text order; 400/800 lines are not hits.

    Linear in the length of the text: every pattern is anchored so that it never rescans a long run.
    """
    if not text:
        return []
    if len(text) <= _CACHE_LIMIT:
        return list(_find_pii_cached(text))
    return _find_pii(text)


# 32,768 texts held ~7 MB in each pool worker on a month of distinct customers, mostly one-off phones and names
@lru_cache(maxsize=8192)
def _find_pii_cached(text: str) -> tuple[PiiHit, ...]:
    return tuple(_find_pii(text))


_DIGIT = re.compile(r"\d")


def _find_pii(text: str) -> list[PiiHit]:
    norm = normalize_chars(text)
    taken: list[tuple[int, int, str]] = []
    # Every number kind needs its digits (_NUMBER_DETECTORS), an e-mail an @: skip the detectors that cannot match.
    digits = len(_DIGIT.findall(norm, 0, len(norm))) if len(norm) < 4096 else len(norm)
    for detector in _DETECTORS:
        if (detector is _emails and "@" not in norm) or digits < _NUMBER_DETECTORS.get(detector, 0):
            continue
        # Patterns never match the blanks, so a hit overlaps nothing taken; the check costs one slice per hit.
        found = [hit for hit in detector(norm) if "\0" not in norm[hit[1] : hit[2]]]
        if not found:
            continue
        # Blank what is taken (once per detector), so that a later detector neither matches across it nor
        # drops a real hit.
        pieces, pos = [], 0
        for kind, start, end in found:
            taken.append((start, end, kind))
            pieces += [norm[pos:start], "\0" * (end - start)]
            pos = end
        norm = "".join(pieces) + norm[pos:]
    taken.sort()
    return [PiiHit(kind, s, e, text[s:e]) for s, e, kind in taken]


def address_parts(text: str) -> dict[str, str] | None:
    """The administrative parts (prov, city, dist, town) of an address hit, for cutting it to a level."""
    m = _ADDRESS.fullmatch(normalize_chars(text))
    if m is None:
        return None
    return {k: text[m.start(k) : m.end(k)] for k in ("prov", "city", "dist", "town") if m.group(k)}
