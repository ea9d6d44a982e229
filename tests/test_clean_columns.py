"""clean.xlsx's columns made a column at a time from the rows (issue 12): the field columns (notes included), the
verdict columns and the 时效明细 detail lines hold each row's own values, verdict texts, ticket id and provenance;
the sample run's clean.xlsx and rejects.xlsx, written in parts of 7 rows, hold in each sheet row what its row
gave, as the writers built the rows one by one before."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from svcsheet.forms import load_forms
from svcsheet.outputs import columns
from svcsheet.outputs.columns import FieldColumns, verdict_columns, verdict_text
from svcsheet.pipeline import RunOptions, run
from svcsheet.records import FieldMap
from svcsheet.sla.verdicts import StageResult

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def test_field_columns_are_the_field_values(sample_result) -> None:
    from svcsheet.forms import load_forms
    from svcsheet.outputs.columns import FieldColumns, field_values, note_fields

    forms = load_forms()
    seen_notes = 0
    for form in forms.values():
        rows = [r for r in sample_result.rows if r.form == form.key]
        notes = note_fields(form, rows)
        naive = [f.key for f in form.fields if any(r.safe.get(f"{f.key}__note") for r in rows)]
        assert notes == naive
        seen_notes += len(notes)
        columns = FieldColumns(form, notes)
        for row in rows:
            assert columns.values(row) == field_values(form, row, notes)
    assert seen_notes  # the samples have notes (4(上门及时)): the note columns were compared too


def _safe_rows(draw_keys: list[list[str]], values: list[list]) -> list[SimpleNamespace]:
    return [SimpleNamespace(safe=FieldMap(keys, vals)) for keys, vals in zip(draw_keys, values, strict=True)]


field_value = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.integers(0, 5),
    st.tuples(st.text(max_size=3), st.text(max_size=3)),  # a multi choice
    st.lists(
        st.tuples(st.one_of(st.none(), st.datetimes(min_value=datetime(2026, 1, 1))), st.text(max_size=3)),
        min_size=1,
        max_size=2,
    ).map(tuple),  # a timeline
)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_the_field_columns_of_rows_are_each_rows_field_values(data) -> None:
    form = load_forms()["service_feedback"]
    keys = [f.key for f in form.fields]
    notes = data.draw(st.lists(st.sampled_from(keys[:4]), max_size=2, unique=True))
    # rows of several key indexes: a field missing, a note present
    layouts = [
        keys,
        keys[1:],
        keys + [f"{k}__note" for k in notes],
        list(reversed(keys)),
    ]
    n = data.draw(st.integers(1, 12))
    chosen = [data.draw(st.sampled_from(layouts[: data.draw(st.integers(1, 4))])) for _ in range(n)]
    values = [[data.draw(field_value) for _ in k] for k in chosen]
    rows = _safe_rows(chosen, values)
    table = FieldColumns(form, notes)
    want = [table.values(r) for r in rows]
    assert [list(col) for col in zip(*table.columns(rows), strict=True)] == want


def test_verdict_columns_are_each_rows_verdict_texts() -> None:
    met = StageResult(stage="a", label="受理", outcome="达标")
    late = StageResult(stage="b", label="响应", outcome="超时", overrun_minutes=25)
    rows = [
        SimpleNamespace(sla=FieldMap(["a", "b"], [met, late])),
        SimpleNamespace(sla=FieldMap(["a", "b"], [None, met])),
        SimpleNamespace(sla=FieldMap(["a", "b"], [late, late])),
    ]
    mixed = rows + [SimpleNamespace(sla=FieldMap(["b"], [met])), SimpleNamespace(sla={})]
    for some in (rows, mixed):
        want = [
            [None if (r := row.sla.get(k)) is None else verdict_text(r, {}) for row in some] for k in "ab"
        ]
        assert verdict_columns(some, ["a", "b"], {}) == want
    assert verdict_columns(rows, ["a", "b"], {})[1] == ["超时 +25分钟", "达标", "超时 +25分钟"]


def test_each_row_of_clean_and_rejects_holds_what_the_row_gave_in_any_parts(tmp_path, monkeypatch) -> None:
    """The sample run's clean.xlsx and rejects.xlsx, written in parts of 7 rows: each sheet row is its row's
    provenance, customer key, de-identified values, verdicts, common issue and hints (the rows built per row,
    as the writers built them before)."""
    seen = {}
    from svcsheet import outputs

    real = outputs.write_outputs

    def keep(result, *args, **kwargs):
        seen["result"] = result
        return real(result, *args, **kwargs)

    monkeypatch.setattr(outputs, "write_outputs", keep)
    monkeypatch.setattr(columns, "PART", 7)
    out = tmp_path / "out"
    run(
        RunOptions(inputs=[SAMPLES], out=out, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1)
    )
    result, forms = seen["result"], load_forms()
    clean = openpyxl.load_workbook(out / "clean.xlsx")
    checked = 0
    for form in forms.values():
        rows = [r for r in result.rows if r.form == form.key and not r.rejected]
        if not rows:
            continue
        notes = columns.note_fields(form, rows)
        table = FieldColumns(form, notes)
        sheet = list(clean[form.name[:31]].iter_rows(min_row=2, values_only=True))
        assert len(sheet) == len(rows)
        for row, got in zip(rows, sheet, strict=True):
            stages = [None if (r := row.sla.get(s.key)) is None else r.cell_text() for s in form.stages]
            hints = "；".join(f"{f.cell or ''} {f.message}".strip() for f in row.safe_findings) or None
            want = (
                columns.provenance(row)
                + [row.customer_key]
                + table.values(row)
                + stages
                + [row.cluster, hints]
            )
            assert [_shown(v) for v in got] == [_shown(v) for v in want]
            checked += 1
    assert checked > 7  # parts of 7: more than one part
    rejects = openpyxl.load_workbook(out / "rejects.xlsx")
    lines = list(rejects["全部问题"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == len(result.findings) > 7
    assert {line[1] for line in lines} == {f.code for f in result.findings}


def _shown(value):
    """A value as a cell gives it back: text, a number, a time (an empty text is no cell)."""
    if value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return value
    if isinstance(value, tuple):
        return columns.display(value)
    return value


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
