"""De-identification: mask names, phones and the personal data inside free text; keyed hashes for identity.

The masks are chosen so that masking is idempotent and a masked value is never detected again by ``find_pii``
(the ``*`` breaks every digit pattern). The key is passed in by the caller and never leaves this object.
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..errors import PolicyError
from .pii import PiiHit, address_parts, digits_of, find_pii, is_service_line, normalize_chars, strip_bidi
from .text_names import COMPOUND_SURNAMES, mask_text_names

REMOVED = "[已删除]"
ADDRESS_REMOVED = "[地址]"
ADDRESS_LEVELS = ("province", "city", "district")

# Titles typed after a surname (张先生, 王经理): surname + title is already de-identified.
_TITLES = (
    "先生",
    "女士",
    "小姐",
    "太太",
    "夫人",
    "阿姨",
    "老师",
    "师傅",
    "经理",
    "主管",
    "主任",
    "老板",
    "医生",
    "工程师",
    "专员",
    "客服",
    "总",
    "工",
)
_GENDER = {
    "男": "先生",
    "女": "女士",
    "先生": "先生",
    "女士": "女士",
    "小姐": "女士",
    "m": "先生",
    "f": "女士",
}
_COMPANY_SUFFIXES = (
    "公司",
    "集团",
    "企业",
    "厂",
    "店",
    "中心",
    "银行",
    "分行",
    "支行",
    "医院",
    "诊所",
    "学校",
    "大学",
    "学院",
    "幼儿园",
    "研究所",
    "研究院",
    "事务所",
    "工作室",
    "商行",
    "超市",
    "酒店",
    "宾馆",
    "合作社",
    "协会",
    "委员会",
    "办事处",
    "营业部",
    "俱乐部",
    "局",
    "馆",
)
_COMPANY_LATIN = re.compile(r"(?:\b(?:co|ltd|inc|corp|llc|gmbh)\.?)$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SPLIT = re.compile(r"\s*([/／、,，;；])\s*")
_MASK_CHARS = "*＊"
_PLAIN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")  # NFKC leaves these characters as they are
_CJK = re.compile(r"[\u3400-\u9fff]")
# A masked role followed by a full name, as agents sign: *工程师刘建军, *客服 王芳.
_ROLE_THEN_NAME = re.compile(
    r"[*＊]+\s*(?:工程师|客服|专员|经理|主管|师傅|技术员|技术支持|物流专员|仓储专员|代表)\s*(?P<name>[\u4e00-\u9fff]{2,4})"
)
_STAFF_NUMBER = re.compile(r"(?:工号|编号|No\.?)?\s*[A-Za-z]{0,4}-?\d{2,}", re.IGNORECASE)


def name_after_role(text: str) -> str | None:
    """The full name in a masked role signature (*工程师刘建军 -> 刘建军), if any."""
    m = _ROLE_THEN_NAME.fullmatch(_clean(text))
    return m.group("name") if m else None


def _hmac16(key: bytes, text: str) -> str:
    """16 characters of a keyed hash in lower-case base32 (a-z, 2-7): no run of digits in it can look like a
    mobile, ID or card number to a reader or a leak scan, as a hex digest sometimes does."""
    digest = hmac.digest(key, text.encode("utf-8"), "sha256")  # one call into OpenSSL (hmac.new: five)
    return base64.b32encode(digest[:10]).decode("ascii").lower()  # 10 bytes are the first 16 characters


_CJK_SPACES = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")  # compiled once: a call per name


def _clean(text: str) -> str:
    """NFKC, trimmed, and no spaces between Chinese characters (张 伟 is 张伟)."""
    t = normalize_chars(text).strip()
    return _CJK_SPACES.sub("", t)


def split_name(name: str) -> list[str]:
    """The names a name field's value holds, as masking replaces them (a 公司/联系人 pair, spaces between
    Chinese characters removed), each full name typed with a title also without it (阿依古丽女士: 阿依古丽)."""
    if _PLAIN_NAME.fullmatch(name) and not name.endswith(_TITLES):
        return [name]  # most names: nothing to clean, split or take off (the run's check does every name)
    parts = _SPLIT.split(_clean(name))[::2]
    bases = [base for base, title in map(_split_title, parts) if title and not _is_surname_only(base)]
    return parts + bases


def surname_of(name: str) -> str:
    """The surname of a Chinese name: a compound surname when the name has at least three characters."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def is_company(name: str) -> bool:
    n = _clean(name)
    return len(n) >= 2 and (n.endswith(_COMPANY_SUFFIXES) or bool(_COMPANY_LATIN.search(n)))


def _split_title(name: str) -> tuple[str, str]:
    for title in _TITLES:
        if name.endswith(title) and len(name) > len(title):
            return name[: -len(title)], title
    return name, ""


def _is_surname_only(base: str) -> bool:
    return len(base) == 1 or base in COMPOUND_SURNAMES


def _as_dict(settings: Any) -> dict:
    """The policy's deid section as a dict; a section object (dataclass) is read by its attributes."""
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        return dict(settings)
    if dataclasses.is_dataclass(settings):
        return dataclasses.asdict(settings)
    return dict(vars(settings))


class Deidentifier:
    """Masks and keyed hashes for one run. ``settings`` is the policy's ``deid`` section (may be None)."""

    def __init__(self, key: bytes, settings: Mapping[str, Any] | Any | None = None) -> None:
        if not isinstance(key, bytes) or not key:
            raise PolicyError("deid: 密钥为空")
        self._key = key
        s = _as_dict(settings)
        self.honorific_by_name: dict[str, str] = {
            _clean(str(k)): _GENDER.get(str(v).strip().lower(), str(v).strip())
            for k, v in (s.get("honorific_by_name") or {}).items()
        }
        self.keep_company_names = bool(s.get("keep_company_names", True))
        self.address_level = str(s.get("address_level", "city"))
        if self.address_level not in ADDRESS_LEVELS:
            raise PolicyError(f"deid.address_level: 只能是 {'/'.join(ADDRESS_LEVELS)}")
        self.mask_char = str(s.get("mask_char", "*"))
        if len(self.mask_char) != 1 or self.mask_char.isalnum() or self.mask_char.isspace():
            raise PolicyError("deid.mask_char: 必须是单个符号，如 *")
        # Memoised results per distinct value (names, staff, phones and short texts repeat across rows).
        self._memo: dict[tuple, Any] = {}
        # customers repeat (one per phone), and each row's key is then one shared string; bounded, as at
        # 100,000 rows most may be distinct
        self._customers: dict[tuple, tuple[str | None]] = {}

    def __repr__(self) -> str:  # never show the key
        return f"Deidentifier(address_level={self.address_level!r}, mask_char={self.mask_char!r})"

    # --- identity ---------------------------------------------------------------------------------

    def customer_key(self, phone: str | None, customer_id: str | None = None) -> str | None:
        """Keyed hash of the normalised phone, else of the customer id; None when neither identifies anyone.

        Service lines (400/800) and fragments of fewer than 7 characters are shared or too weak: they fall
        back to the customer id.
        """
        memo_key = ("customer", phone, customer_id)
        hit = self._customers.get(memo_key)
        if hit is None:
            if len(self._customers) >= _CUSTOMERS_MAX:
                self._customers.clear()
            hit = self._customers[memo_key] = (self._customer_key(phone, customer_id),)
        return hit[0]

    def _customer_key(self, phone: str | None, customer_id: str | None) -> str | None:
        norm = self._phone_identity(phone) if phone is not None else None
        if norm:
            return _hmac16(self._key, "phone:" + norm)
        if customer_id is not None:
            cid = re.sub(r"\s+", "", normalize_chars(str(customer_id))).upper()
            if cid and re.search(r"[0-9A-Z\u3400-\u9fff]", cid) and cid not in ("无", "N/A", "NA", "NONE"):
                return _hmac16(self._key, "id:" + cid)
        return None

    def _phone_identity(self, phone: str) -> str | None:
        text = normalize_chars(str(phone)).strip()
        if not text:
            return None
        if _MOBILE.fullmatch(text):  # as typed most of the time: find_pii finds it whole, a mobile
            return text
        for hit in find_pii(text):
            if hit.kind == "mobile":
                return self._mobile_digits(hit.text)
            if hit.kind == "landline":
                return self._landline_digits(hit.text)
        if is_service_line(text):
            return None
        if any(c in text for c in _MASK_CHARS + self.mask_char):
            masked = re.sub(r"[\s-]", "", text).replace("＊", "*").replace(self.mask_char, "*")
            return masked if len(masked) >= 7 and len(digits_of(masked)) >= 4 else None
        d = digits_of(text)
        return d if len(d) >= 7 else None

    def _hash4(self, text: str) -> str:
        return _hmac16(self._key, "staff:" + text)[:4]

    # --- names ------------------------------------------------------------------------------------

    def _masked(self, text: str) -> bool:
        return any(c in text for c in _MASK_CHARS + self.mask_char)

    def person(self, name: str | None, honorific: str | None = None, company_ok: bool = False) -> str | None:
        """Surname + 称谓 when the gender is known, else surname + ``**``; companies kept; pairs split."""
        if name is None:
            return None
        key = ("person", str(name), honorific, company_ok)
        if key not in self._memo:
            self._memo[key] = self._person(strip_bidi(str(name)), honorific, company_ok)
        return self._memo[key]

    def _person(self, name: str, honorific: str | None, company_ok: bool) -> str:
        text = _clean(name)
        if not text:
            return text
        if _SPLIT.search(text):
            parts = _SPLIT.split(text)
            # Separators sit at odd positions; a company in a "公司/联系人" pair is clear from the pair itself.
            return "".join(
                p if i % 2 else (self.person(p, honorific, company_ok=True) or "")
                for i, p in enumerate(parts)
            )
        if company_ok and is_company(text):
            return text if self.keep_company_names else self._mask_company(text)
        return self._mask_name(text, honorific)

    def _mask_company(self, text: str) -> str:
        suffix = next((s for s in _COMPANY_SUFFIXES if text.endswith(s)), "")
        return self.mask_char * 2 + suffix

    def _mask_name(self, text: str, honorific: str | None = None) -> str:
        if self._masked(text):
            return text
        if not _CJK.search(text):
            return text[:1] + self.mask_char * 2
        base, title = _split_title(text)
        if title and _is_surname_only(base):
            return text  # already 张先生 / 欧阳女士
        hon = _GENDER.get((honorific or "").strip().lower()) or (honorific or "").strip()
        hon = hon or title or self.honorific_by_name.get(base) or self.honorific_by_name.get(text, "")
        surname = surname_of(base)
        return surname + (hon or self.mask_char * 2)

    def staff(self, text: str | None) -> str | None:
        """A stable pseudonym ``员工-xxxx`` per staff name; staff numbers and masked titles stay as typed."""
        if text is None:
            return None
        key = ("staff", str(text))
        if key not in self._memo:
            self._memo[key] = self._staff(strip_bidi(str(text)))
        return self._memo[key]

    def _staff(self, text: str) -> str:
        t = _clean(text)
        if not t:
            return t
        if _SPLIT.search(t):
            parts = _SPLIT.split(t)
            return "".join(p if i % 2 else (self.staff(p) or "") for i, p in enumerate(parts))
        if not re.search(r"[A-Za-z\u3400-\u9fff]", t):
            return self.free_text(t)[0]  # no letters: a number (maybe a phone), never a name
        if self._masked(t) and _ROLE_THEN_NAME.fullmatch(t):
            return "员工-" + self._hash4(_ROLE_THEN_NAME.fullmatch(t).group("name"))  # *工程师刘建军
        if self._masked(t) or "工号" in t or _STAFF_NUMBER.fullmatch(t):
            return t
        base, title = _split_title(t)
        if title and _is_surname_only(base):
            return t  # 王经理, 李工: no full name
        return "员工-" + self._hash4(t)

    # --- phones and free text ---------------------------------------------------------------------

    @staticmethod
    def _landline_digits(text: str) -> str:
        """Digits with the area code's leading 0, without a +86 / 0086 country code."""
        t = normalize_chars(text).lstrip()
        d = digits_of(t)
        if t.startswith("+"):
            d = "0" + d[2:]
        elif t.startswith("0086"):
            d = "0" + d[4:]
        return d

    @staticmethod
    def _mobile_digits(text: str) -> str:
        d = digits_of(text)
        return d[-11:] if len(d) > 11 else d

    def _mask_hit(self, hit: PiiHit) -> str:
        m = self.mask_char * 4
        if hit.kind == "mobile":
            d = self._mobile_digits(hit.text)
            return d[:3] + m + d[-4:]
        if hit.kind == "landline":
            d = self._landline_digits(hit.text)
            area = d[:3] if d[1] in "12" else d[:4]
            return area + "-" + m + d[-4:]
        if hit.kind == "bank_card":
            d = digits_of(hit.text)
            return d[:4] + m + d[-4:]
        if hit.kind == "email":
            local, _, domain = normalize_chars(hit.text).partition("@")
            return local[:1] + self.mask_char * 3 + "@" + domain
        if hit.kind == "address":
            return self._cut_address(hit.text)
        return REMOVED  # id_number, passport

    def _cut_address(self, text: str) -> str:
        parts = address_parts(text) or {}
        wanted = {"province": ("prov",), "city": ("prov", "city"), "district": ("prov", "city", "dist")}
        kept = "".join(parts[k] for k in wanted[self.address_level] if k in parts)
        if not kept:
            # Nothing at the wanted level: keep the coarsest part (a district tells no more than a city).
            kept = next((parts[k] for k in ("prov", "city", "dist") if k in parts), "")
        return kept or ADDRESS_REMOVED

    def phone(self, text: str | None) -> str | None:
        """Mask a contact number: 138****5678, 010-****5678; 400/800 and masked values kept; else ****1234."""
        if text is None:
            return None
        t = strip_bidi(str(text)).strip()
        if _MOBILE.fullmatch(t):
            # as typed most of the time: find_pii finds it whole, one mobile hit (no other detector can match 11
            # ASCII digits), masked as _mask_hit masks it; a month's phones are distinct, so its memo would miss
            return t[:3] + self.mask_char * 4 + t[-4:]
        hits = [h for h in find_pii(t) if h.kind != "address"]
        if hits:
            return self._replace(t, hits)
        if is_service_line(t) or self._masked(t):
            return t
        d = digits_of(t)
        if len(d) >= 7:
            return self.mask_char * 4 + d[-4:]
        return t

    def _replace(self, text: str, hits: list[PiiHit]) -> str:
        out, pos = [], 0
        for h in hits:
            out.append(text[pos : h.start])
            out.append(self._mask_hit(h))
            pos = h.end
        out.append(text[pos:])
        return "".join(out)

    def free_text(
        self, text: str | None, names: Iterable[str] | Mapping[str, str] = (), *, memo: bool = True
    ) -> tuple[str | None, list[str]]:
        """Mask every PiiHit in ``text`` and replace each given name by its masked form.

        ``names`` may also map a name to the replacement to use (e.g. a staff pseudonym). Returns the masked
        text and the kinds of personal data found, in order of first appearance. Direction controls (U+202E)
        are removed. One pass per detector and one for all names: linear in the length of the text.
        ``memo=False``: the caller memoises the result itself (not kept twice).
        """
        if text is None:
            return None, []
        text = str(text)
        given = self._names_key(names)
        memo_key = ("free", text, given) if memo and len(text) <= _MEMO_LIMIT else None
        if memo_key is not None and memo_key in self._memo:
            out, kinds = self._memo[memo_key]
            return out, list(kinds)
        text = strip_bidi(text)
        hits = find_pii(text)
        kinds: list[str] = []
        out = text
        if hits:  # most texts hold none: nothing to collect or replace
            kinds = list(dict.fromkeys(h.kind for h in hits))
            out = self._replace(text, hits)
            # a mask can uncover a neighbour (an e-mail glued after an ID number): until nothing moves
            for _ in range(3):
                again = find_pii(out)
                if not again:
                    break
                kinds += [h.kind for h in again if h.kind not in kinds]
                out = self._replace(out, again)
        # only the names the text holds: a row's own names are mostly absent from its texts, and a month names
        # tens of thousands of customers once each: their masks and a pattern of them would be made for nothing.
        # Without one, the result is the text's without names (memoised: a description shared by rows of
        # different customers is then looked at once).
        if given and any(part in out for part in self._name_parts(given)):
            table = {n: (r, own) for n, r, own in self._name_replacements(given) if n in out}
            if table:
                out = _names_pattern(tuple(table)).sub(lambda m: _name_sub(m, table), out)
        elif given and len(text) <= _MEMO_LIMIT:
            # what free_text(text, ()) gives: the same masks of the same text, then its names, memoised under
            # that call's key (its work up to here is this call's: not done twice)
            memo_key = ("free", text, ())
            hit = self._memo.get(memo_key)
            if hit is not None:
                return hit[0], list(hit[1])
        out, named = mask_text_names(out, self.mask_char)  # names no name field gave (我是张伟，…)
        if named:
            kinds.append("name")
        if memo_key is not None:
            # distinct texts of a large run: a bounded cache, not a copy of them all
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[memo_key] = (out, tuple(kinds))
        return out, kinds

    @staticmethod
    def _names_key(names: Any) -> tuple:
        """``names`` as a memo key: a tuple of names, or (_MAPPING, its items) for a name -> replacement mapping."""
        if type(names) is list or type(names) is tuple:  # the common case, before the slower ABC checks
            return tuple(names)
        if isinstance(names, Mapping):
            return (_MAPPING, tuple(names.items())) if names else ()
        return tuple(names)  # a generator is read once

    def _name_parts(self, given: tuple) -> list[str]:
        """Every string a replacement can be made for (a superset), to skip names a text does not hold."""
        key = ("parts", given)
        parts = self._memo.get(key)
        if parts is None:
            if given[:1] == (_MAPPING,):
                parts = [_clean(str(raw or "")) for raw, _ in given[1]]
            else:
                parts = [part for raw in given for part in split_name(str(raw or ""))]
            parts = self._memo[key] = [part for part in parts if len(part) >= 2]
        return parts

    def _name_replacements(self, given: tuple) -> list[tuple[str, str, bool]]:
        """(name, replacement, masked by us) for every usable name, longest first (memoised per name list)."""
        key = ("names", given)
        if key not in self._memo:
            names = dict(given[1]) if given[:1] == (_MAPPING,) else given
            self._memo[key] = self._compute_name_replacements(names)
        return self._memo[key]

    def _compute_name_replacements(self, names: Any) -> list[tuple[str, str, bool]]:
        pairs: dict[str, tuple[str, bool]] = {}
        if isinstance(names, Mapping):
            for raw, given in names.items():
                name = _clean(str(raw or ""))
                if len(name) >= 2 and given and given != name:
                    pairs[name] = (str(given), False)
        else:
            for raw in names:
                for part in split_name(str(raw or "")):
                    # Too short, masked, a staff number or a company (not personal data) are left alone.
                    if len(part) < 2 or self._masked(part) or re.search(r"\d", part):
                        continue
                    if is_company(part) and self.keep_company_names:
                        continue
                    replacement = self.person(part, company_ok=True)
                    if replacement and replacement != part:
                        pairs[part] = (replacement, True)
        # Longer names first, so 欧阳娜娜 is replaced before a shorter name inside it.
        return sorted(((n, r, own) for n, (r, own) in pairs.items()), key=lambda t: (-len(t[0]), t[0]))


_CUSTOMERS_MAX = 20000
_MEMO_MAX = 25_000  # as parse's: one-off texts of distinct customers; 100,000 took the tree past 500 MB
_MAPPING = object()  # tags a mapping's items in a memo key
_MEMO_LIMIT = 4096  # longer texts are rare and seldom repeat: not memoised


@lru_cache(maxsize=4096)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for all names (longest first, so the longer of two overlapping names wins)."""
    return re.compile("(" + "|".join(re.escape(n) for n in names) + ")(先生|女士|小姐)?")


def _name_sub(m: re.Match[str], table: dict[str, tuple[str, bool]]) -> str:
    name = m.group(1)
    replacement, own = table[name]
    if m.group(2) and own:
        return surname_of(name) + m.group(2)  # 张伟先生 -> 张先生
    return replacement + (m.group(2) or "")
