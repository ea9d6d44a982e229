"""Content sniffing and refusal of unsafe or broken files: only these raise, with the file named."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from svcsheet.errors import UnreadableWorkbook
from svcsheet.forms import get_form
from svcsheet.reading.reader import read_workbook
from svcsheet.reading.sniff import OLE2_MAGIC, check_zip_safety, sniff_format
from tests.layouts import convert, soffice


def small_book(path: Path) -> Path:
    form = get_form("response_log")
    wb = Workbook()
    ws = wb.active
    for c, f in enumerate(form.fields, start=1):
        ws.cell(1, c, f.label)
    ws.cell(2, 1, "20231001001")
    wb.save(path)
    return path


def rewrite_part(src: Path, dst: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == part else zin.read(info.filename))
    return dst


def test_xlsx_is_sniffed_by_content_whatever_its_name(tmp_path: Path) -> None:
    book = small_book(tmp_path / "a.xlsx")
    renamed = tmp_path / "导出数据.xls"
    shutil.copy(book, renamed)
    assert sniff_format(renamed) == "xlsx"
    assert [r.prov.row for r in read_workbook(renamed).rows] == [2]


def test_xlsm_is_recognised_from_content_types(tmp_path: Path) -> None:
    book = small_book(tmp_path / "a.xlsx")
    with zipfile.ZipFile(book) as z:
        types = z.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
        )
    macro = rewrite_part(book, tmp_path / "m.bin", "[Content_Types].xml", types)
    assert sniff_format(macro) == "xlsm"


def test_ods_is_sniffed_from_its_mimetype(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "x.dat"
    pd.DataFrame({"a": [1]}).to_excel(path, engine="odf", index=False)
    assert sniff_format(path) == "ods"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("服务单号,客户姓名\nFW202405200001,李先生\n".encode(), "不是"),
        (b"", "空"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    ],
)
def test_text_renamed_as_workbook_is_unreadable(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "伪装.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnreadableWorkbook, match=f"伪装.xlsx.*{reason}"):
        read_workbook(path)


def test_other_zip_files_are_not_workbooks(tmp_path: Path) -> None:
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnreadableWorkbook, match="doc.xlsx.*文档"):
        sniff_format(path)
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(small_book(tmp_path / "ok.xlsx").read_bytes()[:300])
    with pytest.raises(UnreadableWorkbook, match="cut.xlsx"):
        read_workbook(truncated)


def test_password_protected_workbook_is_reported_as_encrypted(tmp_path: Path) -> None:
    # An encrypted .xlsx is an OLE2 container with EncryptionInfo/EncryptedPackage streams.
    path = tmp_path / "加密.xlsx"
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 40 + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(OLE2_MAGIC + b"\x00" * 504 + directory + b"\x00" * 1024)
    with pytest.raises(UnreadableWorkbook, match="加密.xlsx.*加密"):
        read_workbook(path)


def test_broken_ole_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(OLE2_MAGIC + b"\x00" * 2000)
    with pytest.raises(UnreadableWorkbook, match="old.xls"):
        read_workbook(path)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_real_xls_is_sniffed_as_xls(tmp_path: Path) -> None:
    xls = convert(small_book(tmp_path / "a.xlsx"), "xls", tmp_path / "out")
    assert sniff_format(xls) == "xls"
    assert read_workbook(xls).rows[0].cells["issue_no"].raw in ("20231001001", 20231001001)


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * 50_000_000)  # deflates about 1000:1
    assert path.stat().st_size < 1_000_000
    with pytest.raises(UnreadableWorkbook, match="bomb.xlsx.*压缩"):
        check_zip_safety(path)
    with pytest.raises(UnreadableWorkbook, match="bomb.xlsx"):
        read_workbook(path)


def test_declared_size_over_the_limit_is_refused(tmp_path: Path) -> None:
    book = small_book(tmp_path / "a.xlsx")
    check_zip_safety(book)  # an ordinary workbook passes
    with pytest.raises(UnreadableWorkbook, match="a.xlsx.*过大"):
        check_zip_safety(book, max_total_bytes=1000)
    with pytest.raises(UnreadableWorkbook, match="a.xlsx.*过大"):
        read_workbook(book, limits={"max_file_bytes": 100})


def test_limits_from_the_policy_are_accepted(tmp_path: Path) -> None:
    from svcsheet.policy import Limits

    book = small_book(tmp_path / "a.xlsx")
    assert len(read_workbook(book, limits=Limits(50, 200, 100000)).rows) == 1
    with pytest.raises(UnreadableWorkbook):
        read_workbook(book, limits=Limits(0.0001, 200, 100000))


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
)


@pytest.mark.parametrize("padding", [0, 100_000])
def test_entity_expansion_payload_is_refused(tmp_path: Path, padding: int) -> None:
    """Billion laughs in a sheet: refused up front, or (hidden behind padding) by defusedxml in openpyxl."""
    book = small_book(tmp_path / "a.xlsx")
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + f"<!--{'x' * padding}-->"
        + LAUGHS
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    evil = rewrite_part(book, tmp_path / "evil.xlsx", "xl/worksheets/sheet1.xml", sheet.encode())
    with pytest.raises(UnreadableWorkbook, match="evil.xlsx.*XML"):
        read_workbook(evil)


def test_entity_expansion_in_ods_is_refused(tmp_path: Path) -> None:
    import pandas as pd

    ods = tmp_path / "a.ods"
    pd.DataFrame({"a": [1]}).to_excel(ods, engine="odf", index=False)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    head, rest = content.split("?>", 1)
    evil = rewrite_part(ods, tmp_path / "evil.ods", "content.xml", (head + "?>" + LAUGHS + rest).encode())
    with pytest.raises(UnreadableWorkbook, match="evil.ods.*XML"):
        read_workbook(evil)


def test_zip_with_encrypted_member_is_refused(tmp_path: Path) -> None:
    book = small_book(tmp_path / "a.xlsx")
    raw = bytearray(book.read_bytes())
    # Set the "encrypted" flag bit on every central-directory entry.
    start = 0
    while (i := raw.find(b"PK\x01\x02", start)) >= 0:
        raw[i + 8] |= 0x1
        start = i + 4
    path = tmp_path / "enc.xlsx"
    path.write_bytes(bytes(raw))
    with pytest.raises(UnreadableWorkbook, match="enc.xlsx.*加密"):
        read_workbook(path)


def test_unreadable_message_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_bytes(io.BytesIO(b"hello").getvalue())
    with pytest.raises(UnreadableWorkbook) as err:
        read_workbook(path)
    assert "notes.xlsx" in str(err.value) and "\n" not in str(err.value)
