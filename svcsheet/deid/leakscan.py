"""Scan an output folder for personal data that should have been masked.

Looks at every text a person or a program could read back: every XML part of an .xlsx (cells, comments, sheet
names, document properties), text formats, JSON strings, and every cell of every SQLite table. Reports
unmasked mobiles, valid ID numbers, Luhn-valid card numbers, e-mails and the given full names. Masked values
(138****5678), 400/800 lines, keyed customer hashes and staff pseudonyms (lower-case base32, never holding a
1, 8, 9 or 0) are not personal data and are not reported. File names are scanned too, and direction controls
(U+202E and kin), which the outputs must not carry, are reported as kind ``bidi``.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from .deidentifier import REMOVED, surname_of
from .pii import BIDI_CONTROLS, digits_of, find_pii, normalize_chars

LEAK_KINDS = frozenset({"mobile", "id_number", "passport", "bank_card", "email"})
TEXT_SUFFIXES = frozenset({".html", ".htm", ".csv", ".txt", ".md", ".yaml", ".yml", ".xml", ".log", ".tsv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
DB_SUFFIXES = frozenset({".sqlite", ".sqlite3", ".db"})


@dataclass(frozen=True)
class Leak:
    path: str
    where: str
    kind: str
    sample: str  # already masked, e.g. "138****5678"


def sample_of(kind: str, text: str) -> str:
    """A masked sample that tells what leaked without repeating it."""
    t = normalize_chars(text).strip()
    d = digits_of(t)
    if kind == "mobile":
        d = d[-11:]
        return d[:3] + "****" + d[-4:]
    if kind == "bank_card":
        return d[:4] + "****" + d[-4:]
    if kind == "id_number":
        return t[:3] + "*" * (len(t) - 5) + t[-2:]
    if kind == "passport":
        return t[:1] + "****" + t[-2:]
    if kind == "email":
        local, _, domain = t.partition("@")
        return local[:1] + "***@" + domain
    if kind == "name":
        return surname_of(t) + "**"
    return REMOVED


# sha256 / hash digests (run.json, the ledger) contain long digit runs that are not phone numbers.
_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,}(?![0-9A-Za-z])")
# The fraction digits of a computed ratio (0.6046511627906976) are not an identifier either.
_FRACTION = re.compile(r"(?<![0-9])\d{1,3}\.\d{8,}(?![0-9])")


def scan_text(text: str, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(kind, masked sample) for each leak in one string."""
    if not text:
        return []
    hashes = [m.span() for m in _HEX_DIGEST.finditer(text)] + [m.span() for m in _FRACTION.finditer(text)]
    found = [
        (h.kind, sample_of(h.kind, h.text))
        for h in find_pii(text)
        if h.kind in LEAK_KINDS and not any(a <= h.start and h.end <= b for a, b in hashes)
    ]
    found += [("name", sample_of("name", n)) for n in names if n in text]
    bidi = BIDI_CONTROLS.search(text)
    if bidi:  # a direction control makes a text display reversed (a file name disguised as another)
        found.append(("bidi", f"U+{ord(bidi.group()):04X}"))
    return found


def _usable_names(names: Iterable[str]) -> list[str]:
    out = []
    for n in names:
        n = (n or "").strip()
        if len(n) >= 2 and "*" not in n and n not in out:
            out.append(n)
    return out


def scan_folder(folder: Path, names: Iterable[str] = (), skip: Iterable[str] = ("returns",)) -> list[Leak]:
    """Every leak in every readable file under ``folder``, except subfolders named in ``skip``."""
    folder = Path(folder)
    skip_set = set(skip)
    wanted = _usable_names(names)
    leaks: list[Leak] = []
    seen: set[Leak] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if skip_set & set(rel.parts[:-1]):
            continue
        for where, text in [("文件名", rel.as_posix()), *_texts(path)]:
            for kind, sample in scan_text(text, wanted):
                leak = Leak(rel.as_posix(), where, kind, sample)
                if leak not in seen:
                    seen.add(leak)
                    leaks.append(leak)
    return leaks


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        yield from _xlsx_texts(path)
    elif suffix == ".json":
        yield from _json_texts(path)
    elif suffix in DB_SUFFIXES:
        yield from _sqlite_texts(path)
    elif suffix in TEXT_SUFFIXES:
        text = _read_text(path)
        if suffix in (".html", ".htm", ".xml"):
            text = html.unescape(text)
        for i, line in enumerate(text.splitlines(), 1):
            yield f"第{i}行", line


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _xlsx_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Text nodes and attribute values of every XML part (cells, comments, sheet names, properties)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        yield "文件", _read_text(path)  # not a zip: scan it as bytes decoded to text
        return
    with zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            raw = zf.read(info)
            try:
                root = SafeET.fromstring(raw)
            except Exception:  # malformed part: scan its raw text, unescaped
                yield info.filename, html.unescape(raw.decode("utf-8", errors="replace"))
                continue
            yield from _xml_texts(root, info.filename)


# Rich text splits one cell or comment into runs (<r><t>张</t></r><r><t>伟</t></r>): read these whole.
_JOINED = frozenset({"si", "is", "text", "comment"})


def _xml_texts(elem: Any, part: str, ref: str | None = None) -> Iterator[tuple[str, str]]:
    ref = elem.get("r") or elem.get("ref") or ref
    where = f"{part}!{ref}" if ref else part
    for value in elem.attrib.values():
        yield where, value
    if str(elem.tag).rsplit("}", 1)[-1] in _JOINED:
        yield where, "".join(elem.itertext())
        return
    if elem.text and elem.text.strip():
        yield where, elem.text
    for child in elem:
        yield from _xml_texts(child, part, ref)
        if child.tail and child.tail.strip():
            yield where, child.tail


def _json_texts(path: Path) -> Iterator[tuple[str, str]]:
    text = _read_text(path)
    try:
        data = json.loads(text)
    except ValueError:
        for i, line in enumerate(text.splitlines(), 1):
            yield f"第{i}行", line
        return
    yield from _walk_json(data, "$")


def _walk_json(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield where, str(k)
            yield from _walk_json(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_json(v, f"{where}[{i}]")
    elif isinstance(node, (str, int)) and not isinstance(node, bool):
        yield where, str(node)


def _sqlite_texts(path: Path) -> Iterator[tuple[str, str]]:
    try:
        con = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            cur = con.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names come from the file itself
            cols = [c[0] for c in cur.description]
            for n, row in enumerate(cur, 1):
                for col, value in zip(cols, row, strict=False):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", errors="ignore")
                    if isinstance(value, (str, int)) and not isinstance(value, bool):
                        yield f"{table} 第{n}行 {col}", str(value)
    except sqlite3.DatabaseError:
        return  # not a SQLite file after all
    finally:
        con.close()
