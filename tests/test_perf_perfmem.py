"""Round 5, perfmem: what a run keeps while it writes its outputs.

The rows handed to the writers hold only their de-identified view (the raw values and findings went once the
row was de-identified and its returns/ copy handed over); clean.xlsx written a part at a time is the same
workbook; the history stores the same tickets though the run no longer keeps their records."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from svcsheet import outputs
from svcsheet.checking.parse import parse_row
from svcsheet.forms import load_forms
from svcsheet.outputs import columns
from svcsheet.outputs.xlsx import Sheet, _numeric_column, new_workbook, write_table
from svcsheet.pipeline import RunOptions, run
from svcsheet.reading.reader import read_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
PERSONAL = ("person", "phone", "signature")


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


# ---------------------------------------------------------------- clean.xlsx a part at a time

cell_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户①_x0041_"), max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
)


def _workbook(folder: Path, rows: list, parts: bool) -> dict[str, bytes]:
    folder.mkdir()
    path = folder / "clean.xlsx"
    wb, styles = new_workbook(path, stream=True)
    ws = Sheet(wb.add_worksheet("表"), styles)
    headers = [f"列{c}" for c in range(len(rows[0]) if rows else 3)]
    if parts:
        columns.write_table_in_parts(ws, headers, lambda: iter(rows), styles)
    else:
        write_table(ws, 0, headers, rows, styles)
    ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(cell_values, min_size=w, max_size=w), max_size=14)),
    st.integers(1, 5),
)
# a TRUE below a 1 in one column (equal in a set): the whole table wrote it as the number 1
@example(rows=[[1, None], [True, 2], [None, None]], part=1)
@example(rows=[[0], [False], [1.0], [1]], part=2)
def test_a_table_written_a_part_at_a_time_is_the_same_workbook(
    tmp_path_factory, monkeypatch, rows, part
) -> None:
    monkeypatch.setattr(columns, "PART", part)
    folder = tmp_path_factory.mktemp("t")
    assert _workbook(folder / "parts", rows, True) == _workbook(folder / "whole", rows, False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(cell_values, min_size=w, max_size=w), max_size=12)),
    st.integers(1, 4),
)
def test_the_header_alignment_gathered_part_by_part_is_the_whole_tables(monkeypatch, rows, part) -> None:
    state = [[False, False] for _ in range(len(rows[0]) if rows else 0)]
    for i in range(0, len(rows), part):
        columns._numeric_state(rows[i : i + part], state)
    assert [numeric and not bad for bad, numeric in state] == [
        _numeric_column(rows, c, whole=True) for c in range(len(state))
    ]


def test_clean_and_rejects_of_the_samples_written_in_small_parts_are_the_same_files(tmp_path, monkeypatch) -> None:
    a = tmp_path / "a"
    run(RunOptions(inputs=[SAMPLES], out=a, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    monkeypatch.setattr(columns, "PART", 7)
    b = tmp_path / "b"
    run(RunOptions(inputs=[SAMPLES], out=b, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    for name in ("clean.xlsx", "rejects.xlsx"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("value", [1, 2.5, datetime(2026, 1, 1, 8), date(2026, 1, 1), time(9, 30)])
def test_a_numeric_column_split_over_parts_with_empty_parts_stays_numeric(value) -> None:
    rows = [[None], [None], [value], [""], [None]]
    state = [[False, False]]
    for i in range(0, len(rows), 2):
        columns._numeric_state(rows[i : i + 2], state)
    assert state == [[False, True]]


# ---------------------------------------------------------------- equal values shared


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
