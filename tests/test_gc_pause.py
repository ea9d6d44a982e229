"""The garbage collector paused and frozen while a run works (issue 12). The run freezes the rows it keeps so that
full collections skip them; its writers, and each file's work in the pool's workers, run with the collector paused
and collect once afterwards. A pause keeps the caller's setting and collects the cycles made inside once at its end;
consecutive paused writers are collected once, and a failing one leaves the collector on; a closed workbook holds no
reference cycle, so it is freed without a collection; a pool worker pauses its collector during each item and
collects between items though the run reads with the collector off; a process pool or a forked writer keeps what
the caller froze and unfreezes only what it froze (a pool that unfroze everything made every later collection walk
every row again); a run leaves the collector as it found it, with no garbage of the workbooks it read frozen."""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import weakref
from pathlib import Path

import pytest
from test_jobs import _run_into

from svcsheet import executors
from svcsheet.executors import map_files
from svcsheet.gcpause import GcPause
from svcsheet.outputs.output_folder import _run_steps
from svcsheet.outputs.xlsx import Sheet, closing_in_background, new_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
FORK = "fork" in multiprocessing.get_all_start_methods()


@pytest.fixture
def collector_off():
    """The collector off, as inside the writers: only reference counting frees anything."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@pytest.fixture
def no_frozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Node:
    pass


def _cycle(made: list) -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    made.append(weakref.ref(a))


def test_paused_gc_collects_the_cycles_made_inside_once_at_its_end() -> None:
    from svcsheet.gcpause import paused_gc

    class Node:
        pass

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a
        import weakref

        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # a cycle: only a collection frees it
    assert gc.isenabled()
    assert gone() is None
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_gc_pause_collects_once_and_keeps_the_callers_setting(collector_off) -> None:
    pause = GcPause()
    pause.resume()  # nothing paused: nothing changes
    assert not gc.isenabled()
    pause.pause()
    pause.pause()
    pause.resume()
    assert not gc.isenabled()  # it was off before: left off
    gc.enable()
    try:
        made: list = []
        pause.pause()
        assert not gc.isenabled()
        _cycle(made)
        assert made[0]() is not None
        pause.resume()
        assert gc.isenabled() and made[0]() is None
        pause.resume()
        assert gc.isenabled()
    finally:
        gc.disable()


def test_writers_run_under_one_pause_collected_once_after_them() -> None:
    """The collector stays off through consecutive paused writers (no collection between them) and collects once
    when a writer that is not paused comes, or at the end; it is left as the caller had it."""
    made: list = []
    seen: list = []

    def writer(name):
        def run():
            seen.append((name, gc.isenabled(), [ref() is None for ref in made]))
            _cycle(made)

        return run

    steps = [
        (0, "clean", writer("clean")),
        (1, "rejects", writer("rejects")),
        (2, "returns", writer("returns")),
    ]
    steps.append((3, "trace", writer("trace")))
    assert gc.isenabled()
    assert _run_steps(steps) is None
    assert seen == [
        ("clean", False, []),
        ("rejects", False, [False]),  # clean's cycle not collected in between
        ("returns", True, [True, True]),  # collected before a writer that is not paused
        ("trace", False, [True, True, False]),
    ]
    assert gc.isenabled()
    assert all(ref() is None for ref in made)  # and once at the end


def test_a_writer_that_fails_leaves_the_collector_on_and_its_cycles_collected() -> None:
    made: list = []

    def fails():
        _cycle(made)
        raise ValueError("写不出")

    failed = _run_steps([(0, "clean", lambda: _cycle(made)), (1, "rejects", fails), (2, "summary", fails)])
    assert failed is not None and failed[0] == 1 and isinstance(failed[1], ValueError)
    assert gc.isenabled()
    assert len(made) == 2 and all(ref() is None for ref in made)


def _workbook(path, stream: bool):
    wb, st = new_workbook(path, stream=stream)
    ws = Sheet(wb.add_worksheet("表"), st)
    ws.write_rows(0, [["编号", "说明"]] + [[f"FB{i:04d}", "很长的说明文字\n第二行"] for i in range(40)])
    ws.finish()
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": ["表", 1, 0, 5, 0]})
    ws.insert_chart(0, 3, chart)
    return wb


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("background", [True, False])
def test_a_closed_workbook_is_freed_without_a_garbage_collection(
    tmp_path, collector_off, stream, background
) -> None:
    """A closed workbook holds no reference cycle: it (and every cell it held) goes when dropped, not at the next
    collection, which would first walk it while it is still being closed in its thread."""
    wb = _workbook(tmp_path / "a.xlsx", stream)
    sheet = weakref.ref(wb.worksheets()[0])
    gone = weakref.ref(wb)
    if background:
        with closing_in_background() as later:
            wb.close()
        del wb
        later[0].join()
        del later
    else:
        wb.close()
        del wb
    assert gone() is None and sheet() is None
    assert (tmp_path / "a.xlsx").stat().st_size > 0


def _work(item: int, _shared: object) -> tuple[bool, int]:
    junk: list[list] = [[] for _ in range(1000)]
    for a, b in zip(junk, junk[1:], strict=False):  # reference cycles: garbage only a collection frees
        a.append(b)
        b.append(a)
    return gc.isenabled(), item


def test_work_runs_with_the_collector_paused_and_restored() -> None:
    """Each file's work runs with the collector paused; afterwards it is on again (or still off, if it was)."""
    assert list(executors.map_files(_work, [1, 2], None, 1)) == [(False, 1), (False, 2)]
    assert gc.isenabled()
    gc.disable()
    try:
        assert list(executors.map_files(_work, [3], None, 1)) == [(False, 3)]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pool_worker_pauses_its_collector_during_each_item() -> None:
    """In a pool worker too (the cycles each item leaves are collected after it: the test below)."""
    assert list(executors.map_files(_work, [1, 2, 3], None, 2)) == [(False, 1), (False, 2), (False, 3)]


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


def _double(item: int, _shared: object) -> int:
    return item * 2


@pytest.mark.skipif(not FORK, reason="the pool forks on this platform only")
def test_pool_keeps_what_the_caller_froze(no_frozen) -> None:
    kept = [object() for _ in range(1000)]
    gc.freeze()
    before = gc.get_freeze_count()
    assert before >= len(kept)
    assert list(map_files(_double, list(range(6)), None, 2)) == [0, 2, 4, 6, 8, 10]
    assert gc.get_freeze_count() >= before


@pytest.mark.skipif(not FORK, reason="the pool forks on this platform only")
def test_pool_unfreezes_what_it_froze_alone(no_frozen) -> None:
    assert list(map_files(_double, list(range(6)), None, 2)) == [0, 2, 4, 6, 8, 10]
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not FORK, reason="the writer forks on this platform only")
def test_forked_writer_keeps_what_the_caller_froze(no_frozen, tmp_path) -> None:
    from svcsheet.outputs.output_folder import _Forked, _run_steps

    gc.freeze()
    before = gc.get_freeze_count()
    child = _Forked.start(_run_steps, [(0, "x", lambda: (tmp_path / "x").write_text("y"))])
    assert child.join() is None
    assert (tmp_path / "x").read_text() == "y"
    assert gc.get_freeze_count() >= before
    gc.unfreeze()
    child = _Forked.start(_run_steps, [(0, "x", lambda: None)])
    assert child.join() is None
    assert gc.get_freeze_count() == 0


def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    """The run freezes what it keeps (full collections walked every row); the caller's process gets it back."""
    import gc

    from builders import good_response_log_row, list_workbook

    from svcsheet.pipeline import RunOptions, run

    book = list_workbook(tmp_path / "in.xlsx", "response_log", [good_response_log_row(1)])
    assert gc.get_freeze_count() == 0
    run(RunOptions(inputs=[book], out=tmp_path / "out", as_of=dt.datetime(2026, 11, 23, 9), history=Path("off"), jobs=1))
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_workbooks_read_in_this_process_leave_no_garbage_frozen(tmp_path):
    """xlrd leaves reference cycles behind each .xls it reads: they are collected before what the run keeps is
    frozen, or a run of many files would hold every workbook's leftovers until it ends."""
    import gc

    from builders import good_response_log_row
    from hostile import xls_workbook

    from svcsheet.forms import get_form
    from svcsheet.pipeline import RunOptions, run

    form = get_form("response_log")
    for n in range(6):
        cells = {(1, c): f.label for c, f in enumerate(form.fields, start=1)}
        for r in range(2, 12):
            row = good_response_log_row(n * 100 + r)
            cells.update({(r, c): row[f.key] for c, f in enumerate(form.fields, start=1) if f.key in row})
        xls_workbook(tmp_path / f"b{n}.xls", [("受理记录", 0, cells)])
    gc.collect()
    result = run(RunOptions(inputs=[tmp_path], out=None, as_of=dt.datetime(2026, 11, 23, 9), history=Path("off"), jobs=1))
    assert result.totals["rows_read"] == 60
    assert gc.collect() < 200
