"""The fast .xlsx/.xlsm reader: python-calamine for cell values, the package XML for everything else.

It yields the same neutral grid as grid.load_xlsx's openpyxl path (values as openpyxl reads them with
data_only=True, error cells, merged ranges, hidden columns, sheet state, defined names, the declared form) at a
fraction of the cost. It declines (returns None, and the openpyxl path reads the file) whenever it could differ or
calamine could fail:

- python-calamine 0.9.1 aborts the whole process (SIGABRT) on a sheet whose used range reaches XFD1048576, and
  allocates rows x columns cells for a sheet's range: a bounded byte scan of each sheet refuses cell references
  at column XFD or row 1,000,000 and beyond, a <dimension> that reaches them, and ranges over MAX_AREA cells;
- cells written without an address (positions implied by order), chart sheets and other sheet types.
"""

from __future__ import annotations

import datetime
import functools
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.parsers import expat

import defusedxml.ElementTree as DET
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.defined_name import DefinedName

from ..errors import UnreadableWorkbook
from .grid import (
    FORM_PROPERTY,
    Grid,
    WorkbookGrid,
    _clean,
    _local,
    _number,
    _range_of,
)

_CHUNK = 1 << 20
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"")
_MERGE_OPEN = re.compile(rb"<(?:\w+:)?mergeCell\s")
_MAX_CARRY = 16 << 20
MAX_AREA = 2_000_000  # rows x columns of one sheet's range that calamine may hold (32 bytes a cell)
_REL_SHEET = "/worksheet"
_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+)(\d+)\"")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c[\s/>]")
_STYLED = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+\d+)\"[^>]*?\bs=\"(\d+)\"")
_ERROR = re.compile(rb"<(?:\w+:)?c\s([^>]*?\bt=\"e\"[^>/]*)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FAR = re.compile(rb"\br=\"(?:[A-Z]{4,}|XF[D-Z]|X[G-Z][A-Z]|[YZ][A-Z]{2})\d|\br=\"[A-Z]+\d{7,}\"")
_DIM_FAR = re.compile(rb"XF[D-Z]|\d{7,}")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref=\"([^\"]*)\"")
_COL = re.compile(rb"<(?:\w+:)?col\s[^>]*>")
_HIDDEN_ATTR = re.compile(rb"\bhidden=\"(?:1|true)\"")
_ROW_NO_REF = re.compile(rb"<(?:\w+:)?row\b(?![^>]*\br=)[^>]*>")


class _Decline(Exception):
    """The openpyxl path must read this workbook."""


def load_xlsx_fast(
    path: Path,
    fmt: str,
    no_value: dict[str, set[tuple[int, int]]],
    scans: dict[str, dict[str, Any]] | None = None,
) -> WorkbookGrid | None:
    """The workbook's grids read with calamine, or None when the openpyxl path must read it.

    Callers have already refused DTDs, bounded the cell count and found the formulas without a value;
    ``scans`` are quick_scans' results (the byte scan is then not repeated)."""
    try:
        with zipfile.ZipFile(path) as zf:
            book = _package(zf)
            if scans is None:
                timed = _timed_styles(zf)
                scans = {name: _scan(zf, part, timed) for name, (part, _) in book["sheets"].items()}
        return _read(path, fmt, book, scans, no_value)
    except Exception:  # noqa: BLE001 - _Decline, or XML we misread: the openpyxl path reads it and says why
        return None


# ---------------------------------------------------------------------------------------------- the package


def _package(zf: zipfile.ZipFile) -> dict[str, Any]:
    """Sheets in order (name -> (part, state)), defined names and the declared form, from the XML parts."""
    wb = DET.fromstring(zf.read("xl/workbook.xml"))
    rels = {}
    for rel in DET.fromstring(zf.read("xl/_rels/workbook.xml.rels")):
        rels[rel.get("Id", "")] = (rel.get("Type", ""), rel.get("Target", ""))
    sheets: dict[str, tuple[str, str]] = {}
    order: list[str | None] = []  # every sheet by index (localSheetId counts chart sheets too)
    local: list[tuple[int, str, str]] = []
    global_names: dict[str, str] = {}
    for el in wb.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            rtype, target = rels.get(rid, ("", ""))
            name = el.get("name", "")
            if not rtype.endswith(_REL_SHEET):
                order.append(None)
                if rtype.endswith("/chartsheet"):
                    continue
                raise _Decline  # dialog or macro sheets: leave them to openpyxl
            part = target.lstrip("/") if target.startswith("/") else _join("xl", target)
            if part not in zf.namelist():
                raise _Decline
            sheets[name] = (part, el.get("state") or "visible")
            order.append(name)
        elif tag == "definedName":
            name, value = el.get("name", ""), el.text or ""
            if name.startswith("_xlnm."):
                continue  # print areas, filters: openpyxl keeps them out of defined names too
            scope = el.get("localSheetId")
            if scope is None:
                global_names[name] = value
            elif scope.isdigit():
                local.append((int(scope), name, value))
    return {
        "sheets": sheets,
        "order": order,
        "local": local,
        "global": global_names,
        "declared": _declared(zf),
    }


def _declared(zf: zipfile.ZipFile) -> str | None:
    if "docProps/custom.xml" not in zf.namelist():
        return None
    declared = None
    for prop in DET.fromstring(zf.read("docProps/custom.xml")):
        if prop.get("name") == FORM_PROPERTY:
            value = next(iter(prop), None)
            declared = str(value.text if value is not None and value.text is not None else "")
    return declared


def _join(base: str, target: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(base, target))


def _timed_styles(zf: zipfile.ZipFile) -> set[bytes]:
    """Indexes of cell formats whose number format shows a time: a midnight there is a datetime, not a date."""
    if "xl/styles.xml" not in zf.namelist():
        return set()
    root = DET.fromstring(zf.read("xl/styles.xml"))
    custom: dict[int, str] = {}
    timed: set[bytes] = set()
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", ""))] = el.get("formatCode", "")
            except ValueError:
                continue
    for el in root:
        if _local(el.tag) != "cellXfs":
            continue
        for i, xf in enumerate(el):
            try:
                fid = int(xf.get("numFmtId") or 0)
            except ValueError:
                continue
            code = custom.get(fid, BUILTIN_FORMATS.get(fid, ""))
            if "h" in re.sub(r'"[^"]*"|\[[^\]]*\]', "", code.lower()):
                timed.add(str(i).encode())
    return timed


# ---------------------------------------------------------------------------------------------- one sheet


def _scan(zf: zipfile.ZipFile, part: str, timed: set[bytes]) -> dict[str, Any]:
    """A bounded byte scan: what calamine must not see, and what it does not tell (errors, formats, layout)."""
    out: dict[str, Any] = {"timed": set(), "errors": {}, "merged": [], "hidden": set(), "rows": 0, "cols": 0}
    carry = b""
    head = True
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buf = carry + chunk
            # cut after a row tag: no cell (nor an error cell's value) is ever split between two scans
            cut = buf.rfind(b"row>") + 4 if chunk else len(buf)
            if cut < 4:
                cut = 0
            if len(buf) - cut > _MAX_CARRY:
                raise _Decline  # one row of more than 16 MB: not a form
            body, carry = buf[:cut], buf[cut:]
            _scan_body(body, out, timed, head and bool(body))
            head = head and not body
            if not chunk:
                return out


def _dimension_too_far(body: bytes) -> bool:
    """The sheet declares a used range reaching column XFD or row 1,000,000 (calamine aborts there)."""
    dim = _DIMENSION.search(body)
    return bool(dim and _DIM_FAR.search(dim.group(1)))


def _scan_body(body: bytes, out: dict[str, Any], timed: set[bytes], head: bool) -> None:
    if _FAR.search(body) or _ROW_NO_REF.search(body):
        raise _Decline
    if head and _dimension_too_far(body):
        raise _Decline
    refs = _REF.findall(body)
    if len(refs) != len(_CELL_OPEN.findall(body)):
        raise _Decline  # a cell without an address
    if refs:
        out["rows"] = max(out["rows"], max(int(r) for _, r in refs))
        widest = max((c for c, _ in refs), key=lambda c: (len(c), c))
        out["cols"] = max(out["cols"], column_index_from_string(widest.decode()))
        if out["rows"] * out["cols"] > MAX_AREA:
            raise _Decline
    if timed:
        for ref, s in _STYLED.findall(body):
            if s in timed:
                out["timed"].add(_pos(ref))
    if b't="e"' in body:
        for attrs, inner in _ERROR.findall(body):
            ref = re.search(rb"\br=\"([A-Z]+\d+)\"", attrs)
            value = _VALUE.search(inner)
            if ref and value:
                out["errors"][_pos(ref.group(1))] = (value.group(1) if value else b"").decode(
                    "utf-8", "replace"
                )
    merges = _MERGE_REF.findall(body)
    if len(merges) != len(_MERGE_OPEN.findall(body)):
        raise _Decline  # a merge written another way (single quotes): the openpyxl path reads it
    for ref in merges:
        rng = _range_of(ref.decode().upper())
        if rng:
            if rng[2] >= 1_000_000 or rng[3] >= 16384:
                raise _Decline  # a merge to the sheet's edge: openpyxl clips it, calamine might not survive it
            out["merged"].append(rng)
    for tag in _COL.findall(body):
        if _HIDDEN_ATTR.search(tag):
            lo = re.search(rb"\bmin=\"(\d+)\"", tag)
            hi = re.search(rb"\bmax=\"(\d+)\"", tag)
            if lo and hi and int(lo.group(1)) and int(hi.group(1)):
                out["hidden"].update(range(int(lo.group(1)), min(int(hi.group(1)), 16384) + 1))


def _pos(ref: bytes) -> tuple[int, int]:
    m = re.match(rb"([A-Z]+)(\d+)", ref)
    assert m is not None
    return int(m.group(2)), column_index_from_string(m.group(1).decode())


# ---------------------------------------------------------------------------------------------- one pass

# quick_scans reads each sheet part once where two passes read it before (scan.scan_xlsx_sheet's expat pass
# with a Python call per element, then _scan's regexes). It proves from the bytes that the expat pass would
# find exactly N cells, M merged area, no formula and no odd number, and yields what _scan yields; anything
# it cannot prove returns None and both passes run as before (and refuse or decline exactly as before).
# Its proofs hold on parts where every "<" opens a tag: no comment, CDATA, DTD or processing instruction
# after the XML declaration (checked), UTF-8 (checked), well-formed (expat without handlers, in C).
_DECL = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_DECL_ENC = re.compile(rb"\bencoding\s*=\s*[\"']([^\"']*)[\"']")
# a cell, formula, value, merge or row element with a namespace prefix (expat counts elements by local name)
_PREFIXED = re.compile(rb"<[^\s/>]*:(?:c|f|v|mergeCell|row)[\s/>]")
_ANY_C = re.compile(rb"<c[\s/>]")
# a cell tag as every known producer writes it: its address first, double-quoted attributes
_PLAIN_C = re.compile(rb"<c r=\"([A-Z]{1,3})([1-9][0-9]{0,6})\"(?:\s+(?:s|t|cm|vm|ph)=\"[^\"<>]*\")*\s*/?>")
_ANY_MERGE = re.compile(rb"<mergeCell[\s/>]")
_PLAIN_MERGE = re.compile(rb"<mergeCell ref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"\s*/?>")
_ANY_F = re.compile(rb"<f[\s/>]")
_ANY_V = re.compile(rb"<v[\s/>]")
# _FAR with its common literal first, so the engine skips to it ("\b" is checked on the rare match)
_FAR_R = re.compile(rb"r=\"(?:(?:[A-Z]{4,}|XF[D-Z]|X[G-Z][A-Z]|[YZ][A-Z]{2})\d|[A-Z]+\d{7,}\")")
_WORD = re.compile(rb"\w")
_ROW_NO_REF_PLAIN = re.compile(rb"<row\b(?![^>]*\br=)[^>]*>")
# a <v> whose text float() might not read as a finite number (at most 200 digits and a 2-digit exponent
# stay below 1e300); the expat pass reports such a cell as a bad number unless it is an error cell
_ODD_V = re.compile(rb"<v>(?!\s*[-+]?(?:\d{1,200}(?:\.\d{0,200})?|\.\d{1,200})(?:[eE][-+]?\d{1,2})?\s*</v>)")


class _Quick:
    """What the expat pass would have counted so far, and the parser that proves the part well-formed."""

    def __init__(self, budget: Any, counted: int) -> None:
        self.budget = budget
        self.counted = counted
        self.cells = 0
        self.merged_area = 0
        self.depth = 0
        self.parser = expat.ParserCreate()


def quick_scans(zf: zipfile.ZipFile, parts: dict[str, str], budget: Any) -> dict[str, dict[str, Any]] | None:
    """_scan's results for every sheet part in one pass each, or None when any part needs the two passes.

    None also when the workbook's cells and merged area pass the budget: the expat pass refuses it in its
    own words. Only the time budget refuses here."""
    try:
        timed = _timed_styles(zf)
        state = _Quick(budget, 0)
        scans = {}
        for sheet, part in parts.items():
            state.depth = 0
            state.parser = expat.ParserCreate()
            scans[sheet] = _quick_part(zf, part, timed, state)
            if scans[sheet] is None:
                return None
            state.counted += state.cells + state.merged_area
            state.cells = state.merged_area = 0
        return scans
    except UnreadableWorkbook:
        raise
    except Exception:  # noqa: BLE001 - damaged or unexpected: the two passes say what it is
        return None


def _quick_part(zf: zipfile.ZipFile, part: str, timed: set[bytes], q: _Quick) -> dict[str, Any] | None:
    out: dict[str, Any] = {"timed": set(), "errors": {}, "merged": [], "hidden": set(), "rows": 0, "cols": 0}
    styled = _styled_pattern(timed)
    carry = b""
    first = True
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            q.parser.Parse(chunk, not chunk)  # well-formedness, in C
            q.budget.check()
            buf = carry + chunk
            cut = buf.rfind(b"row>") + 4 if chunk else len(buf)
            if cut < 4:
                cut = 0
            if len(buf) - cut > _MAX_CARRY:
                return None
            body, carry = buf[:cut], buf[cut:]
            if first and body:
                decl = _DECL.match(body)
                if decl:
                    enc = _DECL_ENC.search(decl.group(0))
                    if enc and enc.group(1).lower() not in (b"utf-8", b"utf8"):
                        return None
                    body_rest = body[decl.end() :]
                elif body.startswith(b"<") and not body.startswith(b"<?"):
                    body_rest = body
                else:
                    return None  # a byte order mark of UTF-16, or anything else: expat decodes it, we do not
                if not _quick_body(body_rest, out, styled, True, q):
                    return None
                first = False
            elif body and not _quick_body(body, out, styled, False, q):
                return None
            if not chunk:
                return out if q.depth == 0 else None


def _styled_pattern(timed: set[bytes]) -> re.Pattern[bytes] | None:
    if not timed:
        return None
    alternatives = b"|".join(sorted(timed, key=lambda s: (len(s), s)))
    return re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?\bs=\"(?:" + alternatives + rb")\"")


@functools.lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    return column_index_from_string(letters.decode())


def _quick_body(
    body: bytes, out: dict[str, Any], styled: re.Pattern[bytes] | None, head: bool, q: _Quick
) -> bool:
    """One cut of a sheet part: True when _scan_body would have yielded the same and the expat pass found
    exactly the cells and merged area counted here, and no formula, odd number or deep nesting."""
    if (
        b"<!" in body
        or b"<?" in body
        or _PREFIXED.search(body)
        or _far(body)
        or _ROW_NO_REF_PLAIN.search(body)
    ):
        return False
    if _ANY_F.search(body) or not _depth_ok(body, q):
        return False
    if head and _dimension_too_far(body):
        return False
    refs = _PLAIN_C.findall(body)
    if len(refs) != len(_ANY_C.findall(body)):
        return False  # a cell written another way (no address, single quotes...): the two passes read it
    q.cells += len(refs)
    if refs:
        # distinct letters and numbers first (a sheet's thousands of cells have a few dozen columns and a row
        # number per row): unpacking every pair with zip(*refs) and int() of every number cost 3x this
        cols = {c for c, _ in refs}
        longest = max(map(len, cols))
        out["rows"] = max(out["rows"], max(map(int, {n for _, n in refs})))
        widest = max(c for c in cols if len(c) == longest)
        out["cols"] = max(out["cols"], column_index_from_string(widest.decode()))
        if out["rows"] * out["cols"] > MAX_AREA:
            return False
    if styled is not None:
        out["timed"].update((int(r), _column(c)) for c, r in styled.findall(body))
    error_odd = 0
    if b't="e"' in body:
        for attrs, inner in _ERROR.findall(body):
            error_odd += len(_ODD_V.findall(inner))
            ref = re.search(rb"\br=\"([A-Z]+\d+)\"", attrs)
            value = _VALUE.search(inner)
            if ref and value:
                out["errors"][_pos(ref.group(1))] = value.group(1).decode("utf-8", "replace")
    if body.count(b"<v>") != len(_ANY_V.findall(body)) or len(_ODD_V.findall(body)) != error_odd:
        return False  # a value the expat pass would look at more closely (NaN, INF, text in a number)
    merges = _PLAIN_MERGE.findall(body)
    if len(merges) != len(_ANY_MERGE.findall(body)):
        return False
    for ref in merges:
        rng = _range_of(ref.decode().upper())
        if rng is None or rng[2] >= 1_000_000 or rng[3] >= 16384:
            return False
        out["merged"].append(rng)
        q.merged_area += (rng[2] - rng[0] + 1) * (rng[3] - rng[1] + 1)
    if q.counted + q.cells + q.merged_area > q.budget.max_cells:
        return False
    if b"hidden=" not in body:  # no hidden column can be declared here
        return True
    for tag in _COL.findall(body):
        if _HIDDEN_ATTR.search(tag):
            lo = re.search(rb"\bmin=\"(\d+)\"", tag)
            hi = re.search(rb"\bmax=\"(\d+)\"", tag)
            if lo and hi and int(lo.group(1)) and int(hi.group(1)):
                out["hidden"].update(range(int(lo.group(1)), min(int(hi.group(1)), 16384) + 1))
    return True


def _far(body: bytes) -> bool:
    """_FAR.search(body), with the engine skipping to its literal; the word boundary checked by hand."""
    for m in _FAR_R.finditer(body):
        i = m.start()
        if i == 0 or not _WORD.match(body, i - 1):
            return True
    return False


def _depth_ok(body: bytes, q: _Quick) -> bool:
    """Nesting stays under the expat pass's MAX_DEPTH. With every "<" opening a tag and every ">" closing the
    one it opened (the two alternate), a tag's kind is its second and next-to-last bytes."""
    import numpy as np

    from .scan import MAX_DEPTH

    a = np.frombuffer(body, dtype=np.uint8)
    lt = np.flatnonzero(a == 60)
    gt = np.flatnonzero(a == 62)
    if len(lt) != len(gt):
        return False
    if not len(lt):
        return True
    if np.any(gt <= lt) or np.any(lt[1:] <= gt[:-1]):
        return False
    after = a[lt + 1]
    delta = np.where(after == 47, -1, np.where(a[gt - 1] == 47, 0, 1)).astype(np.int64)
    run = q.depth + np.cumsum(delta)
    if int(run.max()) + 1 >= MAX_DEPTH or int(run.min()) < 0:
        return False
    q.depth = int(run[-1])
    return True


# ---------------------------------------------------------------------------------------------- values


def _read(
    path: Path,
    fmt: str,
    book: dict[str, Any],
    scans: dict[str, dict[str, Any]],
    no_value: dict[str, set[tuple[int, int]]],
) -> WorkbookGrid:
    from python_calamine import CalamineWorkbook

    try:
        cal = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine's own errors: openpyxl says what is wrong
        raise _Decline from exc
    try:
        grids = []
        for name, (_, state) in book["sheets"].items():
            scan = scans[name]
            grid = Grid(name=name, state=state, no_value=no_value.get(name, set()))
            grid.errors = scan["errors"]
            grid.merged = scan["merged"]
            grid.hidden_cols = scan["hidden"]
            if scan["rows"]:
                try:
                    rows = cal.get_sheet_by_name(name).to_python(skip_empty_area=False)
                except Exception as exc:  # noqa: BLE001
                    raise _Decline from exc
                _fill(grid, rows, scan["timed"])
            grids.append(grid)
    finally:
        cal.close()
    by_name = {g.name: g for g in grids}
    for index, name, value in book["local"]:
        target = book["order"][index] if 0 <= index < len(book["order"]) else None
        if target in by_name:
            rng = next((_range_of(coord) for _, coord in _destinations(name, value)), None)
            if rng:
                by_name[target].names[name] = rng
    declared = book["declared"]
    for name, value in book["global"].items():
        if name == FORM_PROPERTY and declared is None:
            declared = value.lstrip("=").strip('"')
        for sheet, coord in _destinations(name, value):
            rng = _range_of(coord)
            if rng and sheet in by_name:
                by_name[sheet].names.setdefault(name, rng)
    return WorkbookGrid(fmt=fmt, sheets=grids, declared_form=declared)


def _destinations(name: str, value: str) -> list[tuple[str, str]]:
    try:
        return list(DefinedName(name, attr_text=value).destinations)
    except Exception:  # noqa: BLE001 - a constant or a formula is not a range
        return []


def _fill(grid: Grid, rows: list[list[Any]], timed: set[tuple[int, int]]) -> None:
    values = grid.values
    errors = grid.errors
    date, stamp, midnight = datetime.date, datetime.datetime, datetime.time()
    index: dict[int, list[int]] = {}  # row -> its columns holding a value, in order (Grid.row_cols)
    for r, row in enumerate(rows, start=1):
        cols: list[int] = []
        for c, value in enumerate(row, start=1):
            kind = type(value)
            if kind is str:  # most cells: _clean inlined
                if not value.strip():
                    continue
            elif value is None:
                continue
            elif kind is float:
                if value.is_integer() and abs(value) < 1e15:  # _number inlined
                    value = int(value)
            elif kind is date:
                if (r, c) in timed:  # calamine gives a date for any midnight; the format shows a time
                    value = stamp.combine(value, midnight)
            elif kind is stamp and value.time() == midnight and (r, c) not in timed:
                value = value.date()
            elif isinstance(value, str):
                value = _clean(value)
                if value is None:
                    continue
            elif isinstance(value, float):
                value = _number(value)
            if errors and (r, c) in errors:
                continue
            values[(r, c)] = value
            cols.append(c)
        if cols:
            index[r] = cols
    if not errors and not grid.no_value and not grid.bad_numbers:
        # every non-empty cell is a value, filled row by row and column by column: the index row_cols would
        # build by sorting every cell's position (the values of one sheet are filled once)
        grid.set_row_index(index)
