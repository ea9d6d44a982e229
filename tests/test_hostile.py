"""A hostile corpus: each bad file sits beside a good sample workbook, and the run must stay whole.

For every case: the exit code, the Chinese message a supervisor reads (no path, no English, no traceback), and
all 15 rows of the good workbook in the outputs. The files are generated here (tests/hostile.py), small.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import zipfile
from pathlib import Path

import hostile
import pytest
from builders import cell_of, good_response_log_row, list_workbook
from click.testing import CliRunner
from openpyxl import load_workbook

from svcsheet.cli import cli
from svcsheet.deid.keys import default_key_file
from svcsheet.errors import UnreadableWorkbook
from svcsheet.forms import get_form
from svcsheet.reading.discover import SKIP_DANGLING, SKIP_KEY, SKIP_LINK_OUT, SKIP_SPECIAL
from svcsheet.reading.reader import read_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
GOOD = SAMPLES / "service_feedback_2026-11.xlsx"
GOOD_ROWS = 15
AS_OF = "2026-11-23 09:00"
SMALL_CAP = "limits:\n  max_cells: 20000\n"  # a cap the good workbook (about 5,800 cells) stays under


def _run(tmp_path: Path, make_bad, policy: str | None = None, out_name: str = "out"):
    """Run the CLI on a folder holding the good sample and what ``make_bad(folder)`` puts there."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    shutil.copy(GOOD, folder / GOOD.name)
    make_bad(folder)
    out = tmp_path / out_name
    args = ["run", str(folder), "--out", str(out), "--as-of", AS_OF]
    if policy:
        (tmp_path / "policy.yaml").write_text(policy, encoding="utf-8")
        args += ["--policy", str(tmp_path / "policy.yaml")]
    result = CliRunner().invoke(cli, args)
    assert (out / "run.json").is_file(), result.output
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    _assert_good_rows_out(manifest, out)
    return result, manifest


def _assert_good_rows_out(manifest: dict, out: Path) -> None:
    good = next(i for i in manifest["inputs"] if i["path"].endswith(GOOD.name))
    assert good["error"] is None
    assert good["rows_read"] == GOOD_ROWS == good["rows_clean"] + good["rows_rejected"]
    tickets = json.loads((out / "trace.json").read_text(encoding="utf-8"))["tickets"]
    assert sum(1 for t in tickets if t["file"] == good["path"]) == GOOD_ROWS


def _entry(manifest: dict, name: str) -> dict:
    return next(i for i in manifest["inputs"] if i["path"].endswith(name))


def assert_plain_chinese(message: str, tmp_path: Path) -> None:
    """What a supervisor reads: Chinese, no absolute path, no English from a library, no traceback."""
    assert str(tmp_path) not in message and "Traceback" not in message
    rest = re.sub(r"「[^」]*」", "", message)  # the file's, sheet's and field's own names
    assert "/" not in rest and "\\" not in rest, message
    rest = re.sub(r"Excel|WPS|XML|\.xlsx", "", rest)
    assert not re.search(r"[A-Za-z]{3,}", rest), message
    assert re.search(r"[\u4e00-\u9fff]{4}", message), message


def _unreadable_case(tmp_path, make_bad, name, expected, policy=None):
    result, manifest = _run(tmp_path, make_bad, policy)
    assert result.exit_code == 3, result.output
    error = _entry(manifest, name)["error"]
    assert error and expected in error, error
    assert_plain_chinese(error, tmp_path)
    return manifest


# ---------------------------------------------------------------- size caps counted before the expensive load


@pytest.mark.parametrize("quote", ["'", '"'])
def test_a_merge_bomb_is_refused_whatever_its_quoting(tmp_path, quote):
    _unreadable_case(
        tmp_path, lambda d: hostile.merge_bomb_xlsx(d / "merge.xlsx", quote=quote), "merge.xlsx", "单元格过多"
    )


def test_cells_with_a_namespace_prefix_are_counted(tmp_path):
    _unreadable_case(
        tmp_path,
        lambda d: hostile.prefixed_cells_xlsx(d / "prefixed.xlsx", 30_000),
        "prefixed.xlsx",
        "单元格过多",
        SMALL_CAP,
    )


def test_a_prefixed_sheet_under_the_cap_is_read_like_any_other(tmp_path):
    path = hostile.prefixed_cells_xlsx(tmp_path / "p.xlsx", 200)
    book = read_workbook(path)
    assert [s.sheet for s in book.sheets] == ["Sheet1"]


@pytest.mark.parametrize("repeat", [30_000_000, 2_000_000_000])
def test_an_ods_repeat_bomb_is_refused_before_anything_is_expanded(tmp_path, repeat):
    _unreadable_case(
        tmp_path, lambda d: hostile.ods_repeat_bomb(d / "repeat.ods", repeat), "repeat.ods", "单元格过多"
    )


def test_repeated_ods_rows_are_counted_too(tmp_path):
    _unreadable_case(
        tmp_path,
        lambda d: hostile.ods_repeat_bomb(d / "rows.ods", 3, rows=100_000_000),
        "rows.ods",
        "单元格过多",
    )


def test_an_xls_is_counted_from_its_records_before_xlrd_parses_it(tmp_path, monkeypatch):
    import xlrd

    def never(*_a, **_k):
        raise AssertionError("xlrd parsed a workbook the record count should have refused")

    monkeypatch.setattr(xlrd, "open_workbook", never)
    _unreadable_case(
        tmp_path, lambda d: hostile.xls_many_cells(d / "many.xls", 30_000), "many.xls", "单元格过多", SMALL_CAP
    )


def test_an_xls_under_the_cap_is_read(tmp_path):
    book = read_workbook(hostile.xls_many_cells(tmp_path / "few.xls", 500))
    assert [s.sheet for s in book.sheets] == ["Sheet1"]


def test_a_huge_sparse_file_is_refused_before_it_is_hashed(tmp_path, monkeypatch):
    import svcsheet.executors as executors
    import svcsheet.pipeline as pipeline

    hashed: list[str] = []
    real = pipeline.sha256_file
    monkeypatch.setattr(pipeline, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    monkeypatch.setattr(executors, "default_jobs", lambda: 1)  # hashing seen in this process, not a worker

    def sparse(folder: Path) -> None:
        with open(folder / "huge.xlsx", "wb") as fh:
            fh.truncate(20 * 10**9)  # 20 GB, no disk used

    _unreadable_case(tmp_path, sparse, "huge.xlsx", "文件过大")
    assert "huge.xlsx" not in hashed and GOOD.name in hashed


# ---------------------------------------------------------------- crashes that used to end the whole run


def test_five_thousand_nested_spans_are_read_without_recursion(tmp_path):
    result, manifest = _run(tmp_path, lambda d: hostile.ods_nested_spans(d / "spans.ods", 5000))
    assert result.exit_code == 0, result.output
    assert _entry(manifest, "spans.ods")["error"] is None
    with pytest.raises(UnreadableWorkbook):  # fifty thousand levels: refused (compression, nesting), no crash
        read_workbook(hostile.ods_nested_spans(tmp_path / "deep.ods", 50_000))


def test_any_exception_inside_the_reader_makes_only_that_file_unreadable(tmp_path, monkeypatch):
    import svcsheet.reading.grid as grid

    def boom(path, limits):
        raise RuntimeError(f"internal failure at {path} in C:\\Users\\secret")

    monkeypatch.setattr(grid, "load_ods", boom)
    _unreadable_case(
        tmp_path, lambda d: hostile.ods_package(d / "odd.ods", hostile.ods_table("S", [["x"]])), "odd.ods", "文件内容异常"
    )


def test_an_exception_while_parsing_or_checking_rows_makes_only_that_file_unreadable(tmp_path, monkeypatch):
    import svcsheet.pipeline as pipeline

    real = pipeline.check_row

    def picky(row, form, as_of):
        if row.form == "response_log":
            raise KeyError("/srv/data/oops")
        return real(row, form, as_of)

    monkeypatch.setattr(pipeline, "check_row", picky)
    manifest = _unreadable_case(
        tmp_path,
        lambda d: list_workbook(d / "log.xlsx", "response_log", [good_response_log_row(1)]),
        "log.xlsx",
        "文件内容异常",
    )
    assert _entry(manifest, "log.xlsx")["rows_read"] == 0


def test_a_file_past_its_time_budget_is_reported_and_skipped(tmp_path, monkeypatch):
    import itertools
    import time

    import svcsheet.reading.reader as reader

    clock = itertools.count(time.monotonic() + 7, 7)  # from here on, every look at the clock is 7 s later
    real = reader._read_sheet

    def slow(grid, out, declared):
        if out.file.endswith("slow.xlsx"):
            monkeypatch.setattr("svcsheet.reading.scan._now", lambda: next(clock))
        return real(grid, out, declared)

    monkeypatch.setattr(reader, "_read_sheet", slow)

    def make(folder: Path) -> None:
        path = list_workbook(folder / "slow.xlsx", "response_log", [good_response_log_row(1)])
        wb = load_workbook(path)
        wb.create_sheet("第二页")["A1"] = "备注"
        wb.save(path)

    result, manifest = _run(tmp_path, make, "limits:\n  file_seconds: 5\n")
    error = _entry(manifest, "slow.xlsx")["error"]
    assert result.exit_code == 3 and "时间上限（5 秒）" in error
    assert_plain_chinese(error, tmp_path)


def test_a_damaged_workbook_message_has_no_library_english(tmp_path):
    def damaged(folder: Path) -> None:
        path = list_workbook(folder / "broken.xlsx", "response_log", [good_response_log_row(1)])
        parts = {}
        with zipfile.ZipFile(path) as zf:
            parts = {n: zf.read(n) for n in zf.namelist()}
        parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:-40]
        with zipfile.ZipFile(path, "w") as zf:
            for n, data in parts.items():
                zf.writestr(n, data)

    _unreadable_case(tmp_path, damaged, "broken.xlsx", "文件结构损坏")


# ---------------------------------------------------------------- NaN / INF cells, veryHidden sheets


def _with_nan_xlsx(folder: Path) -> Path:
    path = list_workbook(
        folder / "nan.xlsx", "response_log", [good_response_log_row(1), good_response_log_row(2, customer=424242)]
    )
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<v>424242</v>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<v>424242</v>", b"<v>NaN</v>")
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    return path


def _response_log_table(bad: dict) -> list[list]:
    form = get_form("response_log")
    rows = [[f.label for f in form.fields]]
    for n in (1, 2):
        values = good_response_log_row(n, **(bad if n == 2 else {}))
        rows.append([values.get(f.key) for f in form.fields])
    return rows


def _with_nan_ods(folder: Path) -> Path:
    rows = _response_log_table({"customer": "#num:NaN", "solution": "#num:INF"})
    return hostile.ods_package(folder / "nan.ods", hostile.ods_table("响应", rows))


def _with_nan_xls(folder: Path) -> Path:
    rows = _response_log_table({"customer": hostile.NAN, "solution": float("inf")})
    cells = {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v is not None}
    return hostile.xls_workbook(folder / "nan.xls", [("响应", 0, cells)])


@pytest.mark.parametrize(
    "make, name, fields, row",
    [
        (_with_nan_xlsx, "nan.xlsx", ["customer"], 4),
        (_with_nan_ods, "nan.ods", ["customer", "solution"], 3),
        (_with_nan_xls, "nan.xls", ["customer", "solution"], 3),
    ],
)
def test_a_nan_or_inf_cell_is_a_finding_on_that_cell_not_an_unreadable_workbook(tmp_path, make, name, fields, row):
    result, manifest = _run(tmp_path, make)
    entry = _entry(manifest, name)
    assert entry["error"] is None and entry["rows_read"] == 2 and entry["rows_rejected"] == 1
    assert result.exit_code == 0, result.output
    book = read_workbook(tmp_path / "in" / name)
    found = {(f.code, f.cell) for f in book.findings}
    for key in fields:
        assert ("bad_number", cell_of("response_log", key, row)) in found
    message = next(f.message for f in book.findings if f.code == "bad_number")
    assert "不是有效数字" in message
    assert_plain_chinese(re.sub(r"（[^）]*）", "", message), tmp_path)


def test_a_very_hidden_sheet_is_read_with_a_warning_naming_it(tmp_path):
    def make(folder: Path) -> None:
        path = list_workbook(folder / "hidden.xlsx", "response_log", [good_response_log_row(1)], sheet="藏起来的表")
        wb = load_workbook(path)
        wb.create_sheet("封面")["A1"] = "本周响应记录"
        wb["藏起来的表"].sheet_state = "veryHidden"
        wb.save(path)

    result, manifest = _run(tmp_path, make)
    assert result.exit_code == 0
    assert _entry(manifest, "hidden.xlsx")["rows_read"] == 1
    book = read_workbook(tmp_path / "in" / "hidden.xlsx")
    warning = [f for f in book.findings if f.code == "sheet_very_hidden"]
    assert len(warning) == 1 and warning[0].severity == "warning" and "「藏起来的表」" in warning[0].message


# ---------------------------------------------------------------- inputs: links, FIFOs, devices, the key


def test_links_out_of_the_folder_and_the_key_file_are_never_read_and_are_listed(tmp_path):
    key = default_key_file()
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text("secret-key-material-0123456789", encoding="utf-8")
    outside = tmp_path / "elsewhere.xlsx"
    shutil.copy(GOOD, outside)
    store = tmp_path / "store"

    def make(folder: Path) -> None:
        (folder / "key.xlsx").symlink_to(key)
        (folder / "passwd.xlsx").symlink_to("/etc/passwd")
        (folder / "elsewhere.xlsx").symlink_to(outside)
        (folder / "gone.xlsx").symlink_to(tmp_path / "no-such-file.xlsx")
        (folder / "same.xlsx").symlink_to(folder / GOOD.name)  # inside the folder: the same file, read once
        os.mkfifo(folder / "pipe.xlsx")

    folder = tmp_path / "in"
    folder.mkdir()
    make(folder)
    args = ["run", str(folder), "--out", str(tmp_path / "out"), "--as-of", AS_OF, "--store", str(store)]
    shutil.copy(GOOD, folder / GOOD.name)
    result = CliRunner().invoke(cli, args)
    manifest = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    _assert_good_rows_out(manifest, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert [i["path"] for i in manifest["inputs"]] == [f"in/{GOOD.name}"]
    skipped = {s["path"]: s["reason"] for s in manifest["skipped_inputs"]}
    assert skipped == {
        "in/key.xlsx": SKIP_LINK_OUT,
        "in/passwd.xlsx": SKIP_LINK_OUT,
        "in/elsewhere.xlsx": SKIP_LINK_OUT,
        "in/gone.xlsx": SKIP_DANGLING,
        "in/pipe.xlsx": SKIP_SPECIAL,
    }
    for reason in skipped.values():
        assert_plain_chinese(reason, tmp_path)
    assert "pipe.xlsx" in result.output and SKIP_SPECIAL in result.output
    stored = [p.read_bytes() for p in store.rglob("*") if p.is_file()]
    assert not any(b"secret-key-material" in data or b"root:" in data for data in stored)


def test_the_key_file_inside_an_input_folder_is_not_read(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    key = folder / "hash.xlsx"
    key.write_text("secret", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    (tmp_path / "cfg" / "svcsheet").mkdir(parents=True)
    os.link(key, tmp_path / "cfg" / "svcsheet" / "hash.key")
    result, manifest = _run(tmp_path, lambda d: None)
    assert result.exit_code == 3
    assert manifest["skipped_inputs"] == [{"path": "in/hash.xlsx", "reason": SKIP_KEY}]


def test_a_socket_given_explicitly_is_listed_not_opened(tmp_path):
    path = tmp_path / "s.xlsx"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    except OSError:
        pytest.skip("unix sockets cannot be created here")
    try:
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, ["run", str(GOOD), str(path), "--out", str(out), "--as-of", AS_OF])
    finally:
        sock.close()
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert result.exit_code == 3
    assert manifest["skipped_inputs"] == [{"path": "s.xlsx", "reason": SKIP_SPECIAL}]
    assert manifest["inputs"][0]["rows_read"] == GOOD_ROWS


# ---------------------------------------------------------------- --out: replace only what svcsheet wrote


def _other_tools_folder(out: Path) -> None:
    out.mkdir()
    (out / "run.json").write_text("{}", encoding="utf-8")
    (out / "clean.xlsx").write_bytes(b"not ours")
    (out / "报告.docx").write_bytes(b"user's report")
    (out / "照片").mkdir()
    (out / "照片" / "1.jpg").write_bytes(b"photo")


def test_an_output_folder_svcsheet_did_not_write_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    _other_tools_folder(out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = CliRunner().invoke(cli, ["run", str(GOOD), "--out", str(out), "--as-of", AS_OF])
    assert result.exit_code == 2
    assert "不是 svcsheet 写的输出目录" in result.output
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert (out / "报告.docx").read_bytes() == b"user's report"


def test_an_earlier_output_is_replaced_but_not_once_the_user_added_a_file(tmp_path):
    out = tmp_path / "out"
    args = ["run", str(GOOD), "--out", str(out), "--as-of", AS_OF]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert (out / ".svcsheet-output").read_text().strip() == json.loads((out / "run.json").read_text())["run_id"]
    assert CliRunner().invoke(cli, args).exit_code == 0  # an earlier output: replaced
    (out / "returns" / "我的笔记.docx").write_bytes(b"notes")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "returns/我的笔记.docx" in result.output
    assert (out / "returns" / "我的笔记.docx").exists()


def test_every_entry_a_run_writes_is_one_the_output_check_accepts(tmp_path):
    from svcsheet.reading.discover import OUTPUT_ENTRIES, foreign_entries

    out = tmp_path / "out"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    list_workbook(folder / "b.xlsx", "response_log", [good_response_log_row(1, customer=None)])
    CliRunner().invoke(cli, ["run", str(folder), "--out", str(out), "--as-of", AS_OF])
    assert {p.name for p in out.iterdir()} == OUTPUT_ENTRIES
    assert foreign_entries(out) == []


def test_stale_temporary_folders_of_killed_runs_are_removed_and_new_ones_are_private(tmp_path, monkeypatch):
    from svcsheet.outputs import output_folder as outputs

    dead = tmp_path / ".out.svcsheet-tmp-999999999-abcd1234"
    legacy = tmp_path / ".out.k3j_9x2q"  # the name an earlier version's mkdtemp gave
    live = tmp_path / f".out.svcsheet-tmp-{os.getpid()}-zzzz0000"  # a run still going
    user = tmp_path / ".out.notes123"  # not ours: holds something svcsheet never writes
    for folder in (dead, legacy, live, user):
        folder.mkdir()
        (folder / "clean.xlsx").write_bytes(b"x")
    (user / "mine.txt").write_text("keep")
    (legacy / "returns").mkdir()

    modes = []
    real = outputs.write_clean  # written by this process whatever the jobs (trace.json may be written by a child)
    monkeypatch.setattr(
        outputs, "write_clean", lambda r, f, p: modes.append(p.parent.stat().st_mode & 0o777) or real(r, f, p)
    )
    result = CliRunner().invoke(cli, ["run", str(GOOD), "--out", str(tmp_path / "out"), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert not dead.exists() and not legacy.exists()
    assert live.exists() and user.exists()
    assert modes == [0o700]
    assert {p.name for p in tmp_path.iterdir() if p.name.startswith(".out")} == {live.name, user.name}


# ---------------------------------------------------------------- reader-level guarantees


def test_only_unreadable_workbook_ever_leaves_the_reader(tmp_path, monkeypatch):
    import svcsheet.reading.reader as reader

    for exc in (MemoryError(), RecursionError(), ValueError("x"), OSError("/a/b")):

        def raise_it(*_a, exc=exc, **_k):
            raise exc

        monkeypatch.setattr(reader, "load_grid", raise_it)
        with pytest.raises(UnreadableWorkbook) as info:
            read_workbook(GOOD)
        assert_plain_chinese(str(info.value), tmp_path)


def test_an_output_folder_of_a_version_before_the_marker_is_replaced_only_while_run_json_vouches_for_it(tmp_path):
    """Weekly users re-run into last week's folder: one written before the marker existed (every file listed in
    its run.json with its hash) is still replaced; a user's file or an edited output in it is not."""
    out = tmp_path / "out"
    args = ["run", str(GOOD), "--out", str(out), "--as-of", AS_OF]
    assert CliRunner().invoke(cli, args).exit_code == 0
    (out / ".svcsheet-output").unlink()  # as an earlier version left it
    assert CliRunner().invoke(cli, args).exit_code == 0
    (out / ".svcsheet-output").unlink()
    (out / "clean.xlsx").write_bytes(b"edited by hand")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "不是 svcsheet 写的输出目录" in result.output
    assert (out / "clean.xlsx").read_bytes() == b"edited by hand"


def test_a_huge_sparse_file_is_neither_hashed_nor_archived(tmp_path, monkeypatch):
    import svcsheet.audit.archive as archive

    def bad(folder: Path) -> None:
        with open(folder / "巨大.xlsx", "wb") as fh:
            fh.write(GOOD.read_bytes())  # starts like a workbook, so a sniffer takes it for one
            fh.truncate(60 * 1024**3)  # 60 GB, sparse: costs nothing on disk

    hashed: list[str] = []
    real_sha = archive.sha256_file
    monkeypatch.setattr(archive, "sha256_file", lambda p: hashed.append(Path(p).name) or real_sha(p))
    monkeypatch.setattr(archive, "sniff_format", lambda p: "xlsx")  # a head that looks like a workbook
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / GOOD.name)
    bad(folder)
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["archive", str(folder), "--store", str(store)])
    assert "巨大.xlsx" not in hashed
    assert "未归档" in result.output


def test_a_one_megabyte_problem_text_reaches_the_common_issues_cut_to_what_a_cell_holds(tmp_path, monkeypatch):
    # a 1 MB description cost about 6.5 s in the concept matching, after the per-file time budget
    import svcsheet.common_issues.cluster as cluster
    import svcsheet.pipeline as pipeline

    seen: list[int] = []
    real = cluster.cluster_problems

    def spy(items, *args, **kwargs):
        seen.extend(len(it.text) for it in items)
        return real(items, *args, **kwargs)

    monkeypatch.setattr(cluster, "cluster_problems", spy)
    monkeypatch.setattr(pipeline, "forks_for", lambda *_: False)  # clustered here, where the spy sees it

    def make_bad(folder: Path) -> None:
        src = SAMPLES / "issue_feedback_2026-11.xlsx"
        with zipfile.ZipFile(src) as zi, zipfile.ZipFile(folder / "long.xlsx", "w", zipfile.ZIP_DEFLATED) as zo:
            for info in zi.infolist():
                data = zi.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data.decode().replace("洗衣机维修后一周又不脱水了", "a" * 1_000_000, 1).encode()
                zo.writestr(info, data)

    result, manifest = _run(tmp_path, make_bad)
    assert result.exit_code == 0, result.output
    long = _entry(manifest, "long.xlsx")
    assert long["error"] is None and long["rows_read"] == 14
    assert seen and max(seen) <= 32767


def test_archive_names_the_links_it_leaves_out(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / GOOD.name)
    outside = tmp_path / "secret.xlsx"
    shutil.copy(GOOD, outside)
    (folder / "链接.xlsx").symlink_to(outside)
    result = CliRunner().invoke(cli, ["archive", str(folder), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "未归档" in result.output and "链接.xlsx" in result.output
