"""perfw2: the SLA verdicts computed with each file's work (in the pool workers), dropped for a row a duplicate
across files rejects later."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from svcsheet.forms import load_forms
from svcsheet.pipeline import RunOptions, read_file, run
from svcsheet.policy import load_policy
from svcsheet.reading.discover import InputFile
from svcsheet.sla.bizcal import BusinessCalendar
from svcsheet.sla.verdicts import evaluate_row

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)
SLA_CODES = {"overdue_reason_missing", "calendar_gap"}


def test_the_per_file_work_gives_accepted_rows_the_verdicts_the_run_computed_before():
    forms, policy = load_forms(), load_policy(None)
    fresh = BusinessCalendar(policy)
    accepted = rejected = 0
    for path in sorted(SAMPLES.glob("*.xlsx")):
        result = read_file(InputFile(path, path.name), (policy, AS_OF))
        for row in result.rows:
            if row.rejected:
                rejected += 1
                assert not row.sla
            else:
                accepted += 1
                expected = evaluate_row(forms[row.form], row.values, policy, fresh, AS_OF)
                assert dict(row.sla) == dict(expected)
    assert accepted > 50 and rejected > 5


def test_a_row_a_duplicate_in_another_file_rejects_keeps_no_verdicts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):  # the same tickets in two files: every row is a duplicate across files
        shutil.copy(SAMPLES / "response_log_2026-11.xlsx", folder / name)
    alone = read_file(InputFile(folder / "a.xlsx", "a.xlsx"), (load_policy(None), AS_OF))
    assert any(row.sla for row in alone.rows)  # the worker did compute verdicts for the file on its own
    result = run(RunOptions(inputs=[folder], as_of=AS_OF, history=Path("off"), jobs=2))
    rows = result.rows
    assert len(rows) == 2 * len(alone.rows)
    for row in rows:
        if row.ticket_id:
            assert any(f.code == "id_duplicate" for f in row.findings)
            assert row.rejected and not row.sla
            assert not SLA_CODES & {f.code for f in row.findings}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_into(inputs: Path, out: Path, jobs: int):
    return run(RunOptions(inputs=[inputs], out=out, as_of=AS_OF, history=Path("off"), jobs=jobs))


MARK = Path()  # set by the test: the first copy written creates it and kills its worker


def _die_once(task, shared):
    """returns/' per-file work, except that the first copy kills the worker writing it (once)."""
    import os

    from svcsheet.outputs import returns

    if not MARK.exists():
        MARK.write_text("died")
        os._exit(9)
    return returns.__dict__["_WRITE_ONE"](task, shared)


def test_returns_written_by_the_reading_workers_survive_a_worker_that_dies(tmp_path, monkeypatch):
    from svcsheet.outputs import returns

    global MARK
    _run_into(SAMPLES, tmp_path / "one", jobs=1)
    MARK = tmp_path / "died"
    monkeypatch.setattr(returns, "_WRITE_ONE", returns._write_one, raising=False)
    monkeypatch.setattr(returns, "_write_one", _die_once)
    result = _run_into(SAMPLES, tmp_path / "two", jobs=2)
    assert MARK.exists()  # a worker did die, and its copy (and the others the pool held) were written again
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert [k for k in one if k.startswith("returns")] and one.keys() == two.keys()
    assert all(one[k] == two[k] for k in one)
    assert result.totals["files_unreadable"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["died", "one", "two"]  # no private folder left


def test_a_run_that_fails_after_returns_started_leaves_no_copy_and_no_worker(tmp_path, monkeypatch):
    import multiprocessing

    import pytest

    from svcsheet.common_issues import cluster

    def broken(*_args, **_kwargs):
        raise RuntimeError("clustering failed")

    monkeypatch.setattr(cluster, "cluster_problems", broken)
    with pytest.raises(RuntimeError, match="clustering failed"):
        _run_into(SAMPLES, tmp_path / "out", jobs=2)
    assert list(tmp_path.iterdir()) == []  # the private folder of the copies (personal data) is gone
    assert not multiprocessing.active_children()


def _cycles_left(_item, _shared) -> int:
    """Leave 20,000 lists in reference cycles (garbage only a collection frees); the tracked objects now."""
    import gc

    junk: list[list] = [[] for _ in range(20_000)]
    for a, b in zip(junk, junk[1:], strict=False):
        a.append(b)
        b.append(a)
    del junk, a, b
    return len(gc.get_objects())


def test_pool_workers_collect_garbage_though_the_run_reads_with_the_collector_off(tmp_path):
    import gc

    from svcsheet.executors import map_files

    gc.disable()  # as the run while the workers' results arrive: workers forked now must not inherit it
    try:
        counts = list(map_files(_cycles_left, list(range(6)), None, 2))
    finally:
        gc.enable()
    # a worker pauses its collector while an item's work runs (executors._timed) and collects between items:
    # one item's cycles are left when it returns, never those of every earlier item (3 items per worker)
    assert max(counts) < 35_000, counts
    _run_into(SAMPLES, tmp_path / "out", jobs=2)
    assert gc.isenabled()  # the run turned it back on
