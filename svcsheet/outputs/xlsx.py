"""Safe, reproducible, readable workbook writing shared by every output (clean, rejects, summary, returns).

- text is always written as text: a value starting with = + - @ never becomes a formula;
- dates and times are real Excel dates with a visible number format;
- fixed document timestamps, so the same content gives the same bytes;
- readable as opened and as printed: ``Sheet`` measures what is written and sizes each column from its content
  (ids and times never cut, no ``###``), wraps long text with row heights set, and ``finish`` applies the page
  setup (A4 landscape, one page wide, repeated header rows, a footer with sheet name and page, page breaks that
  keep charts and short blocks whole).
"""

from __future__ import annotations

import codecs
import copy
import ctypes
import io
import math
import os
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from itertools import compress, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellDatetimeTuple, CellStringTuple, Worksheet, _preserve_whitespace

from .xlsx_deflate import DeflatingRows, PartDeflater, store_workbook

FIXED_CREATED = datetime(2024, 1, 1, 0, 0, 0)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
CELL_LIMIT = 32767
TRUNCATED = "…（超长，已截断）"


@dataclass
class Styles:
    """The few cell formats every output uses."""

    title: Any
    header: Any
    header_right: Any
    text: Any
    wrap: Any
    datetime: Any
    date: Any
    time: Any
    number: Any
    percent: Any
    bad: Any
    warn: Any
    good: Any


def new_workbook(path: Path, *, stream: bool = False) -> tuple[xlsxwriter.Workbook, Styles]:
    """A workbook that never turns strings into formulas, numbers or links, with fixed timestamps.

    ``stream``: rows go to disk as they are written (xlsxwriter's constant_memory), for the large outputs
    whose sheets are written top to bottom, one row after the other."""
    wb = _Workbook(
        str(path),
        {
            "constant_memory": stream,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATETIME_FORMAT,
        },
    )
    wb.worksheet_class = _StreamWorksheet
    wb.set_properties({"created": FIXED_CREATED, "author": "svcsheet", "title": path.stem})
    wb.set_calc_mode("auto")
    base = {"font_name": "微软雅黑", "font_size": 10, "valign": "top"}
    styles = Styles(
        title=wb.add_format({**base, "bold": True, "font_size": 14}),
        header=wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        # over a column of numbers or times: the header sits where the values sit
        header_right=wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "right"}
        ),
        text=wb.add_format(base),
        wrap=wb.add_format({**base, "text_wrap": True}),
        datetime=wb.add_format({**base, "num_format": DATETIME_FORMAT}),
        date=wb.add_format({**base, "num_format": DATE_FORMAT}),
        time=wb.add_format({**base, "num_format": "hh:mm"}),
        number=wb.add_format({**base, "num_format": "0.00"}),
        percent=wb.add_format({**base, "num_format": "0.0%"}),
        bad=wb.add_format({**base, "bg_color": "#F8CBAD"}),
        warn=wb.add_format({**base, "bg_color": "#FFE699"}),
        good=wb.add_format({**base, "bg_color": "#C6EFCE"}),
    )
    return wb, styles


# what xlsxwriter's _escape_control_characters rewrites: _xHHHH_ look-alikes, control characters, U+FFFE/U+FFFF
_CONTROL = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")


class _Workbook(xlsxwriter.Workbook):
    """``close`` packages and deflates the workbook; inside ``closing_in_background()`` it does so in a thread
    (zlib releases the GIL: the deflate runs on another core while the next output is built). Once a streamed
    workbook is written, the width memo its sheets filled is dropped and the freed heap pages handed back:
    what stayed of the memo kept a few objects in most of the memory the writer used for its tables, so none of
    it could be given back (+110 MB at 100,000 rows)."""

    def close(self) -> None:
        later = _BACKGROUND.get()
        if later is None:
            self._close_now()
        else:
            later.append(BackgroundClose(self))

    predeflated: list[str] = []  # members deflated while their rows were written (xlsx_deflate)

    def _store_workbook(self) -> None:
        parts = [ws._part for ws in self.worksheets() if getattr(ws, "_part", None) is not None]
        if not parts:
            super()._store_workbook()
            return
        self.predeflated = store_workbook(self, parts)

    def _close_now(self) -> None:
        try:
            super().close()
        finally:
            # each sheet holds the workbook's add_format (a bound method): the only reference cycle of a workbook,
            # so without it a closed workbook is freed as soon as it is dropped, not by a garbage collection
            # walking its cells first (summary.xlsx: ~500,000 objects at 100,000 rows)
            for sheet in self.worksheets():
                sheet.workbook_add_format = None
            if self.constant_memory:
                _line_width.cache_clear()
                _release_freed_memory()


class BackgroundClose:
    """A workbook being closed in a thread; ``join`` waits for it and raises what the close raised."""

    def __init__(self, wb: _Workbook) -> None:
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(wb,), name="svcsheet-xlsx-close", daemon=True)
        self._thread.start()

    def _run(self, wb: _Workbook) -> None:
        try:
            wb._close_now()
        except BaseException as exc:  # noqa: BLE001 - raised again by join, in the caller's thread
            self.error = exc

    def join(self) -> None:
        self.wait()
        if self.error is not None:
            raise self.error

    def wait(self) -> None:
        self._thread.join()


_BACKGROUND: ContextVar[list[BackgroundClose] | None] = ContextVar("svcsheet_xlsx_background", default=None)


@contextmanager
def closing_in_background() -> Iterator[list[BackgroundClose]]:
    """Workbooks closed inside this block are closed in threads, listed in the yielded list: the caller must
    ``join`` each before it reads, moves or removes their files (and before forking)."""
    later: list[BackgroundClose] = []
    token = _BACKGROUND.set(later)
    try:
        yield later
    finally:
        _BACKGROUND.reset(token)


def _release_freed_memory() -> None:
    """malloc_trim: glibc keeps freed heap pages otherwise; a no-op where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


# issue 12: streamed tables written in parts deflate their sheet part as the rows are written (xlsx_deflate);
# off, every part is deflated when the workbook closes, as xlsxwriter does (the same bytes: tests compare)
DEFLATE_WHILE_WRITING = True

_INLINE_MEMO = 50_000  # distinct texts whose cell XML is kept (ids are unique: the memo is cleared when full)


class _StreamWorksheet(Worksheet):
    """A worksheet that writes formatted text and number cells with less per-cell work.

    Streamed (constant_memory): xlsxwriter escapes every inline string again (two regex substitutions and a
    search per cell); here the escaped XML of a text is built once per distinct text, by xlsxwriter's own
    escaping functions, so the bytes are those xlsxwriter writes. Not streamed (shared strings): the cell is
    one formatted string, as xlsxwriter writes it after escaping attributes that need none (a cell address, a
    format index, a string index). Anything else (unformatted cells, rich strings, formulas) is written by
    xlsxwriter itself.
    """

    def __init__(self) -> None:
        super().__init__()
        self._inline: dict[str, str | None] = {}
        self._part: PartDeflater | None = None  # rows deflated as they are written (Sheet.deflate_rows)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        fmt = cell.format
        kind = type(cell).__name__
        if fmt is None:
            super()._write_cell(row, col, cell)
        elif kind in ("Number", "Datetime"):
            ref = xl_rowcol_to_cell_fast(row, col)
            self.fh.write(f'<c r="{ref}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>')
        elif kind == "String" and not self.constant_memory:  # a shared string: its index
            ref = xl_rowcol_to_cell_fast(row, col)
            self.fh.write(f'<c r="{ref}" s="{fmt._get_xf_index()}" t="s"><v>{cell.string}</v></c>')
        elif kind == "String":
            tail = self._inline.get(cell.string, "")
            if tail == "":
                if len(self._inline) >= _INLINE_MEMO:
                    self._inline.clear()
                tail = self._inline[cell.string] = self._inline_tail(cell.string)
            if tail is None:
                super()._write_cell(row, col, cell)
            else:
                self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"{tail}')
        else:
            super()._write_cell(row, col, cell)

    def _calculate_spans(self) -> None:
        """xlsxwriter's ``spans`` (per block of 16 rows, the first and last column holding a cell or a comment),
        from each row's own columns instead of a test of every column of the sheet in every row."""
        spans: dict[int, str] = {}
        lo = hi = -1
        cmin, cmax, last = self.dim_colmin, self.dim_colmax, self.dim_rowmax
        table, comments = self.table, self.comments
        for row_num in range(self.dim_rowmin, last + 1):
            for cols in (table.get(row_num), comments.get(row_num)):
                if cols:
                    a, b = min(cols), max(cols)
                    if a < cmin or b > cmax:  # only the columns inside the dimensions count
                        inside = [c for c in cols if cmin <= c <= cmax]
                        if not inside:
                            continue
                        a, b = min(inside), max(inside)
                    if lo < 0:
                        lo, hi = a, b
                    else:
                        lo, hi = min(lo, a), max(hi, b)
            if (row_num + 1) % 16 == 0 or row_num == last:
                if lo >= 0:
                    spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                    lo = -1
        self.row_spans = spans

    def _write_rows(self) -> None:
        """xlsxwriter's ``_write_rows`` (a sheet held to the end): each row's cells in column order, from the
        row's own columns instead of a test of every column of the sheet."""
        self._calculate_spans()
        table, comments, row_info, spans = self.table, self.comments, self.row_info, self.row_spans
        cmin, cmax = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table[row_num]  # (a defaultdict: as xlsxwriter's test leaves it)
            if not (cells or row_num in row_info or row_num in comments):
                continue
            span = spans.get(row_num // 16)
            info = row_info.get(row_num)
            if not cells:
                self._write_empty_row(row_num, span, info)
                continue
            self._write_row(row_num, span, info)
            cols = sorted(cells)
            if cols[0] < cmin or cols[-1] > cmax:
                cols = [c for c in cols if cmin <= c <= cmax]
            for col_num in cols:
                self._write_cell(row_num, col_num, cells[col_num])
            self._xml_end_tag("row")

    def _write_optimized_sheet_data(self) -> None:
        """A streamed sheet's rows copied into its XML part as bytes. xlsxwriter copies them as text: every byte
        of the rows decoded and encoded again (most of what a streamed workbook's close does besides the
        deflate, and it holds the interpreter lock). A text-mode read turns ``\r\n`` and a lone ``\r`` into
        ``\n`` (universal newlines; xlsxwriter escapes a cell's ``\r``, but a formula keeps it): so does this."""
        if self._part is not None:
            self._end_part()
            return
        fh, rows = self.fh, self.row_data_fh
        if (
            self.dim_rowmin is None
            or os.linesep != "\n"
            or not isinstance(fh, io.TextIOWrapper)
            or not isinstance(rows, io.TextIOWrapper)
            or rows.closed
        ):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        rows.flush()
        fh.flush()
        out = fh.buffer
        with open(self.row_data_filename, "rb") as src:
            held = b""
            while chunk := src.read(1 << 20):
                if held:
                    chunk, held = held + chunk, b""
                if b"\r" in chunk:
                    if chunk.endswith(b"\r"):  # it may be the first half of a \r\n
                        chunk, held = chunk[:-1], b"\r"
                    chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                out.write(chunk)
            if held:
                out.write(b"\n")
        rows.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _end_part(self) -> None:
        """A sheet whose rows were deflated as written: the rows stay in the deflate stream, and the package takes
        them from it (``xlsx_deflate.store_workbook``); the part's file gets the rest, and where the rows go in it."""
        part, fh = self._part, self.fh
        self.row_data_fh.close()  # the last rows deflated (raises what the deflate raised)
        if self.dim_rowmin is None or not isinstance(fh, io.TextIOWrapper):  # as xlsxwriter writes it
            self._part = None
            if self.dim_rowmin is None:
                self._xml_empty_tag("sheetData")
            else:
                self._xml_start_tag("sheetData")
                text = codecs.getincrementaldecoder("utf-8")()
                for chunk in part.rows():
                    fh.write(text.decode(chunk))
                self._xml_end_tag("sheetData")
            part.close()
            return
        fh.flush()
        part.path, part.split = fh.name, fh.buffer.tell()

    def _inline_tail(self, string: str) -> str | None:
        """What follows the cell's attributes, as xlsxwriter writes an inline string; None: a rich string."""
        if _CONTROL.search(string):  # rare: xlsxwriter's two substitutions change nothing otherwise
            string = self._escape_control_characters(string)
        if string.startswith("<r>") and string.endswith("</r>"):
            return None
        preserve = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        return f' t="inlineStr"><is><t{preserve}>{self._escape_data(string)}</t></is></c>'


# values besides text whose cell fragment is memoised by (type, value): equal values of these types write the same
# cell, except -0.0 == 0.0 and aware datetimes equal across zones (both left out where the memo is used)
_MEMO_TYPES = frozenset({int, float, datetime, date, time})
_ZONED = frozenset({datetime, time})  # the memo types that may carry a zone (getattr on an int raises inside)
_MISSING = object()


# column by column (Sheet._write_rows_by_column): the value types whose equal values always write the same cell
# (not float: 0.0 == -0.0; not bool: True == 1; an aware datetime or time is checked on its own)
_COLUMN_KINDS = frozenset({str, int, datetime, date, time, type(None)})
# distinct values a table's columns keep the cell XML of (ids are unique: cleared when full)
_COLUMN_MEMO = 100_000
_ROW_OPEN = b'<row r="\x00">'
_EMPTY_ROW = _ROW_OPEN + b"</row>"


class _ColumnMemo:
    """One column's cell XML per distinct value (with ``\x00`` for the row number), its texts on several lines
    (value -> line count) and its values without a fragment."""

    def __init__(self, letter: str) -> None:
        self.letter = letter
        self.xml: dict[Any, bytes | None] = {}
        self.lines: dict[Any, int] = {}
        self.none: set[Any] = set()

    def clear(self) -> None:
        self.xml.clear()
        self.lines.clear()
        self.none.clear()


def _grow(ws: Worksheet, row: int, first_col: int, last_col: int) -> None:
    """The dimensions xlsxwriter records when cells from ``first_col`` to ``last_col`` of ``row`` are written."""
    if ws.dim_rowmin is None or row < ws.dim_rowmin:
        ws.dim_rowmin = row
    if ws.dim_rowmax is None or row > ws.dim_rowmax:
        ws.dim_rowmax = row
    if ws.dim_colmin is None or first_col < ws.dim_colmin:
        ws.dim_colmin = first_col
    if ws.dim_colmax is None or last_col > ws.dim_colmax:
        ws.dim_colmax = last_col


def _grown(grown: list[int] | None, row: int, lo: int, hi: int) -> list[int]:
    """The rows and columns written so far ([first row, last row, first col, last col]), with one more row."""
    if grown is None:
        return [row, row, lo, hi]
    grown[1] = row
    if lo < grown[2]:
        grown[2] = lo
    if hi > grown[3]:
        grown[3] = hi
    return grown


def _grow_rows(sheet: Sheet, first: int, last: int, first_col: int, last_col: int) -> None:
    """_grow for rows ``first``..``last`` written directly (each with a cell), and the sheet's last row."""
    _grow(sheet.ws, first, first_col, last_col)
    _grow(sheet.ws, last, first_col, last_col)
    if last > sheet.last_row:
        sheet.last_row = last


def write_value(ws: Worksheet, row: int, col: int, value: Any, styles: Styles, fmt: Any = None) -> None:
    """Write one value with the right cell type. ``row``/``col`` are 0-based (xlsxwriter)."""
    if type(value) is str and value:  # most cells: text, checked first
        if len(value) > CELL_LIMIT:  # Excel's limit; validation has already warned the agent
            value = value[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
        ws.write_string(row, col, value, fmt or styles.text)
        return
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), fmt or styles.datetime)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt or styles.date)
    elif isinstance(value, time):
        ws.write_datetime(row, col, value, fmt or styles.time)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt or styles.text)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt or styles.text)
    elif isinstance(value, (tuple, list)):
        ws.write_string(row, col, "、".join(str(v) for v in value), fmt or styles.text)
    else:
        text = str(value)
        if len(text) > CELL_LIMIT:  # Excel's limit; validation has already warned the agent
            text = text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
        ws.write_string(row, col, text, fmt or styles.text)


MIN_WIDTH = 6.0  # Excel width units (about one Latin digit each)
MAX_WIDTH = 36.0  # wider text wraps at this width
PAD = 2.0
LINE_HEIGHT = (
    14.0  # points per line of 10-pt text; wrapped rows get their height set (LibreOffice keeps 1 line)
)
ROW_POINTS = 17.0  # a default row as LibreOffice and WPS draw 10-pt CJK text (Excel: 15); used to paginate
TITLE_POINTS = 24.0
# A4 landscape minus xlsxwriter's default margins (0.7" left/right, 0.75" top/bottom), in points
PAGE_WIDTH_PT = 842 - 2 * 0.7 * 72
PAGE_HEIGHT_PT = 595 - 2 * 0.75 * 72
MIN_FIT = 0.45  # below this scale a sheet one page wide is unreadable on paper
WIDE_SCALE = 60  # such a sheet prints across several pages at this scale instead
FOOTER = "&L&A&R第 &P 页，共 &N 页"  # sheet name left, page right


def text_width(text: str) -> float:
    """Display width of a text in Excel units: wide (CJK, full-width) characters count double."""
    text = str(text)
    if "\n" not in text:
        return len(text) if text.isascii() else _line_width(text)
    return max(len(line) if line.isascii() else _line_width(line) for line in text.split("\n"))


@lru_cache(maxsize=1 << 16)
def _line_width(line: str) -> int:
    # measured once per distinct text: a column of a large table repeats its values (ASCII is never wide)
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


_FIXED_NEED = {datetime: 16 + PAD, date: 10 + PAD, time: 5 + PAD}  # as _fragment measures them
_NEED_TYPES = frozenset({str, int, float, datetime, date, time, type(None)})


def column_need(values: Sequence[Any], need: float = 0.0) -> float | None:
    """The width (padded, capped at MAX_WIDTH) ``Sheet.write_rows`` gives a column holding ``values``, or ``need``
    if that is more; None: a value of a kind not measured here (a bool, a tuple, NaN). Worked out on the distinct
    values, in C where it can be (a column of plain ASCII texts is as wide as its longest); otherwise a text is
    measured only when it could be wider than the widest so far (a character is at most two units wide)."""
    kinds = set(map(type, values))
    if not kinds <= _NEED_TYPES:
        return None
    for kind in kinds & _FIXED_NEED.keys():
        need = max(need, _FIXED_NEED[kind])
    if need >= MAX_WIDTH or not kinds & {str, int, float}:
        return need
    try:
        distinct = set(values)
    except TypeError:
        return None
    distinct.discard(None)
    distinct.discard("")
    mixed = len(kinds - {type(None)}) > 1
    if float in kinds:  # 0 == -0.0 == 0.0 are one set member but not one cell: every number is measured
        numbers = [v for v in values if type(v) is float or type(v) is int]
        if not all(map(math.isfinite, numbers)):
            return None
    elif int in kinds:
        numbers = [v for v in distinct if type(v) is int] if mixed else list(distinct)
    else:
        numbers = []
    if numbers:
        need = max(need, min(MAX_WIDTH, max(map(len, map("{:g}".format, numbers))) + PAD))
    if str not in kinds or need >= MAX_WIDTH:
        return need
    texts = [v for v in distinct if type(v) is str] if mixed else list(distinct)
    if not texts:
        return need
    longest = max(map(len, texts))
    if 2 * longest + PAD <= need:
        return need
    joined = "".join(texts)
    if longest <= CELL_LIMIT and joined.isascii() and "\n" not in joined:
        return max(need, min(MAX_WIDTH, longest + PAD))
    for v in texts:
        if 2 * len(v) + PAD > need:
            text = v if len(v) <= CELL_LIMIT else v[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
            width = text_width(text)
            if width + PAD > need:
                need = MAX_WIDTH if width + PAD > MAX_WIDTH else width + PAD
                if need >= MAX_WIDTH:
                    break
    return need


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped cell's text takes in a column ``width`` wide (``finish`` sets row heights from it).

    Only the text decides in practice: the column is at least as wide as the text needs, or at MAX_WIDTH, so
    the count made when a streamed row is written is the count ``finish`` makes once every width is known."""
    room = max(1.0, width - 1)
    # 15% margin: proportional fonts differ between Excel and LibreOffice; a spare line beats a cut one
    return sum(
        1 if text_width(part) + PAD <= width else math.ceil(text_width(part) * 1.15 / room)
        for part in text.split("\n")
    )


def _row_start(ws: Worksheet, row: int, points: float) -> str:
    """The ``<row>`` start tag xlsxwriter writes for a row after ``set_row(row, points)`` (taller than default)."""
    pixels = int(points * 4.0 / 3.0 + 0.5)  # set_row's rounding
    # what set_row records ([height, hidden], read by position only): one object per height, not a list per
    # row (151,000 lists at 100,000 rows, each walked by every garbage collection while the workbook lived)
    size = _ROW_SIZES.get(pixels)
    if size is None:
        size = _ROW_SIZES[pixels] = (pixels, False)
    ws.row_sizes[row] = size
    return f'<row r="{row + 1}" ht="{pixels * 0.75:.16g}" customHeight="1">'


_ROW_SIZES: dict[int, tuple[int, bool]] = {}  # (height in pixels, not hidden) per height: a few dozen


def _column_points(width: float) -> float:
    """Excel width units to printed points: Excel draws width*7+5 pixels (0.75 pt each); LibreOffice draws
    the same width about 1.3 times as wide on paper (measured on its PDF), so paginate for the wider one."""
    return (width * 7 + 5) * 0.75 * 1.3


class Sheet:
    """A worksheet that remembers what it holds so ``finish`` can make it readable as opened and printed.

    Every cell written is measured (a CJK character counts double) and each column gets the width of its
    content (capped at ``MAX_WIDTH``: longer text wraps, with the row height set). Titles, notes and section
    headings (``note``/``section``) overflow to the right and are not measured. Widths requested through
    ``set_column`` are ignored: the content decides. Charts and ``keep`` blocks are never split across pages.
    On a streamed sheet a row leaves for disk before ``finish``, so its height is set as it is written
    (``wrapped_lines`` needs only the text: the same count ``finish`` makes).
    """

    def __init__(self, ws: Worksheet, st: Styles, extra: dict[str, Any] | None = None) -> None:
        self.ws, self.st, self.extra = ws, st, extra or {}
        self.widths: dict[int, float] = defaultdict(lambda: MIN_WIDTH)
        # (row, col, text) of cells that may need several lines, for ``finish``. Not on a streamed sheet: there a
        # row's height is set as it is written, and ``finish`` would find no more lines (a column only widens,
        # and a wider column never needs more lines: ``wrapped_lines``)
        self.wrapped: list[tuple[int, int, str]] = []
        self.heights: dict[int, float] = {}
        self.blocks: list[tuple[int, float]] = []  # (first row, height in points) to keep on one page
        self.row_blocks: list[tuple[int, int]] = []  # (first row, last row) to keep on one page
        self.header_row: int | None = None  # the table header repeated on every printed page
        self.charts_right: list[tuple[int, float]] = []  # (first column, width in points) of each chart
        self.print_columns: int | None = None  # print only the first N columns (a very wide sheet)
        self.key_column: int | None = None  # repeated on every page when the sheet is too wide for one
        self.last_row = 0
        self._memos: list[_ColumnMemo] = []  # streamed tables: per column, its values' cell XML
        self._tagged: set[int] = set()  # streamed rows written with their height in their tag

    def __getattr__(self, name: str) -> Any:  # everything else goes to the worksheet
        return getattr(self.ws, name)

    def _measure(self, col: int, width: float) -> None:
        self.widths[col] = max(self.widths[col], min(MAX_WIDTH, width + PAD))

    def _seen(self, row: int) -> None:
        self.last_row = max(self.last_row, row)

    def write_string(self, row: int, col: int, text: str, fmt: Any = None) -> None:
        # called once per text cell of every table: the steps of _seen/_measure are inlined
        if row > self.last_row:
            self.last_row = row
        width = text_width(text)
        st = self.st
        if (fmt is None or fmt is st.text) and (width > MAX_WIDTH - PAD or "\n" in text):
            fmt = st.wrap  # wrap long text instead of cutting it
        if fmt is st.title:
            self.heights[row] = max(
                self.heights.get(row, 0), TITLE_POINTS
            )  # a 14-pt title needs a taller row
        else:
            need = MAX_WIDTH if width + PAD > MAX_WIDTH else width + PAD
            if need > self.widths[col]:
                self.widths[col] = need
        if fmt is st.wrap or fmt is st.header or fmt is st.header_right:
            self.ws._write_string(row, col, text, fmt)
            if self.ws.constant_memory:  # the row leaves for disk before finish: its height goes with it
                self._fit_row(row, wrapped_lines(text, self.widths[col]))
            else:
                self.wrapped.append((row, col, text))
            return
        self.ws._write_string(row, col, text, fmt)

    def _fit_row(self, row: int, lines: int) -> None:
        """On a streamed sheet: the height ``lines`` of wrapped text need, set while the row can take it."""
        if lines > 1:
            height = max(self.heights.get(row, 0), LINE_HEIGHT * lines + 3)
            self.heights[row] = height
            self.ws.set_row(row, height)  # the row is still xlsxwriter's current one: it takes effect

    def write_number(self, row: int, col: int, value: float, fmt: Any = None) -> None:
        self._seen(row)
        if fmt is self.st.percent:
            shown = f"{value * 100:.1f}%"
        elif fmt is self.st.number:
            shown = f"{value:.2f}"
        else:
            shown = f"{value:g}"
        self._measure(col, len(shown))
        self.ws.write_number(row, col, value, fmt)

    def write_datetime(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        self._seen(row)
        date_only = fmt is self.st.date
        self._measure(col, 10 if date_only else 5 if fmt is self.st.time else 16)
        self.ws.write_datetime(row, col, value, fmt)

    def write_boolean(self, row: int, col: int, value: bool, fmt: Any = None) -> None:
        self._seen(row)
        self._measure(col, 5)
        self.ws.write_boolean(row, col, value, fmt)

    def write_blank(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        self.ws.write_blank(row, col, value, fmt)

    def write_rows(self, first: int, rows: list[list[Any]]) -> None:
        """``write_value`` of every value of ``rows`` (default formats), from row ``first`` down.

        On a streamed sheet each row's XML is built in one piece from per-value fragments (a value's fragment
        and width are computed once per distinct value) and written as xlsxwriter would flush it: the same
        bytes, dimensions, widths, wrapped cells and row heights as writing cell by cell. The table's last row
        still goes through xlsxwriter (a later ``set_row`` of it must take effect, as it does on a row not yet flushed),
        and so does any row holding a value without a fast fragment (booleans, NaN, rich-string look-alikes).
        Rows of one length are built column by column (``_write_rows_by_column``); others row by row here.
        """
        ws, st = self.ws, self.st
        if not isinstance(ws, _StreamWorksheet) or ws.excel_version != 2007:
            for r, values in enumerate(rows, start=first):
                for c, v in enumerate(values):
                    write_value(self, r, c, v, st)
            return
        if not ws.constant_memory:
            self._write_rows_shared(first, rows)
            return
        if self._write_rows_by_column(first, rows):
            return
        texts: dict[str, Any] = {}  # a text's fragment (most cells)
        others: dict[tuple[type, Any], Any] = {}  # other values' fragments, by (type, value)
        letters: list[str] = []
        widths = self.widths
        out: list[str] = []  # rows built, written to the sheet's file every few hundred rows
        grown: list[int] | None = None  # first and last row, first and last column of the rows built
        last = first + len(rows) - 1
        for r, values in enumerate(rows, start=first):
            if r == last or r >= ws.xls_rowmax or len(values) > ws.xls_colmax or r <= ws.previous_row:
                fast = False
            else:
                fast = r not in ws.row_info and r not in ws.comments
            if fast:
                # what the first cell of this row would do: flush the previous row (its formats get their
                # indexes first), then this row's cells; they are written now, so the table stays empty.
                # Rows built here wait in ``out`` unless xlsxwriter is about to write the previous row itself.
                prev = ws.previous_row
                if prev in ws.row_info or prev in ws.comments or ws.table.get(prev):
                    if out:
                        ws.fh.write("".join(out))
                        out.clear()
                    ws._write_single_row(r)
                else:  # _write_single_row(r) when the previous row has nothing to write
                    ws.previous_row = r
                    if ws.table:
                        ws.table.clear()
                while len(letters) < len(values):
                    letters.append(xl_col_to_name(len(letters)))
                n = str(r + 1)
                parts = [f'<row r="{n}">']
                wraps = []
                lo = hi = -1
                for c, v in enumerate(values):
                    kind = type(v)
                    if kind is str:
                        if not v:
                            continue
                        got = texts.get(v, _MISSING)
                        if got is _MISSING:
                            if len(texts) >= _INLINE_MEMO:
                                texts.clear()
                            got = texts[v] = self._fragment(v)
                    elif v is None:
                        continue
                    elif (
                        kind in _MEMO_TYPES
                        and (kind is not float or v)
                        and (kind not in _ZONED or v.tzinfo is None)
                    ):
                        key = (kind, v)
                        got = others.get(key, _MISSING)
                        if got is _MISSING:
                            if len(others) >= _INLINE_MEMO:
                                others.clear()
                            got = others[key] = self._fragment(v)
                    elif v == "":
                        continue
                    else:
                        got = self._fragment(v)
                    if got is None:
                        break
                    tail, need, text = got
                    parts.append(f'<c r="{letters[c]}{n}"{tail}')
                    if need > widths[c]:  # idempotent: harmless if the row then goes cell by cell
                        widths[c] = need
                    if text is not None:
                        wraps.append((r, c, text))
                    if lo < 0:
                        lo = c
                    hi = c
                else:
                    if lo >= 0:
                        if wraps:  # its wrapped text's height, in the tag (the row is written now)
                            lines = max(wrapped_lines(t, widths[wc]) for _, wc, t in wraps)
                            if lines > 1:
                                self.heights[r] = LINE_HEIGHT * lines + 3
                                parts[0] = _row_start(ws, r, self.heights[r])
                                self._tagged.add(r)
                        parts.append("</row>")
                        out.append("".join(parts))
                        # the dimensions xlsxwriter records, gathered and recorded before anything reads them
                        grown = _grown(grown, r, lo, hi)
                        if len(out) >= 256:
                            ws.fh.write("".join(out))
                            out.clear()
                    continue
                # a value without a fragment: this row goes cell by cell (nothing of it was written yet)
            if out:
                ws.fh.write("".join(out))
                out.clear()
            if grown is not None:
                _grow_rows(self, *grown)
                grown = None
            for c, v in enumerate(values):
                write_value(self, r, c, v, st)
        if out:
            ws.fh.write("".join(out))
        if grown is not None:
            _grow_rows(self, *grown)

    def write_columns(self, first: int, columns: Sequence[Sequence[Any]]) -> None:
        """``write_rows(first, rows)`` for the rows ``zip(*columns)`` (columns of one length), given column by
        column: a streamed sheet builds its cells column by column, so the table's rows are never made."""
        ws = self.ws
        if isinstance(ws, _StreamWorksheet) and ws.excel_version == 2007 and ws.constant_memory:
            if self._write_rows_by_column(first, None, columns):
                return
        self.write_rows(first, [list(values) for values in zip(*columns, strict=True)])

    def _write_rows_by_column(
        self, first: int, rows: list[list[Any]] | None, given: Sequence[Sequence[Any]] | None = None
    ) -> bool:
        """``write_rows`` on a streamed sheet for rows of one length, built column by column: each distinct value
        of a column gets its cell XML once (``_cell``: with the column's letter and a placeholder for the row
        number), each row is the join of its cells' XML with the row number put in, in C. Rows the per-row
        path writes cell by cell (a value without a fragment, the last row, a row xlsxwriter holds) are left
        to xlsxwriter as there. The same bytes, widths, heights and dimensions. False: not done (rows of
        unequal lengths, a value that cannot be a set member). ``given``: the rows as columns (``rows`` None)."""
        ws = self.ws
        if given is None:
            n = len(rows)
            width = len(rows[0]) if rows else 0
            if not n or not width or set(map(len, rows)) != {width}:
                return False
        else:
            width = len(given)
            n = len(given[0]) if given else 0
            if not n or not width or set(map(len, given)) != {n}:
                return False
        if first + n > ws.xls_rowmax or width > ws.xls_colmax:
            return False
        if ws.previous_row >= first:  # rows xlsxwriter has written already: as the per-row path does
            return False
        columns = list(zip(*rows, strict=True)) if given is None else given
        try:
            distincts = [set(col) for col in columns]
        except TypeError:
            return False
        kinds = [set(map(type, d)) for d in distincts]
        for c, kind in enumerate(kinds):
            if int in kind:
                # a set keeps one of equal values of other types (True == 1, 1.0 == 1): which types the column
                # holds is read from the column itself, or a TRUE beside a 1 was written as the number 1
                kinds[c] = set(map(type, columns[c]))
        # the row xlsxwriter holds goes out first, as it would at this part's first cell (its formats get
        # their indexes before this part's); then formats this part uses first get theirs in row order
        prev = ws.previous_row
        if prev in ws.row_info or prev in ws.comments or ws.table.get(prev):
            ws._write_single_row(first)
        self._index_formats(zip(*columns, strict=True) if rows is None else rows, kinds)
        cells: list[Any] = []  # per column, each row's cell XML
        lines: list[list[int]] = []  # per column holding text on several lines, each row's line count
        slow: set[int] = set()  # rows (index in ``rows``) written cell by cell
        lo = hi = -1  # the first and last column holding a value
        memos = self._memos
        while len(memos) < width:
            memos.append(_ColumnMemo(xl_col_to_name(len(memos))))
        for c, col in enumerate(columns):
            memo, distinct, kind = memos[c], distincts[c], kinds[c]
            if len(distinct) > (None in distinct) + ("" in distinct):
                if lo < 0:
                    lo = c
                hi = c
            if kind <= _COLUMN_KINDS and not (
                kind & _ZONED and any(getattr(v, "tzinfo", None) for v in distinct)
            ):
                if len(memo.xml) > max(_COLUMN_MEMO // width, 2048):
                    memo.clear()
                self._cells(c, memo, distinct - memo.xml.keys())
                xml = list(map(memo.xml.__getitem__, col))
                if distinct & memo.lines.keys():
                    lines.append(list(map(memo.lines.get, col, repeat(1, n))))
                if distinct & memo.none:
                    slow.update(i for i, v in enumerate(xml) if v is None)
                    xml = [b"" if v is None else v for v in xml]  # (those rows are not joined)
            else:  # equal values that are not the same cell (1 and 1.0, 0.0 and -0.0, zones): one by one
                xml = [self._cell(c, memo, v) for v in col]
                multi = [memo.lines.get(v, 1) for v in col]  # (only texts are keys)
                if max(multi) > 1:
                    lines.append(multi)
                if None in xml:
                    slow.update(i for i, v in enumerate(xml) if v is None)
                    xml = [b"" if v is None else v for v in xml]
            cells.append(xml)
        # written cell by cell too: the last row (a later set_row of it must take effect), rows xlsxwriter has
        # or has written already
        last = first + n - 1
        slow.add(n - 1)
        slow.update(r - first for held in (ws.row_info, ws.comments) for r in held if first <= r <= last)
        opens = [_ROW_OPEN] * n
        if lines:
            counts = lines[0] if len(lines) == 1 else list(map(max, *lines))
            for i in compress(range(n), map((1).__lt__, counts)):  # rows with text on several lines
                if i not in slow:
                    r = first + i
                    height = self.heights[r] = LINE_HEIGHT * counts[i] + 3
                    opens[i] = _row_start(ws, r, height).encode()
                    self._tagged.add(r)
        built = list(map(b"".join, zip(opens, *cells, repeat(b"</row>", n), strict=False)))
        empty = {i for i, x in enumerate(built) if x == _EMPTY_ROW} if _EMPTY_ROW in built else set()
        numbers = map(str.encode, map(str, range(first + 1, first + n + 1)))
        built = list(map(bytes.replace, built, repeat(b"\x00", n), numbers))
        a = 0
        for b in sorted(slow) + [n]:  # the fast rows a..b-1, then row b cell by cell
            if a < b:
                kept = [i for i in range(a, b) if i not in empty] if empty else range(a, b)
                self._write_run(first + a, first + b - 1, [built[i] for i in kept], lo, hi)
                if kept:
                    _grow_rows(self, first + kept[0], first + kept[-1], lo, hi)
            if b < n:
                for c, v in enumerate([col[b] for col in columns] if rows is None else rows[b]):
                    write_value(self, first + b, c, v, self.st)
            a = b + 1
        return True

    def _write_run(self, first: int, last: int, built: list[bytes], lo: int, hi: int) -> None:
        """Rows ``first``..``last`` built by ``_write_rows_by_column`` (``built``: those with a cell), written as
        the per-row path writes them: the row xlsxwriter holds goes out first (it is the first row's previous
        row; after it, each row's previous row is one of these, which xlsxwriter does not hold)."""
        ws = self.ws
        prev = ws.previous_row
        if prev in ws.row_info or prev in ws.comments or ws.table.get(prev):
            ws._write_single_row(first)
        elif ws.table:
            ws.table.clear()
        ws.previous_row = last
        if not built:
            return
        data, fh = b"".join(built), ws.fh
        if isinstance(fh, DeflatingRows):
            fh.write_bytes(data)
        elif isinstance(fh, io.TextIOWrapper):  # the row data file (UTF-8; the cell XML holds no \r)
            fh.flush()
            fh.buffer.write(data)
        else:
            fh.write(data.decode("utf-8"))

    def _index_formats(self, rows: Iterable[Sequence[Any]], kinds: list[set[type]]) -> None:
        """Give the formats this part's cells use and that have no index yet (a workbook's formats are numbered
        in the order of first use) their index in the order the per-row path would: row by row."""
        st = self.st
        waiting = {f for f in (st.text, st.wrap, st.datetime, st.date, st.time) if f.xf_index is None}
        if not waiting:
            return
        seen = set().union(*kinds)
        if not seen & {datetime}:
            waiting.discard(st.datetime)
        if not seen & {date}:
            waiting.discard(st.date)
        if not seen & {time}:
            waiting.discard(st.time)
        if str not in seen and not seen - _COLUMN_KINDS:
            waiting.discard(st.wrap)
        if not waiting:
            return
        for values in rows:
            for v in values:
                fmt = self._format_of(v)
                if fmt in waiting:
                    fmt._get_xf_index()
                    waiting.discard(fmt)
                    if not waiting:
                        return

    def _format_of(self, value: Any) -> Any:
        """The format ``write_value`` writes a value with in a table (None: no cell)."""
        st = self.st
        if value is None:
            return None
        if type(value) is str:
            if not value:
                return None
            text = value if len(value) <= CELL_LIMIT else value[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
        elif value == "":
            return None
        elif isinstance(value, datetime):
            return st.datetime
        elif isinstance(value, date):
            return st.date
        elif isinstance(value, time):
            return st.time
        elif isinstance(value, (bool, int, float)):
            return st.text
        elif isinstance(value, (tuple, list)):
            text = "、".join(str(v) for v in value)
        else:
            text = str(value)
            text = text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
        return st.wrap if text_width(text) > MAX_WIDTH - PAD or "\n" in text else st.text

    def _cells(self, c: int, memo: _ColumnMemo, values: set[Any]) -> None:
        """``memo.xml[v] = self._cell(c, memo, v)`` for each of ``values``. Texts of plain ASCII (printable, no
        space, no ``&<>``, no ``_x`` of an escape look-alike) short enough not to wrap are most of them (ids,
        keys): their cells are made together, checked once (what ``_text_fragment`` would find: format
        ``text``, no escaping, no ``xml:space``, width its length)."""
        xml = memo.xml
        texts = [v for v in values if type(v) is str and v] if len(values) > 16 else None
        if texts:
            joined = "".join(texts)
            longest = max(map(len, texts))
            if (
                longest + PAD <= MAX_WIDTH
                and joined.isascii()
                and joined.isprintable()
                and not any(ch in joined for ch in " &<>")
                and "_x" not in joined
            ):
                need = longest + PAD
                if need > self.widths[c]:
                    self.widths[c] = need
                head = f'<c r="{memo.letter}\x00" s="{self.st.text._get_xf_index()}" t="inlineStr"><is><t>'.encode()
                tail = b"</t></is></c>"
                cells = "\x01".join(texts).encode().split(b"\x01")  # (no text holds \x01: printable)
                xml.update(zip(texts, map(b"".join, zip(repeat(head), cells, repeat(tail))), strict=True))
                values = values - xml.keys()
        for v in values:
            xml[v] = self._cell(c, memo, v)

    def _cell(self, c: int, memo: _ColumnMemo, value: Any) -> bytes | None:
        """A value's cell XML in column ``c`` with ``\x00`` for its row number ("" for an empty cell), its width
        measured and, for text on several lines, its line count noted; None: no fragment (written cell by
        cell). A wrapped text's line count does not depend on the column's width: the column is at least as
        wide as the text needs, or MAX_WIDTH (``wrapped_lines``)."""
        if value is None or (type(value) is str and not value):
            return b""
        got = self._fragment(value)
        if got is None:
            memo.none.add(value)
            return None
        tail, need, text = got
        if need > self.widths[c]:
            self.widths[c] = need
        if text is not None:
            count = wrapped_lines(text, need)
            if count > 1:
                memo.lines[value] = count
        return f'<c r="{memo.letter}\x00"{tail}'.encode()

    def deflate_rows(self, needs: dict[int, float], last_row: int) -> bool:
        """From now on this streamed sheet's rows are deflated as they are written (``xlsx_deflate``), after the
        part's opening XML predicted from what ``finish`` will set given ``needs`` (the widths the rows still to
        come need, by column: ``column_need``) and ``last_row`` (the last row that will hold a cell). Call it once
        the table's header row is written and only the rows follow (freeze, filter, ``key_column`` already set).
        False: not done (not a streamed sheet, or rows already written); nothing changed."""
        ws = self.ws
        rows = getattr(ws, "row_data_fh", None)
        if not (
            DEFLATE_WHILE_WRITING
            and isinstance(ws, _StreamWorksheet)
            and ws.constant_memory
            and ws._part is None
            and ws.dim_rowmin is not None
            and os.linesep == "\n"
            and isinstance(rows, io.TextIOWrapper)
            and not rows.closed
            and ws.fh is rows
        ):
            return False
        rows.flush()
        if rows.tell() != 0:  # rows already in the file would come before the predicted head
            return False
        widths: defaultdict[int, float] = defaultdict(lambda: MIN_WIDTH, self.widths)
        for c, need in needs.items():
            if need > widths[c]:
                widths[c] = need
        first, last = min(needs, default=ws.dim_colmin), max(needs, default=ws.dim_colmax)
        head = self._predicted_head(widths, first, last, last_row)
        part = PartDeflater(head.encode("utf-8"), ws.tmpdir)
        rows.close()
        os.unlink(ws.row_data_filename)
        ws._part = part
        ws.fh = ws.row_data_fh = DeflatingRows(part)
        return True

    def stop_deflate(self) -> None:
        """Stop deflating this sheet's rows (its writer failed): the thread ends, the deflated bytes go."""
        part = getattr(self.ws, "_part", None)
        if part is not None:
            part.close()

    def _predicted_head(self, widths: dict[int, float], first_col: int, last_col: int, last_row: int) -> str:
        """The part's XML up to ``<sheetData>`` as xlsxwriter will write it when the workbook closes: rendered by
        xlsxwriter on a copy of the sheet given what ``finish`` (widths, page setup), the rows (dimensions) and
        the closing workbook (the first sheet selected) will set. Checked against the real one at the close."""
        ws = self.ws
        clone = copy.copy(ws)
        clone.col_info = dict(ws.col_info)  # set_column writes into it
        for col in sorted(widths):
            clone.set_column(col, col, widths[col])
        saved = self.ws, self.widths
        self.ws, self.widths = clone, widths
        try:
            self._page_setup()
        finally:
            self.ws, self.widths = saved
        clone.dim_rowmax = max(clone.dim_rowmax, last_row)
        clone.dim_colmin, clone.dim_colmax = min(clone.dim_colmin, first_col), max(clone.dim_colmax, last_col)
        if ws.index == 0 and ws.worksheet_meta.activesheet == 0:
            clone.selected = 1
        buf = io.StringIO()
        clone._set_xml_writer(buf)
        clone._xml_declaration()
        clone._write_worksheet()
        clone._write_sheet_pr()
        clone._write_dimension()
        clone._write_sheet_views()
        clone._write_sheet_format_pr()
        clone._write_cols()
        clone._xml_start_tag("sheetData")
        return buf.getvalue()

    def _write_rows_shared(self, first: int, rows: list[list[Any]]) -> None:
        """``write_rows`` on a sheet of shared strings (kept in memory until the workbook closes): text and
        naive datetimes go into xlsxwriter's cell table directly, with what ``write_value`` and xlsxwriter
        would record (width, wrap, shared-string index and count, Excel date number, dimensions); a value's
        share of that is worked out once per distinct value. Other values go through ``write_value``."""
        ws, st = self.ws, self.st
        sst, table, widths, wrapped = ws.str_table, ws.table, self.widths, self.wrapped
        texts: dict[
            str, tuple[int, Any, float, str | None]
        ] = {}  # text -> (index, format, width, wrapped text)
        dates: dict[datetime, float] = {}
        date_need = min(MAX_WIDTH, 16 + PAD)
        date_fmt = st.datetime
        grown: list[int] | None = None
        for r, values in enumerate(rows, start=first):
            if r >= ws.xls_rowmax or len(values) > ws.xls_colmax:
                for c, v in enumerate(values):
                    write_value(self, r, c, v, st)
                continue
            cells = table[r]
            lo = hi = -1
            for c, v in enumerate(values):
                kind = type(v)
                if kind is str:
                    if not v:
                        continue
                    got = texts.get(v)
                    if got is None:
                        text = v if len(v) <= CELL_LIMIT else v[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
                        width = text_width(text)
                        fmt = st.wrap if width > MAX_WIDTH - PAD or "\n" in text else st.text
                        shown = text
                        if len(shown) > ws.xls_strmax // 2 and _utf16_len(shown) > ws.xls_strmax:
                            shown = _utf16_truncate(shown, ws.xls_strmax)
                        need = MAX_WIDTH if width + PAD > MAX_WIDTH else width + PAD
                        index = sst._get_shared_string_index(shown)  # indexes in order of first use
                        got = texts[v] = (index, fmt, need, text if fmt is st.wrap else None)
                    else:
                        sst.count += 1  # what _get_shared_string_index counts for a text it has
                    index, fmt, need, wraps = got
                    if need > widths[c]:
                        widths[c] = need
                    if wraps is not None:
                        wrapped.append((r, c, wraps))
                    cells[c] = CellStringTuple(index, fmt)
                elif kind is datetime and v.tzinfo is None:
                    number = dates.get(v)
                    if number is None:
                        number = dates[v] = ws._convert_date_time(v)
                    if date_need > widths[c]:
                        widths[c] = date_need
                    cells[c] = CellDatetimeTuple(number, date_fmt)
                elif v is None or (kind is not str and v == ""):
                    continue
                else:
                    if grown is not None:  # what write_value reads must be up to date
                        _grow_rows(self, *grown)
                        grown = None
                    write_value(self, r, c, v, st)
                    continue
                if lo < 0:
                    lo = c
                hi = c
            if not cells:
                del table[r]  # as before: a row without a cell is no row of the table
            if lo >= 0:
                grown = _grown(grown, r, lo, hi)
        if grown is not None:
            _grow_rows(self, *grown)

    def _fragment(self, value: Any) -> tuple[str, float, str | None] | None:
        """A value as ``write_value`` writes it in a table: the cell XML after its ``r`` attribute, the
        column width it needs, and its text when the cell wraps (for row heights); None: no fragment."""
        st, ws = self.st, self.ws
        if isinstance(value, str):
            text = value if type(value) is str else str(value)
            if len(text) > CELL_LIMIT:
                text = text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
            return self._text_fragment(text)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.replace(tzinfo=None)
            fmt, need = st.datetime, 16
        elif isinstance(value, date):
            value, fmt, need = datetime(value.year, value.month, value.day), st.date, 10
        elif isinstance(value, time):
            fmt, need = st.time, 5
        elif isinstance(value, bool):
            return None
        elif isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                return None
            need = len(f"{value:g}")
            return f' s="{st.text._get_xf_index()}"><v>{value:.16G}</v></c>', min(MAX_WIDTH, need + PAD), None
        elif isinstance(value, (tuple, list)):
            return self._text_fragment("、".join(str(v) for v in value))
        else:
            text = str(value)
            if len(text) > CELL_LIMIT:
                text = text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
            return self._text_fragment(text)
        number = ws._convert_date_time(value)
        return f' s="{fmt._get_xf_index()}"><v>{number:.16G}</v></c>', min(MAX_WIDTH, need + PAD), None

    def _text_fragment(self, text: str) -> tuple[str, float, str | None] | None:
        # Sheet.write_string's choices (wrap, width), then xlsxwriter's truncation and inline-string XML
        st, ws = self.st, self.ws
        width = text_width(text)
        fmt = st.wrap if width > MAX_WIDTH - PAD or "\n" in text else st.text
        need = MAX_WIDTH if width + PAD > MAX_WIDTH else width + PAD
        shown = text
        if len(shown) > ws.xls_strmax // 2 and _utf16_len(shown) > ws.xls_strmax:
            shown = _utf16_truncate(shown, ws.xls_strmax)
        tail = ws._inline_tail(shown)
        if tail is None:
            return None
        return f' s="{fmt._get_xf_index()}"{tail}', need, text if fmt is st.wrap else None

    def write_row(self, row: int, col: int, values: list[Any], fmt: Any = None) -> None:
        for i, v in enumerate(values):
            write_value(self, row, col + i, v, self.st, fmt)

    def set_column(self, *args: Any, **kwargs: Any) -> None:
        """Ignored: widths come from the content (see ``finish``)."""

    def freeze_panes(self, row: int, col: int, *args: Any) -> None:
        if row == 0 and col == 0:
            self.header_row = None  # several tables on the sheet: none of them is repeated
        self.ws.freeze_panes(row, col, *args)

    def note(self, row: int, text: str, fmt: Any = None) -> None:
        """A line of text in column A that may run across the sheet (not measured)."""
        self._seen(row)
        self.ws.write_string(row, 0, text, fmt or self.st.text)

    def section(self, row: int, text: str) -> None:
        self._seen(row)
        self.row_blocks.append((row, row + 3))  # a heading prints with the first rows under it, never alone
        self.ws.write_string(row, 0, text, self.extra["section"])

    def insert_chart(self, row: int, col: int, chart: Any, options: dict[str, Any] | None = None) -> None:
        options = options or {}
        height_px = getattr(chart, "height", 288) * options.get("y_scale", 1)
        width_px = getattr(chart, "width", 480) * options.get("x_scale", 1)
        self.charts_right.append((col, width_px * 0.75))
        self.keep(row, height_px * 0.75 + 6)
        self.ws.insert_chart(row, col, chart, options)

    def keep_rows(self, first: int, last: int) -> None:
        """Print rows ``first``..``last`` on one page (their heights are known only at ``finish``)."""
        self.row_blocks.append((first, last))
        self._seen(last)

    def keep(self, row: int, height_pt: float) -> None:
        """Print the ``height_pt`` points from ``row`` on one page (a chart, a short table with its heading)."""
        self.blocks.append((row, height_pt))
        self._seen(row)

    def finish(self, title: str | None = None) -> None:
        """Column widths, row heights of wrapped text, page setup and page breaks."""
        for col in sorted(self.widths):
            self.ws.set_column(col, col, self.widths[col])
        lines: dict[int, int] = defaultdict(lambda: 1)
        for row, col, text in self.wrapped:
            lines[row] = max(lines[row], wrapped_lines(text, self.widths[col]))
        for row in sorted(lines):
            if lines[row] > 1:
                self.heights[row] = max(self.heights.get(row, 0), LINE_HEIGHT * lines[row] + 3)
        for row in sorted(self.heights):
            # a streamed row written with its height in its tag is done: set_row of the last row written would
            # write it a second time, empty (a table ending in an empty row after a wrapped one)
            if row not in self._tagged:
                self.ws.set_row(row, self.heights[row])
        self._page_setup()

    def _page_setup(self) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.set_footer(FOOTER)
        last_col = max(self.widths) if self.widths else 0
        if self.print_columns:
            last_col = self.print_columns - 1
            ws.print_area(0, 0, max(self.last_row, 1), last_col)
        repeat = 0.0
        if self.header_row is not None:
            ws.repeat_rows(self.header_row)
            repeat = self._row_points(self.header_row)

        def left(col: int) -> float:
            return sum(_column_points(self.widths.get(c, 8.43) + 0.71) for c in range(col))

        total = max([left(last_col + 1)] + [left(col) + width for col, width in self.charts_right])
        if self.key_column is not None and PAGE_WIDTH_PT / total < MIN_FIT:
            # one page wide would print 3-pt text: print across pages at a readable size, the id on each page
            ws.set_print_scale(WIDE_SCALE)
            ws.repeat_columns(self.key_column)
            ws.print_across()
            return
        if not self.blocks and not self.row_blocks:
            ws.fit_to_pages(1, 0)  # one page wide; the application paginates the rows
            return
        # charts: an explicit scale and explicit breaks (Excel ignores manual page breaks under fit-to)
        scale = max(10, min(100, math.floor(PAGE_WIDTH_PT / max(total, 1) * 100 * 0.95)))
        ws.set_print_scale(scale)
        ws.set_h_pagebreaks(self._breaks(PAGE_HEIGHT_PT * 100 / scale - repeat))

    def _row_points(self, row: int) -> float:
        return self.heights.get(row, ROW_POINTS)

    def _breaks(self, page: float) -> list[int]:
        """Rows to start a new page at: before a block that would not fit, and wherever the page is full.

        Every break is explicit, so the printed pages follow this estimate rather than drifting from it.
        """
        blocks: dict[int, float] = defaultdict(float)
        for row, height in self.blocks:
            blocks[row] = max(blocks[row], height)
        for first, last in self.row_blocks:
            blocks[first] = max(blocks[first], sum(self._row_points(r) for r in range(first, last + 1)))
        breaks: list[int] = []
        used = 0.0
        for row in range(self.last_row + 1):
            height = self._row_points(row)
            block = blocks.get(row, 0.0)
            if used > 0 and (used + height > page or (block and used + block > page and block <= page)):
                breaks.append(row)
                used = 0.0
            used += height
        return breaks[:1023]  # Excel's limit


def write_table(
    ws: Sheet,
    top: int,
    headers: list[str],
    rows: list[list[Any]],
    styles: Styles,
    widths: list[float] | None = None,
    autofilter: bool = True,
) -> int:
    """A header row and data rows from ``top`` (0-based); returns the next free row.

    A header over numbers or times is right-aligned like its values. With ``autofilter`` the table is the
    sheet's main one: filter buttons, frozen header, header repeated on every printed page. ``widths`` is
    accepted for old callers and ignored: the content decides (``Sheet``).
    """
    whole = min(map(len, rows)) if rows else 0  # columns every row has
    for c, h in enumerate(headers):
        ws.write_string(
            top, c, h, styles.header_right if _numeric_column(rows, c, c < whole) else styles.header
        )
    if isinstance(ws, Sheet) and ws.st is styles:
        ws.write_rows(top + 1, rows)
    else:
        for r, values in enumerate(rows, start=top + 1):
            for c, v in enumerate(values):
                write_value(ws, r, c, v, styles)
    if isinstance(ws, Sheet) and len(rows) <= 30:  # a short table prints on one page, with the line above it
        ws.keep_rows(max(top - 1, 0), top + len(rows))
    elif isinstance(ws, Sheet) and not autofilter:
        # a long one below others: never its heading alone at a page foot
        ws.keep_rows(max(top - 1, 0), top + 3)
    if autofilter and headers:
        ws.autofilter(top, 0, top + max(len(rows), 1), len(headers) - 1)
        ws.freeze_panes(top + 1, 0)
        if isinstance(ws, Sheet):
            ws.header_row = top
    return top + 1 + len(rows)


_NUMERIC_TYPES = frozenset({int, float, datetime, date, time})  # exactly these (bool is an int: not numeric)


def _numeric_column(rows: list[list[Any]], c: int, whole: bool = False) -> bool:
    """Whether column ``c`` holds a value and every value in it is a number, date or time (empty cells aside).
    ``whole``: every row has column ``c``."""
    other, numeric = scan_column(rows, c, whole)
    return numeric and not other


def scan_column(rows: Sequence[Sequence[Any]], c: int, whole: bool = False) -> tuple[bool, bool]:
    """Column ``c`` of ``rows``: (holds a value that is not a number, date or time; holds one that is), empty
    cells aside; the walk stops at the first other value. ``whole``: every row has column ``c``. A header
    over a column of numbers or times only is right-aligned (``write_table``; tables written in parts gather
    this part by part)."""
    if whole:
        return scan_values(list(map(itemgetter(c), rows)))
    return scan_values([r[c] for r in rows if c < len(r)])


def scan_values(values: Sequence[Any]) -> tuple[bool, bool]:
    """``scan_column`` of one column's values."""
    # the column's value types, collected in C: an empty or numeric column was walked value by value
    # (a text column still goes below: its first text decides)
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= _NUMERIC_TYPES:
        return False, bool(kinds)
    numeric = False
    for v in values:
        if v is None or v == "":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, date, time)):
            return True, numeric  # most columns hold text: the first value decides
        numeric = True
    return False, numeric


def normalize_zip(path: Path) -> None:
    """Rewrite a workbook written by openpyxl so the same content gives the same bytes.

    openpyxl stamps the zip entries and docProps/core.xml with the current time; fix both.
    """
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    fixed = FIXED_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = path.with_suffix(path.suffix + ".zip")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + fixed.encode(), data
                )
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    tmp.replace(path)
