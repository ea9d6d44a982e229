"""A streamed sheet's XML part deflated while its rows are written (issue 12, perfzip).

xlsxwriter writes a streamed (constant_memory) sheet's rows to a temporary file; when the workbook closes it copies
them into the sheet's XML part, and zipfile deflates the part: at 100,000 rows clean.xlsx's parts are 460 MB of XML
written, copied, read back and deflated after the last row, on one thread. Here the rows go straight into a
``zlib.compressobj`` with zipfile's settings, in a thread (zlib releases the GIL) while the next rows are built, after
the part's opening XML as xlsxwriter will write it (predicted by ``xlsx.Sheet.deflate_rows``). zlib's output does not
depend on how its input is split between ``compress`` calls (nothing is flushed before the end), so when the workbook
closes and its opening XML is the one predicted, the member's compressed bytes, CRC and sizes are those zipfile would
compute: only the part's closing XML is deflated then, and the bytes are copied into the package. Otherwise (a
prediction that missed, a zipfile without the internals used here) the rows are inflated again and the part written
as xlsxwriter writes it: the same bytes either way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import types
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import xlsxwriter.workbook

CHUNK = 4 << 20  # bytes of rows handed to the deflate thread at a time
AHEAD = 4  # chunks waiting for the thread at most (bounds the memory the rows take on their way)
SHEET_DATA, SHEET_DATA_END = b"<sheetData>", b"</sheetData>"


class PartDeflater:
    """The deflate stream of one sheet part: its predicted opening XML (``head``, ending with ``<sheetData>``),
    then its rows, deflated in a thread into a temporary file as they come."""

    def __init__(self, head: bytes, tmpdir: str | None = None) -> None:
        self.head = head
        self.crc = 0
        self.size = 0  # bytes fed
        self.compressed = 0  # bytes out
        self.path: str | None = None  # the part's file as xlsxwriter wrote it, without the rows
        self.split = 0  # where in that file the rows go
        self._zlib = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # zipfile's compressor
        self._out = tempfile.TemporaryFile(dir=tmpdir)
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(1, thread_name_prefix="svcsheet-deflate")
        self._pending: deque[Future] = deque()
        self._flushed = False
        self.feed(head)

    def feed(self, data: bytes | memoryview) -> None:
        """Deflate ``data`` next, in the thread (waits while AHEAD chunks are still waiting)."""
        if self._pool is None:
            raise ValueError("rows added to a sheet part already ended")
        # the CRC here (fast): the thread then takes the interpreter lock back once a chunk, not twice
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._pending.append(self._pool.submit(self._deflate, data))
        while len(self._pending) > AHEAD:
            try:
                self._pending.popleft().result()
            except BaseException:
                self.close()  # no thread left waiting for rows that will not come
                raise

    def end_rows(self) -> None:
        """Wait until every row fed is deflated (raises what the thread raised) and stop the thread."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _add(self, data: bytes | memoryview) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._deflate(data)

    def _deflate(self, data: bytes | memoryview) -> None:
        out = self._zlib.compress(data)
        if out:
            self._out.write(out)
            self.compressed += len(out)

    def _flush(self) -> None:
        if not self._flushed:
            self._flushed = True
            last = self._zlib.flush()
            self._out.write(last)
            self.compressed += len(last)

    def finish_into(self, dest: Any, rest: bytes) -> None:
        """``rest`` (the part's closing XML) deflated last, then the whole member's compressed bytes written into
        zipfile's member ``dest`` with its CRC and sizes, as if every byte had been written through it."""
        self.end_rows()
        self._add(rest)
        self._flush()
        self._out.seek(0)
        shutil.copyfileobj(self._out, dest._fileobj, CHUNK)
        dest._file_size, dest._crc, dest._compress_size = self.size, self.crc, self.compressed
        dest._compressor = _Flushed()
        self.close()

    def inflated(self) -> Iterator[bytes]:
        """Every byte fed (head and rows), inflated again from the deflate stream."""
        self.end_rows()
        self._flush()
        self._out.seek(0)
        unzip = zlib.decompressobj(-15)
        while chunk := self._out.read(CHUNK):
            yield unzip.decompress(chunk)
        yield unzip.flush()

    def rows(self) -> Iterator[bytes]:
        """The rows alone (what was fed after the head)."""
        skip = len(self.head)
        for chunk in self.inflated():
            if skip:
                cut = min(skip, len(chunk))
                chunk, skip = chunk[cut:], skip - cut
            if chunk:
                yield chunk

    def close(self) -> None:
        if self._pool is not None:
            for fut in self._pending:
                fut.cancel()
            self._pending.clear()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._out.close()


class _Flushed:
    """A compressor with nothing left to flush (the member's bytes were written already)."""

    def flush(self) -> bytes:
        return b""


class DeflatingRows:
    """Stands for a streamed sheet's row data file: what xlsxwriter and ``Sheet.write_rows`` write goes to the
    deflater, as the file would hold it when read back (UTF-8; a ``\\r\\n`` or a lone ``\\r`` read as ``\\n``, as the
    text-mode copy that put the rows into the part did)."""

    def __init__(self, part: PartDeflater) -> None:
        self.part = part
        self.closed = False
        self._text: list[str] = []
        self._size = 0
        self._cr = False  # a \r held back: it may be the first half of a \r\n

    def write(self, text: str) -> int:
        self._text.append(text)
        self._size += len(text)
        if self._size >= CHUNK:
            self._send()
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Rows already encoded, without a ``\r`` (cell XML built by ``Sheet``), after what was written before."""
        self._send()
        if self._cr:  # a lone \r: what follows is no \n (a row starts with "<")
            self.part.feed(b"\n")
            self._cr = False
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            self.part.feed(view[start : start + CHUNK])

    def flush(self) -> None:
        """Nothing: the rows are handed on a chunk at a time."""

    def _send(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        self._size = 0
        if self._cr:
            text, self._cr = "\r" + text, False
        if "\r" in text:
            if text.endswith("\r"):
                text, self._cr = text[:-1], True
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text:
            self.part.feed(text.encode("utf-8"))

    def close(self) -> None:
        """Every row handed on and deflated (raises what the deflate raised)."""
        if not self.closed:
            self.closed = True
            self._send()
            if self._cr:
                self.part.feed(b"\n")
            self.part.end_rows()


_STORE = xlsxwriter.workbook.Workbook._store_workbook


def store_workbook(wb: Any, parts: list[PartDeflater]) -> list[str]:
    """xlsxwriter's ``_store_workbook`` of ``wb``, with each sheet part of ``parts`` (deflated while its rows were
    written) copied into the package, not deflated again. The names of the members so copied."""
    copied: list[str] = []
    waiting = {id(p): p for p in parts}
    zip_class = _part_zipfile(waiting, copied)
    # the same function with its ZipFile name bound to zip_class (no module attribute changed: other workbooks
    # may be closing in other threads)
    store = types.FunctionType(
        _STORE.__code__,
        {**_STORE.__globals__, "ZipFile": zip_class},
        _STORE.__name__,
        _STORE.__defaults__,
        _STORE.__closure__,
    )
    try:
        store(wb)
        if any(p.path is not None for p in waiting.values()):  # its rows would be missing from the package
            raise RuntimeError("xlsxwriter did not write a sheet part through zipfile.ZipFile.write")
    finally:
        for part in parts:
            part.close()
    return copied


def _part_zipfile(parts: dict[int, PartDeflater], copied: list[str]) -> type[zipfile.ZipFile]:
    class PartZipFile(zipfile.ZipFile):
        """zipfile.ZipFile; ``write`` of a sheet part deflated while written copies the deflated bytes."""

        _part: tuple[PartDeflater, bytes] | None = None

        def write(
            self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None
        ) -> None:
            name = os.fspath(filename)
            part = next((p for p in parts.values() if p.path is not None and p.path == name), None)
            if part is None:
                return super().write(filename, arcname, compress_type, compresslevel)
            del parts[id(part)]
            with open(filename, "rb") as fh:
                data = fh.read()  # the part without its rows: a few KB
            head, tail = data[: part.split], data[part.split :]
            rest = SHEET_DATA_END + tail
            size = len(head) + part.size + len(rest)
            fits = size * 1.05 <= zipfile.ZIP64_LIMIT  # zipfile picks its header on the size it is given
            if head + SHEET_DATA != part.head or not fits:  # the part as xlsxwriter writes it, rows and all
                stat = os.stat(filename)
                with open(filename, "wb") as fh:
                    fh.write(head + SHEET_DATA)
                    for chunk in part.rows():
                        fh.write(chunk)
                    fh.write(rest)
                os.utime(filename, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the member's time is the file's
                part.close()
                return super().write(filename, arcname, compress_type, compresslevel)
            self._part = (part, rest)
            try:
                return super().write(filename, arcname, compress_type, compresslevel)
            finally:
                self._part = None

        def open(self, name: Any, mode: str = "r", pwd: Any = None, *, force_zip64: bool = False) -> Any:
            dest = super().open(name, mode, pwd, force_zip64=force_zip64)
            if self._part is None or mode != "w":
                return dest
            part, rest = self._part
            self._part = None
            return _PartMember(dest, part, rest, copied)

    return PartZipFile


_INTERNALS = ("_fileobj", "_file_size", "_crc", "_compress_size", "_compressor", "_zinfo")


class _PartMember:
    """zipfile's member being written from a sheet part's file (which lacks the rows): what zipfile copies from
    the file is ignored; at close the member gets the deflated bytes, or (a compressor or a zipfile other than
    expected) every byte again through zipfile."""

    def __init__(self, dest: Any, part: PartDeflater, rest: bytes, copied: list[str]) -> None:
        self.dest, self.part, self.rest, self.copied = dest, part, rest, copied

    def write(self, data: Any) -> int:
        return len(data)

    def __enter__(self) -> _PartMember:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        dest, part = self.dest, self.part
        try:
            zinfo = getattr(dest, "_zinfo", None)
            level = getattr(zinfo, "_compresslevel", getattr(zinfo, "compress_level", 0))
            compressor = getattr(dest, "_compressor", None)
            same = (
                all(hasattr(dest, name) for name in _INTERNALS)
                and zinfo.compress_type == zipfile.ZIP_DEFLATED
                and level is None
                and getattr(compressor, "compress", None) is not None
            )
            if same:
                part.finish_into(dest, self.rest)
                self.copied.append(zinfo.filename)
            else:
                for chunk in part.inflated():
                    dest.write(chunk)
                dest.write(self.rest)
        finally:
            part.close()
            dest.close()
