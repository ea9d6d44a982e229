"""Column layout shared by clean.xlsx and rejects.xlsx: provenance, customer key, every field label, SLA stages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from operator import attrgetter, itemgetter
from typing import Any

from ..forms import FormSpec
from ..records import Row
from .xlsx import MAX_WIDTH, Sheet, Styles, column_need, scan_column, scan_values, write_table

PROVENANCE = ["来源文件", "工作表", "行号"]
CUSTOMER = "客户标识"
COMMON_ISSUE = "共性问题"


def note_fields(form: FormSpec, rows: list[Row]) -> list[str]:
    """Fields that carry a note (4(上门及时)) in at least one row: they get an extra (说明) column."""
    seen: set[str] = set()
    for r in rows:  # only the note keys a row has are looked at (most rows have none)
        safe = r.safe
        for note in _note_keys(safe):
            if note not in seen and safe.get(note):
                seen.add(note)
    return [f.key for f in form.fields if f"{f.key}__note" in seen]


_NOTE_KEYS: dict[int, tuple[Any, tuple[str, ...]]] = {}


def _note_keys(safe: Any) -> tuple[str, ...]:
    """The note keys of a row's de-identified values; worked out once per key index a FieldMap shares."""
    index = getattr(safe, "_index", None)
    if index is None:
        return tuple(k for k in safe if k.endswith("__note"))
    hit = _NOTE_KEYS.get(id(index))
    if hit is None or hit[0] is not index:
        hit = _NOTE_KEYS[id(index)] = (index, tuple(k for k in index if k.endswith("__note")))
    return hit[1]


def field_headers(form: FormSpec, notes: list[str]) -> list[str]:
    headers = []
    for f in form.fields:
        headers.append(f.label)
        if f.key in notes:
            headers.append(f"{f.label}(说明)")
    return headers


def field_values(form: FormSpec, row: Row, notes: list[str]) -> list[Any]:
    values = []
    for f in form.fields:
        values.append(display(row.safe.get(f.key)))
        if f.key in notes:
            values.append(row.safe.get(f"{f.key}__note"))
    return values


class FieldColumns:
    """The field columns of one form's table (a note column after each field in ``notes``): ``values(row)`` is
    ``field_values(form, row, notes)``, taken by position from a row's FieldMap (positions worked out once per
    key index the rows share)."""

    def __init__(self, form: FormSpec, notes: list[str]) -> None:
        self.form, self.notes = form, notes
        self.keys: list[str] = []
        for f in form.fields:
            self.keys.append(f.key)
            if f.key in notes:
                self.keys.append(f"{f.key}__note")
        self._plans: dict[int, tuple[Any, Any]] = {}

    def values(self, row: Row) -> list[Any]:
        safe = row.safe
        index = getattr(safe, "_index", None)
        if index is None or len(self.keys) < 2:
            return field_values(self.form, row, self.notes)
        plan = self._plan(index)
        # a note is text, so display() (which changes tuples only) leaves the note columns as they are
        return [display(v) if isinstance(v, tuple) else v for v in plan[1](safe._values + (None,))]

    def columns(self, rows: list[Row]) -> list[list[Any]]:
        """The field columns of ``rows``: column ``i`` is ``[self.values(row)[i] for row in rows]``. Rows whose
        FieldMaps share one key index are read a column at a time (in C); rows of several indexes (a note
        or a field some files lack) are put in this table's order a row at a time, then transposed (in C)."""
        safes = list(map(_SAFE, rows))
        try:
            indexes = dict(zip(map(id, map(_INDEX, safes)), map(_INDEX, safes), strict=True))
        except AttributeError:  # not FieldMaps
            indexes = {}
        if not indexes or len(self.keys) < 2 or any(type(index) is not dict for index in indexes.values()):
            return [list(col) for col in zip(*map(self.values, rows), strict=True)]
        values = list(map(_VALUES, safes))
        if len(indexes) == 1:
            # one pass over the rows' values (each row's tuple read once: the rows lie all over the heap)
            index = next(iter(indexes.values()))
            every = list(zip(*values, strict=True))
            out = [
                [None] * len(rows) if (at := index.get(key)) is None else list(every[at]) for key in self.keys
            ]
        else:
            getters = {i: self._plan(index)[1] for i, index in indexes.items()}
            # a key the row does not have reads the None appended
            ordered = [getters[id(safe._index)](v + (None,)) for safe, v in zip(safes, values, strict=True)]
            out = [list(col) for col in zip(*ordered, strict=True)]
        for c, col in enumerate(out):
            # a note is text, so display() (which changes tuples only) leaves the note columns as they are
            if any(issubclass(kind, tuple) for kind in set(map(type, col))):
                out[c] = [display(v) if isinstance(v, tuple) else v for v in col]
        return out

    def _plan(self, index: dict[str, int]) -> tuple[Any, Any]:
        """(index, getter of this table's keys from a row's values with a None appended), once per index."""
        plan = self._plans.get(id(index))
        if plan is None or plan[0] is not index:
            missing = len(index)  # a key the row does not have reads the None appended
            plan = self._plans[id(index)] = (index, itemgetter(*(index.get(k, missing) for k in self.keys)))
        return plan


_SAFE, _VALUES, _INDEX = attrgetter("safe"), attrgetter("_values"), attrgetter("_index")
_PROV = attrgetter("file", "sheet", "row")


def shared_index(maps: list[Any]) -> dict[str, int] | None:
    """The key index every one of ``maps`` (FieldMaps) shares; None: they do not share one, or one is not a
    FieldMap."""
    if not maps:
        return None
    try:
        ids = set(map(id, map(_INDEX, maps)))
    except AttributeError:
        return None
    index = maps[0]._index
    return index if len(ids) == 1 and type(index) is dict else None


def verdict_columns(rows: list[Row], keys: list[str], shown: dict[int, tuple[Any, str]]) -> list[list[Any]]:
    """Per stage key, each row's verdict text (``verdict_text``) or None: a verdict's text looked up once per
    distinct verdict object of the column (equal verdicts are mostly one object)."""
    slas = [r.sla for r in rows]
    index = shared_index(slas)
    if index is None:
        return [
            [None if (res := sla.get(k)) is None else verdict_text(res, shown) for sla in slas] for k in keys
        ]
    values = list(map(_VALUES, slas))
    out = []
    for key in keys:
        at = index.get(key)
        if at is None:
            out.append([None] * len(rows))
            continue
        col = list(map(itemgetter(at), values))
        ids = list(map(id, col))
        texts = {
            i: None if v is None else verdict_text(v, shown)
            for i, v in dict(zip(ids, col, strict=True)).items()
        }
        out.append(list(map(texts.__getitem__, ids)))
    return out


def shown_provenance(row: Row) -> tuple[Any, Any, Any]:
    """The (file, sheet, row) an output shows for ``row``."""
    return _PROV(row.shown_prov)


def provenance_columns(rows: list[Row]) -> list[list[Any]]:
    """``provenance(row)`` of each row, as three columns (file, sheet, row)."""
    provs = map(shown_provenance, rows)  # each provenance read once
    return [list(col) for col in zip(*provs, strict=True)] if rows else [[], [], []]


def display(value: Any) -> Any:
    """A de-identified value as a cell: timelines become lines of text, multi choices joined with 、."""
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "\n".join(f"{when:%Y-%m-%d %H:%M} {note}" if when else str(note) for when, note in value)
    if isinstance(value, tuple):
        return "、".join(str(v) for v in value)
    return value


def verdict_text(res: Any, shown: dict[int, tuple[Any, str]]) -> str:
    """``res.cell_text()`` of an SLA verdict, once per verdict object (equal verdicts are mostly one object);
    ``shown`` holds each object with its text, so an id is never another object's."""
    hit = shown.get(id(res))
    if hit is None or hit[0] is not res:
        if len(shown) >= SHOWN_MAX:
            shown.clear()  # a month of times of their own: every verdict is its own object, and none repeats
        hit = shown[id(res)] = (res, res.cell_text())
    return hit[1]


# verdict texts ``shown`` keeps (the samples' times give a few hundred verdict objects; a real month's, one per row
# and stage: 300,000 texts held through clean.xlsx's writing at 100,000 rows)
SHOWN_MAX = 20_000


def provenance(row: Row) -> list[Any]:
    prov = row.shown_prov
    return [prov.file, prov.sheet, prov.row]


# table rows built at a time. Each part's cells, rows and joined XML are alive together: at 8,192 rows a part of
# clean.xlsx was ~40 MB of XML held three times over, the run's memory peak on a month of distinct customers and
# times (write_clean +76 MB RSS at 100,000 rows; at 2,048 its stage no longer sets the peak). Same bytes, same CPU.
PART = 2048


def write_table_in_parts(
    ws: Sheet, headers: list[str], make: Callable[[], Iterable[Sequence]], st: Styles
) -> None:
    """``write_table(ws, 0, headers, list(make()), st)`` without holding every row: the rows are made twice,
    a part at a time, first for the header's alignment (a header over numbers or times is right-aligned),
    then to be written. A whole form's table, then the 时效明细 lines, were the largest part of the run's
    memory peak (+40 MB each at 100,000 rows). Every row has one value per header. Same bytes (a test
    compares): a part's last row goes through xlsxwriter, as a table's last row does, which writes it the same."""
    first = list(islice(make(), PART))
    if len(first) < PART:  # a short table: as it was
        write_table(ws, 0, headers, first, st)
        return
    del first
    width = len(headers)
    # per column: holds a value that is not numeric, holds a number
    state = [[False, False] for _ in range(width)]
    # per column: the width its values need (None: not known, then the sheet part is deflated at the close)
    needs: list[float] | None = [0.0] * width
    count = empty = 0
    for part in _parts(make()):
        count += len(part)
        _numeric_state(part, state)
        if needs is not None:
            needs = _needs(part, needs)
        empty = _trailing_empty(part, empty)
    _start_table(ws, headers, state, needs, count, empty, st)
    top = 1
    try:
        for part in _parts(make()):
            ws.write_rows(top, part)
            top += len(part)
    except BaseException:
        ws.stop_deflate()  # the workbook will not be closed: its deflate thread must not wait for it
        raise


Columns = list[Sequence]  # a part of a table given column by column: one sequence per header, of one length


def write_columns_in_parts(
    ws: Sheet, headers: list[str], make: Callable[[], Iterable[Columns]], st: Styles
) -> None:
    """``write_table_in_parts`` for a table whose parts ``make()`` gives column by column (each part one
    sequence of values per header, PART rows long but the last): the same bytes, without making each row a
    list and taking the lists apart again (``Sheet.write_columns`` builds the cells column by column)."""
    parts = iter(make())
    first = next(parts, None)
    if first is None or len(first[0]) < PART:  # a short table: as write_table_in_parts writes it
        rows = [] if first is None else [list(values) for values in zip(*first, strict=True)]
        write_table(ws, 0, headers, rows, st)
        return
    width = len(headers)
    state = [[False, False] for _ in range(width)]  # as write_table_in_parts gathers them
    needs: list[float] | None = [0.0] * width
    count = empty = 0
    for part in chain([first], parts):  # the first pass goes on with the parts already begun
        first = None  # (the first part is not held past its turn)
        n = len(part[0])
        count += n
        for c, st_c in enumerate(state):
            if not st_c[0]:
                other, numeric = scan_values(part[c])
                st_c[0] = other
                st_c[1] = st_c[1] or numeric
        if needs is not None:
            needs = _column_needs(part, needs)
        empty = _trailing_empty_columns(part, n, empty)
    _start_table(ws, headers, state, needs, count, empty, st)
    top = 1
    try:
        for part in make():
            ws.write_columns(top, part)
            top += len(part[0])
    except BaseException:
        ws.stop_deflate()  # the workbook will not be closed: its deflate thread must not wait for it
        raise


def _start_table(
    ws: Sheet,
    headers: list[str],
    state: list[list[bool]],
    needs: list[float] | None,
    count: int,
    empty: int,
    st: Styles,
) -> None:
    """The header row, filter, frozen pane and print header of a table written in parts, then (widths known)
    its sheet part started (rows deflated as written)."""
    width = len(headers)
    for c, h in enumerate(headers):
        bad, numeric = state[c]
        ws.write_string(0, c, h, st.header_right if numeric and not bad else st.header)
    if count <= 30:  # as write_table keeps a short table on one page (only with a small PART)
        ws.keep_rows(0, count)
    ws.autofilter(0, 0, max(count, 1), width - 1)
    ws.freeze_panes(1, 0)
    ws.header_row = 0
    if needs is not None:  # the header, filter and page setup are set: the sheet part can start now
        ws.deflate_rows({c: n for c, n in enumerate(needs) if state[c] != [False, False]}, count - empty)


def _column_needs(part: Columns, needs: list[float]) -> list[float] | None:
    """``_needs`` of a part given column by column."""
    for c, need in enumerate(needs):
        if need < MAX_WIDTH:
            got = column_need(part[c], need)
            if got is None:
                return None
            needs[c] = got
    return needs


def _trailing_empty_columns(part: Columns, n: int, before: int) -> int:
    """``_trailing_empty`` of a part of ``n`` rows given column by column."""
    for i in range(n - 1, -1, -1):
        for col in part:
            v = col[i]
            if v is not None and v != "":
                return n - 1 - i
    return before + n


def _needs(part: list[Sequence], needs: list[float]) -> list[float] | None:
    """``needs`` (the width each column's values need so far) with this part's values; None: one not measured."""
    whole = set(map(len, part)) == {len(needs)}
    columns = list(zip(*part, strict=True)) if whole else None  # one transposition, in C
    for c, need in enumerate(needs):
        if need < MAX_WIDTH:
            got = column_need(columns[c] if columns else [r[c] if c < len(r) else None for r in part], need)
            if got is None:
                return None
            needs[c] = got
    return needs


def _trailing_empty(part: list[Sequence], before: int) -> int:
    """Rows without a value at the end of the table so far (they are no rows of the sheet)."""
    for i, row in enumerate(reversed(part)):
        if any(v is not None and v != "" for v in row):
            return i
    return before + len(part)


def in_parts(items: Iterable[Any], build: Callable[[list[Any]], Columns]) -> Iterator[Columns]:
    """``build(part)`` of each part of PART items (the last shorter): a table's parts, column by column."""
    for part in _parts(items):
        yield build(part)


def _parts(rows: Iterable[Sequence]) -> Iterator[list[Sequence]]:
    it = iter(rows)
    while part := list(islice(it, PART)):
        yield part


def _numeric_state(part: list[Sequence], state: list[list[bool]]) -> None:
    """What ``xlsx.write_table`` decides for each column's header, gathered a part at a time: a column is
    numeric when it holds a value and every value but None and "" is a number, date or time (not a bool)."""
    for c, st in enumerate(state):
        if not st[0]:
            other, numeric = scan_column(part, c, whole=True)
            st[0] = other
            st[1] = st[1] or numeric
