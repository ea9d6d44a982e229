"""Tables written a part at a time (issue 12): clean.xlsx and rejects.xlsx never hold every row's cells at once.
A table written in parts of rows, or given column by column with each column's new cells made together, is the
workbook written whole, byte for byte; the header alignment gathered part by part is the whole table's (a numeric
column stays numeric across empty parts); a wrapped row before an empty last row is written once; the sample run's
clean.xlsx and rejects.xlsx written in small parts are the same files."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from svcsheet.outputs import columns
from svcsheet.outputs.xlsx import Sheet, _ColumnMemo, _numeric_column, new_workbook, write_table
from svcsheet.pipeline import RunOptions, run

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
ARC = "xl/worksheets/sheet1.xml"


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


cell_or_id_values = st.one_of(
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


def _workbook(folder: Path, rows: list, how: str | bool) -> dict[str, bytes]:
    """The package of a one-table workbook written ``how``: "whole" (or False), in parts as "rows" (or True), in
    parts as "columns"."""
    if isinstance(how, bool):
        how = "rows" if how else "whole"
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


@pytest.mark.parametrize("value", [1, 2.5, datetime(2026, 1, 1, 8), date(2026, 1, 1), time(9, 30)])
def test_a_numeric_column_split_over_parts_with_empty_parts_stays_numeric(value) -> None:
    rows = [[None], [None], [value], [""], [None]]
    state = [[False, False]]
    for i in range(0, len(rows), 2):
        columns._numeric_state(rows[i : i + 2], state)
    assert state == [[False, True]]


def test_clean_and_rejects_of_the_samples_written_in_small_parts_are_the_same_files(tmp_path, monkeypatch) -> None:
    a = tmp_path / "a"
    run(RunOptions(inputs=[SAMPLES], out=a, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    monkeypatch.setattr(columns, "PART", 7)
    b = tmp_path / "b"
    run(RunOptions(inputs=[SAMPLES], out=b, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    for name in ("clean.xlsx", "rejects.xlsx"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(cell_or_id_values, min_size=w, max_size=w), max_size=30)),
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
    # (two <row r="2">: Excel repairs such a file); found by test_a_table_written_a_part_at_a_time_is_the_same_workbook
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
