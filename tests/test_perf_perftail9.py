"""Round 10, perftail9: the run's serial output writers (issue 12)."""

from __future__ import annotations

import gc
import weakref

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from svcsheet.gcpause import GcPause
from svcsheet.outputs.output_folder import _run_steps
from svcsheet.outputs.xlsx import Sheet, closing_in_background, new_workbook


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


def test_a_streamed_tables_row_heights_take_no_object_per_row(tmp_path) -> None:
    """Rows with wrapped text record their height (xlsxwriter's row_sizes) as one object per height."""
    wb, st = new_workbook(tmp_path / "a.xlsx", stream=True)
    ws = Sheet(wb.add_worksheet("表"), st)
    ws.write_rows(
        0, [["说明", "编号"]] + [["第一行\n第二行" if i % 2 else "一\n二\n三", f"FB{i}"] for i in range(300)]
    )
    sizes = dict(ws.ws.row_sizes)
    assert sorted(sizes) == list(range(1, 301))
    assert {tuple(v) for v in sizes.values()} == {(sizes[1][0], False), (sizes[2][0], False)}
    assert sizes[1][0] > sizes[2][0]  # three lines, then two
    del sizes[300]  # the last row goes through xlsxwriter's set_row, as a table's last row does
    assert len(set(map(id, sizes.values()))) == 2  # two heights (two lines, three lines): two objects
    ws.finish()
    wb.close()


class _Node:
    pass


def _cycle(made: list) -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    made.append(weakref.ref(a))


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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["FB1", "FB2", "客户"])),
            st.sampled_from(["a.xlsx", "b.xlsx"]),
            st.one_of(st.none(), st.integers(1, 9)),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["受理", "回访"])), max_size=20),
)
def test_detail_lines_show_each_lines_row_id_and_provenance(made, picks) -> None:
    """The 时效明细 columns of a part: each line's ticket id and provenance are its own row's (rows read once
    each, equal-looking rows kept apart, a row's lines wherever they are in the part)."""
    from types import SimpleNamespace

    from svcsheet.outputs.clean import DETAIL_HEADERS, _detail_columns
    from svcsheet.records import Provenance
    from svcsheet.sla.verdicts import StageResult

    rows = [
        SimpleNamespace(ticket_id=tid, shown_prov=Provenance(file=file, sheet="表", row=row))
        for tid, file, row in made
    ]
    lines = []
    for at, label in picks:
        if at < len(rows):
            verdict = StageResult(stage=label, label=label, outcome="达标")
            lines.append(("表单", rows[at], label, verdict))
    assume(lines)
    cols = _detail_columns(lines)
    assert len(cols) == len(DETAIL_HEADERS) and {len(c) for c in cols} == {len(lines)}
    shown = dict(zip(DETAIL_HEADERS[-3:], cols[-3:], strict=True))
    for i, (_form, row, label, _verdict) in enumerate(lines):
        assert cols[1][i] == row.ticket_id and cols[2][i] == label
        assert [shown[h][i] for h in DETAIL_HEADERS[-3:]] == [row.shown_prov.file, "表", row.shown_prov.row]
