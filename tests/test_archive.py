"""The auditors' archive: content-addressed store, ledger, verify, prune, run records and ticket tracing."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.audit import ledger
from svcsheet.audit.archive import (
    FileFacts,
    archive_files,
    list_store,
    prune_store,
    record_run,
    sha256_file,
    trace_ticket,
    verify_store,
)
from svcsheet.errors import ArchiveError, UnreadableWorkbook
from svcsheet.findings import CATALOG
from svcsheet.forms import load_forms
from svcsheet.reading.sniff import OLE2_MAGIC

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 5, 20, 9, 30, tzinfo=CST)
FORM = next(iter(load_forms().values()))


def wb(data: bytes) -> bytes:
    """Bytes the sniffer takes for a workbook (an OLE2 header, as .xls files have): the store holds only those."""
    return OLE2_MAGIC + data


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wb(data))
    return path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def objects(store: Path) -> list[Path]:
    return sorted(p for p in (store / "objects").rglob("*") if p.is_file())


def make_workbook(path: Path, ticket_id: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = FORM.name
    ws.append([f.label for f in FORM.fields])
    ws.append([ticket_id] + [""] * (len(FORM.fields) - 1))
    wb.save(path)
    return path


# -- archiving ---------------------------------------------------------------------------------------


def test_same_content_twice_is_stored_once_and_says_so(tmp_path: Path) -> None:
    data = b"workbook bytes"
    a = write(tmp_path / "in" / "team_a.xlsx", data)
    b = write(tmp_path / "in" / "copy_of_a.xlsx", data)
    store = tmp_path / "store"

    first = archive_files([a], store, now=T0)
    second = archive_files([b, a], store, now=T0 + timedelta(days=1))

    assert [e.already_present for e in first] == [False]
    assert [e.already_present for e in second] == [True, True]
    assert {e.sha256 for e in first + second} == {digest(wb(data))}
    assert second[0].other_names == ("team_a.xlsx",)
    assert len(objects(store)) == 1
    (record,) = list_store(store)
    assert record.original_names == ("team_a.xlsx", "copy_of_a.xlsx")
    assert record.archived_at == T0.isoformat()
    assert record.last_seen_at == (T0 + timedelta(days=1)).isoformat()


def test_copies_are_read_only_named_by_hash_and_originals_untouched(tmp_path: Path) -> None:
    src = make_workbook(tmp_path / "服务单_5月.xlsx", FORM.id_example or "X1")
    before = (sha256_file(src), src.stat().st_mtime_ns, stat.S_IMODE(src.stat().st_mode))
    store = tmp_path / "store"

    (entry,) = archive_files([src], store, now=T0)

    after = (sha256_file(src), src.stat().st_mtime_ns, stat.S_IMODE(src.stat().st_mode))
    assert after == before
    copy = store / entry.stored_path
    assert copy.name == f"{entry.sha256}.xlsx" and copy.parent.name == entry.sha256[:2]
    assert stat.S_IMODE(copy.stat().st_mode) & 0o222 == 0
    assert copy.read_bytes() == src.read_bytes()
    assert entry.size == src.stat().st_size and entry.original_name == src.name
    # The copy is still a workbook Excel opens, with the ticket in it.
    assert openpyxl.load_workbook(copy).active.cell(2, 1).value == (FORM.id_example or "X1")


def test_missing_input_archives_nothing(tmp_path: Path) -> None:
    good = write(tmp_path / "a.xlsx", b"a")
    with pytest.raises(ArchiveError, match="nope.xlsx"):
        archive_files([good, tmp_path / "nope.xlsx"], tmp_path / "store", now=T0)
    assert not (tmp_path / "store" / "objects").exists()


def test_naive_now_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        archive_files([write(tmp_path / "a.xlsx", b"a")], tmp_path / "store", now=datetime(2024, 1, 1))


def test_unreadable_workbook_is_archived_with_the_reason(tmp_path: Path) -> None:
    def describe(path: Path) -> FileFacts:
        raise UnreadableWorkbook(f"{path.name} 不是工作簿")

    (entry,) = archive_files([write(tmp_path / "bad.xlsx", b"truncated")], tmp_path / "s", describe, now=T0)
    assert entry.facts_error == "bad.xlsx 不是工作簿"
    assert verify_store(tmp_path / "s").ok == [entry.stored_path]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.lists(st.binary(max_size=64), min_size=1, max_size=6))
def test_one_object_per_distinct_content_each_named_by_its_hash(
    tmp_path: Path, contents: list[bytes]
) -> None:
    case = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis reuses tmp_path across examples
    paths = [write(case / "in" / f"f{i}.xls", data) for i, data in enumerate(contents)]
    entries = archive_files(paths, case / "store", now=T0)

    stored = objects(case / "store")
    assert len(stored) == len(set(contents))
    assert all(sha256_file(p) == p.name.removesuffix(".xls") for p in stored)
    assert [e.already_present for e in entries] == [data in contents[:i] for i, data in enumerate(contents)]
    assert verify_store(case / "store").clean


# -- verify --------------------------------------------------------------------------------------------


@pytest.fixture()
def store3(tmp_path: Path) -> tuple[Path, list[str]]:
    store = tmp_path / "store"
    paths = [write(tmp_path / "in" / f"{n}.xlsx", n.encode() * 100) for n in ("a", "b", "c")]
    return store, [e.stored_path for e in archive_files(paths, store, now=T0)]


def test_fresh_store_verifies_clean(store3: tuple[Path, list[str]]) -> None:
    store, rels = store3
    report = verify_store(store)
    assert report.clean
    assert report.ok == sorted(rels)
    assert report.missing == report.altered == report.unexpected == []


def test_tampered_copy_is_reported_altered(store3: tuple[Path, list[str]]) -> None:
    store, rels = store3
    victim = store / rels[1]
    os.chmod(victim, 0o644)
    data = bytearray(victim.read_bytes())
    data[10] ^= 0x01
    victim.write_bytes(bytes(data))

    report = verify_store(store)
    assert not report.clean
    assert report.altered == [rels[1]]
    assert report.names[rels[1]] == ("b.xlsx",)
    assert sorted(report.ok) == sorted([rels[0], rels[2]])


def test_deleted_copy_is_reported_missing(store3: tuple[Path, list[str]]) -> None:
    store, rels = store3
    (store / rels[0]).unlink()
    report = verify_store(store)
    assert not report.clean and report.missing == [rels[0]] and report.altered == []


def test_stray_file_is_reported_unexpected(store3: tuple[Path, list[str]]) -> None:
    store, _ = store3
    write(store / "objects" / "zz" / "stray.xlsx", b"x")
    write(store / "notes.txt", b"y")
    report = verify_store(store)
    assert not report.clean
    assert report.unexpected == ["notes.txt", "objects/zz/stray.xlsx"]


def test_verify_refuses_a_directory_that_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError):
        verify_store(tmp_path)
    assert not (tmp_path / ledger.LEDGER_NAME).exists()


def test_archiving_over_an_altered_copy_is_refused(store3: tuple[Path, list[str]], tmp_path: Path) -> None:
    store, rels = store3
    os.chmod(store / rels[0], 0o644)
    (store / rels[0]).write_bytes(b"changed")
    with pytest.raises(ArchiveError, match="verify"):
        archive_files([tmp_path / "in" / "a.xlsx"], store, now=T0)
    assert (store / rels[0]).read_bytes() == b"changed"  # the evidence is left for the auditor


# -- prune ---------------------------------------------------------------------------------------------


def test_prune_lists_old_refuses_young_and_deletes_only_with_yes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    old = archive_files([write(tmp_path / "old.xlsx", b"old")], store, now=T0)[0]
    edge = archive_files([write(tmp_path / "edge.xlsx", b"edge")], store, now=T0 + timedelta(days=10))[0]
    young = archive_files([write(tmp_path / "young.xlsx", b"young")], store, now=T0 + timedelta(days=11))[0]
    now = T0 + timedelta(days=740)  # edge is exactly 730 days old

    dry = prune_store(store, 730, now)
    assert [c.sha256 for c in dry.candidates] == sorted([old.sha256, edge.sha256])
    assert dry.deleted == [] and dry.kept_young == 1
    assert len(objects(store)) == 3

    done = prune_store(store, 730, now, yes=True)
    assert sorted(d.sha256 for d in done.deleted) == sorted([old.sha256, edge.sha256])
    assert [p.name for p in objects(store)] == [Path(young.stored_path).name]
    report = verify_store(store)
    assert report.clean and report.pruned == 2 and report.ok == [young.stored_path]
    records = {r.sha256: r for r in list_store(store)}
    assert records[old.sha256].pruned_at == now.isoformat()
    assert records[old.sha256].original_names == ("old.xlsx",)
    assert records[young.sha256].pruned_at is None
    assert prune_store(store, 730, now, yes=True).candidates == []


def test_prune_keeps_what_was_handed_in_again_recently(tmp_path: Path) -> None:
    store = tmp_path / "store"
    src = write(tmp_path / "a.xlsx", b"a")
    archive_files([src], store, now=T0)
    archive_files([src], store, now=T0 + timedelta(days=700))
    report = prune_store(store, 730, T0 + timedelta(days=800), yes=True)
    assert report.candidates == [] and report.kept_young == 1 and len(objects(store)) == 1


def test_prune_keeps_old_file_read_by_a_young_run(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (entry,) = archive_files([write(tmp_path / "a.xlsx", b"a")], store, now=T0)
    later = T0 + timedelta(days=700)
    record_run(store, manifest("r1", later, inputs=[("a.xlsx", entry.sha256)]), [], now=later)

    report = prune_store(store, 730, T0 + timedelta(days=800), yes=True)
    assert report.candidates == [] and report.kept_in_use == 1
    assert prune_store(store, 730, later + timedelta(days=731)).candidates[0].sha256 == entry.sha256


def test_pruned_content_handed_in_again_is_stored_again(tmp_path: Path) -> None:
    store = tmp_path / "store"
    src = write(tmp_path / "a.xlsx", b"a")
    archive_files([src], store, now=T0)
    prune_store(store, 730, T0 + timedelta(days=731), yes=True)
    (entry,) = archive_files([src], store, now=T0 + timedelta(days=732))
    assert not entry.already_present
    assert (store / entry.stored_path).read_bytes() == wb(b"a")
    assert verify_store(store).ok == [entry.stored_path]


def test_negative_retention_is_refused(tmp_path: Path) -> None:
    archive_files([write(tmp_path / "a.xlsx", b"a")], tmp_path / "s", now=T0)
    with pytest.raises(Exception, match="负数"):
        prune_store(tmp_path / "s", -1, T0)


# -- runs and tracing ----------------------------------------------------------------------------------


def manifest(run_id: str, as_of: datetime, inputs: list[tuple[str, str | None]]) -> dict:
    return {
        "run_id": run_id,
        "svcsheet_version": "0.1.0",
        "as_of": as_of.isoformat(),
        "policy": {"sha256": digest(b"policy"), "source": "default"},
        "inputs": [
            {"path": p, "sha256": h, "rows_read": 2, "rows_clean": 1, "rows_rejected": 1, "error": None}
            for p, h in inputs
        ],
        "totals": {"rows_read": 2},
        "outputs": [{"path": "summary.xlsx", "sha256": digest(b"out")}],
    }


def ticket(ticket_id: str, file: str, sha: str | None, row: int, status: str, stage_outcome: str) -> dict:
    code = next(iter(CATALOG))
    return {
        "form": FORM.key,
        "ticket_id": ticket_id,
        "file": file,
        "sha256": sha,
        "sheet": FORM.name,
        "row": row,
        "status": status,
        "findings": [
            {"code": code, "severity": CATALOG[code][0], "cell": f"B{row}", "field": None, "message": "m"}
        ],
        "sla": {FORM.stages[0].key: stage_outcome},
    }


def test_record_run_then_trace_finds_file_sheet_row_run_findings_and_sla(tmp_path: Path) -> None:
    store = tmp_path / "store"
    tid = FORM.id_example or "T1"
    facts = FileFacts(forms=(FORM.key,), periods=("2024-05",), ticket_ids=((FORM.key, tid),))
    (entry,) = archive_files([make_workbook(tmp_path / "五月.xlsx", tid)], store, lambda p: facts, now=T0)
    tickets = [
        ticket(tid, "五月.xlsx", entry.sha256, 2, "rejected", "超时 +25分钟"),
        ticket("OTHER-1", "五月.xlsx", entry.sha256, 3, "clean", "达标"),
    ]
    m = manifest("run-1", T0, [("五月.xlsx", entry.sha256), ("never_archived.xlsx", digest(b"n"))])
    assert record_run(store, m, tickets, now=T0) == "run-1"
    record_run(
        store,
        manifest("run-2", T0 + timedelta(days=7), [("五月.xlsx", entry.sha256)]),
        [ticket(f"  {tid} ", "五月.xlsx", entry.sha256, 2, "clean", "达标")],
        now=T0 + timedelta(days=7),
    )

    hits = trace_ticket(store, tid)
    assert [h["run_id"] for h in hits] == ["run-1", "run-2"]
    first = hits[0]
    assert first["original_names"] == ["五月.xlsx"] and first["sha256"] == entry.sha256 and first["archived"]
    assert (first["form"], first["sheet"], first["row"], first["status"]) == (
        FORM.key,
        FORM.name,
        2,
        "rejected",
    )
    assert first["as_of"] == T0.isoformat()
    assert first["findings"] == tickets[0]["findings"]
    assert first["sla"] == {FORM.stages[0].key: "超时 +25分钟"}
    assert hits[1]["sla"] == {FORM.stages[0].key: "达标"}
    assert trace_ticket(store, "NO-SUCH") == []
    (stored,) = list_store(store)
    assert (
        stored.runs == ("run-1", "run-2") and stored.forms == (FORM.key,) and stored.periods == ("2024-05",)
    )


def test_trace_finds_a_ticket_in_an_archived_file_no_run_has_read(tmp_path: Path) -> None:
    store = tmp_path / "store"
    facts = FileFacts(forms=(FORM.key,), ticket_ids=((FORM.key, "A-7"),))
    (entry,) = archive_files([write(tmp_path / "x.xlsx", b"x")], store, lambda p: facts, now=T0)
    (hit,) = trace_ticket(store, "A-7")
    assert (hit["file"], hit["sha256"], hit["run_id"], hit["archived"]) == (
        "x.xlsx",
        entry.sha256,
        None,
        True,
    )


def test_run_inputs_not_archived_are_recorded_and_a_run_is_recorded_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    m = manifest("run-1", T0, [("loose.xlsx", digest(b"loose")), ("gone.xlsx", None)])
    record_run(store, m, [ticket("Z-1", "loose.xlsx", digest(b"loose"), 4, "clean", "达标")], now=T0)
    (hit,) = trace_ticket(store, "Z-1")
    assert hit["archived"] is False and hit["original_names"] == [] and hit["file"] == "loose.xlsx"
    with pytest.raises(ArchiveError, match="run-1"):
        record_run(store, m, [], now=T0)
    with pytest.raises(ArchiveError):
        record_run(store, {"inputs": []}, [], now=T0)
    with sqlite3.connect(store / ledger.LEDGER_NAME) as conn:
        assert conn.execute("SELECT count(*) FROM run_inputs").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == ledger.SCHEMA_VERSION
