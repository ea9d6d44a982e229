"""Annotate an .xlsx/.xlsm package in place of a load-and-save: colour cells, add comments and a list sheet.

openpyxl drops what it does not model (images, charts, shapes, extended data validations, conditional formats with
extensions) when it saves a workbook it loaded, and loading plus saving is the slowest step of a run. Here every
part of the original is copied byte for byte except the ones we must touch: the flagged sheets (a style index per
flagged cell, a <legacyDrawing> for the comments), styles.xml (fills and cell formats appended), workbook.xml (the
list sheet), relationships and [Content_Types].xml. New parts: comments, their VML (Excel and LibreOffice show
legacy comments through it) and the list sheet.

Edits are textual on the original XML, never a re-serialisation, so namespaces and prefixes stay as written.
Anything unexpected raises PatchError; the caller falls back to the openpyxl path.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape as _html_escape
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_SHEET = NS_REL + "/worksheet"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Children of <worksheet> that must follow <legacyDrawing> (ECMA-376 order).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")  # fmt: skip
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class PatchError(Exception):
    """The package holds something this patcher does not handle; use the slower path."""


@dataclass(frozen=True)
class Mark:
    """One cell to flag: its fill colour (RGB hex, or None for a comment only) and the comment text."""

    sheet: str
    ref: str  # A1 style, one cell
    fill: str | None
    text: str


@dataclass(frozen=True)
class ListSheet:
    """The sheet listing every finding, inserted first: header row, rows, column widths, which column wraps."""

    name: str
    header: list[str]
    rows: list[list[str | int | None]]
    widths: list[float]
    header_fill: str
    wrap_col: int  # 0-based
    wrap_cols: tuple[int, ...] = ()  # more 0-based columns that wrap
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> points, rows of wrapped text


def patch_workbook(source: Path, target: Path, marks: list[Mark], listing: ListSheet) -> None:
    """Write ``target``: ``source`` with ``marks`` applied and ``listing`` added as its first sheet."""
    try:
        with zipfile.ZipFile(source) as zin:
            parts = {info.filename: zin.read(info) for info in zin.infolist()}
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise PatchError(str(exc)) from exc
    _Package(parts).apply(marks, listing)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


class _Package:
    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts

    def text(self, name: str) -> str:
        if name not in self.parts:
            raise PatchError(f"missing part {name}")
        return self.parts[name].decode("utf-8")

    def put(self, name: str, text: str) -> None:
        self.parts[name] = text.encode("utf-8")

    # ------------------------------------------------------------------ the whole job

    def apply(self, marks: list[Mark], listing: ListSheet) -> None:
        sheets = self._sheet_parts()
        if listing.name in sheets:
            raise PatchError("the workbook already holds a findings list sheet")
        styles = _Styles(self.text("xl/styles.xml"))
        by_sheet: dict[str, list[Mark]] = {}
        for m in marks:
            if m.sheet in sheets:
                by_sheet.setdefault(m.sheet, []).append(m)
        vml_base = 1 + sum(1 for n in self.parts if n.endswith(".vml"))
        for i, (sheet, items) in enumerate(by_sheet.items()):
            self._mark_sheet(sheets[sheet], items, styles, vml_base + i)
        list_styles = (
            styles.xf(0, font=styles.bold_font(), fill=styles.fill(listing.header_fill)),
            styles.xf(0, wrap=True),
        )
        self._add_list_sheet(listing, list_styles)
        self.put("xl/styles.xml", styles.finish())

    # ------------------------------------------------------------------ workbook, relationships, content types

    def _sheet_parts(self) -> dict[str, str]:
        wb = self.text("xl/workbook.xml")
        rels = _rels(self.text("xl/_rels/workbook.xml.rels"))
        out = {}
        for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", wb):
            name = _attr(tag, "name")
            rid = _attr(tag, "r:id") or _attr_any(tag, "id")
            if name is None or rid is None or rid not in rels:
                raise PatchError("sheet without a relationship")
            out[_unescape(name)] = _resolve("xl/workbook.xml", rels[rid][1])
        return out

    def _rels_part(self, part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def _add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        """Add a relationship from ``part`` to ``target_part``; returns its new id."""
        name = self._rels_part(part)
        text = (
            self.text(name)
            if name in self.parts
            else f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}"></Relationships>'
        )
        ids = set(re.findall(r'\bId="([^"]*)"', text))
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = posixpath.relpath(target_part, posixpath.dirname(part))
        rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{_attr_text(target)}"/>'
        text, count = re.subn(r"</(\w+:)?Relationships>", lambda m: rel + m.group(0), text, count=1)
        if not count:
            text, count = re.subn(r"<((?:\w+:)?Relationships\b[^>]*?)/>", rf"<\1>{rel}</\1>", text, count=1)
        if not count:
            raise PatchError(f"unexpected relationships part {name}")
        self.put(name, text)
        return rid

    def _content_type(self, part: str | None, ctype: str, extension: str | None = None) -> None:
        text = self.text("[Content_Types].xml")
        if extension is not None:
            if re.search(rf'<(?:\w+:)?Default\b[^>]*Extension="{extension}"', text, re.IGNORECASE):
                return
            entry = f'<Default Extension="{extension}" ContentType="{ctype}"/>'
        else:
            entry = f'<Override PartName="/{part}" ContentType="{ctype}"/>'
        text, count = re.subn(r"</(\w+:)?Types>", lambda m: entry + m.group(0), text, count=1)
        if not count:
            raise PatchError("unexpected [Content_Types].xml")
        self.put("[Content_Types].xml", text)

    def _free(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self.parts:
            n += 1
        return pattern.format(n)

    # ------------------------------------------------------------------ one flagged sheet

    def _mark_sheet(self, part: str, marks: list[Mark], styles: _Styles, vml_id: int) -> None:
        xml = self.text(part)
        if _search_tag(_LEGACY, xml, ("legacyDrawing",)):
            raise PatchError("the sheet already has comments or a legacy drawing")
        col_styles = _col_styles(xml)
        wanted: dict[tuple[int, int], Mark] = {}
        comments: dict[tuple[int, int], Mark] = {}
        for m in marks:
            row, col = _split_ref(m.ref)
            comments.setdefault((row, col), m)
            if m.fill:
                wanted.setdefault((row, col), m)
        xml = _restyle_cells(
            xml,
            {rc: m.fill for rc, m in wanted.items()},
            lambda s, fill: styles.xf(s, fill=styles.fill(fill)),
            col_styles,
        )
        comments_part = self._free("xl/comments{}.xml")
        vml_part = self._free("xl/drawings/vmlDrawing{}.vml")
        ordered = sorted(comments.items())
        self.put(
            comments_part, _comments_xml([(get_column_letter(c) + str(r), m.text) for (r, c), m in ordered])
        )
        self.put(vml_part, _vml_xml([rc for rc, _ in ordered], vml_id))
        self._add_rel(part, REL_COMMENTS, comments_part)
        vml_rid = self._add_rel(part, REL_VML, vml_part)
        self._content_type(comments_part, CT_COMMENTS)
        self._content_type(None, CT_VML, extension="vml")
        self.put(part, _add_legacy_drawing(xml, vml_rid))

    # ------------------------------------------------------------------ the list sheet

    def _add_list_sheet(self, listing: ListSheet, styles: tuple[int, int]) -> None:
        part = self._free("xl/worksheets/sheet{}.xml")
        self.put(part, _list_sheet_xml(listing, *styles))
        rid = self._add_rel("xl/workbook.xml", REL_SHEET, part)
        self._content_type(part, CT_SHEET)
        wb = self.text("xl/workbook.xml")
        ids = [int(x) for x in re.findall(r"<(?:\w+:)?sheet\b[^>]*\bsheetId=\"(\d+)\"", wb)]
        m = re.search(r"<((?:\w+:)?)sheet\b", wb)
        if m is None:
            raise PatchError("workbook without sheets")
        prefix = m.group(1)
        rel_prefix = _rel_prefix(wb)
        if rel_prefix is None:
            raise PatchError("workbook.xml without the relationships namespace")
        tag = f'<{prefix}sheet name="{_attr_text(listing.name)}" sheetId="{max(ids, default=0) + 1}" {rel_prefix}:id="{rid}"/>'
        wb = wb[: m.start()] + tag + wb[m.start() :]
        # The list comes first: sheet positions shift by one where the workbook refers to them by index.
        wb = re.sub(r'(\blocalSheetId=")(\d+)(")', lambda g: f"{g[1]}{int(g[2]) + 1}{g[3]}", wb)
        wb = re.sub(
            r"<(?:\w+:)?workbookView\b[^>]*>",
            lambda v: re.sub(
                r'(\b(?:activeTab|firstSheet)=")(\d+)(")', lambda g: f"{g[1]}{int(g[2]) + 1}{g[3]}", v[0]
            ),
            wb,
        )
        if not re.search(r"<(?:\w+:)?workbookView\b[^>]*\bactiveTab=", wb):
            wb = re.sub(r"<((?:\w+:)?workbookView\b)", r'<\1 activeTab="1"', wb, count=1)
        self.put("xl/workbook.xml", _list_names(wb, listing))


# ---------------------------------------------------------------------------------------------- styles


class _Styles:
    """styles.xml with fills, fonts and cell formats appended (existing indexes never change)."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.fills = _section(xml, "fills", "fill")
        self.fonts = _section(xml, "fonts", "font")
        self.xfs = _section(xml, "cellXfs", "xf")
        if not self.xfs.items:
            raise PatchError("styles.xml without cell formats")
        self._fill_ids: dict[str, int] = {}
        self._xf_ids: dict[tuple, int] = {}
        self._bold: int | None = None

    def fill(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            p = self.fills.prefix
            self._fill_ids[rgb] = self.fills.add(
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/><{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
        return self._fill_ids[rgb]

    def bold_font(self) -> int:
        if self._bold is None:
            p = self.fonts.prefix
            self._bold = self.fonts.add(f'<{p}font><{p}b/><{p}sz val="11"/></{p}font>')
        return self._bold

    def xf(self, base: int, *, fill: int | None = None, font: int | None = None, wrap: bool = False) -> int:
        """A cell format like ``base`` with the fill and font replaced; created once per combination."""
        key = (base, fill, font, wrap)
        if key not in self._xf_ids:
            if not 0 <= base < len(self.xfs.items):
                base = 0
            xf = self.xfs.items[base]
            if fill is not None:
                xf = _set_attr(_set_attr(xf, "fillId", str(fill)), "applyFill", "1")
            if font is not None:
                xf = _set_attr(_set_attr(xf, "fontId", str(font)), "applyFont", "1")
            if wrap:
                p = self.xfs.prefix
                xf = _set_attr(xf, "applyAlignment", "1")
                body = f'<{p}alignment wrapText="1" vertical="top"/>'
                xf = re.sub(r"<(\w+:)?alignment\b[^>]*/>", "", xf)
                xf = (
                    xf[:-2] + f">{body}</{p}xf>"
                    if xf.endswith("/>")
                    else re.sub(r"(<(?:\w+:)?xf\b[^>]*>)", rf"\1{body}", xf, count=1)
                )
            self._xf_ids[key] = self.xfs.add(xf)
        return self._xf_ids[key]

    def finish(self) -> str:
        xml = self.xml
        for sec in sorted((self.fills, self.fonts, self.xfs), key=lambda s: -s.start):
            xml = sec.render(xml)
        return xml


class _Section:
    """One collection of styles.xml (<fills>, <fonts>, <cellXfs>): its items and the ones we append."""

    def __init__(self, xml: str, name: str, item: str) -> None:
        m = re.search(rf"<((?:\w+:)?){name}\b([^>]*?)(/>|>(.*?)</(?:\w+:)?{name}>)", xml, re.DOTALL)
        if m is None:
            raise PatchError(f"styles.xml without <{name}>")
        self.name, self.prefix, self.start, self.end = name, m.group(1), m.start(), m.end()
        self.attrs = m.group(2)
        body = m.group(4) or ""
        self.items = re.findall(rf"<(?:\w+:)?{item}\b(?:[^>]*?/>|.*?</(?:\w+:)?{item}>)", body, re.DOTALL)
        self.body = body
        self.added: list[str] = []

    def add(self, item: str) -> int:
        self.added.append(item)
        self.items.append(item)
        return len(self.items) - 1

    def render(self, xml: str) -> str:
        if not self.added:
            return xml
        attrs = _set_attr(f"<x{self.attrs}>", "count", str(len(self.items)))[2:-1]
        p = self.prefix
        block = f"<{p}{self.name}{attrs}>{self.body}{''.join(self.added)}</{p}{self.name}>"
        return xml[: self.start] + block + xml[self.end :]


def _section(xml: str, name: str, item: str) -> _Section:
    return _Section(xml, name, item)


# ---------------------------------------------------------------------------------------------- sheet XML

_ROW = re.compile(r"<((?:\w+:)?)row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.DOTALL)
# _ROW in two steps (_rows): its opening tag, then the first closing tag after it found by the engine's literal
# prefix search instead of the lazy .*? stepping through every character of every row
_ROW_OPEN = re.compile(r"<((?:\w+:)?)row\b([^>]*?)(/>|>)")
_ROW_CLOSE = re.compile(r"</(?:\w+:)?row>")
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>.*?</(?:\w+:)?c>)", re.DOTALL)


def _restyle_cells(
    xml: str, wanted: dict[tuple[int, int], str], new_style, col_styles: dict[int, int]
) -> str:
    """Give each wanted cell a style derived from its own (or its row's, or its column's) with the fill set;
    cells and rows that do not exist yet are created empty."""
    if not wanted:
        return xml
    m = re.search(r"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)", xml)
    if m is None:
        raise PatchError("sheet without sheetData")
    p = m.group(1)
    if m.group(2) == "/>":
        xml = xml[: m.start()] + f"<{p}sheetData></{p}sheetData>" + xml[m.end() :]
        m = re.search(r"<(?:\w+:)?sheetData\b[^>]*?>", xml)
        assert m is not None
    start = m.end()
    end = xml.index(f"</{p}sheetData>", start)
    data = xml[start:end]
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), fill in wanted.items():
        by_row.setdefault(r, {})[c] = fill
    out: list[str] = []
    pos = 0
    implicit = 0
    # the wanted rows in order, walked once: those before each row not patched yet are created before it (a
    # sorted pass over every wanted row at every row of the sheet was rows x wanted rows)
    pending = sorted(by_row)
    i = 0
    for rm in _rows(data):
        r_attr = _attr(rm.open_tag, "r")  # the row's opening tag: its text up to the first ">"
        row = int(r_attr) if r_attr else implicit + 1
        implicit = row
        while i < len(pending) and pending[i] < row:
            missing = pending[i]
            i += 1
            if missing not in by_row:  # a row of that number came earlier and was patched
                continue
            out.append(data[pos : rm.start()])
            pos = rm.start()
            out.append(_new_row(p, missing, by_row.pop(missing), None, new_style, col_styles))
        if row not in by_row:
            continue
        out.append(data[pos : rm.start()])
        out.append(_patch_row(rm, row, by_row.pop(row), new_style, col_styles))
        pos = rm.end()
    out.append(data[pos:])
    for missing in sorted(by_row):
        out.append(_new_row(p, missing, by_row[missing], None, new_style, col_styles))
    return xml[:start] + "".join(out) + xml[end:]


class _RowMatch:
    """What _restyle_cells and _patch_row read of a _ROW match (the row's text and its body are cut out only
    when asked: most rows of a flagged sheet are not patched)."""

    __slots__ = ("_data", "_start", "_end", "open_tag", "_prefix", "_body")

    def __init__(
        self, data: str, start: int, end: int, open_tag: str, prefix: str, body: tuple[int, int] | None
    ) -> None:
        self._data, self._start, self._end = data, start, end
        self.open_tag, self._prefix, self._body = open_tag, prefix, body

    def group(self, i: int = 0) -> str | None:
        if i == 0:
            return self._data[self._start : self._end]
        if i == 1:
            return self._prefix
        return None if self._body is None else self._data[self._body[0] : self._body[1]]

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def _rows(data: str) -> Iterator[_RowMatch]:
    """The matches of ``_ROW.finditer(data)``: where an opening tag has no closing tag after it, the pattern
    fails at that tag and the search goes on from the next character, as finditer does."""
    pos = 0
    while True:
        m = _ROW_OPEN.search(data, pos)
        if m is None:
            return
        if m.group(3) == "/>":
            yield _RowMatch(data, m.start(), m.end(), m.group(0), m.group(1), None)
            pos = m.end()
            continue
        close = _ROW_CLOSE.search(data, m.end())
        if close is None:
            pos = m.start() + 1
            continue
        yield _RowMatch(data, m.start(), close.end(), m.group(0), m.group(1), (m.end(), close.start()))
        pos = close.end()


def _row_style(open_tag: str) -> int | None:
    if _attr(open_tag, "customFormat") in ("1", "true"):
        s = _attr(open_tag, "s")
        return int(s) if s and s.isdigit() else None
    return None


def _base_style(col: int, row_style: int | None, col_styles: dict[int, int]) -> int:
    return row_style if row_style is not None else col_styles.get(col, 0)


def _new_cell(p: str, row: int, col: int, style: int) -> str:
    return f'<{p}c r="{get_column_letter(col)}{row}" s="{style}"/>'


def _new_row(p, row, cols, row_style, new_style, col_styles) -> str:
    cells = "".join(
        _new_cell(p, row, c, new_style(_base_style(c, row_style, col_styles), fill))
        for c, fill in sorted(cols.items())
    )
    return f'<{p}row r="{row}">{cells}</{p}row>'


def _patch_row(rm: _RowMatch, row: int, cols: dict[int, str], new_style, col_styles) -> str:
    whole = rm.group(0)
    p = rm.group(1)
    open_end = whole.index(">") + 1
    open_tag = whole[:open_end]
    row_style = _row_style(open_tag)
    if whole.endswith("/>") and rm.group(3) is None:
        body, closing = "", f"</{p}row>"
        open_tag = open_tag[:-2].rstrip() + ">"
    else:
        body = rm.group(3) or ""
        closing = whole[open_end + len(body) :]
    out: list[str] = []
    pos = 0
    implicit = 0
    # the wanted columns in order, walked once (as _restyle_cells walks the rows): those before each cell not
    # patched yet are created before it
    pending = sorted(cols)
    i = 0
    for start, tag_end, end in _cells(body):
        tag = body[start:tag_end]
        ref = _attr(tag, "r")
        col = _split_ref(ref)[1] if ref else implicit + 1
        implicit = col
        while i < len(pending) and pending[i] < col:
            missing = pending[i]
            i += 1
            if missing not in cols:  # a cell of that column came earlier and was patched
                continue
            out.append(body[pos:start])
            pos = start
            out.append(
                _new_cell(
                    p, row, missing, new_style(_base_style(missing, row_style, col_styles), cols.pop(missing))
                )
            )
        if col not in cols:
            continue
        s = _attr(tag, "s")
        base = int(s) if s and s.isdigit() else _base_style(col, row_style, col_styles)
        style = new_style(base, cols.pop(col))
        out.append(body[pos:start])
        out.append(_set_attr(tag, "s", str(style)) + body[tag_end:end])
        pos = end
    out.append(body[pos:])
    for missing in sorted(cols):
        out.append(
            _new_cell(p, row, missing, new_style(_base_style(missing, row_style, col_styles), cols[missing]))
        )
    return open_tag + "".join(out) + closing


# _CELL in two steps (_cells), as _ROW in _rows: the opening tag, then the first closing tag after it
_CELL_OPEN = re.compile(r"<(?:\w+:)?c\b[^>]*?(/>|>)")
_CELL_CLOSE = re.compile(r"</(?:\w+:)?c>")


def _cells(body: str) -> Iterator[tuple[int, int, int]]:
    """(start, end of the opening tag, end) of each match of ``_CELL.finditer(body)``: where an opening tag has
    no closing tag after it, the pattern fails at that tag and the search goes on from the next character."""
    pos = 0
    search_open, search_close = _CELL_OPEN.search, _CELL_CLOSE.search
    while True:
        m = search_open(body, pos)
        if m is None:
            return
        if m.group(1) == "/>":
            yield m.start(), m.end(), m.end()
            pos = m.end()
            continue
        close = search_close(body, m.end())
        if close is None:
            pos = m.start() + 1
            continue
        yield m.start(), m.end(), close.end()
        pos = close.end()


def _col_styles(xml: str) -> dict[int, int]:
    """Column -> style index from <cols>, for flagged cells that do not exist yet (clipped to used columns)."""
    styles: dict[int, int] = {}
    for tag in _findall_tag(_COL_TAG, xml, "col"):
        lo, hi, s = _attr(tag, "min"), _attr(tag, "max"), _attr(tag, "style")
        if lo and hi and s and s.isdigit():
            for c in range(int(lo), min(int(hi), int(lo) + 256) + 1):
                styles[c] = int(s)
    return styles


def _add_legacy_drawing(xml: str, rid: str) -> str:
    root = re.search(r"<((?:\w+:)?)worksheet\b[^>]*>", xml)
    if root is None:
        raise PatchError("not a worksheet")
    p = root.group(1)
    rel_prefix = _rel_prefix(xml)
    if rel_prefix is None:
        rel_prefix = "svcr"
        tag = root.group(0)
        xml = xml[: root.start()] + tag[:-1] + f' xmlns:svcr="{NS_REL}">' + xml[root.end() :]
    element = f'<{p}legacyDrawing {rel_prefix}:id="{rid}"/>'
    after = _search_tag(_AFTER, xml, _AFTER_LEGACY)
    at = after.start() if after else xml.rindex(f"</{p}worksheet>")
    return xml[:at] + element + xml[at:]


# Tags searched for in a whole sheet part: a pattern led by "<" and an optional prefix is tried at every "<" of
# the part (tens of thousands in a sheet of 500 rows, ~2.5 ms for each search). The tag's name occurs in the
# text wherever a match does, so the search starts at the last "<" before the name's first occurrence (no match
# can start earlier: between a match's "<" and its name there is only "prefix:") and, for findall, ends after
# the first ">" following the name's last occurrence (a match ends at the first ">" after its name).
_LEGACY = re.compile(r"<(?:\w+:)?legacyDrawing\b")
_COL_TAG = re.compile(r"<(?:\w+:)?col\b[^>]*>")
_AFTER = re.compile(rf"<(?:\w+:)?(?:{'|'.join(_AFTER_LEGACY)})\b")


def _search_tag(pattern: re.Pattern[str], xml: str, names: tuple[str, ...]) -> re.Match[str] | None:
    """``pattern.search(xml)`` for a pattern matching "<", an optional "prefix:" and one of ``names``."""
    found = [i for i in (xml.find(name) for name in names) if i >= 0]
    if not found:
        return None
    return pattern.search(xml, max(xml.rfind("<", 0, min(found)), 0))


def _findall_tag(pattern: re.Pattern[str], xml: str, name: str) -> list[str]:
    """``pattern.findall(xml)`` for a pattern matching "<", an optional "prefix:", ``name`` and up to the next ">"."""
    first = xml.find(name)
    if first < 0:
        return []
    end = xml.find(">", xml.rfind(name))
    return pattern.findall(xml, max(xml.rfind("<", 0, first), 0), len(xml) if end < 0 else end + 1)


def _rel_prefix(xml: str) -> str | None:
    m = re.search(rf'xmlns:(\w+)="{re.escape(NS_REL)}"', xml)
    return m.group(1) if m else None


def _comments_xml(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<comment ref="{ref}" authorId="0"><text><r><rPr><sz val="9"/><rFont val="宋体"/></rPr>'
        f'<t xml:space="preserve">{_xml_text(text)}</t></r></text></comment>'
        for ref, text in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{NS_MAIN}"><authors><author>svcsheet</author></authors>'
        f"<commentList>{body}</commentList></comments>"
    )


def _vml_xml(cells: list[tuple[int, int]], block: int) -> str:
    shapes = []
    for k, (row, col) in enumerate(cells, start=1):
        anchor = f"{col}, 15, {max(row - 2, 0)}, 10, {col + 4}, 15, {max(row - 2, 0) + 6}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + k}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:0;margin-top:0;width:240pt;height:90pt;z-index:1;visibility:hidden" '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    )


LIST_FOOTER = "&L&A&R第 &P 页，共 &N 页"  # sheet name left, page right (as svcsheet.outputs.xlsx.FOOTER)


def _list_names(wb: str, listing: ListSheet) -> str:
    """workbook.xml with the list sheet's header repeated on every printed page and its filter range named
    (the list is sheet 0). Existing names of the list sheet's position were shifted by the caller."""
    sheet = "'" + listing.name.replace("'", "''") + "'"
    last = f"${get_column_letter(len(listing.header))}${len(listing.rows) + 1}"
    m = re.search(r"<((?:\w+:)?)(?:definedNames|sheets)\b", wb)
    p = m.group(1) if m else ""
    names = (
        f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{sheet}!$A$1:{last}</{p}definedName>'
        f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="0">{sheet}!$1:$1</{p}definedName>'
    )
    if re.search(r"<(?:\w+:)?definedNames\s*/>", wb):
        return re.sub(
            r"<((?:\w+:)?)definedNames\s*/>",
            lambda g: f"<{g[1]}definedNames>{names}</{g[1]}definedNames>",
            wb,
            count=1,
        )
    if re.search(r"<(?:\w+:)?definedNames\b", wb):
        return re.sub(r"(<(?:\w+:)?definedNames\b[^>]*>)", lambda g: g[1] + names, wb, count=1)
    after = None
    for tag in ("externalReferences", "functionGroups", "sheets"):
        after = re.search(rf"</{re.escape(p)}{tag}>", wb)
        if after:
            break
    if after is None:
        raise PatchError("workbook.xml without a sheets element")
    return wb[: after.end()] + f"<{p}definedNames>{names}</{p}definedNames>" + wb[after.end() :]


def _list_sheet_xml(listing: ListSheet, header_style: int, wrap_style: int) -> str:
    rows = []
    for r, values in enumerate([listing.header, *listing.rows], start=1):
        cells = []
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            wraps = c - 1 == listing.wrap_col or c - 1 in listing.wrap_cols
            style = header_style if r == 1 else (wrap_style if wraps else None)
            s = f' s="{style}"' if style is not None else ""
            ref = f"{get_column_letter(c)}{r}"
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"{s}><v>{value}</v></c>')
            else:  # an inline string: never a formula, whatever it starts with
                cells.append(
                    f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'
                )
        ht = listing.heights.get(r)
        height = f' ht="{ht:g}" customHeight="1"' if ht else ""
        rows.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(listing.widths, start=1)
    )
    last = f"{get_column_letter(len(listing.header))}{len(listing.rows) + 1}"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A1:{last}"/>'
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{_xml_text(LIST_FOOTER)}</oddFooter></headerFooter>"
        "</worksheet>"
    )


# ---------------------------------------------------------------------------------------------- small helpers


# html.escape, not xml.sax.saxutils: the same text for & < > (and quotes in attributes), without saxutils' import
# of urllib.request (http.client, ssl, email): ~50 ms in every worker process that writes returns/
def _xml_text(text: str) -> str:
    return _html_escape(_ILLEGAL_XML.sub("", text), quote=False)


def _attr_text(text: str) -> str:
    """``text`` for an attribute in double quotes (line breaks and tabs kept as character references)."""
    escaped = _html_escape(_ILLEGAL_XML.sub("", text), quote=True)
    return escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


@functools.cache
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf'\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attr(tag: str, name: str) -> str | None:
    m = _attr_pattern(name).search(tag)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def _attr_any(tag: str, local: str) -> str | None:
    """An attribute by local name whatever its namespace prefix (r:id, x:id...)."""
    m = re.search(rf'\s\w+:{re.escape(local)}\s*=\s*"([^"]*)"', tag)
    return m.group(1) if m else None


def _set_attr(tag: str, name: str, value: str) -> str:
    """``tag`` (an opening or empty element) with attribute ``name`` set to ``value``."""
    pattern = rf'(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|\'[^\']*\')'
    if re.search(pattern, tag):
        return re.sub(pattern, lambda m: f'{m.group(1)}"{value}"', tag, count=1)
    m = re.match(r"<[\w:]+", tag)
    if m is None:
        raise PatchError(f"not an element: {tag[:40]}")
    return f'{tag[: m.end()]} {name}="{value}"{tag[m.end() :]}'


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")  # compiled once: a call per cell of a patched row


def _split_ref(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    if m is None:
        raise PatchError(f"not a cell reference: {ref}")
    return int(m.group(2)), column_index_from_string(m.group(1).upper())


def _rels(xml: str) -> dict[str, tuple[str, str]]:
    out = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", xml):
        rid, rtype, target = _attr(tag, "Id"), _attr(tag, "Type"), _attr(tag, "Target")
        if rid and target is not None:
            out[rid] = (rtype or "", _unescape(target))
    return out


def _resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
