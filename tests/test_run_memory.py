"""What keeps a month of distinct customers under the memory target (issue 12), checked without timing anything.
Equal de-identified texts from the workers become one object, and so do equal values and verdicts (shared by
their fields or by equality, never swapping 1, True and 1.0); the run's process does not load scipy before its
clustering needs it. The rows handed to the writers hold only their de-identified view: the values as typed go
once a row is de-identified and its returns/ copy handed over (the addresses stay, for the trace and the later
findings); the history still stores every accepted ticket though the figures no longer keep their records, and the
clustering's marks stay. A streamed table's row heights take one object per height, not one per row."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet import outputs
from svcsheet.checking.parse import parse_row
from svcsheet.forms import load_forms
from svcsheet.outputs.xlsx import Sheet, new_workbook
from svcsheet.pipeline import RunOptions, run
from svcsheet.reading.reader import read_workbook
from svcsheet.records import FieldMap, SharedValues
from svcsheet.sla.verdicts import StageResult

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
PERSONAL = ("person", "phone", "signature")

_values = st.one_of(
    st.text(max_size=12),
    st.none(),
    st.integers(-3, 3),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.tuples(st.text(max_size=3)),
)


def _copy(value):
    # an equal object that is not the same one (as a worker's unpickled result brings)
    return "".join(list(value)) if type(value) is str and value else value


@given(st.lists(st.lists(_values, min_size=3, max_size=3), min_size=1, max_size=20))
def test_shared_texts_keep_every_value_and_make_equal_texts_one_object(rows):
    texts: dict[str, str] = {}
    maps = [FieldMap(("a", "b", "c"), [_copy(v) for v in row]) for row in rows]
    for fm in maps:
        fm.share_texts(texts)
    for fm, row in zip(maps, rows, strict=True):
        assert list(fm.values()) == row
        for got, want in zip(fm.values(), row, strict=True):
            assert type(got) is type(want)  # 1, True and 1.0 are never swapped
    seen: dict[str, object] = {}
    for fm in maps:
        for v in fm.values():
            if type(v) is str:
                assert seen.setdefault(v, v) is v  # every equal text is the one object


def test_the_run_process_loads_scipy_only_for_the_clustering():
    code = (
        "import sys; import svcsheet.cli, svcsheet.pipeline; "
        "from svcsheet.common_issues.cluster import ProblemText, cluster_problems; "
        "assert 'scipy' not in sys.modules, 'scipy loaded at import'; "
        "cluster_problems([ProblemText(f'u{i}', '屏幕闪烁', f'c{i}', 'f') for i in range(3)]); "
        "assert 'scipy.sparse' in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _captured_run(monkeypatch, out: Path, jobs: int, history: Path = Path("off")):
    """A sample run; the RunResult as write_outputs received it."""
    seen = {}
    real = outputs.write_outputs

    def keep(result, *args, **kwargs):
        seen["rows"] = result.rows
        return real(result, *args, **kwargs)

    monkeypatch.setattr(outputs, "write_outputs", keep)
    result = run(
        RunOptions(inputs=[SAMPLES], out=out, as_of=datetime(2026, 11, 23, 9, 0), history=history, jobs=jobs)
    )
    return result, seen["rows"]


def _typed_personal_values() -> set[str]:
    """Every customer name, phone and signature typed in the samples, as typed."""
    forms = load_forms()
    typed = set()
    for book in sorted(SAMPLES.glob("*.xls*")) + sorted(SAMPLES.glob("*.ods")):
        for raw in read_workbook(book).rows:
            form = forms[raw.form]
            row = parse_row(raw, form)
            for f in form.fields:
                v = row.value(f.key)
                if f.type in PERSONAL and isinstance(v, str) and len(v.strip("*")) >= 2 and "*" not in v:
                    typed.add(v)
    return typed


def _texts(obj, out: set[str], depth: int = 0) -> set[str]:
    """Every text reachable from a row's part (values, findings, cells)."""
    if isinstance(obj, str):
        out.add(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _texts(k, out, depth + 1)
            _texts(v, out, depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            _texts(v, out, depth + 1)
    elif hasattr(obj, "__slots__") and depth < 6:
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                _texts(getattr(obj, name, None), out, depth + 1)
    elif hasattr(obj, "items") and depth < 6:
        _texts(dict(obj.items()), out, depth + 1)
    return out


def test_the_rows_handed_to_the_writers_hold_no_personal_value_as_typed(tmp_path, monkeypatch) -> None:
    typed = _typed_personal_values()
    assert len(typed) >= 10, "the samples plant names and phones"
    result, rows = _captured_run(monkeypatch, tmp_path / "out", jobs=2)
    assert rows and result.files[0].rows
    held = set()
    for row in rows:
        _texts(row.values, held)
        _texts(row.findings, held)
        _texts(row.cells, held)
    assert not typed & held
    forms = load_forms()
    for row in rows:  # what later stages read is still there
        form = forms[row.form]
        if form.opened_field:
            assert form.opened_field in row.values
        assert row.findings is row.safe_findings
    # the agents' copies still carry what they typed (written by the pool's workers before the rows were slimmed)
    assert (tmp_path / "out" / "returns").is_dir() and any((tmp_path / "out" / "returns").rglob("*.xlsx"))


def test_one_process_keeps_the_raw_findings_for_returns_only(tmp_path, monkeypatch) -> None:
    """With --jobs 1 returns/ is written with the outputs: the findings as typed stay until then, the values not."""
    typed = _typed_personal_values()
    one, rows = _captured_run(monkeypatch, tmp_path / "one", jobs=1)
    held = set()
    for row in rows:
        _texts(row.values, held)
    assert not typed & held
    _two, _ = _captured_run(monkeypatch, tmp_path / "two", jobs=2)
    for name in ("clean.xlsx", "rejects.xlsx", "summary.xlsx", "report.html", "trace.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    mine = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one" / "returns").rglob("*"))
    theirs = sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two" / "returns").rglob("*"))
    assert mine == theirs and mine


def test_the_history_stores_every_accepted_ticket_without_the_figures_keeping_them(
    tmp_path, monkeypatch
) -> None:
    from svcsheet.audit.history import run_records

    result, rows = _captured_run(monkeypatch, tmp_path / "out", jobs=2, history=tmp_path / "h.sqlite")
    assert result.figures.records == []  # not held beside the writers
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        stored = conn.execute("SELECT form, ticket_id, record FROM tickets ORDER BY rowid").fetchall()
    want = [(r.form, r.ticket_id, r.to_json()) for r in run_records(rows) if r.ticket_id]
    assert stored == want and len(want) > 20


def test_the_clustering_kept_marks_the_same_rows(tmp_path, monkeypatch) -> None:
    result, rows = _captured_run(monkeypatch, tmp_path / "out", jobs=2)
    common = {c.id for c in result.clustering.common}
    assert common and {r.cluster for r in rows if r.cluster} == common
    assert set(result.clustering.cluster_of.values()) <= common


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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 3), st.booleans(), st.floats(0, 3), st.datetimes(), st.dates(), st.none())))
def test_shared_values_are_equal_and_of_the_same_type(values) -> None:
    from svcsheet.records import SharedValues

    shared = SharedValues(max_size=4)
    for v in values:
        got = shared.get(v)
        assert type(got) is type(v) and got == v


def test_equal_verdicts_of_different_files_are_one_object(tmp_path, monkeypatch) -> None:
    result, rows = _captured_run(monkeypatch, tmp_path / "out", jobs=2)
    seen: dict = {}
    for row in rows:
        for v in row.sla.values():
            assert seen.setdefault((type(v), v), v) is v
    assert len({f.input.name for f in result.files if any(r.sla for r in f.rows)}) > 1


_TIMES = st.one_of(st.none(), st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)))
_VERDICTS = st.builds(
    StageResult,
    stage=st.sampled_from(["accept", "respond"]),
    label=st.just("受理"),
    outcome=st.sampled_from(["达标", "超时"]),
    start=_TIMES,
    deadline=_TIMES,
    elapsed_minutes=st.one_of(st.none(), st.integers(0, 3)),
    working=st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_VERDICTS, st.none(), st.integers(0, 2)), max_size=30))
def test_verdicts_shared_by_fields_are_those_shared_by_equality(values) -> None:
    by_fields, by_value = SharedValues(max_size=5, by_fields=StageResult), SharedValues(max_size=5)
    for v in values:
        got = by_fields.get(v)
        assert got is by_value.get(v)
        assert type(got) is type(v) and got == v


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
