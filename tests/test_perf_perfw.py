"""Writing outputs fast (issue 12, round 3): the row-at-a-time sheet writer gives the bytes xlsxwriter gives."""

import math
import re
import zipfile
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.outputs.xlsx import CELL_LIMIT, Sheet, new_workbook, write_table

EVERY_KIND = [
    "普通文本",
    "a&b<c>\"d'",  # XML-special characters
    " 前后有空格 ",
    "第一行\n第二行",
    "=SUM(A1:A2)",  # must stay text, never a formula
    "+86 138",
    "@user",
    "<r>x</r>",  # looks like xlsxwriter's rich-string XML
    "_x0000_ \x01\x07 控制字符",
    "TS202611010001",
    "长" * 60,  # wraps
    "x" * (CELL_LIMIT + 10),  # Excel's limit: cut with a note
    "𠀀" * 20000,  # under the limit in characters, over it in UTF-16 units (xlsxwriter cuts it)
    "",
    None,
    0,
    -0.0,
    7,
    3.5,
    0.1,
    1e20,
    -123456789.123456789,
    2**60,
    True,
    False,
    datetime(2026, 11, 2, 9, 30),
    datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 2, 1, 30, tzinfo=timezone.utc),  # equal to the one above, written differently
    date(2026, 11, 3),
    time(10, 0),
    ("上门", "电话"),
    ["列表", 1],
    (),
    Decimal("1.50"),
    Decimal("1.5"),  # equal to the one above, written differently
]


def _write(folder, tables, fast: bool, stream: bool = True) -> dict[str, bytes]:
    """Write ``tables`` (one sheet each, a second table below the first on the last sheet) with the fast writer
    or with plain xlsxwriter cell by cell (row heights through its set_row), streamed or not (every row held
    until the end, as summary.xlsx is written); returns every part of the package."""
    folder.mkdir()
    path = folder / "clean.xlsx"
    wb, styles = new_workbook(path, stream=stream)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    for i, rows in enumerate(tables):
        ws = Sheet(wb.add_worksheet(f"表{i}"), styles)
        width = max((len(r) for r in rows), default=1)
        after = write_table(ws, 0, [f"列{c}" for c in range(width)], rows, styles)
        if i == len(tables) - 1:
            write_table(ws, after + 1, ["再一张表"], [["a"], [1], ["b\nc"]], styles, autofilter=False)
        ws.finish()
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


def _row_heights(package: dict[str, bytes]) -> dict[tuple[str, str], str]:
    """(sheet part, row number) -> the height in points of every row given one."""
    found = {}
    for name, data in package.items():
        if name.startswith("xl/worksheets/sheet"):
            for row in re.findall(rb"<row [^>]*>", data):
                height = re.search(rb'ht="([^"]+)"', row)
                if height:
                    found[(name, re.search(rb' r="(\d+)"', row)[1].decode())] = height[1].decode()
    return found


def test_every_cell_kind_gives_the_bytes_xlsxwriter_gives(tmp_path) -> None:
    rows = [EVERY_KIND, list(reversed(EVERY_KIND)), EVERY_KIND[:5], [], [None, None], EVERY_KIND] * 3
    # a short table (kept on one page) of tall rows: the wrapped rows' heights decide its page breaks
    tall = [["\n".join("一二三四五六七八"), i, "长" * 100] for i in range(25)]
    tables = [rows, tall, [[v] for v in EVERY_KIND], [["TS1", 1], ["TS2", 2]], [["只有一行"]]]
    fast = _write(tmp_path / "fast", tables, True)
    plain = _write(tmp_path / "plain", tables, False)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    # each streamed row has the height the rows held to the end get: wrapped text never overlaps the next row
    heights = _row_heights(fast)
    assert heights == _row_heights(_write(tmp_path / "held", tables, False, stream=False))
    assert heights[("xl/worksheets/sheet2.xml", "2")] == "114.75" and len(heights) > 25  # 8 lines
    sheet = fast["xl/worksheets/sheet1.xml"].decode()
    assert "<f>" not in sheet and "=SUM(A1:A2)" in sheet  # a text starting with = is text
    assert 'xml:space="preserve"> 前后有空格 </t>' in sheet
    assert "a&amp;b&lt;c&gt;" in sheet
    assert "（超长，已截断）" in sheet


values = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户投诉①\x01"), max_size=50),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.tuples(st.sampled_from(["上门", "电话", "a"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(values, max_size=8), max_size=12))
def test_any_table_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("t")
    fast = _write(folder / "fast", [rows], True)
    assert fast == _write(folder / "plain", [rows], False)
    assert _row_heights(fast) == _row_heights(_write(folder / "held", [rows], False, stream=False))


def test_nan_is_refused_as_xlsxwriter_refuses_it(tmp_path) -> None:
    import pytest

    for fast in (True, False):
        with pytest.raises(TypeError):
            _write(tmp_path / str(fast), [[["a", 1], [math.nan, 2], ["b", 3]]], fast)


def test_trace_written_in_pieces_is_the_one_json_document(tmp_path, monkeypatch) -> None:
    import json
    from pathlib import Path

    from svcsheet.outputs import manifest
    from svcsheet.pipeline import RunOptions, run

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    result = run(RunOptions(inputs=[samples], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off")))
    assert len(result.rows) > 5
    for batch, files in ((2, result.files), (1000, result.files), (2, [])):
        monkeypatch.setattr(manifest, "TRACE_BATCH", batch)
        result.files = files
        whole = {"as_of": "2026-11-23 09:00", "tickets": manifest.ticket_records(result)}
        manifest.write_trace(result, tmp_path / "trace.json")
        assert (tmp_path / "trace.json").read_bytes() == (
            json.dumps(whole, ensure_ascii=False, indent=1) + "\n"
        ).encode()


# -- clean.xlsx written by a forked process while this one writes the rest ---------------------------------------




def _write_outputs(result, out):
    from svcsheet.forms import load_forms
    from svcsheet.outputs import write_outputs

    write_outputs(result, load_forms(), out)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_an_error_in_the_forked_writer_is_the_error_raised(sample_result, tmp_path, monkeypatch) -> None:
    from svcsheet.outputs import output_folder as outputs

    def disk_full(result, path):
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    assert "summary" in outputs.FORKED
    monkeypatch.setattr(outputs, "write_summary", disk_full)
    with pytest.raises(OSError) as caught:
        _write_outputs(sample_result, tmp_path / "out")
    assert caught.value.errno == 28 and "No space left" in str(caught.value)
    assert _leftovers(tmp_path) == []  # no half-written folder, no output folder


def test_a_forked_writer_that_dies_is_an_error_not_a_hang(sample_result, tmp_path, monkeypatch) -> None:
    import os
    import signal

    from svcsheet.outputs import output_folder as outputs

    monkeypatch.setattr(outputs, "write_report_html", lambda *a: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(RuntimeError, match="子进程意外退出"):
        _write_outputs(sample_result, tmp_path / "out")
    assert _leftovers(tmp_path) == []


def test_the_first_writer_that_fails_in_order_gives_the_error(sample_result, tmp_path, monkeypatch) -> None:
    import time

    from svcsheet.outputs import output_folder as outputs

    def late(error, seconds=0.5):
        def fail(*_a):
            time.sleep(seconds)  # the forked writer fails after this process has failed
            raise error

        return fail

    # summary.xlsx comes before returns/: its error wins, whichever process finishes first
    monkeypatch.setattr(outputs, "write_summary", late(ValueError("summary failed")))
    monkeypatch.setattr(outputs, "write_returns", late(KeyError("returns failed"), 0))
    for jobs in (1, 2):
        monkeypatch.setattr(sample_result.options, "jobs", jobs)
        with pytest.raises(ValueError, match="summary failed"):
            _write_outputs(sample_result, tmp_path / "out")
        assert _leftovers(tmp_path) == []
    # clean.xlsx comes first: its error is raised at once, the forked writer stopped rather than awaited
    monkeypatch.setattr(outputs, "write_summary", late(ValueError("summary failed"), 60))
    monkeypatch.setattr(outputs, "write_clean", late(KeyError("clean failed"), 0))
    monkeypatch.setattr(sample_result.options, "jobs", 2)
    start = time.monotonic()
    with pytest.raises(KeyError, match="clean failed"):
        _write_outputs(sample_result, tmp_path / "out")
    assert time.monotonic() - start < 50  # a hang guard only: it did not wait for the 60-second writer
    assert _leftovers(tmp_path) == []


def test_written_by_one_or_two_processes_the_outputs_are_the_same_bytes(sample_result, tmp_path, monkeypatch):
    from svcsheet.outputs import output_folder as outputs

    forked = []
    real_start = outputs._Forked.start
    monkeypatch.setattr(outputs._Forked, "start", lambda *a: forked.append(1) or real_start(*a))
    files = {}
    for jobs in (1, 2):
        monkeypatch.setattr(sample_result.options, "jobs", jobs)
        _write_outputs(sample_result, tmp_path / str(jobs))
        folder = tmp_path / str(jobs)
        files[jobs] = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert forked == [1]  # one job: in this process
    assert files[1] == files[2] and len(files[1]) > 6
