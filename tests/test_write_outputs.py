"""write_outputs: the writers share two processes and close their workbooks in threads, and the outputs are the
same bytes as one process writing everything inline (summary.xlsx and report.html in a forked writer while this
process writes the rest). The first writer that fails, in the writers' order, gives the error; a forked writer that
dies is an error, not a hang; no half-written folder is left; no workbook is still closing when returns/ may fork;
above the row limits neither a forked writer nor a returns/ pool is used. Library use too: ``run`` without an
output folder, then ``write_outputs``, writes the returns/ copies quoting what the agent typed."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from builders import good_response_log_row, list_workbook
from openpyxl import load_workbook
from test_gc_pause import FORK

from svcsheet.forms import load_forms
from svcsheet.outputs import write_outputs
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)
TYPED = "zhao.xx@example.com"  # a phone field holding an e-mail address: a warning quoting what was typed


def _write_outputs(result, out):
    from svcsheet.forms import load_forms
    from svcsheet.outputs import write_outputs

    write_outputs(result, load_forms(), out)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_error_in_the_forked_writer_is_the_error_raised(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.outputs import output_folder as outputs

    def disk_full(result, path):
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    assert "summary" in outputs.FORKED
    monkeypatch.setattr(outputs, "write_summary", disk_full)
    with pytest.raises(OSError) as caught:
        _write_outputs(sample_result, tmp_path / "out")
    assert caught.value.errno == 28 and "No space left" in str(caught.value)
    assert _leftovers(tmp_path) == []  # no half-written folder, no output folder


def test_a_forked_writer_that_dies_is_an_error_not_a_hang(sample_result, tmp_path, monkeypatch) -> None:
    import os
    import signal

    from svcsheet.outputs import output_folder as outputs

    monkeypatch.setattr(outputs, "write_report_html", lambda *a: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(RuntimeError, match="子进程意外退出"):
        _write_outputs(sample_result, tmp_path / "out")
    assert _leftovers(tmp_path) == []


def test_the_first_writer_that_fails_in_order_gives_the_error(sample_result, tmp_path, monkeypatch) -> None:
    import time

    from svcsheet.outputs import output_folder as outputs

    def late(error, seconds=0.5):
        def fail(*_a):
            time.sleep(seconds)  # the forked writer fails after this process has failed
            raise error

        return fail

    # summary.xlsx comes before returns/: its error wins, whichever process finishes first
    monkeypatch.setattr(outputs, "write_summary", late(ValueError("summary failed")))
    monkeypatch.setattr(outputs, "write_returns", late(KeyError("returns failed"), 0))
    for jobs in (1, 2):
        monkeypatch.setattr(sample_result.options, "jobs", jobs)
        with pytest.raises(ValueError, match="summary failed"):
            _write_outputs(sample_result, tmp_path / "out")
        assert _leftovers(tmp_path) == []
    # clean.xlsx comes first: its error is raised at once, the forked writer stopped rather than awaited
    monkeypatch.setattr(outputs, "write_summary", late(ValueError("summary failed"), 60))
    monkeypatch.setattr(outputs, "write_clean", late(KeyError("clean failed"), 0))
    monkeypatch.setattr(sample_result.options, "jobs", 2)
    start = time.monotonic()
    with pytest.raises(KeyError, match="clean failed"):
        _write_outputs(sample_result, tmp_path / "out")
    assert time.monotonic() - start < 50  # a hang guard only: it did not wait for the 60-second writer
    assert _leftovers(tmp_path) == []


def test_written_by_one_or_two_processes_the_outputs_are_the_same_bytes(sample_result, tmp_path, monkeypatch):
    from svcsheet.outputs import output_folder as outputs

    forked = []
    real_start = outputs._Forked.start
    monkeypatch.setattr(outputs._Forked, "start", lambda *a: forked.append(1) or real_start(*a))
    files = {}
    for jobs in (1, 2):
        monkeypatch.setattr(sample_result.options, "jobs", jobs)
        _write_outputs(sample_result, tmp_path / str(jobs))
        folder = tmp_path / str(jobs)
        files[jobs] = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert forked == [1]  # one job: in this process
    assert files[1] == files[2] and len(files[1]) > 6


def test_workbooks_closed_in_threads_are_the_same_bytes(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.forms import load_forms
    from svcsheet.outputs import output_folder as outputs

    forms = load_forms()
    outputs.write_outputs(sample_result, forms, tmp_path / "threads")
    monkeypatch.setattr(outputs, "CLOSED_IN_BACKGROUND", ())
    outputs.write_outputs(sample_result, forms, tmp_path / "inline")
    assert _files(tmp_path / "threads") == _files(tmp_path / "inline")


def test_no_workbook_is_still_closing_when_returns_may_fork(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.outputs import output_folder as outputs

    closing = []
    real = outputs.write_returns

    def returns(*args):
        closing.append([t.name for t in threading.enumerate() if t.name == "svcsheet-xlsx-close"])
        return real(*args)

    monkeypatch.setattr(outputs, "write_returns", returns)
    monkeypatch.setattr(sample_result.options, "jobs", 1)
    outputs.write_outputs(sample_result, __import__("svcsheet.forms").forms.load_forms(), tmp_path / "out")
    assert closing == [[]]
    assert "svcsheet-xlsx-close" not in [t.name for t in threading.enumerate()]


def test_a_workbook_that_fails_to_close_in_its_thread_is_the_error_raised(sample_result, tmp_path, monkeypatch):
    """clean.xlsx fails while being packaged in its thread, after rejects.xlsx also failed: clean.xlsx comes
    first, so its error is raised, and no half-written folder is left."""
    from svcsheet.forms import load_forms
    from svcsheet.outputs import output_folder as outputs
    from svcsheet.outputs import xlsx

    real = xlsx._Workbook._close_now

    def close_now(self):
        if self.filename.endswith("clean.xlsx"):
            raise OSError(28, "No space left on device")
        real(self)

    def rejects_fail(*_a):
        raise ValueError("rejects failed")

    monkeypatch.setattr(xlsx._Workbook, "_close_now", close_now)
    monkeypatch.setattr(outputs, "write_rejects", rejects_fail)
    monkeypatch.setattr(sample_result.options, "jobs", 1)
    with pytest.raises(OSError) as caught:
        outputs.write_outputs(sample_result, load_forms(), tmp_path / "out")
    assert caught.value.errno == 28
    assert list(tmp_path.iterdir()) == []
    assert "svcsheet-xlsx-close" not in [t.name for t in threading.enumerate()]


@pytest.mark.skipif(not FORK, reason="the writers fork on this platform only")
def test_a_large_run_writes_in_one_process_the_same_bytes(sample_result, tmp_path, monkeypatch) -> None:
    """Above the row limits neither a forked writer nor a returns/ pool is used (each would hold the rows
    twice for a while); the outputs are the same bytes."""
    from svcsheet import executors
    from svcsheet.forms import load_forms
    from svcsheet.outputs import output_folder as outputs

    forms = load_forms()
    outputs.write_outputs(sample_result, forms, tmp_path / "small")
    small = _files(tmp_path / "small")
    assert any(name.startswith("returns/") for name in small)

    def no_process(*_a, **_k):
        raise AssertionError("a process was started for a large run")

    monkeypatch.setattr(executors, "SMALL_RUN_ROWS", len(sample_result.rows))
    monkeypatch.setattr(outputs._Forked, "start", no_process)
    monkeypatch.setattr(executors, "_pool_map", no_process)
    outputs.write_outputs(sample_result, forms, tmp_path / "large")
    assert _files(tmp_path / "large") == small


def _returns(folder: Path) -> dict[str, list]:
    """Each returns/ copy: every sheet's values and every cell comment."""
    out = {}
    for path in sorted(folder.rglob("*.xlsx")):
        wb = load_workbook(path)
        out[path.name] = [
            (ws.title, [(c.coordinate, c.value, c.comment.text if c.comment else None) for r in ws.iter_rows() for c in r])
            for ws in wb.worksheets
        ]
    return out


def test_returns_written_by_write_outputs_after_a_validate_only_run_quote_what_the_agent_typed(tmp_path) -> None:
    """Library use: ``run`` without an output folder, then ``write_outputs``. The agent's copy lists each
    finding with the value as typed, as a run that writes its outputs does."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(inputs / "team.xlsx", "response_log", [good_response_log_row(1, phone=TYPED)])
    direct = tmp_path / "direct"
    run(RunOptions(inputs=[inputs], out=direct, as_of=AS_OF, history=Path("off"), jobs=1))
    assert TYPED in str(_returns(direct / "returns")["team.退回.xlsx"][0])  # the findings list quotes it

    result = run(RunOptions(inputs=[inputs], out=None, as_of=AS_OF, history=Path("off"), jobs=1))
    later = tmp_path / "later"
    write_outputs(result, load_forms(), later)
    assert _returns(later / "returns") == _returns(direct / "returns")
    for name in ("clean.xlsx", "rejects.xlsx", "summary.xlsx", "report.html", "trace.json"):
        assert TYPED not in (later / name).read_bytes().decode("latin-1"), name
