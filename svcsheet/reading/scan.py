"""Bounded scans that run before an expensive load: they count what the load would build and stop early.

- xlsx: each sheet part streamed through expat (any prefix, any quoting): cells, merged area, formulas without
  a cached value, numbers that are not finite (NaN, INF) or not numbers at all.
- xls: the workbook stream's own BIFF record headers: cell records (MULRK/MULBLANK count their cells) and
  merged areas, before xlrd builds a whole sheet.
- a per-file time budget that every loop checks (cooperative: no threads, no signals).
"""

from __future__ import annotations

import math
import struct
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from .sniff import unreadable

_now = time.monotonic  # the budget's clock (a test may wind it on)
MAX_DEPTH = 10_000  # XML nesting no spreadsheet needs; deeper is refused while streaming
_CHUNK = 1 << 20
_CHECK_EVERY = 65_536


class Budget:
    """A file's reading deadline and cell allowance; ``tick`` is called from every loop of the readers."""

    def __init__(self, path: Path, seconds: float, max_cells: int) -> None:
        self.path = Path(path)
        self.seconds = seconds
        self.deadline = _now() + seconds
        self.max_cells = max_cells
        self._n = 0

    def check(self) -> None:
        if _now() > self.deadline:
            raise unreadable(self.path, f"读取超过时间上限（{self.seconds:g} 秒），已跳过，请拆分或精简后提交")

    def tick(self) -> None:
        self._n += 1
        if self._n % _CHECK_EVERY == 0:
            self.check()

    def cells(self, total: int) -> None:
        if total > self.max_cells:
            raise unreadable(self.path, f"单元格过多（超过 {self.max_cells} 个），请拆分后提交")


def _not_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return True


@dataclass
class SheetScan:
    cells: int = 0
    merged_area: int = 0
    no_value: set[tuple[int, int]] = field(default_factory=set)
    bad_numbers: dict[tuple[int, int], str] = field(default_factory=dict)
    # the farthest cell the part names (cells, merges, <dimension>): engines that allocate the used range
    # (python-calamine aborts the process at XFD1048576) can be refused on it before they start
    max_row: int = 0
    max_col: int = 0


def scan_xlsx_sheet(zf: zipfile.ZipFile, part: str, budget: Budget, counted: int) -> SheetScan:
    """Stream one worksheet part; refuses as soon as ``counted`` + its cells and merged area pass the cap.

    Element names are matched by local name, so any prefix (``x-s:c``) counts; attribute quoting is the
    parser's business, so ``ref='A1:Z9'`` counts like ``ref="A1:Z9"``.
    """
    scan = SheetScan()
    row = col = depth = 0
    in_cell = has_f = False
    kind: str | None = None
    value: list[str] | None = None
    cell_value: str | None = None

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, depth, in_cell, has_f, kind, value, cell_value
        depth += 1
        if depth > MAX_DEPTH:
            raise unreadable(budget.path, "XML 嵌套层数异常，疑似恶意文件，已拒绝")
        local = name.rpartition(":")[2]
        if local == "c":
            scan.cells += 1
            ref = attrs.get("r")
            if ref:
                row, col = coordinate_to_tuple(ref)
            else:
                col += 1
            scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
            in_cell, has_f, kind, cell_value = True, False, attrs.get("t"), None
            if scan.cells % 4096 == 0:
                budget.cells(counted + scan.cells + scan.merged_area)
                budget.check()
        elif local == "row":
            r = attrs.get("r")
            row = int(r) if r else row + 1
            col = 0
        elif in_cell and local == "f":
            has_f = True
        elif in_cell and local == "v":
            value = []
        elif local == "mergeCell":
            c1, r1, c2, r2 = range_boundaries(attrs.get("ref", "").replace("$", "").upper())
            scan.merged_area += (r2 - r1 + 1) * (c2 - c1 + 1)
            scan.max_row, scan.max_col = max(scan.max_row, r2), max(scan.max_col, c2)
            budget.cells(counted + scan.cells + scan.merged_area)
        elif local == "dimension":
            try:  # only informative: a damaged one is openpyxl's to judge
                _, _, c2, r2 = range_boundaries(attrs.get("ref", "A1").replace("$", "").upper())
            except (ValueError, TypeError):
                return
            scan.max_row, scan.max_col = max(scan.max_row, r2 or 0), max(scan.max_col, c2 or 0)

    def end(name: str) -> None:
        nonlocal depth, in_cell, value, cell_value
        depth -= 1
        local = name.rpartition(":")[2]
        if local == "v" and value is not None:
            cell_value, value = "".join(value), None
        elif local == "c" and in_cell:
            v = cell_value
            if has_f and (v is None or (not v and kind != "str")):
                scan.no_value.add((row, col))
            elif v and kind in (None, "n") and _not_finite(v.strip()):
                scan.bad_numbers[(row, col)] = v.strip()[:20]
            in_cell = False

    def text(data: str) -> None:
        if value is not None:
            value.append(data)

    def refuse(*_: Any) -> None:
        raise unreadable(budget.path, "内含不安全的 XML 声明，已拒绝")

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    with zf.open(part) as fh:
        while chunk := fh.read(_CHUNK):
            parser.Parse(chunk, False)
            budget.check()
        parser.Parse(b"", True)
    budget.cells(counted + scan.cells + scan.merged_area)
    return scan


# BIFF8 cell records; MULRK and MULBLANK hold several cells each.
_CELL_RECORDS = {0x0006, 0x0203, 0x0204, 0x0205, 0x0201, 0x00FD, 0x027E, 0x00D6, 0x0406}
_MULRK, _MULBLANK, _MERGEDCELLS, _BOF, _EOF = 0x00BD, 0x00BE, 0x00E5, 0x0809, 0x000A


def count_xls_cells(path: Path, budget: Budget) -> int:
    """Cells and merged area the .xls declares, counted from its record headers (no sheet is built)."""
    from xlrd import compdoc

    with open(path, "rb") as fh:
        data = fh.read()
    try:
        doc = compdoc.CompDoc(data, logfile=SilentLog())
        stream, base, length = doc.locate_named_stream("Workbook")
        if stream is None:
            stream, base, length = doc.locate_named_stream("Book")
    except compdoc.CompDocError:
        return 0  # not ours to judge: xlrd reports the damage in its own words
    if stream is None:
        return 0
    end = base + length
    pos, total = base, 0
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, size = unpack("<HH", stream, pos)
        body = pos + 4
        if rtype in _CELL_RECORDS:
            total += 1
        elif rtype in (_MULRK, _MULBLANK) and size >= 6:
            total += (size - 6) // (6 if rtype == _MULRK else 2)
        elif rtype == _MERGEDCELLS and size >= 2:
            (n,) = unpack("<H", stream, body)
            for i in range(min(n, (size - 2) // 8)):
                r1, r2, c1, c2 = unpack("<HHHH", stream, body + 2 + 8 * i)
                total += max(0, r2 - r1 + 1) * max(0, c2 - c1 + 1)
        pos = body + size
        budget.tick()
        if total > budget.max_cells:
            budget.cells(total)
    return total


class SilentLog:
    """A log file that keeps nothing: xlrd writes its diagnostics to stdout, and the library never prints."""

    def write(self, *_: Any) -> None:
        pass
