"""Hostile and odd workbooks, written byte by byte so every case is exact and small.

Used by tests/test_hostile.py and by bench/bench_hostile.py (which makes the large versions).
"""

from __future__ import annotations

import math
import struct
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# --------------------------------------------------------------------------------------------------
# xlsx: a minimal package whose sheet XML we write ourselves
# --------------------------------------------------------------------------------------------------

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_CT_SHEET = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx_package(path: Path, sheets: list[tuple[str, str, str]]) -> Path:
    """An .xlsx from (sheet name, state, worksheet XML) triples; the XML is stored exactly as given."""
    wb = [f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_R}"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for n, (name, state, _) in enumerate(sheets, start=1):
        st = "" if state == "visible" else f' state="{state}"'
        wb.append(f'<sheet name="{escape(name)}" sheetId="{n}"{st} r:id="rId{n}"/>')
        rels.append(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
        )
    wb.append("</sheets></workbook>")
    rels.append("</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT.format(sheets="".join(_CT_SHEET.format(n=n) for n in range(1, len(sheets) + 1))))
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", "".join(wb))
        zf.writestr("xl/_rels/workbook.xml.rels", "".join(rels))
        for n, (_, _, xml) in enumerate(sheets, start=1):
            zf.writestr(f"xl/worksheets/sheet{n}.xml", xml)
    return path


def _col(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def sheet_xml(cells: dict[tuple[int, int], Any], merges: str = "", prefix: str = "") -> str:
    """Worksheet XML; strings inline, numbers as typed text (so 'NaN' can be written); ``prefix`` e.g. 'x-s:'."""
    p = prefix
    ns = f'xmlns:{p[:-1]}="{_MAIN}"' if p else f'xmlns="{_MAIN}"'
    rows: dict[int, list[str]] = {}
    for (r, c), v in sorted(cells.items()):
        ref = f"{_col(c)}{r}"
        if isinstance(v, str) and not v.startswith("#num:"):
            rows.setdefault(r, []).append(
                f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{escape(v)}</{p}t></{p}is></{p}c>'
            )
        else:
            text = v[5:] if isinstance(v, str) else repr(v)
            rows.setdefault(r, []).append(f'<{p}c r="{ref}"><{p}v>{text}</{p}v></{p}c>')
    body = "".join(f'<{p}row r="{r}">{"".join(cs)}</{p}row>' for r, cs in sorted(rows.items()))
    return f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns}><{p}sheetData>{body}</{p}sheetData>{merges}</{p}worksheet>'


def form_cells(labels: list[str], rows: list[list[Any]]) -> dict[tuple[int, int], Any]:
    """A list-layout sheet: labels in row 1, data from row 2."""
    cells: dict[tuple[int, int], Any] = {(1, c): label for c, label in enumerate(labels, start=1)}
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            if v is not None:
                cells[(r, c)] = v
    return cells


def merge_bomb_xlsx(path: Path, ref: str = "AD10:AZ400000", quote: str = "'") -> Path:
    """A 6 KB workbook whose one merge covers millions of cells, written with single quotes."""
    cells = {(r, 1): f"第{r}行说明文字" for r in range(1, 200)}
    merges = f"<mergeCells count={quote}1{quote}><mergeCell ref={quote}{ref}{quote}/></mergeCells>"
    return xlsx_package(path, [("Sheet1", "visible", sheet_xml(cells, merges))])


def prefixed_cells_xlsx(path: Path, n_cells: int, prefix: str = "x-s:") -> Path:
    """``n_cells`` numeric cells, every element written with a namespace prefix (streamed into the zip)."""
    p = prefix
    cols = 40
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        xlsx_parts = _minimal_parts(1)
        for name, data in xlsx_parts.items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><{p}worksheet xmlns:{p[:-1]}="{_MAIN}"><{p}sheetData>'.encode())
            rows = (n_cells + cols - 1) // cols
            for r in range(1, rows + 1):
                k = min(cols, n_cells - (r - 1) * cols)
                values = "".join(f"<{p}c><{p}v>{(r * 7919 + c * 104729) % 999983}</{p}v></{p}c>" for c in range(k))
                fh.write(f"<{p}row>{values}</{p}row>".encode())
            fh.write(f"</{p}sheetData></{p}worksheet>".encode())
    return path


def _minimal_parts(n_sheets: int) -> dict[str, str]:
    wb = f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_R}"><sheets>'
    rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    for n in range(1, n_sheets + 1):
        wb += f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>'
        rels += (
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
        )
    return {
        "[Content_Types].xml": _CT.format(sheets="".join(_CT_SHEET.format(n=n) for n in range(1, n_sheets + 1))),
        "_rels/.rels": _RELS,
        "xl/workbook.xml": wb + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": rels + "</Relationships>",
    }


# --------------------------------------------------------------------------------------------------
# ods: mimetype, manifest and a content.xml we write ourselves
# --------------------------------------------------------------------------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_package(path: Path, tables_xml: str) -> Path:
    """An .ods whose body holds ``tables_xml`` (table:table elements) exactly as given."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables_xml}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_cell(value: Any, attrs: str = "") -> str:
    if value is None:
        return f"<table:table-cell {attrs}/>"
    if isinstance(value, str) and value.startswith("#num:"):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value[5:]}" {attrs}>'
            f"<text:p>{value[5:]}</text:p></table:table-cell>"
        )
    if isinstance(value, (int, float)):
        return f'<table:table-cell office:value-type="float" office:value="{value}" {attrs}><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string" {attrs}><text:p>{escape(value)}</text:p></table:table-cell>'


def ods_table(name: str, rows: list[list[Any]]) -> str:
    body = "".join("<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
    return f'<table:table table:name="{escape(name)}">{body}</table:table>'


def ods_repeat_bomb(path: Path, repeat: int = 2_000_000_000, rows: int = 1) -> Path:
    """A 9 KB sheet: one value repeated ``repeat`` times across a row (and ``rows`` rows)."""
    filler = "".join(f"<table:table-row>{ods_cell(f'说明{i}')}</table:table-row>" for i in range(150))
    bomb = ods_cell("炸弹", f'table:number-columns-repeated="{repeat}"')
    row = f'<table:table-row table:number-rows-repeated="{rows}">{bomb}</table:table-row>'
    return ods_package(path, f'<table:table table:name="Sheet1">{filler}{row}</table:table>')


def ods_nested_spans(path: Path, depth: int = 5000) -> Path:
    """One cell holding ``depth`` nested text:span elements (about 124 KB for 5,000)."""
    text = "<text:span>" * depth + "深" + "</text:span>" * depth
    cell = f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    return ods_package(path, f'<table:table table:name="Sheet1"><table:table-row>{cell}</table:table-row></table:table>')


# --------------------------------------------------------------------------------------------------
# xls: a BIFF8 workbook stream inside a compound file, both written here
# --------------------------------------------------------------------------------------------------

_END, _FREE, _FATSECT, _DIFSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF


def _rec(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _bof(dt: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 6))


def _xf(style: bool) -> bytes:
    return _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5 if style else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))


def _font() -> bytes:
    name = "Arial".encode("utf-16-le")
    return _rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + bytes([5, 1]) + name)


def _xls_cell(r: int, c: int, v: Any) -> bytes:
    if isinstance(v, str):
        data = v.encode("utf-16-le")
        return _rec(0x0204, struct.pack("<HHHHB", r, c, 15, len(v), 1) + data)
    if isinstance(v, int) and not isinstance(v, bool) and -(2**29) <= v < 2**29:
        return _rec(0x027E, struct.pack("<HHHi", r, c, 15, (v << 2) | 2))
    return _rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))


def xls_stream(sheets: list[tuple[str, int, list[bytes]]]) -> bytes:
    """A BIFF8 workbook stream from (name, visibility 0/1/2, cell records) per sheet."""
    fonts = _font() * 5
    xfs = b"".join(_xf(True) for _ in range(15)) + _xf(False)
    head_len = len(_bof(5)) + len(_rec(0x0042, b"\xb0\x04")) + len(fonts) + len(xfs)
    bound_lens = [4 + 8 + 2 * len(name) for name, _, _ in sheets]
    pos = head_len + sum(bound_lens) + 4  # + globals EOF
    bounds, bodies = b"", b""
    for name, vis, cells in sheets:
        body = _bof(0x10) + _rec(0x0200, struct.pack("<IIHHH", 0, 65536, 0, 256, 0)) + b"".join(cells) + _rec(0x000A, b"")
        bounds += _rec(0x0085, struct.pack("<IBBBB", pos, vis, 0, len(name), 1) + name.encode("utf-16-le"))
        bodies += body
        pos += len(body)
    stream = _bof(5) + _rec(0x0042, b"\xb0\x04") + fonts + xfs + bounds + _rec(0x000A, b"") + bodies
    return stream + b"\x00" * max(0, 4096 - len(stream))  # below 4096 bytes a stream would go to the mini stream


def xls_file(path: Path, stream: bytes) -> Path:
    """Wrap a workbook stream in a version 3 compound file (512-byte sectors, DIFAT when needed)."""
    n_data = -(-len(stream) // 512)
    fat_n = dif_n = 0
    while True:
        total = n_data + 1 + fat_n + dif_n
        need_fat = -(-total // 128)
        need_dif = -(-max(0, need_fat - 109) // 127)
        if (need_fat, need_dif) == (fat_n, dif_n):
            break
        fat_n, dif_n = need_fat, need_dif
    dir_sec = n_data
    fat_secs = list(range(n_data + 1, n_data + 1 + fat_n))
    dif_secs = list(range(n_data + 1 + fat_n, n_data + 1 + fat_n + dif_n))
    fat = [i + 1 for i in range(n_data)]
    fat[-1] = _END
    fat += [_END] + [_FATSECT] * fat_n + [_DIFSECT] * dif_n
    fat += [_FREE] * (fat_n * 128 - len(fat))
    difat = fat_secs[:109] + [_FREE] * (109 - len(fat_secs[:109]))
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\x00" * 16
        + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"", 0, fat_n, dir_sec, 0, 4096, _END, 0,
                      dif_secs[0] if dif_secs else _END, dif_n)
        + struct.pack("<109I", *difat)
    )

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw), kind, 1, _NOSTREAM, _NOSTREAM, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, _END, 0)
        + entry("Workbook", 2, _NOSTREAM, 0, len(stream))
        + entry("", 0, _NOSTREAM, 0, 0) * 2
    )
    with open(path, "wb") as fh:
        fh.write(header)
        fh.write(stream.ljust(n_data * 512, b"\x00"))
        fh.write(directory)
        fh.write(struct.pack(f"<{len(fat)}I", *fat))
        rest = fat_secs[109:]
        for i in range(len(dif_secs)):
            ids = rest[i * 127 : (i + 1) * 127]
            nxt = dif_secs[i + 1] if i + 1 < len(dif_secs) else _END
            fh.write(struct.pack("<128I", *(ids + [_FREE] * (127 - len(ids)) + [nxt])))
    return path


def xls_workbook(path: Path, sheets: list[tuple[str, int, dict[tuple[int, int], Any]]]) -> Path:
    """An .xls from (name, visibility, {(row, col): value}) with 1-based coordinates."""
    return xls_file(
        path,
        xls_stream([(n, vis, [_xls_cell(r - 1, c - 1, v) for (r, c), v in sorted(cells.items())]) for n, vis, cells in sheets]),
    )


def xls_many_cells(path: Path, n_cells: int, per_record: int = 10) -> Path:
    """``n_cells`` numbers in MULRK records (about 7 bytes a cell): 3,000,000 cells are about 21 MB."""
    cols = 50
    recs = []
    done = 0
    r = 0
    while done < n_cells:
        for c0 in range(0, cols, per_record):
            k = min(per_record, n_cells - done)
            if k <= 0:
                break
            data = struct.pack("<HH", r, c0) + struct.pack("<HI", 15, (7 << 2) | 2) * k + struct.pack("<H", c0 + k - 1)
            recs.append(_rec(0x00BD, data))
            done += k
        r += 1
    return xls_file(path, xls_stream([("Sheet1", 0, recs)]))


NAN = math.nan
