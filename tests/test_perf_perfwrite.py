"""Round 8, perfwrite: the writers on the run's serial path (issue 12). Tables given column by column, id cells
made together and trace.json's tickets written from the rows give the bytes the row-by-row writers gave."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.forms import load_forms
from svcsheet.outputs import columns, manifest
from svcsheet.outputs.columns import FieldColumns, verdict_columns, verdict_text
from svcsheet.outputs.xlsx import Sheet, _ColumnMemo, new_workbook, write_table
from svcsheet.pipeline import RunOptions, run
from svcsheet.records import FieldMap, Finding, Provenance
from svcsheet.sla.verdicts import StageResult

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
ARC = "xl/worksheets/sheet1.xml"

cell_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户①_x0041_"), max_size=12),
    st.text(alphabet=st.sampled_from("FB0123456789-"), min_size=1, max_size=40),  # ids, some too long to fit
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
)


def _workbook(folder: Path, rows: list, how: str) -> dict[str, bytes]:
    """The package of a one-table workbook written ``how``: whole, in parts as rows, in parts as columns."""
    folder.mkdir()
    path = folder / "t.xlsx"
    wb, styles = new_workbook(path, stream=True)
    ws = Sheet(wb.add_worksheet("表"), styles)
    width = len(rows[0]) if rows else 3
    headers = [f"列{c}" for c in range(width)]
    if how == "whole":
        write_table(ws, 0, headers, rows, styles)
    elif how == "rows":
        columns.write_table_in_parts(ws, headers, lambda: iter(rows), styles)
    else:

        def parts():
            for i in range(0, len(rows), columns.PART):
                part = rows[i : i + columns.PART]
                yield [[r[c] for r in part] for c in range(width)]

        columns.write_columns_in_parts(ws, headers, parts, styles)
    ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(cell_values, min_size=w, max_size=w), max_size=30)),
    st.integers(1, 9),
)
def test_a_table_given_column_by_column_is_the_workbook_given_row_by_row(
    tmp_path_factory, monkeypatch, rows, part
) -> None:
    monkeypatch.setattr(columns, "PART", part)
    folder = tmp_path_factory.mktemp("t")
    by_columns = _workbook(folder / "columns", rows, "columns")
    assert by_columns == _workbook(folder / "rows", rows, "rows")
    assert by_columns == _workbook(folder / "whole", rows, "whole")


def test_a_wrapped_row_before_an_empty_last_row_is_written_once(tmp_path) -> None:
    # a streamed table whose last row holds nothing wrote the wrapped row before it a second time, empty
    # (two <row r="2">: Excel repairs such a file); found by test_perf_perfmem's hypothesis test
    for rows in ([["一\n二"], [None]], [["一\n二", 1], ["", None]]):
        sheet = _workbook(tmp_path / str(len(rows[0])), rows, "whole")[ARC].decode()
        assert sheet.count('<row r="2"') == 1, sheet
        assert 'ht="30.75"' in sheet  # its height is still set


clean_ids = st.text(alphabet=st.sampled_from("FB0123456789-"), min_size=1, max_size=34)
# one value that must not take the ASCII short cut, or nothing odd
odd = st.sampled_from(
    [" lead", "trail ", "a b", "a&b", "x<y", "y>x", "_x0041_", "客户", "a\x7f", "a\tb", "F" * 35, "", 7, None]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.sets(clean_ids, min_size=17, max_size=60),
        st.tuples(st.sets(clean_ids, min_size=17, max_size=40), odd).map(lambda t: t[0] | {t[1]}),
        st.sets(st.one_of(clean_ids, st.text(max_size=6), st.integers(), st.none()), max_size=30),
    )
)
def test_a_columns_new_values_made_together_are_the_cells_made_one_by_one(tmp_path_factory, values) -> None:
    """Ids, customer keys and the like (plain ASCII, short) get their cells made together; with any value
    that needs more (a space at an end, an escape, a wide or long text) the values are made one by one."""
    folder = tmp_path_factory.mktemp("c")
    made = []
    for name, together in (("a", True), ("b", False)):
        wb, styles = new_workbook(folder / f"{name}.xlsx", stream=True)
        sheet = Sheet(wb.add_worksheet("表"), styles)
        styles.text._get_xf_index()  # as _index_formats numbers the formats before the cells are made
        styles.wrap._get_xf_index()
        memo = _ColumnMemo("B")
        if together:
            sheet._cells(1, memo, set(values))
        else:
            for v in values:
                memo.xml[v] = sheet._cell(1, memo, v)
        made.append((memo.xml, memo.lines, memo.none, dict(sheet.widths)))
        wb.close()
    assert made[0] == made[1]


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


texts = st.text(alphabet=st.sampled_from('a"\\\n\t\x01/客①'), max_size=8)
maybe = st.one_of(st.none(), texts)


@st.composite
def ticket_rows(draw):
    layout = draw(st.sampled_from(["list", "card"]))
    findings = [
        Finding(
            code=draw(texts),
            severity=draw(st.sampled_from(["error", "warning", "info"])),
            file="f",
            sheet="s",
            row=None,
            cell=draw(st.one_of(st.none(), st.sampled_from(["B5", "C7", "A1:B2"]))),
            field=draw(maybe),
            label=None,
            message=draw(texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    stages = draw(st.lists(st.sampled_from(["accept", "respond", "close"]), unique=True, max_size=3))
    verdicts = [
        StageResult(stage=s, label=s, outcome=draw(st.sampled_from(["达标", "超时"]))) for s in stages
    ]
    sla = draw(st.sampled_from([FieldMap(stages, verdicts), dict(zip(stages, verdicts, strict=True))]))
    # a row number: mostly an int; a float or a bool is no plain value (the json module writes the ticket)
    number = draw(st.one_of(st.none(), st.integers(1, 10**6), st.just(2.0), st.booleans()))
    prov = Provenance(file=draw(texts), sheet=draw(texts), row=number)
    return SimpleNamespace(
        form=draw(st.sampled_from(["service_card", "issue_feedback", "nonesuch"])),
        ticket_id=draw(maybe),
        shown_prov=prov,
        layout=layout,
        cells={},
        safe_findings=findings,
        rejected=any(f.severity == "error" for f in findings),
        sla=sla,
        cluster=draw(st.one_of(maybe, st.integers(0, 9))),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ticket_rows(), max_size=6), st.integers(1, 4))
def test_trace_written_from_the_rows_is_the_json_modules_document(tmp_path, monkeypatch, rows, batch) -> None:
    monkeypatch.setattr(manifest, "TRACE_BATCH", batch)
    files = [SimpleNamespace(name="f", sha256="ab" * 32)]
    result = SimpleNamespace(rows=rows, files=files, as_of=datetime(2026, 11, 23, 9, 0))
    manifest.write_trace(result, tmp_path / "trace.json")
    whole = {"as_of": "2026-11-23 09:00", "tickets": manifest.ticket_records(result)}
    assert (tmp_path / "trace.json").read_bytes() == (
        json.dumps(whole, ensure_ascii=False, indent=1) + "\n"
    ).encode()
