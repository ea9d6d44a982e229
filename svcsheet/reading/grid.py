"""One neutral view of a worksheet, whatever engine read it (openpyxl, xlrd, the ODS reader).

Recognition runs on this view only, so every format behaves the same. Coordinates are 1-based.
Only non-empty cells are stored; a huge used range costs nothing.
"""

from __future__ import annotations

import datetime
import math
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import range_boundaries

from .scan import MAX_DEPTH, Budget, SheetScan, SilentLog, count_xls_cells, scan_xlsx_sheet
from .sniff import unreadable

_first, _second = itemgetter(0), itemgetter(1)


def cell_ref(row: int, col: int) -> str:
    """A1-style address: (7, 3) -> C7."""
    return f"{get_column_letter(col)}{row}"


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    """A1-style range, collapsed to one cell when it is one cell."""
    a, b = cell_ref(r1, c1), cell_ref(r2, c2)
    return a if a == b else f"{a}:{b}"


@dataclass
class Grid:
    """A worksheet as values by (row, col), merged ranges, hidden columns, state and defined names."""

    name: str
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2) inclusive
    hidden_cols: set[int] = field(default_factory=set)
    state: str = "visible"  # visible | hidden | veryHidden
    names: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # defined name -> range
    no_value: set[tuple[int, int]] = field(default_factory=set)  # formulas without a cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # error values such as #DIV/0!
    bad_numbers: dict[tuple[int, int], str] = field(default_factory=dict)  # NaN, INF: a number no one typed
    _anchor: dict[tuple[int, int], tuple[int, int]] | None = field(default=None, repr=False)
    _rows: dict[int, list[int]] | None = field(default=None, repr=False)

    @property
    def hidden(self) -> bool:
        return self.state != "visible"

    def bounds(self) -> tuple[int, int]:
        """(max row, max col) of the non-empty cells, including cells flagged as errors or without value."""
        parts = [p for p in (self.values, self.no_value, self.errors, self.bad_numbers) if p]
        if not parts:
            return 0, 0
        # (row, col) tuples: the largest is in the last row; the columns are read in C
        return max(max(p)[0] for p in parts), max(max(map(_second, p)) for p in parts)

    def row_cols(self, row: int) -> list[int]:
        """Columns of the non-empty cells (values, errors, formulas without value) of one row, sorted."""
        if self._rows is None:
            cells = sorted({*self.values, *self.no_value, *self.errors, *self.bad_numbers})
            self._rows = {r: [c for _, c in group] for r, group in groupby(cells, _first)}
        return self._rows.get(row, [])

    def set_row_index(self, index: dict[int, list[int]]) -> None:
        """What row_cols would find, given by a loader that filled ``values`` row by row (each row's columns
        sorted) and has no error, formula or bad-number cell: it is not sorted again."""
        self._rows = index

    def occupied_rows(self) -> list[int]:
        self.row_cols(0)
        assert self._rows is not None
        return sorted(self._rows)

    def own(self, row: int, col: int) -> Any:
        """The value stored in the cell itself (None for empty cells and merged continuations)."""
        return self.values.get((row, col))

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """The cell holding the value shown at (row, col): the top-left cell of its merged range."""
        if self._anchor is None:
            self._index_merges()
        assert self._anchor is not None
        return self._anchor.get((row, col), (row, col))

    def value(self, row: int, col: int, *, across: bool = True) -> Any:
        """The value shown at (row, col). With ``across=False`` only vertical merges fill the cell."""
        ar, ac = self.anchor(row, col)
        if not across and ac != col:
            return None
        return self.values.get((ar, ac))

    def merge_at(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        for m in self.merged:
            if m[0] <= row <= m[2] and m[1] <= col <= m[3]:
                return m
        return None

    def _index_merges(self) -> None:
        if not self.merged:  # most sheets: no merge, and no pass over every cell for the bounds
            self._anchor = {}
            return
        # Merges are clipped to the area that holds values, so a sheet-wide merge stays cheap.
        max_r, max_c = self.bounds()
        index: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in self.merged:
            for r in range(r1, min(r2, max_r + 1) + 1):
                for c in range(c1, min(c2, max_c + 1) + 1):
                    if (r, c) != (r1, c1):
                        index[(r, c)] = (r1, c1)
        self._anchor = index


@dataclass
class WorkbookGrid:
    """All sheets of a workbook in their order, and the form key our templates declare (if any)."""

    fmt: str
    sheets: list[Grid]
    declared_form: str | None = None


# --------------------------------------------------------------------------------------------------
# Loaders: one per engine, each returning a WorkbookGrid. Callers sniff and check zip safety first.
# --------------------------------------------------------------------------------------------------

DEFAULT_LIMITS: dict[str, int | float] = {
    "max_file_bytes": 50_000_000,  # the file as stored
    "max_rows": 100_000,  # occupied rows per sheet
    "max_total_bytes": 200_000_000,  # uncompressed zip content, or the size of an .xls file
    "max_ratio": 200.0,
    "max_cells": 2_000_000,  # stored cells plus merged-cell area, whole workbook
    "file_seconds": 120.0,  # reading one file; past it the file is reported unreadable and skipped
}
FORM_PROPERTY = "svcsheet_form"

_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_COL, MAX_ROW = 16_384, 1_048_576  # the largest sheet Excel and LibreOffice address


def _budget(path: Path, limits: dict[str, Any]) -> Budget:
    """The file's budget: the one read_workbook started, else a fresh one from the limits."""
    budget = limits.get("budget")
    if isinstance(budget, Budget):
        return budget
    return Budget(path, float(limits["file_seconds"]), int(limits["max_cells"]))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _as_date_if_plain(value: Any, number_format: str | None) -> Any:
    """A midnight datetime whose display format shows no time is a date as typed."""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0, 0):
        fmt = (number_format or "").lower()
        if "h" not in re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt):
            return value.date()
    return value


def _number(value: float) -> int | float:
    """Engines that store every number as a double: 5.0 -> 5, as openpyxl does for xlsx."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


# What a library says about a damaged file is English and may hold paths: the user gets this instead.
DAMAGED = "文件结构损坏，或不是受支持的工作簿格式，请在 Excel 或 WPS 中打开后重新另存为 .xlsx"
UNSAFE_XML = "内含不安全的 XML 内容，已拒绝"


def _safe_cast_number(value: str) -> int | float:
    """openpyxl's number cast, except that a value no program writes (NaN, INF, text) becomes NaN: the
    scan has recorded it as a bad number on its cell instead of the whole workbook failing."""
    try:
        return _openpyxl_cast(value)
    except (ValueError, TypeError):
        return math.nan


def _patch_openpyxl() -> None:
    global _openpyxl_cast
    from openpyxl.worksheet import _reader

    if getattr(_reader._cast_number, "__name__", "") != "_safe_cast_number":
        _openpyxl_cast = _reader._cast_number
        _reader._cast_number = _safe_cast_number


_openpyxl_cast: Any = None


def refuse_dtd(zf: zipfile.ZipFile, path: Path) -> None:
    """Spreadsheets never need a DTD; one in any XML part is an entity attack, refused before parsing."""
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")) or info.filename == "[Content_Types].xml":
            with zf.open(info) as fh:
                if _DOCTYPE.search(fh.read(65536)):
                    raise unreadable(path, f"内含不安全的 XML 声明（{info.filename}），已拒绝")


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part, from workbook.xml and its relationships."""
    wb = DET.fromstring(zf.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in zf.namelist():
        for rel in DET.fromstring(zf.read(rels_name)):
            targets[rel.get("Id", "")] = rel.get("Target", "")
    parts: dict[str, str] = {}
    for el in wb.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid or "", "")
        if not target:
            continue
        part = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        )
        parts[el.get("name", "")] = part
    return parts


def _range_of(coord: str) -> tuple[int, int, int, int] | None:
    try:
        c1, r1, c2, r2 = range_boundaries(coord.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if None in (c1, r1, c2, r2):
        return None
    return r1, c1, r2, c2


def load_xlsx(path: Path, fmt: str, limits: dict[str, Any]) -> WorkbookGrid:
    """Read .xlsx/.xlsm with openpyxl (cached values), after a streaming scan that bounds its cost."""
    import openpyxl

    # python-calamine; None when openpyxl must read the file
    from .grid_fast import load_xlsx_fast, quick_scans

    budget = _budget(path, limits)
    scans: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            refuse_dtd(zf, path)
            names = set(zf.namelist())
            parts = {sheet: part for sheet, part in _xlsx_sheet_parts(zf).items() if part in names}
            quick = quick_scans(zf, parts, budget)  # one pass a sheet; None: the two passes below
            if quick is not None and (fast := load_xlsx_fast(path, fmt, {}, quick)) is not None:
                return fast
            counted = 0
            for sheet, part in parts.items():
                scans[sheet] = scan_xlsx_sheet(zf, part, budget, counted)
                counted += scans[sheet].cells + scans[sheet].merged_area
    except (
        zipfile.BadZipFile,
        KeyError,
        DET.ParseError,
        ExpatError,
        ValueError,
        zlib.error,
        EOFError,
        OSError,
    ) as exc:
        raise unreadable(path, DAMAGED) from exc
    except DefusedXmlException as exc:
        raise unreadable(path, UNSAFE_XML) from exc
    if not any(s.bad_numbers for s in scans.values()):  # NaN/INF cells: the openpyxl path makes them findings
        if (fast := load_xlsx_fast(path, fmt, {k: s.no_value for k, s in scans.items()})) is not None:
            return fast

    _patch_openpyxl()
    try:
        with warnings.catch_warnings(), open(path, "rb") as fh:
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(fh, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on damaged files, wrapping the XML error
        if _caused_by(exc, DefusedXmlException):
            raise unreadable(path, UNSAFE_XML) from exc
        raise unreadable(path, DAMAGED) from exc
    budget.check()

    declared = None
    for prop in getattr(wb, "custom_doc_props", ()) or ():
        if getattr(prop, "name", None) == FORM_PROPERTY:
            declared = str(prop.value)
    global_names = wb.defined_names
    if FORM_PROPERTY in global_names and declared is None:
        declared = str(global_names[FORM_PROPERTY].value).lstrip("=").strip('"')

    sheets = []
    for ws in wb.worksheets:
        scan = scans.get(ws.title) or SheetScan()
        grid = Grid(name=ws.title, state=ws.sheet_state, no_value=scan.no_value)
        for (r, c), cell in ws._cells.items():  # stored cells only: iter_rows would walk the used range
            budget.tick()
            value = cell.value
            if value is None:
                continue
            if (r, c) in scan.bad_numbers or (isinstance(value, float) and not math.isfinite(value)):
                grid.bad_numbers[(r, c)] = scan.bad_numbers.get((r, c)) or str(value)
                continue
            if cell.data_type == "e":
                grid.errors[(r, c)] = str(value)
                continue
            if isinstance(value, datetime.datetime):
                value = _as_date_if_plain(value, cell.number_format)
            value = _clean(value)
            if value is not None:
                grid.values[(r, c)] = value
        grid.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        for dim in ws.column_dimensions.values():
            if dim.hidden and dim.min and dim.max:
                grid.hidden_cols.update(range(dim.min, min(dim.max, MAX_COL) + 1))
        for name, dn in ws.defined_names.items():
            rng = next((_range_of(coord) for _, coord in dn.destinations), None)
            if rng:
                grid.names[name] = rng
        sheets.append(grid)
    by_title = {g.name: g for g in sheets}
    for name, dn in global_names.items():
        for sheet, coord in dn.destinations:
            rng = _range_of(coord)
            if rng and sheet in by_title:
                by_title[sheet].names.setdefault(name, rng)
    wb.close()
    return WorkbookGrid(fmt=fmt, sheets=sheets, declared_form=declared)


def load_xls(path: Path, limits: dict[str, Any]) -> WorkbookGrid:
    """Read a legacy .xls with xlrd (formatting_info for merged cells and hidden columns)."""
    import xlrd

    if path.stat().st_size > int(limits["max_total_bytes"]):
        raise unreadable(path, "文件过大，请拆分后提交")
    budget = _budget(path, limits)
    count_xls_cells(path, budget)  # refuses before xlrd builds a sheet too large to hold
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, logfile=SilentLog())  # else xlrd prints
    except Exception as exc:  # xlrd raises XLRDError, AssertionError, struct.error... on damaged files
        text = str(exc)
        if "encrypt" in text.lower():
            raise unreadable(path, "文件设置了打开密码（已加密），请取消密码后重新提交") from exc
        raise unreadable(path, DAMAGED) from exc
    budget.check()
    sheets = []
    for sh in book.sheets():
        state = {0: "visible", 1: "hidden"}.get(sh.visibility, "veryHidden")
        grid = Grid(name=sh.name, state=state)
        for r in range(sh.nrows):
            budget.check()
            for c in range(sh.ncols):
                ctype = sh.cell_type(r, c)
                raw = sh.cell_value(r, c)
                if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                if ctype == xlrd.XL_CELL_ERROR:
                    grid.errors[(r + 1, c + 1)] = xlrd.error_text_from_code.get(raw, "#ERR")
                    continue
                if ctype in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE) and not math.isfinite(raw):
                    grid.bad_numbers[(r + 1, c + 1)] = str(raw)
                    continue
                if ctype == xlrd.XL_CELL_NUMBER:
                    value: Any = _number(raw)
                elif ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(raw)
                elif ctype == xlrd.XL_CELL_DATE:
                    value = _xls_date(book, sh, r, c, raw)
                else:
                    value = _clean(raw)
                if value is not None:
                    grid.values[(r + 1, c + 1)] = value
        grid.merged = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells]
        grid.hidden_cols = {c + 1 for c, info in sh.colinfo_map.items() if info.hidden}
        sheets.append(grid)
    declared = None
    for nobj in book.name_obj_list:
        if nobj.name == FORM_PROPERTY and nobj.result is not None and isinstance(nobj.result.value, str):
            declared = nobj.result.value  # our template's form key, kept by LibreOffice as a text name
            continue
        try:
            # area2d hands back the Sheet object (not its index); unclipped, so an empty named cell counts
            sheet, rlo, rhi, clo, chi = nobj.area2d(clipped=False)
        except Exception:  # constants, formulas and 3-D names are not cell ranges
            continue
        sheet_idx = getattr(sheet, "number", sheet)
        if not all(isinstance(v, int) for v in (sheet_idx, rlo, rhi, clo, chi)) or rhi <= rlo or chi <= clo:
            continue
        if 0 <= sheet_idx < len(sheets) and nobj.scope in (-1, sheet_idx):
            sheets[sheet_idx].names.setdefault(nobj.name, (rlo + 1, clo + 1, rhi, chi))
    return WorkbookGrid(fmt="xls", sheets=sheets, declared_form=declared)


def _xls_date(book: Any, sheet: Any, r: int, c: int, raw: float) -> Any:
    import xlrd

    try:
        if raw < 1:
            return xlrd.xldate.xldate_as_datetime(raw, book.datemode).time()
        value = xlrd.xldate.xldate_as_datetime(raw, book.datemode)
    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
        return _number(raw)
    fmt = None
    xf = book.xf_list[sheet.cell_xf_index(r, c)] if book.xf_list else None
    if xf is not None and xf.format_key in book.format_map:
        fmt = book.format_map[xf.format_key].format_str
    return _as_date_if_plain(value, fmt)


# ODS: content.xml streamed with defusedxml; repeated rows/columns are expanded only when they hold values.
_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


_T_TABLE, _T_ROW, _T_CELL, _T_COVERED = (
    _q("table", "table"),
    _q("table", "table-row"),
    _q("table", "table-cell"),
    _q("table", "covered-table-cell"),
)
_T_COLUMN, _T_NAMED = _q("table", "table-column"), _q("table", "named-range")
_ODS_ADDR = re.compile(
    r"^\$?(?:'(?P<q>(?:[^']|'')+)'|(?P<u>[^.']+))?\.\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)"
    r"(?::\$?(?:'(?:[^']|'')+'|[^.']+)?\.\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$"
)


def _ods_text(el: Any) -> str:
    """The text of a cell's paragraphs; walked with an explicit stack (a cell may nest spans thousands deep)."""
    paragraphs = []
    for p in el:
        if _local(p.tag) not in ("p", "h"):
            continue
        parts: list[str] = []
        stack: list[Any] = [p]  # an element to open, or a str (a tail) to append when reached
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
                continue
            if node.text:
                parts.append(node.text)
            for kid in reversed(list(node)):
                if kid.tail:
                    stack.append(kid.tail)
                name = _local(kid.tag)
                if name == "s":
                    stack.append(" " * min(int(kid.get(_q("text", "c")) or 1), 1000))
                elif name == "tab":
                    stack.append("\t")
                elif name == "line-break":
                    stack.append("\n")
                elif name != "annotation":
                    stack.append(kid)
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _ods_value(el: Any) -> tuple[Any, bool]:
    """(value, formula_without_value) of one table:table-cell."""
    vtype = el.get(_q("office", "value-type"))
    if vtype in ("float", "percentage", "currency"):
        try:
            return _number(float(el.get(_q("office", "value")))), False
        except (TypeError, ValueError):
            return _clean(_ods_text(el)), False
    if vtype == "date":
        text = el.get(_q("office", "date-value")) or ""
        try:
            if "T" in text:
                return datetime.datetime.fromisoformat(text[:19]), False
            return datetime.date.fromisoformat(text[:10]), False
        except ValueError:
            return _clean(_ods_text(el)), False
    if vtype == "time":
        m = re.match(r"^-?PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S$", el.get(_q("office", "time-value")) or "")
        if m and int(m.group(1)) < 24:
            return datetime.time(int(m.group(1)), int(m.group(2)), int(float(m.group(3)))), False
        return _clean(_ods_text(el)), False
    if vtype == "boolean":
        return (el.get(_q("office", "boolean-value")) or "").lower() == "true", False
    if vtype is None and el.get(_q("table", "formula")):
        return None, True
    text = el.get(_q("office", "string-value"))
    return _clean(text if text is not None else _ods_text(el)), False


def load_ods(path: Path, limits: dict[str, Any]) -> WorkbookGrid:
    """Read an .ods by streaming content.xml (values, spans, hidden columns and sheets, named ranges)."""
    budget = _budget(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            refuse_dtd(zf, path)
            declared = _ods_declared_form(zf)
            with zf.open("content.xml") as fh:
                sheets = _parse_ods_content(fh, budget)
    except (zipfile.BadZipFile, KeyError, DET.ParseError, ValueError, zlib.error, EOFError, OSError) as exc:
        raise unreadable(path, DAMAGED) from exc
    except DefusedXmlException as exc:
        raise unreadable(path, UNSAFE_XML) from exc
    return WorkbookGrid(fmt="ods", sheets=sheets, declared_form=declared)


def _ods_declared_form(zf: zipfile.ZipFile) -> str | None:
    if "meta.xml" not in zf.namelist():
        return None
    for el in DET.fromstring(zf.read("meta.xml")).iter(_q("meta", "user-defined")):
        if el.get(_q("meta", "name")) == FORM_PROPERTY:
            return (el.text or "").strip() or None
    return None


def _count(el: Any, name: str) -> int:
    """A table:number-* attribute (repeats, spans): at least 1."""
    return max(1, int(el.get(_q("table", name)) or 1))


def _parse_ods_content(fh: Any, budget: Budget) -> list[Grid]:
    """Stream content.xml. Repeats are multiplied out only for cells that hold something, and only after the
    cells they would create are counted against the cap (a 9 KB file may declare two billion repeats)."""
    path = budget.path
    hidden_styles: set[str] = set()
    sheets: list[Grid] = []
    pending_names: list[tuple[Grid | None, str, str]] = []  # (scope sheet, name, address)
    grid: Grid | None = None
    row = col = col_def = 0
    cells = depth = 0
    row_cells: list[tuple[Any, bool, int, int, int]] = []  # value, no_value, repeat, col span, row span
    for event, el in DET.iterparse(fh, events=("start", "end")):
        tag = el.tag
        budget.tick()
        if event == "start":
            depth += 1
            if depth > MAX_DEPTH:
                raise unreadable(path, "XML 嵌套层数异常，疑似恶意文件，已拒绝")
            if tag == _T_TABLE:
                grid = Grid(name=el.get(_q("table", "name")) or f"Sheet{len(sheets) + 1}")
                if el.get(_q("table", "style-name")) in hidden_styles:
                    grid.state = "hidden"
                sheets.append(grid)
                row = col_def = 0
            elif tag == _T_ROW:
                row_cells = []
            continue
        depth -= 1
        if tag == _q("style", "style") and el.get(_q("style", "family")) == "table":
            for props in el.iter(_q("style", "table-properties")):
                if props.get(_q("table", "display")) == "false":
                    hidden_styles.add(el.get(_q("style", "name")) or "")
        elif tag == _T_COLUMN and grid is not None:
            repeat = _count(el, "number-columns-repeated")
            if el.get(_q("table", "visibility")) in ("collapse", "filter"):
                grid.hidden_cols.update(range(col_def + 1, min(col_def + repeat, MAX_COL) + 1))
            col_def += repeat
        elif tag in (_T_CELL, _T_COVERED):
            value, missing = _ods_value(el) if tag == _T_CELL else (None, False)
            row_cells.append(
                (
                    value,
                    missing,
                    _count(el, "number-columns-repeated"),
                    _count(el, "number-columns-spanned"),
                    _count(el, "number-rows-spanned"),
                )
            )
            el.clear()
        elif tag == _T_ROW and grid is not None:
            repeat = _count(el, "number-rows-repeated")
            filled = [c for c in row_cells if c[0] is not None or c[1] or c[3] > 1 or c[4] > 1]
            if not filled:
                row += repeat  # empty (perhaps formatted) rows: nothing to store
            else:
                cells += repeat * sum(c[2] * (1 + (c[3] * c[4] if c[3] * c[4] > 1 else 0)) for c in filled)
                budget.cells(cells)  # before a single repeated cell is stored
                if row + repeat > MAX_ROW:
                    raise unreadable(path, f"工作表「{grid.name}」的行数超出表格范围，疑似恶意文件，已拒绝")
                for _ in range(repeat):
                    row += 1
                    col = 0
                    budget.check()
                    for value, missing, crep, cspan, rspan in row_cells:
                        if value is None and not missing and cspan == 1 and rspan == 1:
                            col += crep
                            continue
                        if col + crep > MAX_COL:
                            raise unreadable(
                                path, f"工作表「{grid.name}」的列数超出表格范围，疑似恶意文件，已拒绝"
                            )
                        for _ in range(crep):
                            col += 1
                            if isinstance(value, float) and not math.isfinite(value):
                                grid.bad_numbers[(row, col)] = str(value)
                            elif value is not None:
                                grid.values[(row, col)] = value
                            if missing:
                                grid.no_value.add((row, col))
                            if cspan > 1 or rspan > 1:
                                grid.merged.append((row, col, row + rspan - 1, col + cspan - 1))
            el.clear()
        elif tag == _T_NAMED:
            pending_names.append(
                (grid, el.get(_q("table", "name")) or "", el.get(_q("table", "cell-range-address")) or "")
            )
        elif tag == _T_TABLE:
            grid = None
    by_name = {g.name: g for g in sheets}
    for scope, name, address in pending_names:
        m = _ODS_ADDR.match(address)
        if not m:
            continue
        sheet = (m.group("q") or "").replace("''", "'") or m.group("u") or (scope.name if scope else "")
        target = by_name.get(sheet)
        if target is None or (scope is not None and scope is not target):
            continue
        r1, c1 = int(m.group("r1")), column_index_from_string(m.group("c1"))
        r2 = int(m.group("r2") or r1)
        c2 = column_index_from_string(m.group("c2")) if m.group("c2") else c1
        target.names.setdefault(name, (r1, c1, r2, c2))
    return sheets


def load_grid(path: Path, fmt: str, limits: dict[str, Any] | None = None) -> WorkbookGrid:
    """The workbook at ``path`` (already sniffed as ``fmt``) as neutral grids."""
    lim = {**DEFAULT_LIMITS, **(limits or {})}
    if fmt in ("xlsx", "xlsm"):
        return load_xlsx(path, fmt, lim)
    if fmt == "xls":
        return load_xls(path, lim)
    if fmt == "ods":
        return load_ods(path, lim)
    raise ValueError(f"unknown workbook format {fmt!r}")
