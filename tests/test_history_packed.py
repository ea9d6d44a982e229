"""The history a run writes is what its rows say, though the run makes it early and keeps it deflated."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.audit.history import HistoryStore, save_problems
from svcsheet.compact import PackedTuples
from svcsheet.pipeline import RunOptions, _problem_text, run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)

values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False))


@given(st.lists(st.tuples(values, values), max_size=40), st.integers(min_value=1, max_value=7))
@settings(max_examples=60)
def test_packed_tuples_give_back_every_tuple_in_order(items, chunk):
    packed = PackedTuples(items, chunk=chunk)
    assert len(packed) == len(items)
    assert list(packed) == items
    assert list(packed) == items  # read twice: reading consumes nothing


def _table(db: Path, name: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT * FROM {name} ORDER BY form, ticket_id").fetchall()


def _from_rows(result, db: Path) -> None:
    """The history made again from the run's rows, as a run made it before it kept it early."""
    from svcsheet.forms import load_forms

    forms = load_forms()
    accepted = [r for f in result.files for r in f.rows if not r.rejected]
    HistoryStore(db).upsert_rows(result.manifest["run_id"], accepted)
    texts = ((r.ticket_id, _problem_text(r, forms[r.form])) for r in accepted)
    save_problems(db, ((tid, p.opened, p) for tid, p in texts if p is not None))


def test_the_history_holds_each_accepted_ticket_and_problem_text_as_its_row_gives_them(tmp_path):
    db = tmp_path / "history.sqlite"
    result = run(RunOptions(inputs=[SAMPLES], out=tmp_path / "out", as_of=AS_OF, history=db))
    assert result.figures.history_write
    again = tmp_path / "again.sqlite"
    _from_rows(result, again)
    tickets, problems = _table(db, "tickets"), _table(db, "problems")
    accepted = sum(1 for f in result.files for r in f.rows if not r.rejected and r.ticket_id)
    assert len(tickets) == accepted > 0
    assert len(problems) > 0
    assert tickets == _table(again, "tickets")
    assert problems == _table(again, "problems")
