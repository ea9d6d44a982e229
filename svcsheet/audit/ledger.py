"""The archive ledger: one SQLite file in the store. Every SQL statement of the archive lives here.

The ledger keeps no personal data: file hashes, the names files were handed in under, de-identified,
forms, periods, ticket ids, run manifests and de-identified findings. Timestamps are ISO 8601 strings with
a UTC offset. Every query that returns several rows has an ORDER BY, so output is deterministic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..errors import ArchiveError

LEDGER_NAME = "ledger.sqlite"
# SQLite side files that may sit next to the ledger; verify does not report them as unexpected.
LEDGER_FILES = frozenset({LEDGER_NAME, LEDGER_NAME + "-journal", LEDGER_NAME + "-wal", LEDGER_NAME + "-shm"})
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    stored_path   TEXT NOT NULL UNIQUE,  -- relative to the store, '/' separators
    archived_at   TEXT NOT NULL,         -- first archived
    last_seen_at  TEXT NOT NULL,         -- last handed to archive; retention counts from here
    pruned_at     TEXT                   -- object deleted by prune; the record stays
);
CREATE TABLE IF NOT EXISTS file_names (
    sha256         TEXT NOT NULL REFERENCES files(sha256),
    original_name  TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    PRIMARY KEY (sha256, original_name)
);
CREATE TABLE IF NOT EXISTS file_facts (
    sha256  TEXT NOT NULL REFERENCES files(sha256),
    kind    TEXT NOT NULL CHECK (kind IN ('form', 'period')),
    value   TEXT NOT NULL,
    PRIMARY KEY (sha256, kind, value)
);
CREATE TABLE IF NOT EXISTS file_tickets (
    sha256     TEXT NOT NULL REFERENCES files(sha256),
    form       TEXT NOT NULL,
    ticket_id  TEXT NOT NULL,
    PRIMARY KEY (sha256, form, ticket_id)
);
CREATE INDEX IF NOT EXISTS file_tickets_by_id ON file_tickets(ticket_id);
CREATE TABLE IF NOT EXISTS runs (
    run_id            TEXT PRIMARY KEY,
    svcsheet_version  TEXT,
    as_of             TEXT,
    policy_sha256     TEXT,
    policy_source     TEXT,
    recorded_at       TEXT NOT NULL,
    manifest          TEXT NOT NULL      -- the run.json as recorded (canonical JSON)
);
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id         TEXT NOT NULL REFERENCES runs(run_id),
    position       INTEGER NOT NULL,
    path           TEXT NOT NULL,
    sha256         TEXT,                 -- links to files.sha256 when archived; may be absent from files
    rows_read      INTEGER,
    rows_clean     INTEGER,
    rows_rejected  INTEGER,
    error          TEXT,
    PRIMARY KEY (run_id, position)
);
CREATE INDEX IF NOT EXISTS run_inputs_by_sha ON run_inputs(sha256);
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id    TEXT NOT NULL REFERENCES runs(run_id),
    position  INTEGER NOT NULL,
    path      TEXT NOT NULL,
    sha256    TEXT,
    PRIMARY KEY (run_id, position)
);
CREATE TABLE IF NOT EXISTS tickets (
    run_id     TEXT NOT NULL REFERENCES runs(run_id),
    position   INTEGER NOT NULL,
    form       TEXT NOT NULL,
    ticket_id  TEXT,                     -- NULL when the row had no id
    file       TEXT,
    sha256     TEXT,
    sheet      TEXT,
    row        INTEGER,
    status     TEXT,
    findings   TEXT NOT NULL,            -- JSON list, de-identified
    sla        TEXT NOT NULL,            -- JSON object: stage -> outcome
    PRIMARY KEY (run_id, position)
);
CREATE INDEX IF NOT EXISTS tickets_by_id ON tickets(ticket_id);
"""


def ledger_path(store: Path) -> Path:
    return Path(store) / LEDGER_NAME


def connect(store: Path, create: bool = False) -> closing[sqlite3.Connection]:
    """Open the store's ledger (use as a context manager; it closes the connection).

    With ``create`` the store directory and the schema are made when absent; without it a missing
    ledger is an ArchiveError, so verify/trace/prune never silently create an empty store.
    """
    path = ledger_path(store)
    if not path.is_file():
        if not create:
            raise ArchiveError(f"存档目录 {store} 中没有台账文件 {LEDGER_NAME}，不是有效的存档库")
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)  # explicit transactions below
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ArchiveError(f"台账版本 {version} 高于本程序支持的版本 {SCHEMA_VERSION}，请升级 svcsheet")
        if version < SCHEMA_VERSION:
            conn.executescript(f"BEGIN;\n{_SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ArchiveError(f"台账文件 {path} 无法读取：{exc}") from exc
    except BaseException:
        conn.close()
        raise
    return closing(conn)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error (the write lock is taken up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows


# -- files -----------------------------------------------------------------------------------------


def get_file(conn: sqlite3.Connection, sha256: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()


def insert_file(conn: sqlite3.Connection, sha256: str, size: int, stored_path: str, now: str) -> None:
    conn.execute(
        "INSERT INTO files (sha256, size, stored_path, archived_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        (sha256, size, stored_path, now, now),
    )


def mark_seen(conn: sqlite3.Connection, sha256: str, now: str) -> None:
    """The content was handed in again (and is stored again if it had been pruned)."""
    conn.execute("UPDATE files SET last_seen_at = ?, pruned_at = NULL WHERE sha256 = ?", (now, sha256))


def mark_pruned(conn: sqlite3.Connection, sha256: str, now: str) -> None:
    conn.execute("UPDATE files SET pruned_at = ? WHERE sha256 = ?", (now, sha256))


def add_name(conn: sqlite3.Connection, sha256: str, name: str, now: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO file_names (sha256, original_name, first_seen_at) VALUES (?, ?, ?)",
        (sha256, name, now),
    )


def mask_names(conn: sqlite3.Connection, mask: Callable[[str], str]) -> int:
    """Replace every recorded name by ``mask(name)`` where they differ (ledgers written before names were
    de-identified kept the original names). Returns how many names changed."""
    rows = conn.execute("SELECT sha256, original_name, first_seen_at FROM file_names").fetchall()
    changed = [(r[0], r[1], r[2], mask(r[1])) for r in rows]
    changed = [c for c in changed if c[3] != c[1]]
    if changed:
        with transaction(conn):
            for sha, old, seen, new in changed:
                conn.execute(
                    "INSERT OR IGNORE INTO file_names (sha256, original_name, first_seen_at) VALUES (?, ?, ?)",
                    (sha, new, seen),
                )
                conn.execute("DELETE FROM file_names WHERE sha256 = ? AND original_name = ?", (sha, old))
    return len(changed)


def names_of(conn: sqlite3.Connection, sha256: str) -> list[str]:
    rows = conn.execute(
        "SELECT original_name FROM file_names WHERE sha256 = ? ORDER BY first_seen_at, original_name",
        (sha256,),
    )
    return [r[0] for r in rows]


def add_facts(
    conn: sqlite3.Connection,
    sha256: str,
    forms: Iterable[str],
    periods: Iterable[str],
    tickets: Iterable[tuple[str, str]],
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO file_facts (sha256, kind, value) VALUES (?, ?, ?)",
        [(sha256, "form", f) for f in forms] + [(sha256, "period", p) for p in periods],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO file_tickets (sha256, form, ticket_id) VALUES (?, ?, ?)",
        [(sha256, form, tid) for form, tid in tickets],
    )


def facts_of(conn: sqlite3.Connection, sha256: str) -> tuple[list[str], list[str]]:
    rows = conn.execute("SELECT kind, value FROM file_facts WHERE sha256 = ? ORDER BY kind, value", (sha256,))
    forms: list[str] = []
    periods: list[str] = []
    for kind, value in rows:
        (forms if kind == "form" else periods).append(value)
    return forms, periods


def all_files(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every file record, pruned ones included, in stored-path order."""
    return conn.execute("SELECT * FROM files ORDER BY stored_path").fetchall()


def run_times_using(conn: sqlite3.Connection, sha256: str) -> list[tuple[str | None, str]]:
    """(as_of, recorded_at) of every run that read this content."""
    rows = conn.execute(
        "SELECT DISTINCT r.as_of, r.recorded_at, r.run_id FROM run_inputs i JOIN runs r USING (run_id) "
        "WHERE i.sha256 = ? ORDER BY r.recorded_at, r.run_id",
        (sha256,),
    )
    return [(r[0], r[1]) for r in rows]


def runs_using(conn: sqlite3.Connection, sha256: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT r.run_id, r.recorded_at FROM run_inputs i JOIN runs r USING (run_id) "
        "WHERE i.sha256 = ? ORDER BY r.recorded_at, r.run_id",
        (sha256,),
    )
    return [r[0] for r in rows]


# -- runs ------------------------------------------------------------------------------------------


def run_exists(conn: sqlite3.Connection, run_id: str) -> bool:
    return conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is not None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def insert_run(
    conn: sqlite3.Connection,
    manifest: Mapping[str, Any],
    tickets: Sequence[Mapping[str, Any]],
    recorded_at: str,
) -> None:
    """Insert one run with its inputs, outputs and ticket rows (call inside ``transaction``)."""
    run_id = manifest["run_id"]
    policy = manifest.get("policy") or {}
    conn.execute(
        "INSERT INTO runs (run_id, svcsheet_version, as_of, policy_sha256, policy_source, recorded_at, manifest) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            manifest.get("svcsheet_version"),
            manifest.get("as_of"),
            policy.get("sha256"),
            None if policy.get("source") is None else str(policy.get("source")),
            recorded_at,
            _json(manifest),
        ),
    )
    conn.executemany(
        "INSERT INTO run_inputs (run_id, position, path, sha256, rows_read, rows_clean, rows_rejected, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                i,
                str(inp.get("path", "")),
                inp.get("sha256"),
                _int_or_none(inp.get("rows_read")),
                _int_or_none(inp.get("rows_clean")),
                _int_or_none(inp.get("rows_rejected")),
                None if inp.get("error") is None else str(inp.get("error")),
            )
            for i, inp in enumerate(manifest.get("inputs") or [])
        ],
    )
    conn.executemany(
        "INSERT INTO run_outputs (run_id, position, path, sha256) VALUES (?, ?, ?, ?)",
        [
            (run_id, i, str(out.get("path", "")), out.get("sha256"))
            for i, out in enumerate(manifest.get("outputs") or [])
        ],
    )
    conn.executemany(
        "INSERT INTO tickets (run_id, position, form, ticket_id, file, sha256, sheet, row, status, findings, sla) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                i,
                str(t.get("form", "")),
                _ticket_key(t.get("ticket_id")),
                None if t.get("file") is None else str(t.get("file")),
                t.get("sha256"),
                None if t.get("sheet") is None else str(t.get("sheet")),
                _int_or_none(t.get("row")),
                t.get("status"),
                _json(list(t.get("findings") or [])),
                _json(dict(t.get("sla") or {})),
            )
            for i, t in enumerate(tickets)
        ],
    )


def _ticket_key(ticket_id: Any) -> str | None:
    """Ticket ids are matched after trimming surrounding whitespace; an empty id is stored as NULL."""
    text = "" if ticket_id is None else str(ticket_id).strip()
    return text or None


def ticket_rows(conn: sqlite3.Connection, ticket_id: str) -> list[sqlite3.Row]:
    """Every row recorded by a run for this ticket id, oldest run first."""
    return conn.execute(
        "SELECT t.*, r.as_of, r.recorded_at FROM tickets t JOIN runs r USING (run_id) "
        "WHERE t.ticket_id = ? ORDER BY r.recorded_at, r.run_id, t.position",
        (_ticket_key(ticket_id),),
    ).fetchall()


def archived_ticket_rows(conn: sqlite3.Connection, ticket_id: str) -> list[sqlite3.Row]:
    """Archived files whose facts list this ticket id (known even when no run has read the file)."""
    return conn.execute(
        "SELECT ft.form, ft.sha256 FROM file_tickets ft JOIN files f USING (sha256) "
        "WHERE ft.ticket_id = ? ORDER BY f.archived_at, ft.sha256, ft.form",
        (_ticket_key(ticket_id),),
    ).fetchall()
