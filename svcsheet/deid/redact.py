"""Stage 4: identify the customer (keyed hash, before masking) and de-identify every value of a row.

After this stage ``row.safe`` and ``row.safe_findings`` are what every output except ``returns/`` writes.
The field type in the form definition decides how a value is masked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ahocorasick_rs import AhoCorasick, MatchKind

from ..findings import at_field
from ..forms import FieldSpec, FormSpec
from ..records import FieldMap, Finding, Row, SharedValues
from .deidentifier import Deidentifier, name_after_role, split_name
from .pii import is_service_line, strip_bidi

ID_KINDS = {"id_number", "passport"}
# Personal data masked inside a free-text field, which should not hold it: the agent is told (an ID number has
# its own finding); so is a name found in the text alone, not a name field's name (descriptions name the customer).
MASKED_KINDS = {"mobile": "手机号", "landline": "座机号", "bank_card": "银行卡号", "email": "电子邮箱", "address": "详细地址", "name": "姓名"}


class NameIndex:
    """Every person and staff name typed anywhere in the run, so a name is masked in any row's free text
    (an agent may mention another ticket's customer). A month of tickets names tens of thousands of customers:
    an Aho-Corasick automaton finds them in time linear in the text, whatever their number (a regex alternation
    of 50,000 names took 70 times as long). Leftmost-longest, as the alternation longest first did."""

    def __init__(self, names: Iterable[str], as_typed: bool = True) -> None:
        """``as_typed``: ``names`` as name fields give them, looked for with their parts (``terms``)."""
        self._names = tuple(sorted(self.terms(names) if as_typed else names, key=lambda n: (-len(n), n)))
        self._automaton = AhoCorasick(self._names, matchkind=MatchKind.LeftmostLongest) if self._names else None
        self._masked: dict[tuple, tuple[str, tuple[str, ...]]] = {}  # redact_row's free texts, see _RowNames
        self.times = SharedValues()  # equal times in the de-identified values: one object (they repeat by the minute)
        # every text the names were looked for in, when set (a file's de-identification in a worker: see
        # pipeline._deidentify_in_worker); a text masked from the memo was searched earlier with this index
        self.searched: set[str] | None = None
        self._joinable: dict[str, bool] = {}

    def __reduce__(self) -> tuple[type[NameIndex], tuple[tuple[str, ...]]]:
        return NameIndex, (self._names, False)  # the automaton does not pickle; the memos are rebuilt where it goes

    @staticmethod
    def terms(names: Iterable[str]) -> set[str]:
        """What is looked for: each name as typed, and the parts its own row's masking replaces (华强电子公司/阿依古丽,
        张 伟 is 张伟: Deidentifier._compute_name_replacements), so another row's text naming a part alone finds it."""
        found = set()
        for name in names:
            found.add(name)
            found.update(split_name(name))
        return {n for n in found if len(n) >= 2 and "*" not in n}

    @classmethod
    def from_rows(cls, rows: Iterable[Row], forms: dict[str, FormSpec]) -> NameIndex:
        return cls(name for row in rows for name in _names(row, forms[row.form]))

    def present(self, text: str | None) -> list[str]:
        if not text:
            return []
        if self.searched is not None:
            self.searched.add(text)
        if self._automaton is None:
            return []
        return list(dict.fromkeys(self._automaton.find_matches_as_strings(text)))

    def found(self, texts: str) -> set[str]:
        """Every name of this index found in ``texts`` (joined by a character no name holds: ``joinable``).
        When all of them are names of another index, ``present`` finds the same names in each of those texts
        as that index would: where no other name matches, the two find the same name at every position (both
        take the longest name starting there)."""
        return set(self._automaton.find_matches_as_strings(texts)) if self._automaton is not None else set()

    def joinable(self, sep: str) -> bool:
        """Whether no name of this index holds ``sep`` (texts joined by it cannot form a name across two).
        Asked once per file, of tens of thousands of names: answered once per separator."""
        known = self._joinable.get(sep)
        if known is None:
            known = self._joinable[sep] = not any(sep in n for n in self._names)
        return known


def redact_row(
    row: Row, form: FormSpec, deid: Deidentifier, run_names: NameIndex | None = None, own: list[str] | None = None
) -> None:
    """Fill ``row.customer_key`` and ``row.safe``; an ID number found in free text adds a finding. ``own``: the
    row's names (``person_names``) when the caller has them already."""
    plan = _plan(form)
    values = dict(row.values.items())  # one walk; each field is then a dict look-up
    phones = (p.value for k in plan.phones if (p := values.get(k)) is not None)
    phone = next((v for v in phones if v is not None), None)
    customer_id = values.get(plan.customer_id) if plan.customer_id else None
    customer_id = None if customer_id is None else customer_id.value
    row.customer_key = deid.customer_key(_text(phone), _text(customer_id))

    own = _names(row, form) if own is None else own
    names = _RowNames(own, deid, run_names)
    safe: dict[str, Any] = {}
    for key, spec, how in plan.fields:
        parsed = values.get(key)
        if parsed is None or parsed.value is None:
            safe[key] = None
            continue
        value = parsed.value
        if how == _STR_TEXT:  # free text when typed as text (a vague date kept as text)
            how = _TEXT if isinstance(value, str) else _TYPED if spec.mask else _AS_IS
        if how == _TEXT:
            # free text: masked inside, an ID number found is reported
            safe[key] = _free_text(row, form, key, str(value), names)
        elif how == _TIMELINE:
            safe[key] = tuple((when, _free_text(row, form, key, note, names)) for when, note in value)
        elif how == _TYPED:
            text = str(value)
            safe[key] = _mask_typed(spec, text, lambda t=text: names.all(t), deid)
        elif isinstance(value, str):
            safe[key] = strip_bidi(value)
        else:
            shared = run_names is not None and type(value) in (datetime, date)
            safe[key] = run_names.times.get(value) if shared else value
        if parsed.note:
            safe[f"{key}__note"] = _free_text(row, form, key, parsed.note, names)
    row.safe = FieldMap.of(safe)


_BY_TYPE = ("person", "phone", "staff", "signature")
# how a field's value is de-identified (redact_row): free text, a timeline's notes, by its type (or mask),
# free text if the value is text (else by its mask, else as it is), as it is
_TEXT, _TIMELINE, _TYPED, _STR_TEXT, _AS_IS = range(5)


@dataclass(frozen=True)
class _Plan:
    fields: tuple[tuple[str, FieldSpec, int], ...]  # (key, spec, how) in the form's order
    phones: tuple[str, ...]  # the phone fields: the first one filled identifies the customer
    customer_id: str | None


_PLANS: dict[int, tuple[FormSpec, _Plan]] = {}


def _plan(form: FormSpec) -> _Plan:
    """What redact_row does with each field of the form, worked out once per form."""
    hit = _PLANS.get(id(form))
    if hit is None or hit[0] is not form:
        fields = []
        for spec in form.fields:
            if spec.type == "timeline":
                how = _TIMELINE
            elif spec.type == "text":
                how = _TEXT
            elif spec.type in _BY_TYPE:
                how = _TYPED
            elif not spec.is_choice:
                how = _STR_TEXT
            else:
                how = _TYPED if spec.mask else _AS_IS
            fields.append((spec.key, spec, how))
        phones = tuple(f.key for f in form.fields if f.type == "phone")
        hit = _PLANS[id(form)] = (form, _Plan(tuple(fields), phones, form.role_key("customer_id")))
    return hit[1]


class _RowNames:
    """A row's own names and the run's names found in a text; free text masked with them, memoised per
    (text, own names) in the run's NameIndex (descriptions and notes repeat across rows)."""

    __slots__ = ("own", "key", "deid", "run_names")

    def __init__(self, own: list[str], deid: Deidentifier, run_names: NameIndex | None) -> None:
        self.own, self.key, self.deid, self.run_names = own, tuple(own), deid, run_names

    def all(self, text: str) -> list[str]:
        return _with_run_names(self.own, text, self.run_names)

    def free_text(self, text: str) -> tuple[str, tuple[str, ...]]:
        run_names = self.run_names
        if run_names is None or len(text) > _TEXT_MEMO_LIMIT:
            masked, kinds = self.deid.free_text(text, self.all(text))
            return masked or "", tuple(kinds)
        memo = run_names._masked
        key = (text, self.key, self.deid)
        hit = memo.get(key)
        if run_names.searched is not None:
            run_names.searched.add(text)  # searched by an earlier row: this row's too (pipeline._rows_naming_others)
        if hit is None:
            masked, kinds = self.deid.free_text(text, self.all(text), memo=False)  # kept here instead
            if len(memo) >= _TEXT_MEMO_MAX:
                memo.clear()
            hit = memo[key] = (masked or "", tuple(kinds))
        return hit


_TEXT_MEMO_MAX = 20_000  # ticket ids are free text too, one entry each: a small memo, refilled with what repeats
_TEXT_MEMO_LIMIT = 4096  # longer texts are rare and seldom repeat: not memoised


def mask_typed(spec: FieldSpec, text: str, names: list[str], deid: Deidentifier) -> str:
    """One value as typed, masked the way its field type says; used for the row and for its findings alike."""
    return _mask_typed(spec, text, lambda: names, deid)


def _mask_typed(spec: FieldSpec, text: str, names: Callable[[], list[str]], deid: Deidentifier) -> str:
    """mask_typed, with the names to replace looked for only where they are used (phones, other text)."""
    if spec.mask == "last4":
        text = strip_bidi(text)
        return text if len(text) <= 4 else "****" + text[-4:]
    if spec.type == "person":
        return deid.person(text, company_ok=spec.company_ok) or ""
    if spec.type == "staff":
        return deid.staff(text) or ""
    if spec.type == "signature":
        return "已签字"
    if spec.type == "phone":
        masked = deid.phone(text) or ""
        if masked == text and "*" not in text and not is_service_line(text):
            masked = "****" + text[-4:]  # not a phone (a WeChat id, an e-mail): a contact all the same
        return deid.free_text(masked, names())[0] or ""
    return deid.free_text(text, names())[0] or ""


def _with_run_names(own: list[str], text: str, run_names: NameIndex | None) -> list[str]:
    return own + [n for n in (run_names.present(text) if run_names else ()) if n not in own]


def redact_findings(
    row: Row, form: FormSpec, deid: Deidentifier, run_names: NameIndex | None = None, own: list[str] | None = None
) -> None:
    """Fill ``row.safe_findings``: every finding with its typed value and message de-identified.

    Run after the last stage that adds findings (SLA adds some).
    """
    names = _RowNames(_names(row, form) if own is None else own, deid, run_names)

    def clean(text: str) -> str:
        return names.free_text(text)[0]

    def value_of(f: Finding) -> str | None:
        if not f.value:
            return f.value
        spec = form.field(f.field) if f.field in form.field_keys else None
        if spec is not None and (spec.type in _BY_TYPE or spec.mask):
            text = f.value
            return _mask_typed(spec, text, lambda: names.all(text), deid)
        return clean(f.value)

    shown = row.shown_prov
    row.safe_findings = [_safe_finding(f, shown.file, shown.sheet, value_of(f), clean(f.message)) for f in row.findings]


def _safe_finding(f: Finding, file: str, sheet: str, value: str | None, message: str) -> Finding:
    """The finding as the outputs show it; the finding itself when nothing in it needed masking (no copy per row)."""
    if f.file == file and f.sheet == sheet and f.value == value and f.message == message:
        return f
    return replace(f, file=file, sheet=sheet, value=value, message=message)


def _free_text(row: Row, form: FormSpec, key: str, text: str, names: _RowNames) -> str:
    masked, kinds = names.free_text(text)
    if kinds:
        if ID_KINDS.intersection(kinds):
            _add_once(row, at_field("id_number_removed", row, form, key, value=None))
        shown = [MASKED_KINDS[k] for k in kinds if k in MASKED_KINDS]
        if shown:
            _add_once(row, at_field("pii_masked", row, form, key, value=None, kinds="、".join(shown)))
    return masked


def _add_once(row: Row, finding: Finding) -> None:
    """A timeline or a note may be masked entry by entry: one finding per field and message is enough."""
    if not any(f.code == finding.code and f.field == finding.field and f.message == finding.message for f in row.findings):
        row.findings.append(finding)


def person_names(row: Row, form: FormSpec) -> list[str]:
    """Every person and staff name typed in the row (to mask them in free text and in file names)."""
    return _names(row, form)


def _names(row: Row, form: FormSpec) -> list[str]:
    """Every person and staff name typed in the row, to be replaced wherever it appears in free text."""
    names = []
    for key, signature in _name_fields(form):
        value = row.value(key)
        if isinstance(value, str):
            name = _name_in(value, signature)
            if name is not None:
                names.append(name)
    return names


_NAME_FIELDS: dict[int, tuple[FormSpec, tuple[tuple[str, bool], ...]]] = {}


def _name_fields(form: FormSpec) -> tuple[tuple[str, bool], ...]:
    """(field key, is a signature) of the form's person, staff and signature fields."""
    hit = _NAME_FIELDS.get(id(form))
    if hit is None or hit[0] is not form:
        fields = tuple((f.key, f.type == "signature") for f in form.fields if f.type in ("person", "staff", "signature"))
        hit = _NAME_FIELDS[id(form)] = (form, fields)
    return hit[1]


# bounded for a month of distinct customers: 65,536 names held ~7 MB in each pool worker, for one-off names
@lru_cache(maxsize=8192)
def _name_in(value: str, signature: bool) -> str | None:
    """The name a person, staff or signature cell gives (names and signatures repeat across rows: memoised)."""
    if len(value.strip("*")) < 2:
        return None
    # A signature cell often says how it was confirmed (已签收, 电子确认), not who signed.
    if signature and (not _NAME_LIKE.fullmatch(value) or _CONFIRM_WORDS.search(value)):
        return None
    return name_after_role(value) or value


def forget_typed_names() -> None:
    """Drop the memo of names as typed (a run's de-identification is done; the next run fills it again)."""
    _name_in.cache_clear()


_NAME_LIKE = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_CONFIRM_WORDS = re.compile(r"[签确认已同意电子无未]")


def _first_value(row: Row, form: FormSpec, field_type: str) -> Any:
    for spec in form.fields:
        if spec.type == field_type and row.value(spec.key) is not None:
            return row.value(spec.key)
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- file names -----------------------------------------------------------------------------------

_FILE_NAMES = Deidentifier(b"file-names")  # free_text needs no key: the key only feeds customer hashes
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{p}{i}" for p in ("COM", "LPT") for i in [*"123456789", "¹", "²", "³"]]
)
_MAX_NAME = 150  # characters; Windows allows 255 UTF-16 units per name, paths add more


def mask_file_name(name: str, names: Iterable[str] = ()) -> str:
    """A file or sheet name de-identified as the outputs show it (phones, IDs, cards, e-mails masked, the given
    person names replaced, direction controls removed)."""
    return _FILE_NAMES.free_text(name, [n for n in names if n and n in name])[0] or ""


def safe_file_name(name: str) -> str:
    """A file name Windows and SMB shares can store: no ``<>:"/\\|?*`` or control characters (``*`` becomes
    the full-width ``＊``, the others ``_``), no direction controls, no trailing dots or spaces, not a reserved device name (CON, NUL, COM1 ...),
    at most 150 characters with the extension kept."""
    text = strip_bidi(unicodedata.normalize("NFC", str(name))).replace("*", "＊")  # a mask still reads as one
    text = _WINDOWS_BAD.sub("_", text).strip(" ")
    text = text.rstrip(" .")
    stem, dot, ext = text.partition(".")
    if stem.rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    if len(text) > _MAX_NAME:
        suffix = "." + text.rsplit(".", 1)[1] if "." in text and len(text.rsplit(".", 1)[1]) <= 10 else ""
        text = text[: _MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return text or "_"
