"""Round 5 (perfw3): the per-file work in the pool workers made cheaper without changing what it yields."""

from __future__ import annotations

import gc
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet import executors
from svcsheet.outputs import xlsx_patch
from svcsheet.reading.grid import load_grid

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"

# pieces of sheet XML, well-formed or not: rows with and without a closing tag, prefixes, look-alikes
_PIECES = st.sampled_from(
    [
        '<row r="1">', '<row r="2" spans="1:3">', "<row>", '<row r="3"/>', "<row/>", '<x:row r="4">',
        "</row>", "</x:row>", "</rows>", "<rows>", '<c r="A1"><v>1</v></c>', "<c/>", "text", ">", "<", "/",
        "row>", "</", '<row r="5" a="x/y">', "<rowx>", " ", "\n",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=25))
def test_rows_are_the_matches_of_the_row_pattern(pieces: list[str]) -> None:
    """returns/ finds a flagged sheet's rows in two steps: the same rows, bodies and spans as the one pattern."""
    data = "".join(pieces)
    want = [(m.start(), m.end(), m.group(0), m.group(1), m.group(3)) for m in xlsx_patch._ROW.finditer(data)]
    got = [(m.start(), m.end(), m.group(0), m.group(1), m.group(3)) for m in xlsx_patch._rows(data)]
    assert got == want
    for m, rm in zip(xlsx_patch._ROW.finditer(data), xlsx_patch._rows(data), strict=True):
        assert rm.open_tag == m.group(0)[: m.group(0).index(">") + 1]


def test_row_index_of_a_fast_read_is_the_sorted_one() -> None:
    """A sheet read by calamine gets its row index while it is filled: the rows and columns are those sorting
    every cell's position gives (what recognition walks)."""
    checked = 0
    for path in sorted(SAMPLES.rglob("*.xlsx")):
        for grid in load_grid(path, "xlsx").sheets:
            given_index = grid._rows
            grid._rows = None
            rows = grid.occupied_rows()
            assert {r: grid.row_cols(r) for r in rows} == (given_index if given_index is not None else grid._rows)
            checked += given_index is not None
    assert checked > 5


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
    """In a pool worker too (the cycles each item leaves are collected after it: test_perf_perfw2)."""
    assert list(executors.map_files(_work, [1, 2, 3], None, 2)) == [(False, 1), (False, 2), (False, 3)]
