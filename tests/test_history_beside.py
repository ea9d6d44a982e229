"""The history is written beside the outputs, in one transaction: a run keeps its tickets, problem texts,
manifest and output folder in the history only when its outputs were all written, and then all of them."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from svcsheet.pipeline import RunOptions, run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def _contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the history file."""
    conn = sqlite3.connect(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def _run(out: Path, db: Path, as_of: datetime, jobs: int):
    return run(RunOptions(inputs=[SAMPLES], out=out, as_of=as_of, history=db, jobs=jobs))


@pytest.mark.parametrize("jobs", [1, 2])
def test_outputs_that_fail_leave_the_history_as_it_was(tmp_path, monkeypatch, jobs) -> None:
    from svcsheet.outputs import output_folder

    db = tmp_path / "history.sqlite"
    _run(tmp_path / "w47", db, datetime(2026, 11, 23, 9), jobs)
    before = _contents(db)
    assert before["tickets"] and before["problems"] and len(before["runs"]) == 1

    def disk_full(result, path):
        raise OSError(28, "No space left on device")

    real = output_folder.write_trace
    monkeypatch.setattr(output_folder, "write_trace", disk_full)  # the last writer before returns/
    with pytest.raises(OSError, match="No space"):
        _run(tmp_path / "w48", db, datetime(2026, 11, 30, 9), jobs)
    assert not (tmp_path / "w48").exists()
    assert _contents(db) == before  # none of the second run's tickets, texts, manifest or folder

    # the failed run held no lock: the same week again is kept in full
    monkeypatch.setattr(output_folder, "write_trace", real)
    _run(tmp_path / "w48", db, datetime(2026, 11, 30, 9), jobs)
    after = _contents(db)
    assert [r[2] for r in sorted(after["runs"])] != [r[2] for r in sorted(before["runs"])]
    assert len(after["runs"]) == 2
    assert sorted(out for out, _run_id in after["outputs"]) == sorted(
        str((tmp_path / name).resolve()) for name in ("w47", "w48")
    )


def test_a_history_that_cannot_be_completed_keeps_none_of_the_run(tmp_path, monkeypatch) -> None:
    import svcsheet.audit.history as history

    def disk_full(conn, out, run_id):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(history, "_record_output", disk_full)  # the last thing the history records
    db = tmp_path / "history.sqlite"
    with pytest.raises(OSError, match="No space"):
        _run(tmp_path / "out", db, datetime(2026, 11, 23, 9), 2)
    # the outputs were in place before the history was committed: they stay, and say so
    assert (tmp_path / "out" / "run.json").exists() and (tmp_path / "out" / "clean.xlsx").exists()
    kept = _contents(db)
    assert kept["tickets"] == [] and kept["runs"] == [] and kept["outputs"] == []
    assert kept.get("problems", []) == []


def test_while_a_run_writes_its_outputs_others_read_the_history_as_it_was(tmp_path, monkeypatch) -> None:
    import threading

    import svcsheet.audit.history as history
    from svcsheet.outputs import output_folder

    db = tmp_path / "history.sqlite"
    _run(tmp_path / "w47", db, datetime(2026, 11, 23, 9), 2)
    inserted = threading.Event()
    real_rows = history._with_run

    def rows_then_tell(items, run_id):
        yield from real_rows(items, run_id)
        inserted.set()

    seen: list[list[str]] = []  # the run ids the history holds
    real_manifest = output_folder.build_manifest

    def manifest_after_a_look(result, folder):
        assert inserted.wait(30)  # the run's tickets are in its transaction, not committed
        # another command reading the same file meanwhile (`svcsheet history list`): not kept waiting
        seen.append([r["run_id"] for r in history.HistoryStore(db).runs()])
        return real_manifest(result, folder)

    monkeypatch.setattr(history, "_with_run", rows_then_tell)
    monkeypatch.setattr(output_folder, "build_manifest", manifest_after_a_look)
    second = _run(tmp_path / "w48", db, datetime(2026, 11, 30, 9), 2)
    earlier = [r["run_id"] for r in history.HistoryStore(db).runs() if r["run_id"] != second.manifest["run_id"]]
    assert len(earlier) == 1 and seen == [earlier]
    assert {r["run_id"] for r in history.HistoryStore(db).runs()} == {earlier[0], second.manifest["run_id"]}
