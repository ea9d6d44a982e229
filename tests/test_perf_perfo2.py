"""The main process's serial stages made cheaper (issue 12, round 4): the same bytes and values as before."""

import gc
import threading
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.outputs.xlsx import Sheet, _numeric_column, new_workbook, write_table

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"

cell_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户①\x01_x0041_"), max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.just(Decimal("1.5")),
    st.tuples(st.sampled_from(["上门", "电话"])),
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(cell_values, min_size=w, max_size=w), max_size=12)))
def test_a_header_is_right_aligned_exactly_when_every_value_below_is_numeric(rows) -> None:
    """The types of a whole column taken at once (in C) decide as the value-by-value walk does."""
    for c in range(len(rows[0]) if rows else 1):
        assert _numeric_column(rows, c, whole=True) == _numeric_column(rows, c, whole=False)


def _summary_like(folder: Path, rows: list[list], fast: bool) -> dict[str, bytes]:
    """A workbook with shared strings (as summary.xlsx): fast cell writer or plain xlsxwriter."""
    folder.mkdir()
    path = folder / "summary.xlsx"
    wb, styles = new_workbook(path)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    ws = Sheet(wb.add_worksheet("表"), styles)
    width = max((len(r) for r in rows), default=1)
    after = write_table(ws, 0, [f"列{c}" for c in range(width)], rows, styles)
    ws.write_string(after + 1, 0, "标题", styles.title)
    ws.write_number(after + 2, 1, 0.25, styles.percent)
    ws.write_datetime(after + 3, 2, datetime(2026, 11, 2, 9, 30), styles.datetime)
    ws.ws.write_string(after + 4, 0, "无格式")  # no format: xlsxwriter's own writer
    ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell_values, max_size=6), max_size=10))
def test_a_shared_string_sheet_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("s")
    assert _summary_like(folder / "fast", rows, True) == _summary_like(folder / "plain", rows, False)


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


def _redacted(monkeypatch, memo: bool):
    from svcsheet.deid import redact
    from svcsheet.pipeline import RunOptions, run

    if not memo:
        monkeypatch.setattr(redact, "_TEXT_MEMO_LIMIT", -1)
    result = run(RunOptions(inputs=[SAMPLES], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1))
    return [
        (r.customer_key, dict(r.safe.items()), [(f.code, f.field, f.message, f.value) for f in r.safe_findings])
        for r in result.rows
    ]


def test_free_text_masked_once_per_text_and_names_is_masked_as_each_time(monkeypatch) -> None:
    with_memo = _redacted(monkeypatch, True)
    assert with_memo == _redacted(monkeypatch, False)
    assert any(f[0] == "pii_masked" for _k, _s, fs in with_memo for f in fs)


_ONE_RUN: dict = {}


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("张伟李娜王芳 13812345678@q.com先生，"), max_size=40),
    st.lists(st.sampled_from(["张伟", "李娜", "王芳", "伟李"]), max_size=3),
)
def test_a_text_is_masked_with_the_names_of_its_own_row(text, own) -> None:
    """One memo across rows (as in a run): a text met again with other names is masked with those names."""
    from svcsheet.deid.deidentifier import Deidentifier
    from svcsheet.deid.redact import NameIndex, _RowNames, _with_run_names

    if not _ONE_RUN:
        _ONE_RUN["deid"] = Deidentifier(b"k")
        _ONE_RUN["names"] = NameIndex(["王芳", "张伟李"])
    deid, names = _ONE_RUN["deid"], _ONE_RUN["names"]
    masked, kinds = _RowNames(own, deid, names).free_text(text)
    want, want_kinds = deid.free_text(text, _with_run_names(own, text, names))
    assert (masked, kinds) == (want or "", tuple(want_kinds))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_workbooks_closed_in_threads_are_the_same_bytes(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.forms import load_forms
    from svcsheet.outputs import output_folder as outputs

    forms = load_forms()
    outputs.write_outputs(sample_result, forms, tmp_path / "threads")
    monkeypatch.setattr(outputs, "CLOSED_IN_BACKGROUND", ())
    outputs.write_outputs(sample_result, forms, tmp_path / "inline")
    assert _files(tmp_path / "threads") == _files(tmp_path / "inline")


def test_no_workbook_is_still_closing_when_returns_may_fork(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.outputs import output_folder as outputs

    closing = []
    real = outputs.write_returns

    def returns(*args):
        closing.append([t.name for t in threading.enumerate() if t.name == "svcsheet-xlsx-close"])
        return real(*args)

    monkeypatch.setattr(outputs, "write_returns", returns)
    monkeypatch.setattr(sample_result.options, "jobs", 1)
    outputs.write_outputs(sample_result, __import__("svcsheet.forms").forms.load_forms(), tmp_path / "out")
    assert closing == [[]]
    assert "svcsheet-xlsx-close" not in [t.name for t in threading.enumerate()]


def test_a_workbook_that_fails_to_close_in_its_thread_is_the_error_raised(sample_result, tmp_path, monkeypatch):
    """clean.xlsx fails while being packaged in its thread, after rejects.xlsx also failed: clean.xlsx comes
    first, so its error is raised, and no half-written folder is left."""
    from svcsheet.forms import load_forms
    from svcsheet.outputs import output_folder as outputs
    from svcsheet.outputs import xlsx

    real = xlsx._Workbook._close_now

    def close_now(self):
        if self.filename.endswith("clean.xlsx"):
            raise OSError(28, "No space left on device")
        real(self)

    def rejects_fail(*_a):
        raise ValueError("rejects failed")

    monkeypatch.setattr(xlsx._Workbook, "_close_now", close_now)
    monkeypatch.setattr(outputs, "write_rejects", rejects_fail)
    monkeypatch.setattr(sample_result.options, "jobs", 1)
    with pytest.raises(OSError) as caught:
        outputs.write_outputs(sample_result, load_forms(), tmp_path / "out")
    assert caught.value.errno == 28
    assert list(tmp_path.iterdir()) == []
    assert "svcsheet-xlsx-close" not in [t.name for t in threading.enumerate()]


def test_a_streamed_workbook_leaves_no_width_memo_behind(sample_result, tmp_path) -> None:
    from svcsheet.forms import load_forms
    from svcsheet.outputs.clean import write_clean
    from svcsheet.outputs.xlsx import _line_width

    write_clean(sample_result, load_forms(), tmp_path / "clean.xlsx")
    assert _line_width.cache_info().currsize == 0
    with zipfile.ZipFile(tmp_path / "clean.xlsx") as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()


def test_paused_gc_collects_the_cycles_made_inside_once_at_its_end() -> None:
    from svcsheet.gcpause import paused_gc

    class Node:
        pass

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a
        import weakref

        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # a cycle: only a collection frees it
    assert gc.isenabled()
    assert gone() is None
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


@pytest.mark.parametrize("value", [time(10, 0), date(2026, 1, 1), 3, 2.5, datetime(2026, 1, 1, 9)])
def test_a_numeric_column_of_one_type_is_numeric(value) -> None:
    rows = [[value, "x"], [None, "y"], [value, ""]]
    assert _numeric_column(rows, 0, whole=True) and not _numeric_column(rows, 1, whole=True)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet=st.sampled_from('a"\\\n\t\x01/客①'), max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(alphabet=st.sampled_from('k"\n客'), max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["", "  "]))
def test_a_ticket_is_indented_as_the_json_module_indents_it(value, pad) -> None:
    import json

    from svcsheet.outputs.manifest import indented_json

    want = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n" + pad)
    assert indented_json(value, pad) == want


def test_what_is_not_plain_json_is_left_to_the_json_module() -> None:
    from svcsheet.json_text import NotPlain
    from svcsheet.outputs.manifest import indented_json

    for value in (1.5, (1, 2), {1: "a"}, {"a": [float("nan")]}):
        with pytest.raises(NotPlain):
            indented_json(value)
