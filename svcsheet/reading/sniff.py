"""Decide what a file is by its content, and refuse unsafe archives before anything is inflated."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import UnreadableWorkbook

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# An encrypted OOXML file is an OLE2 container holding these streams (names are UTF-16LE in the directory).
_ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_MAX_OLE_SCAN = 64 * 1024 * 1024
_MAX_ENTRIES = 10_000
_RATIO_MIN_SIZE = 1_000_000  # small parts may compress very well; only large ones are judged by ratio


def unreadable(path: Path | str, reason: str) -> UnreadableWorkbook:
    """The one exception for a file that cannot be read: names the file and the reason, in Chinese."""
    return UnreadableWorkbook(f"无法读取文件「{Path(path).name}」：{reason}")


def sniff_format(path: Path) -> str:
    """ "xlsx", "xlsm", "xls" or "ods", judged by the bytes, never by the extension."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise unreadable(path, "文件无法打开（不存在或没有读取权限）") from exc
    if not head:
        raise unreadable(path, "文件是空的")
    if head.startswith(OLE2_MAGIC):
        if _ole_is_encrypted(path):
            raise unreadable(path, "文件设置了打开密码（已加密），请取消密码后重新提交")
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return _zip_format(path)
    if head.lstrip().lower().startswith((b"<html", b"<!doc", b"<?xml", b"<table")):
        raise unreadable(path, "这是网页或 XML 文本，不是 Excel 工作簿，请在 Excel 中另存为 .xlsx")
    raise unreadable(path, "不是 Excel 或 WPS/LibreOffice 工作簿（.xlsx/.xlsm/.xls/.ods）")


def _ole_is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        data = fh.read(_MAX_OLE_SCAN)
    return any(name in data for name in _ENCRYPTED_STREAMS)


def _zip_format(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            if any(info.flag_bits & 0x1 for info in zf.infolist()):
                raise unreadable(path, "文件内容已加密，请取消密码后重新提交")
            names = set(zf.namelist())
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.file_size <= 200 and zf.read("mimetype").strip() == ODS_MIME:
                    return "ods"
            if "xl/workbook.xml" in names:
                content_types = ""
                if "[Content_Types].xml" in names and zf.getinfo("[Content_Types].xml").file_size < 1_000_000:
                    content_types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
                return "xlsm" if "macroEnabled" in content_types else "xlsx"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise unreadable(path, "压缩结构损坏，文件可能不完整，请重新保存或重新发送") from exc
    if "word/document.xml" in names or "ppt/presentation.xml" in names or "mimetype" in names:
        raise unreadable(path, "这是文档或演示文稿，不是工作簿")
    raise unreadable(path, "压缩包里没有工作簿内容，不是 Excel 工作簿")


def check_zip_safety(path: Path, max_total_bytes: int = 200_000_000, max_ratio: float = 200.0) -> None:
    """Refuse a zip whose directory declares too much data or an implausible compression ratio.

    Python's zipfile never inflates a member beyond its declared size, so judging the directory is enough.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise unreadable(path, "压缩结构损坏，文件可能不完整，请重新保存或重新发送") from exc
    if len(infos) > _MAX_ENTRIES:
        raise unreadable(path, f"压缩包内文件过多（{len(infos)} 个），疑似恶意文件")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise unreadable(path, "文件内容已加密，请取消密码后重新提交")
        total += info.file_size
        if info.file_size >= _RATIO_MIN_SIZE and info.file_size > max_ratio * max(info.compress_size, 1):
            raise unreadable(path, f"压缩比异常（{info.filename}），疑似压缩炸弹，已拒绝")
    if total > max_total_bytes:
        raise unreadable(
            path, f"解压后内容过大（{total / 1e6:.0f} MB，上限 {max_total_bytes / 1e6:.0f} MB），请拆分后提交"
        )
