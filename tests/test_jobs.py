"""--jobs: the per-file work (reading, checking, the SLA verdicts, the returns/ copies) runs in worker processes,
and the outputs do not depend on how many. What a worker hands back is the rows read here, in fewer bytes; the
verdicts it computes are the ones the run computed before, dropped for a row that a duplicate in another file
rejects; the returns/ copies the workers write survive a worker that dies, and a run that fails after they started
leaves no copy and no worker."""

from __future__ import annotations

import pickle
import shutil
from datetime import datetime
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcsheet import executors
from svcsheet.cli import cli
from svcsheet.compact import CompactCells
from svcsheet.forms import load_forms
from svcsheet.pipeline import RunOptions, map_files, read_file, run
from svcsheet.policy import load_policy
from svcsheet.reading.discover import InputFile, discover_inputs
from svcsheet.sla.bizcal import BusinessCalendar
from svcsheet.sla.verdicts import evaluate_row

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_one_and_two_jobs_write_the_same_bytes(tmp_path):
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}" / "out"
        done = CliRunner().invoke(
            cli, ["run", str(SAMPLES), "--out", str(out), "--as-of", "2026-11-23 09:00", "--jobs", str(jobs), "--history", "off"]
        )
        assert done.exit_code == 0, done.output
        outs[jobs] = _files(out)
    assert outs[1].keys() == outs[2].keys() and len(outs[1]) > 6
    for name in outs[1]:
        assert outs[1][name] == outs[2][name], f"{name} differs between --jobs 1 and --jobs 2"


def _slow_square(n: int, offset: int) -> int:
    import time

    time.sleep(0.05 * (5 - n))  # the first items finish last
    return n * n + offset


def test_results_come_back_in_input_order_whatever_finishes_first():
    assert list(map_files(_slow_square, [1, 2, 3, 4], 10, jobs=3)) == [11, 14, 19, 26]
    assert list(map_files(_slow_square, [], 0, jobs=2)) == []


def test_zero_jobs_is_refused_as_a_usage_error(tmp_path):
    done = CliRunner().invoke(cli, ["validate", str(SAMPLES), "--jobs", "0"])
    assert done.exit_code == 2


@pytest.fixture(scope="module")
def samples():
    items = discover_inputs([ROOT / "sample_workbooks"]).files
    return items, (load_policy(None), AS_OF)


def _rows(results):
    return [(fr.input.name, fr.error, fr.sheets, fr.findings, fr.rows) for fr in results]


def test_rows_from_worker_processes_equal_rows_read_here(samples):
    items, shared = samples
    here = list(map_files(read_file, items, shared, 1))
    pooled = list(map_files(read_file, items, shared, 2))
    assert sum(len(fr.rows) for fr in here) > 50
    assert _rows(pooled) == _rows(here)
    cells = [row.cells for fr in pooled for row in fr.rows]
    assert any(isinstance(c, CompactCells) for c in cells)
    for fr_here, fr_pooled in zip(here, pooled, strict=True):
        for a, b in zip(fr_here.rows, fr_pooled.rows, strict=True):
            assert dict(a.cells) == dict(b.cells) and a.values == b.values and a.findings == b.findings


def test_a_worker_sends_records_as_calls_in_fewer_bytes(samples, monkeypatch):
    items, shared = samples
    results = [read_file(item, shared) for item in items]
    plain = sum(len(ForkingPickler.dumps(fr)) for fr in results)
    monkeypatch.setattr(ForkingPickler, "_extra_reducers", dict(ForkingPickler._extra_reducers))
    executors._send_records_as_calls()
    blobs = [bytes(ForkingPickler.dumps(fr)) for fr in results]
    assert sum(map(len, blobs)) < 0.95 * plain
    back = [pickle.loads(b) for b in blobs]
    assert _rows(back) == _rows(results)
    assert all(type(r.prov) is type(results[0].rows[0].prov) for fr in back for r in fr.rows)


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
