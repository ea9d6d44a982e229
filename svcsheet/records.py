"""Plain records that carry one row through the batch: read -> parse -> validate -> de-identify -> SLA.

No workbook object travels past the reader; every record keeps its provenance (file, sheet, row, cell).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

_INDEXES: dict[tuple[str, ...], dict[str, int]] = {}
_KEYS: dict[int, tuple[str, ...]] = {}  # id of a shared index -> its keys (indexes are never dropped)


class FieldMap(Mapping[str, Any]):
    """A read-only mapping (field key -> value) whose keys are an index shared by every row with the same keys.

    At 100,000 rows a dict per row for the parsed values, the de-identified values and the SLA verdicts was about
    1.8 KB a row; this is the values tuple and one pointer to the shared index.
    """

    __slots__ = ("_index", "_values")

    def __init__(self, keys: Iterable[str], values: Iterable[Any]) -> None:
        keys = tuple(keys)
        index = _INDEXES.get(keys)
        if index is None:
            index = {k: i for i, k in enumerate(keys)}
            if len(index) != len(keys):
                raise ValueError(f"duplicate keys: {keys}")
            index = _INDEXES.setdefault(keys, index)
            _KEYS.setdefault(id(index), keys)
        self._index = index
        self._values = tuple(values)
        if len(self._values) != len(index):
            raise ValueError("one value per key")

    @classmethod
    def of(cls, mapping: Mapping[str, Any]) -> FieldMap:
        """The mapping as a FieldMap (itself when it is one)."""
        if isinstance(mapping, FieldMap):
            return mapping
        return cls(mapping.keys(), mapping.values())

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> ItemsView[str, Any]:
        return _FieldItems(self)

    def values(self) -> ValuesView[Any]:
        return _FieldValues(self)

    @property
    def key_tuple(self) -> tuple[str, ...]:
        """The keys, in order (the one tuple every FieldMap with these keys shares)."""
        return _KEYS[id(self._index)]

    @property
    def value_tuple(self) -> tuple[Any, ...]:
        """The values, in the keys' order."""
        return self._values

    def share(self, shared: SharedValues) -> None:
        """Each value replaced by an equal one ``shared`` holds already (the same mapping: equal values)."""
        self._values = shared.all(self._values)

    def share_texts(self, texts: dict[str, str]) -> None:
        """Each text (a plain str) replaced by the equal one ``texts`` holds, added when new; other values kept."""
        self._values = tuple([texts.setdefault(v, v) if type(v) is str else v for v in self._values])

    def __reduce__(self) -> tuple:
        # the one keys tuple of the index: pickled once for all the rows of a file, not once a row
        return (FieldMap, (_KEYS[id(self._index)], self._values))

    def __repr__(self) -> str:
        return f"FieldMap({dict(zip(self._index, self._values, strict=True))!r})"


class SharedValues:
    """One object per distinct value seen lately (equal SLA verdicts, equal times): rows read in other processes
    arrive with their own copies of values that repeat across files (the same times at minute precision, the
    same verdicts). Bounded: emptied when full, so a run of all-distinct values holds no index of them all.
    Only for values whose equal ones print the same (naive times: parsing drops any time zone)."""

    __slots__ = ("_memo", "_max", "_kind", "_fields")

    def __init__(self, max_size: int = 50_000, by_fields: type | None = None) -> None:
        """``by_fields``: a frozen dataclass with the generated ``__eq__`` (two values are equal when their
        fields are): its values are looked up by the tuple of their fields, made and hashed in C, instead of by
        the generated ``__hash__`` and ``__eq__``, which run in Python (the run shares ~300,000 SLA verdicts)."""
        self._memo: dict[Any, Any] = {}
        self._max = max_size
        self._kind = by_fields
        self._fields = None
        if by_fields is not None:
            if not all(f.compare for f in fields(by_fields)):
                raise ValueError(f"{by_fields.__name__}: a field left out of its equality")
            self._fields = attrgetter(*(f.name for f in fields(by_fields)))

    def get(self, value: Any) -> Any:
        """The shared object equal to ``value`` (``value`` itself the first time, or when it cannot be hashed)."""
        memo = self._memo
        kind = type(value)
        # 1, 1.0 and True are equal: never one for the other
        key = (kind, self._fields(value)) if kind is self._kind else (kind, value)
        try:
            hit = memo.get(key)
        except TypeError:
            return value
        if hit is None:
            if len(memo) >= self._max:
                memo.clear()
            memo[key] = hit = value
        return hit

    def all(self, values: Iterable[Any]) -> tuple[Any, ...]:
        """``get`` of each value, as a tuple."""
        get = self.get
        return tuple([get(v) for v in values])


class _FieldItems(ItemsView):
    """(key, value) pairs in one walk (the generic view looks every key up again)."""

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        fm: FieldMap = self._mapping  # type: ignore[assignment]
        return zip(fm._index, fm._values, strict=True)


class _FieldValues(ValuesView):
    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping._values)  # type: ignore[attr-defined]


_Record = TypeVar("_Record", bound=type)


def _pickled_by_fields(cls: _Record) -> _Record:
    """Pickle ``cls`` (a frozen, slotted dataclass) as a call with its fields: the dataclass default lists the fields
    (``dataclasses.fields``) for every object pickled and again for every object unpickled, ~3 us an object. A
    worker process sends every row's provenance and parsed values to the run: ~70,000 objects at 20,000 rows."""
    get = attrgetter(*(f.name for f in fields(cls)))

    def __reduce__(self: Any) -> tuple:
        return cls, get(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a row came from. ``row`` is the 1-based worksheet row (for a card: the row of its id cell)."""

    file: str
    sheet: str
    row: int


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Cell:
    """One field's cell as read: its address (``B5``) and the value exactly as stored in the workbook."""

    ref: str | None
    raw: Any


@dataclass
class RawRow:
    """A data row (or a card) recognised as one form, before any parsing."""

    form: str
    prov: Provenance
    cells: dict[str, Cell]  # field key -> cell; fields absent from the sheet are absent here
    layout: str = "list"  # "list" or "card"


@dataclass(frozen=True)
class SheetInfo:
    """What the reader made of one sheet: its form (or None and the reason), header row and rows read."""

    file: str
    sheet: str
    form: str | None
    reason: str  # Chinese, shown to the supervisor: why recognised or why not
    header_row: int | None = None
    rows: int = 0
    hidden: bool = False


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Parsed:
    """A cell's value after parsing: the typed value, an optional note and what the parser had to say.

    ``issues`` holds (finding code, params) pairs; the validator turns them into Findings.
    """

    value: Any = None
    note: str | None = None
    precision: str | None = None  # "minute", "date" (time unknown), "vague" (kept as text)
    issues: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def empty(self) -> bool:
        return self.value is None and not self.issues


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to tell an agent or supervisor, pointing at a cell. Never copies a whole row."""

    code: str
    severity: str  # "error" rejects the row, "warning" keeps it, "info" is a note
    file: str
    sheet: str
    row: int | None
    cell: str | None
    field: str | None  # field key
    label: str | None  # field label as in `svcsheet schema`
    message: str  # Chinese: what is wrong and what to write instead
    value: str | None = None  # as typed; de-identified before it is written outside returns/
    form: str | None = None
    ticket_id: str | None = None


@dataclass(slots=True)
class Row:
    """A parsed row: typed values beside the raw ones, its findings, and later its de-identified view."""

    form: str
    prov: Provenance
    cells: Mapping[str, Cell]
    values: Mapping[str, Parsed]  # a FieldMap once validated
    findings: list[Finding] = field(default_factory=list)
    layout: str = "list"
    ticket_id: str | None = None
    customer_key: str | None = None  # keyed hash of phone / customer id, computed before masking
    safe: Mapping[str, Any] = field(default_factory=dict)  # de-identified values for every output (a FieldMap)
    safe_findings: list[Finding] = field(
        default_factory=list
    )  # findings with de-identified value and message
    sla: Mapping[str, Any] = field(default_factory=dict)  # stage key -> StageResult (a FieldMap)
    cluster: str | None = None  # common issue id
    safe_prov: Provenance | None = None  # provenance with names and numbers in file/sheet names masked

    @property
    def shown_prov(self) -> Provenance:
        """The provenance every output except returns/ shows."""
        return self.safe_prov or self.prov

    @property
    def rejected(self) -> bool:
        for f in self.findings:  # asked for every row by every stage: a loop, not a generator
            if f.severity == "error":
                return True
        return False

    def value(self, key: str) -> Any:
        p = self.values.get(key)
        return None if p is None else p.value
