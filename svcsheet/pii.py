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
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", normalize_chars(text))


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

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+@*-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_ID = re.compile(r"(?<!\d)(?:\d{6}[ -]?\d{8}[ -]?\d{3}(?:\d(?![\dXx])|[Xx])|\d{15}(?![\dXx]))")
_PASSPORT = re.compile(
    r"(?:护照|passport|证件)[^\n\d]{0,8}?(?<![A-Za-z0-9])"
    r"([EeGg]\d{8}|[Ee][A-HJ-NP-Za-hj-np-z]\d{7})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_CARD = re.compile(
    r"(?<!\d)(?<!\d[ -])(?:\d{16,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?)(?!\d)(?![ -]\d)"
)
_MOBILE = re.compile(
    r"(?<!\d)(?<!\d[ -])(?:\(?(?:\+|00)\s?86\)?[ -]?|86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)(?![ -]\d)"
)
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


# --- detectors ------------------------------------------------------------------------------------


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


def _cards(norm: str):
    for m in _CARD.finditer(norm):
        d = digits_of(m.group())
        # Card networks start with 3-6 or 9 (and 22-27 for newer Mastercard); this spares dates like 2023...
        if (d[0] in "34569" or d[:2] in ("22", "23", "24", "25", "26", "27")) and luhn_ok(d):
            yield "bank_card", m.start(), m.end()


def _mobiles(norm: str):
    for m in _MOBILE.finditer(norm):
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
    for m in _ADDRESS.finditer(norm):
        yield "address", m.start(), m.end()


# Numbers first: a mobile used as an e-mail name (13812345678@qq.com) is then masked as a mobile.
_DETECTORS = (_ids, _passports, _cards, _mobiles, _landlines, _emails, _addresses)


def find_pii(text: str) -> list[PiiHit]:
    """All personal data in ``text``, non-overlapping, in text order; 400/800 lines are not hits."""
    if not text:
        return []
    norm = normalize_chars(text)
    taken: list[tuple[int, int, str]] = []
    for detector in _DETECTORS:
        found = [hit for hit in detector(norm) if not any(hit[1] < e and s < hit[2] for s, e, _ in taken)]
        for kind, start, end in found:
            taken.append((start, end, kind))
            # Blank what is taken, so that a later detector neither matches across it nor drops a real hit.
            norm = norm[:start] + "\0" * (end - start) + norm[end:]
    taken.sort()
    return [PiiHit(kind, s, e, text[s:e]) for s, e, kind in taken]


def address_parts(text: str) -> dict[str, str] | None:
    """The administrative parts (prov, city, dist, town) of an address hit, for cutting it to a level."""
    m = _ADDRESS.fullmatch(normalize_chars(text))
    if m is None:
        return None
    return {k: text[m.start(k) : m.end(k)] for k in ("prov", "city", "dist", "town") if m.group(k)}
