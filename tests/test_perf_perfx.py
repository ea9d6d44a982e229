"""perfx: what a process pool or a forked writer leaves frozen in the garbage collector.

A run freezes the rows it keeps so that full collections skip them; a pool that unfroze everything when it
closed made every later collection (in the writers after returns/) walk every row again.
"""

from __future__ import annotations

import gc
import multiprocessing

import pytest

from svcsheet.executors import map_files

FORK = "fork" in multiprocessing.get_all_start_methods()


def _double(item: int, _shared: object) -> int:
    return item * 2


@pytest.fixture
def no_frozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


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
    from svcsheet.outputs import _Forked, _run_steps

    gc.freeze()
    before = gc.get_freeze_count()
    child = _Forked.start(_run_steps, [(0, lambda: (tmp_path / "x").write_text("y"))])
    assert child.join() is None
    assert (tmp_path / "x").read_text() == "y"
    assert gc.get_freeze_count() >= before
    gc.unfreeze()
    child = _Forked.start(_run_steps, [(0, lambda: None)])
    assert child.join() is None
    assert gc.get_freeze_count() == 0
