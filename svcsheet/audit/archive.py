"""The auditors' archive: a content-addressed store of the original workbooks plus a SQLite ledger.

Layout of a store directory::

    store/ledger.sqlite                      the ledger (see ledger.py)
    store/objects/ab/ab12...ef.xlsx          one read-only copy per distinct content (sha256 + original extension)

Originals are only ever read. Copies are written to a temp file beside their final place, checked against the
hash, made read-only and moved in with ``os.replace``, so a crash never leaves a half-written object under its
final name. Retention (``prune_store``) counts from the last time a content was handed in or read by a run,
and pruning keeps the ledger record, so the history stays traceable and verify does not call it missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from ..deid.redact import mask_file_name, safe_file_name
from ..errors import ArchiveError, NotFound, SvcsheetError, UnreadableWorkbook, UsageError
from ..reading.sniff import sniff_format
from . import ledger

CHUNK = 1 << 20  # hash and copy in 1 MiB pieces: workbooks can be large, memory stays flat
OBJECTS = "objects"


@dataclass(frozen=True)
class FileFacts:
    """What the reader found in a workbook, kept in the ledger so tickets stay findable without a run."""

    forms: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # e.g. "2024-05"
    ticket_ids: tuple[tuple[str, str], ...] = ()  # (form, ticket id)
    names: tuple[str, ...] = ()  # person names typed in the rows: masked in the file name, never stored


@dataclass
class ArchiveEntry:
    """The outcome of archiving one input file."""

    sha256: str
    original_name: str  # the file name as recorded: de-identified like every output (no directory)
    size: int
    stored_path: str  # relative to the store, '/' separators
    already_present: bool  # the store already held this content; nothing was copied
    other_names: tuple[str, ...] = ()  # names the same content was archived under before
    facts_error: str | None = None  # why ``describe`` could not read the file (the file is archived anyway)
    refused: str | None = None  # why the file was not archived (not a workbook, a link out of the inputs)


@dataclass(frozen=True)
class StoredFile:
    """One ledger record of archived content."""

    sha256: str
    original_names: tuple[str, ...]
    size: int
    stored_path: str
    archived_at: str
    last_seen_at: str
    pruned_at: str | None
    forms: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()  # run ids that read this content


@dataclass
class VerifyReport:
    """Every path is relative to the store. ``names`` maps a ledger path to the names it was handed in as."""

    ok: list[str]
    missing: list[str]
    altered: list[str]
    unexpected: list[str]
    pruned: int = 0
    names: dict[str, tuple[str, ...]] | None = None

    @property
    def clean(self) -> bool:
        return not (self.missing or self.altered or self.unexpected)


@dataclass
class PruneReport:
    cutoff: str  # contents last seen at or before this moment may go
    candidates: list[StoredFile]  # what is (or, without yes, would be) deleted
    deleted: list[StoredFile]
    kept_young: int  # archived or handed in again within the retention period
    kept_in_use: int  # old, but read by a run within the retention period


# -- helpers ---------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now().astimezone()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _parse(text: str | None, tz: tzinfo | None) -> datetime | None:
    """Parse a stored timestamp; a naive one is read in ``tz``; unparseable gives None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _extension(name: str) -> str:
    """Keep a plain extension (.xlsx, .xls, .ods ...) so the copy opens in Excel; drop anything odd."""
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _object_path(sha256: str, name: str) -> str:
    return f"{OBJECTS}/{sha256[:2]}/{sha256}{_extension(name)}"


def _make_writable_and_unlink(path: Path) -> None:
    try:
        os.chmod(path, 0o644)  # Windows refuses to delete read-only files
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def _private_dir(path: Path, store: Path) -> None:
    """Create ``path`` (inside ``store``) and every folder up to the store with mode 0700."""
    path.mkdir(parents=True, exist_ok=True)
    here = path
    while True:
        os.chmod(here, 0o700)
        if here == store or store not in here.parents:
            break
        here = here.parent


def _store_object(src: Path, dest: Path, sha256: str) -> int:
    """Copy ``src`` to ``dest`` atomically, readable by its owner only (0400): the originals hold personal data.
    The copy must hash to ``sha256``. Returns its size."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ArchiveError(f"文件 {src} 在存档过程中被改动，请待其保存完毕后重新存档")
        st = src.stat()
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))  # keep the team's save time on the copy
        os.chmod(tmp, 0o400)
        os.replace(tmp, dest)
    except BaseException:
        _make_writable_and_unlink(tmp)
        raise
    return size


# -- archive ---------------------------------------------------------------------------------------


def archive_files(
    paths: Sequence[Path],
    store: Path,
    describe: Callable[[Path], FileFacts] | None = None,
    now: datetime | None = None,
    roots: Sequence[Path] | None = None,
    shown_names: Mapping[Path, str] | None = None,
) -> list[ArchiveEntry]:
    """Copy each workbook into the store (once per distinct content) and record it in the ledger.

    Only files the sniffer recognises as workbooks are stored; a link leading outside ``roots`` (the inputs as
    given) and the tool's own key file are refused. A refused file gets an entry with ``refused`` set.
    ``describe`` (the reader) supplies forms, periods, ticket ids and names; if it raises a SvcsheetError
    (an unreadable workbook) the file is archived anyway and the entry carries the message. The ledger keeps
    the file name de-identified (``shown_names`` gives it when the run already masked it), never the original.
    Every path must be an existing regular file, checked before anything is written.
    """
    moment = _now(now)
    store = Path(store)
    files = [Path(p) for p in paths]
    bad = [p.name for p in files if not p.is_file()]
    if bad:
        raise ArchiveError("以下路径不存在或不是文件，未做任何存档：" + "、".join(bad))
    resolved_roots = [Path(r).resolve() for r in roots] if roots is not None else None
    entries: list[ArchiveEntry] = []
    with ledger.connect(store, create=True) as conn:
        _private_dir(store, store)
        _private_dir(store / OBJECTS, store)
        os.chmod(ledger.ledger_path(store), 0o600)
        ledger.mask_names(conn, lambda name: mask_file_name(name))  # names kept by older versions
        for path in files:
            reason = _refusal(path, resolved_roots)
            shown = (shown_names or {}).get(path)
            if reason is not None:
                entries.append(ArchiveEntry("", shown or mask_file_name(path.name), 0, "", False, refused=reason))
                continue
            entries.append(_archive_one(conn, path, store, describe, _stamp(moment), shown))
    return entries


def _refusal(path: Path, roots: list[Path] | None) -> str | None:
    """Why a file must not go into the store, or None."""
    from ..deid.keys import default_key_file

    real = path.resolve()
    if real == default_key_file().resolve():
        return "这是 svcsheet 自己的密钥文件，不能归档"
    if roots is not None and not any(real == r or r in real.parents for r in roots):
        return "这是指向输入目录以外的链接，未归档"
    from ..reading.reader import check_size

    try:
        check_size(real)  # before anything hashes it: a huge (or sparse) file is not read at all
    except UnreadableWorkbook:
        return "文件超过大小上限，不是可读取的工作簿，未归档"
    try:
        sniff_format(real)
    except UnreadableWorkbook:
        return "不是 Excel 或 WPS/LibreOffice 工作簿，未归档"
    return None


def _archive_one(
    conn: Any,
    path: Path,
    store: Path,
    describe: Callable[[Path], FileFacts] | None,
    stamp: str,
    shown: str | None = None,
) -> ArchiveEntry:
    sha = sha256_file(path)
    facts: FileFacts | None = None
    facts_error: str | None = None
    if describe is not None:
        try:
            facts = describe(path)
        except SvcsheetError as exc:
            facts_error = str(exc)
    name = shown or mask_file_name(path.name, facts.names if facts else ())

    known = ledger.get_file(conn, sha)
    rel = known["stored_path"] if known is not None else _object_path(sha, path.name)
    obj = store / rel
    if obj.exists():
        # Either already stored, or left by an interrupted run before its ledger row was written.
        if sha256_file(obj) != sha:
            raise ArchiveError(f"存档副本 {rel} 与台账记录的哈希不一致（可能被改动），请先运行 verify 检查")
        size = obj.stat().st_size
        existed = True
    else:
        _private_dir(obj.parent, store)
        size = _store_object(path, obj, sha)
        existed = False

    with ledger.transaction(conn):
        if known is None:
            ledger.insert_file(conn, sha, size, rel, stamp)
        else:
            ledger.mark_seen(conn, sha, stamp)
        others = tuple(n for n in ledger.names_of(conn, sha) if n != name)
        ledger.add_name(conn, sha, name, stamp)
        if facts is not None:
            ledger.add_facts(conn, sha, facts.forms, facts.periods, facts.ticket_ids)

    return ArchiveEntry(
        sha256=sha,
        original_name=name,
        size=size,
        stored_path=rel,
        already_present=existed and known is not None and known["pruned_at"] is None,
        other_names=others,
        facts_error=facts_error,
    )


def list_store(store: Path) -> list[StoredFile]:
    """Every content the ledger knows, pruned ones included, in stored-path order."""
    with ledger.connect(store) as conn:
        return [_stored_file(conn, row) for row in ledger.all_files(conn)]


def _stored_file(conn: Any, row: Any) -> StoredFile:
    forms, periods = ledger.facts_of(conn, row["sha256"])
    return StoredFile(
        sha256=row["sha256"],
        original_names=tuple(ledger.names_of(conn, row["sha256"])),
        size=row["size"],
        stored_path=row["stored_path"],
        archived_at=row["archived_at"],
        last_seen_at=row["last_seen_at"],
        pruned_at=row["pruned_at"],
        forms=tuple(forms),
        periods=tuple(periods),
        runs=tuple(ledger.runs_using(conn, row["sha256"])),
    )


def restore(store: Path, which: str, out_dir: Path) -> list[Path]:
    """Copy archived content out of the store: ``which`` is a sha256 (or its first 8+ characters) or a file name
    as the ledger records it (de-identified; the original name is masked the same way to match it).

    Each copy is checked against its hash, named after its recorded name (made safe for Windows) and written
    with mode 0600; an existing file is never overwritten. Returns the written paths.
    """
    store, out_dir = Path(store), Path(out_dir)
    wanted = str(which).strip()
    with ledger.connect(store) as conn:
        rows = ledger.all_files(conn)
        by_sha = [r for r in rows if re.fullmatch(r"[0-9a-fA-F]{8,64}", wanted) and r["sha256"].startswith(wanted.lower())]
        if by_sha:
            chosen = by_sha
        else:
            keys = {wanted, mask_file_name(wanted)}
            chosen = [r for r in rows if keys & set(ledger.names_of(conn, r["sha256"]))]
        named = [(r, (ledger.names_of(conn, r["sha256"]) or [r["sha256"]])[0]) for r in chosen]
    if not named:
        raise NotFound(f"存档库中没有 {wanted}（可用 svcsheet archive --list 查看存档的文件）")
    if len(named) > 1 and by_sha:
        raise UsageError(f"{wanted} 对应多个存档文件，请给出更长的 sha256")
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for row, name in named:
        if row["pruned_at"] is not None:
            raise ArchiveError(f"{name} 已于 {row['pruned_at']} 按保留期删除，无法恢复")
        obj = store / row["stored_path"]
        if not obj.is_file() or sha256_file(obj) != row["sha256"]:
            raise ArchiveError(f"{name} 的存档副本缺失或被改动，请运行 svcsheet verify 检查")
        dest = out_dir / safe_file_name(name)
        if len(named) > 1:  # several contents recorded under one name: tell the copies apart by their hash
            dest = dest.with_name(f"{dest.stem}_{row['sha256'][:8]}{dest.suffix}")
        if dest.exists():
            raise ArchiveError(f"{dest} 已存在，未覆盖；请换一个目录")
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, open(obj, "rb") as fh:
            while chunk := fh.read(CHUNK):
                out.write(chunk)
        written.append(dest)
    return written


# -- verify ----------------------------------------------------------------------------------------


def verify_store(store: Path) -> VerifyReport:
    """Re-hash every object the ledger expects; list missing, altered and unexpected files.

    Pruned objects are expected to be absent. Anything else in the store that is neither the ledger nor an
    expected object (strays, leftover temp files, a pruned object that reappeared) is unexpected.
    """
    store = Path(store)
    with ledger.connect(store) as conn:
        problems = ledger.integrity_problems(conn)
        if problems:
            raise ArchiveError("台账文件已损坏：" + "；".join(problems[:5]))
        rows = ledger.all_files(conn)
        names = {r["stored_path"]: tuple(ledger.names_of(conn, r["sha256"])) for r in rows}
    expected = {r["stored_path"]: r["sha256"] for r in rows if r["pruned_at"] is None}
    report = VerifyReport(ok=[], missing=[], altered=[], unexpected=[], names=names)
    report.pruned = len(rows) - len(expected)
    for rel, sha in sorted(expected.items()):
        obj = store / rel
        if not obj.is_file():
            report.missing.append(rel)
        elif sha256_file(obj) != sha:
            report.altered.append(rel)
        else:
            report.ok.append(rel)
    for root, dirs, filenames in os.walk(store):
        dirs.sort()
        base = Path(root).relative_to(store)
        for fname in sorted(filenames):
            rel = (base / fname).as_posix()
            if rel in expected or (base == Path(".") and fname in ledger.LEDGER_FILES):
                continue
            report.unexpected.append(rel)
    report.unexpected.sort()
    return report


# -- prune -----------------------------------------------------------------------------------------


def prune_store(store: Path, retention_days: int, now: datetime, yes: bool = False) -> PruneReport:
    """List (and with ``yes`` delete) archived contents older than the retention period.

    A content is kept when it was archived or handed in again less than ``retention_days`` ago, or when
    any run that read it (by its as-of time or the time it was recorded, whichever is later) is that young:
    a run's record must stay provable for as long as the run itself is retained. Deleting removes the
    object file and marks the ledger row pruned; the record, names and run links stay.
    """
    if retention_days < 0:
        raise UsageError(f"保留天数不能为负数：{retention_days}")
    moment = _now(now)
    tz = moment.tzinfo
    cutoff = moment - timedelta(days=retention_days)
    report = PruneReport(cutoff=_stamp(cutoff), candidates=[], deleted=[], kept_young=0, kept_in_use=0)
    store = Path(store)
    with ledger.connect(store) as conn:
        for row in ledger.all_files(conn):
            if row["pruned_at"] is not None:
                continue
            last_seen = _parse(row["last_seen_at"], tz)
            if last_seen is None or last_seen > cutoff:
                report.kept_young += 1
                continue
            uses = ledger.run_times_using(conn, row["sha256"])
            if any(_run_is_young(as_of, recorded, tz, cutoff) for as_of, recorded in uses):
                report.kept_in_use += 1
                continue
            report.candidates.append(_stored_file(conn, row))
        if not yes:
            return report
        for item in report.candidates:
            obj = store / item.stored_path
            _make_writable_and_unlink(obj)
            try:
                obj.parent.rmdir()  # drop the fan-out directory once empty
            except OSError:
                pass
            with ledger.transaction(conn):
                ledger.mark_pruned(conn, item.sha256, _stamp(moment))
            report.deleted.append(item)
    return report


def _run_is_young(as_of: str | None, recorded_at: str, tz: tzinfo | None, cutoff: datetime) -> bool:
    times = [t for t in (_parse(as_of, tz), _parse(recorded_at, tz)) if t is not None]
    return not times or max(times) > cutoff  # an unreadable time keeps the file: never delete on doubt


# -- runs and tickets ------------------------------------------------------------------------------


def record_run(
    store: Path, manifest: dict[str, Any], tickets: Sequence[dict[str, Any]], now: datetime | None = None
) -> str:
    """Record a run (its run.json ``manifest`` and one de-identified dict per row) in the ledger.

    Inputs are linked to archived files by sha256; inputs that were never archived are recorded too.
    A run id can be recorded only once (the ledger is append-only history). Returns the run id.
    """
    run_id = manifest.get("run_id") if isinstance(manifest, dict) else None
    if not isinstance(run_id, str) or not run_id.strip():
        raise ArchiveError("运行记录缺少 run_id，无法登记")
    stamp = _stamp(_now(now))
    with ledger.connect(Path(store), create=True) as conn, ledger.transaction(conn):
        if ledger.run_exists(conn, run_id):
            raise ArchiveError(f"运行 {run_id} 已登记过，台账不允许重复登记")
        ledger.insert_run(conn, manifest, tickets, stamp)
    return run_id


def trace_ticket(store: Path, ticket_id: str) -> list[dict[str, Any]]:
    """Every occurrence of a ticket id: each row a run read, then archived files no run has read yet.

    Each dict: form, ticket_id, file (as the run named it), original_names (as archived), sha256,
    archived (the content is in the store now), sheet, row, run_id, as_of, status, findings, sla.
    Archive-only occurrences have run_id/sheet/row/as_of/status None. Unknown id: an empty list.
    """
    with ledger.connect(Path(store)) as conn:
        out: list[dict[str, Any]] = []
        seen_sha: set[tuple[str, str | None]] = set()
        for r in ledger.ticket_rows(conn, ticket_id):
            seen_sha.add((r["form"], r["sha256"]))
            out.append(
                {
                    "form": r["form"],
                    "ticket_id": r["ticket_id"],
                    "file": r["file"],
                    "original_names": _names(conn, r["sha256"]),
                    "sha256": r["sha256"],
                    "archived": _is_archived(conn, r["sha256"]),
                    "sheet": r["sheet"],
                    "row": r["row"],
                    "run_id": r["run_id"],
                    "as_of": r["as_of"],
                    "status": r["status"],
                    "findings": json.loads(r["findings"]),
                    "sla": json.loads(r["sla"]),
                }
            )
        for r in ledger.archived_ticket_rows(conn, ticket_id):
            if (r["form"], r["sha256"]) in seen_sha:
                continue
            names = _names(conn, r["sha256"])
            out.append(
                {
                    "form": r["form"],
                    "ticket_id": str(ticket_id).strip(),
                    "file": names[0] if names else None,
                    "original_names": names,
                    "sha256": r["sha256"],
                    "archived": _is_archived(conn, r["sha256"]),
                    "sheet": None,
                    "row": None,
                    "run_id": None,
                    "as_of": None,
                    "status": None,
                    "findings": [],
                    "sla": {},
                }
            )
    return out


def _names(conn: Any, sha256: str | None) -> list[str]:
    return ledger.names_of(conn, sha256) if sha256 else []


def _is_archived(conn: Any, sha256: str | None) -> bool:
    row = ledger.get_file(conn, sha256) if sha256 else None
    return row is not None and row["pruned_at"] is None
