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




def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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


def test_a_run_keeps_where_each_value_was_typed_but_not_the_value(sample_result) -> None:
    """The values as typed are dropped after validation (no later stage reads them); the addresses stay, for
    the trace's card cells and the findings added later (SLA, de-identification)."""
    import pickle

    from svcsheet.compact import CompactCells

    rows = sample_result.rows
    compact = [r for r in rows if isinstance(r.cells, CompactCells)]
    assert len(compact) > len(rows) / 2  # a card whose cells include a range keeps its cells as read
    for row in compact:
        cells = dict(row.cells.items())
        assert cells and all(c.ref and c.ref[0].isalpha() and c.raw is None for c in cells.values())
        assert row.values  # the parsed values stay
    again = pickle.loads(pickle.dumps(compact[0].cells))
    assert dict(again.items()) == dict(compact[0].cells.items())
    with pytest.raises(ValueError):
        list(compact[0].cells.raw_items())
    late = [f for r in rows for f in r.findings if f.code in ("overdue_reason_missing", "pii_masked", "id_number_removed")]
    assert late and all(f.cell for f in late)
