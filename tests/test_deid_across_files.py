"""Names of one file masked in another (issue 12): each file is de-identified in the pool's workers with its own
names, and the run checks the texts each file searched against every name of the run, doing again only the rows
(or whole files) that hold another file's name. What a supervisor sees must not change: a customer named in one
file is masked in another file's free text and in a file's name, whatever ``--jobs`` is, and the outputs are the
bytes of de-identifying every file in the run's process with the run's names. The privacy probes at the end write
a name typed in one file (or row) somewhere else (after NULs in an .xls cell, in a pair or with a space, with a
title, in card sheets, timelines, phone cells, long and rejected texts) and check that no output except returns/
shows it, with --jobs 1 and 2 and in the run's process alone."""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from builders import good_response_log_row, list_workbook
from hostile import xls_workbook
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from svcsheet import pipeline
from svcsheet.deid.deidentifier import _SPLIT, _clean, _is_surname_only, _split_title, split_name
from svcsheet.deid.redact import NameIndex
from svcsheet.forms import get_form
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)
NAME = "阿依古丽"  # no surname of the text-name rule: only the run's names can find it in free text
MASKED = "阿**"


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    # file A types the customer's name in its name column
    list_workbook(folder / "a.xlsx", "response_log", [good_response_log_row(1, customer=NAME)])
    # file B mentions her in free text only; its row 2 repeats A's ticket id (a duplicate across files)
    list_workbook(
        folder / "b.xlsx",
        "response_log",
        [
            good_response_log_row(2, description=f"设备无法启动，{NAME}也遇到，按电源键没反应"),
            good_response_log_row(1, solution=f"远程指导重启系统，{NAME}确认已恢复"),
            good_response_log_row(3),
            # the same text again: masked from the worker's memo, it must be done again by the run all the same
            good_response_log_row(5, description=f"设备无法启动，{NAME}也遇到，按电源键没反应"),
        ],
    )
    # file C is named after her (its provenance, not its rows, holds another file's name)
    list_workbook(folder / f"{NAME}回访.xlsx", "response_log", [good_response_log_row(4)])
    return folder


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _texts(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def test_a_name_typed_in_one_file_is_masked_in_another_files_text_whatever_the_jobs(tmp_path):
    inputs = _inputs(tmp_path / "in")
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        result = run(RunOptions(inputs=[inputs], out=out, as_of=AS_OF, history=Path("off"), jobs=jobs))
        assert result.exit_code == 0
        outs[jobs] = _outputs(out)
        clean = _texts(out / "clean.xlsx")
        assert f"设备无法启动，{MASKED}也遇到" in clean
        for name, data in outs[jobs].items():
            if not name.startswith("returns"):
                if name.endswith(".xlsx"):  # compressed: look in its parts as a reader sees them
                    with zipfile.ZipFile(io.BytesIO(data)) as z:
                        data = b"".join(z.read(n) for n in z.namelist())
                assert NAME.encode() not in data, f"{name} (--jobs {jobs}) shows the name typed in another file"
        assert f"{MASKED}回访.xlsx" in (out / "run.json").read_text(encoding="utf-8")
        rejected = _texts(out / "rejects.xlsx")
        assert f"{MASKED}确认已恢复" in rejected  # the duplicate's row, masked again by the run
    assert outs[1] == outs[2]


def test_the_workers_masks_are_the_ones_the_run_made_alone(tmp_path, monkeypatch):
    """The same bytes as de-identifying every file in the run's process with the run's names (as before)."""
    inputs = _inputs(tmp_path / "in")
    outs = {}
    for where in ("workers", "run"):
        if where == "run":
            monkeypatch.setattr(pipeline, "_deidentify_in_worker", lambda *_a, **_k: None)
        for jobs in (1, 2):
            out = tmp_path / f"{where}{jobs}"
            run(RunOptions(inputs=[inputs], out=out, as_of=AS_OF, history=Path("off"), jobs=jobs))
            outs[where, jobs] = _outputs(out)
    assert len(outs["run", 1]) > 6
    assert outs["workers", 1] == outs["run", 1] == outs["workers", 2] == outs["run", 2]


_NAMES = st.text(alphabet="张伟明王芳阿", min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    mine=st.sets(_NAMES, max_size=4),
    others=st.sets(_NAMES, max_size=4),
    texts=st.lists(st.text(alphabet="张伟明王芳阿，x", max_size=12), max_size=4),
)
def test_a_file_passes_the_check_only_when_its_names_alone_find_the_same(mine, others, texts):
    run_names, file_names = NameIndex(mine | others), NameIndex(mine)
    joined = pipeline.InWorker.SEP.join(texts)
    if run_names.found(joined) <= mine:
        assert [run_names.present(t) for t in texts] == [file_names.present(t) for t in texts]
    if any(run_names.present(t) != file_names.present(t) for t in texts):
        assert not run_names.found(joined) <= mine


@settings(max_examples=300, deadline=None)
@given(names=st.sets(_NAMES, max_size=6), text=st.text(alphabet="张伟明王芳阿，x", max_size=16))
def test_the_run_finds_names_as_one_pattern_of_them_longest_first_would(names, text):
    """Leftmost, then the longest name starting there, never overlapping: what masking replaced before."""
    usable = sorted((n for n in names if len(n) >= 2), key=lambda n: (-len(n), n))
    expected = re.findall("|".join(map(re.escape, usable)), text) if usable else []
    assert NameIndex(names).present(text) == list(dict.fromkeys(expected))


def test_a_name_holding_the_separator_sends_every_file_back_to_the_run():
    assert NameIndex(["张伟"]).joinable(pipeline.InWorker.SEP)
    assert not NameIndex(["张\x00伟"]).joinable(pipeline.InWorker.SEP)


def test_a_run_in_one_process_keeps_no_de_identifier_of_its_files_afterwards(tmp_path):
    """Its memos key masked texts by the texts as typed: they go with the reading stage."""
    run(RunOptions(inputs=[_inputs(tmp_path / "in")], out=None, as_of=AS_OF, history=Path("off"), jobs=1))
    assert pipeline._WORKER_DEIDS == {}


def _shown(name: str, data: bytes) -> bytes:
    """What an output holds as a reader sees it: an .xlsx's parts inflated."""
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(Path(name)) as z:
            return b"".join(z.read(n) for n in z.namelist())
    return data


def _check(tmp_path: Path, inputs: Path, secrets: list[str], monkeypatch) -> dict[str, bytes]:
    """Workers (--jobs 1 and 2) and the run alone (--jobs 1) give the same bytes; no secret outside returns/."""
    outs = {}
    for where, jobs in (("workers", 1), ("workers", 2), ("run", 1)):
        if where == "run":
            monkeypatch.setattr(pipeline, "_deidentify_in_worker", lambda *_a, **_k: None)
        out = tmp_path / f"{where}{jobs}"
        run(RunOptions(inputs=[inputs], out=out, as_of=AS_OF, history=Path("off"), jobs=jobs))
        outs[where, jobs] = _outputs(out)
        for name in outs[where, jobs]:
            if name.startswith("returns"):
                continue
            shown = _shown(str(out / name), outs[where, jobs][name])
            leaked = [secret for secret in secrets if secret.encode() in shown]
            assert not leaked, f"{name} ({where}, --jobs {jobs}) shows {leaked}"
    assert len(outs["run", 1]) > 6
    assert outs["workers", 1] == outs["run", 1], "the workers' masks differ from the run's alone"
    assert outs["workers", 1] == outs["workers", 2], "--jobs 1 and --jobs 2 differ"
    return outs["run", 1]


def _xls_list(path: Path, form_key: str, rows: list[dict[str, Any]]) -> Path:
    """An .xls in the list layout of builders.list_workbook (title, labels, rows)."""
    form = get_form(form_key)
    cells: dict[tuple[int, int], Any] = {(1, 1): form.name}
    for c, f in enumerate(form.fields, start=1):
        cells[2, c] = f.label
    for r, values in enumerate(rows, start=3):
        for c, f in enumerate(form.fields, start=1):
            if values.get(f.key) is not None:
                cells[r, c] = values[f.key]
    return xls_workbook(path, [(form.name[:31], 0, cells)])


def test_a_text_holding_nul_characters_does_not_hide_a_later_row_naming_another_files_customer(tmp_path, monkeypatch):
    """The worker's searched texts are joined by NUL: an .xls cell can hold NULs too (a legacy export pads with
    them). Split again, the texts after it must still point at the rows that searched them."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(inputs / "a.xlsx", "response_log", [good_response_log_row(1, customer=NAME)])
    _xls_list(
        inputs / "b.xls",
        "response_log",
        [
            good_response_log_row(2, description="设备无法启动" + "\x00" * 8),
            good_response_log_row(3),
            good_response_log_row(4, solution=f"远程指导重启系统，{NAME}确认已恢复"),
        ],
    )
    _check(tmp_path, inputs, [NAME], monkeypatch)


def test_a_name_typed_in_a_pair_or_with_a_space_is_masked_where_another_file_writes_it_alone(tmp_path, monkeypatch):
    """A name field's value is masked part by part (华强电子公司/阿依古丽, 张 伟 is 张伟): the run's names are
    those parts too, so another file's text naming one of them alone masks it."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(
        inputs / "a.xlsx",
        "response_log",
        [
            good_response_log_row(1, customer=f"华强电子公司/{NAME}"),
            good_response_log_row(2, customer="古 丽娜尔"),
            good_response_log_row(3, handler="王工/帕提古丽"),
        ],
    )
    list_workbook(
        inputs / "b.xlsx",
        "response_log",
        [
            good_response_log_row(4, solution=f"远程指导重启系统，{NAME}确认已恢复"),
            good_response_log_row(5, description="设备无法启动，古丽娜尔也遇到"),
            good_response_log_row(6, solution="帕提古丽远程指导重启系统"),
        ],
    )
    _check(tmp_path, inputs, [NAME, "古丽娜尔", "帕提古丽"], monkeypatch)


def test_a_name_typed_with_a_title_is_masked_where_it_is_written_without_it(tmp_path, monkeypatch):
    """阿依古丽女士 is masked as 阿女士; the name alone (in the row's own text or another file's) is a name too."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(
        inputs / "a.xlsx",
        "response_log",
        [
            good_response_log_row(1, customer=f"{NAME}女士", solution=f"远程指导重启系统，{NAME}确认已恢复"),
            good_response_log_row(2, handler="帕提古丽工程师"),
        ],
    )
    list_workbook(
        inputs / "b.xlsx",
        "response_log",
        [good_response_log_row(3, description=f"设备无法启动，{NAME}也遇到，帕提古丽上门")],
    )
    _check(tmp_path, inputs, [NAME, "帕提古丽"], monkeypatch)


def test_names_in_card_sheets_timelines_phones_long_and_rejected_texts(tmp_path, monkeypatch):
    """One file types the names; a card workbook and a list workbook write them in a timeline note, a
    description, a sheet name (the whole file done again), next to a longer name holding a shorter one
    (欧阳娜娜 / 欧阳娜), in a phone cell typed as text, in a text longer than the memo limit, in a rejected row
    and in the same text on several rows (memo hits)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(
        inputs / "a.xlsx",
        "response_log",
        [
            good_response_log_row(1, customer=NAME),
            good_response_log_row(2, customer="欧阳娜娜", handler="帕提古丽"),
        ],
    )
    cards = load_workbook(Path(__file__).resolve().parent.parent / "sample_workbooks" / "team_complaint_cards_nov.xlsx")
    first, second, third = cards.worksheets
    first["A13"] = f"2. 2026-11-19 14:30 上门检测，{NAME}在场，电源板烧毁"
    second["A4"] = "客户姓名：欧阳娜"  # her own name, shorter than file a's customer
    second["A7"] = "开机没反应，欧阳娜娜也反馈过，欧阳娜确认是同一批次"
    third.title = "11.21帕提古丽"
    cards.save(inputs / "cards.xlsx")
    long_text = "设备无法启动，" + "按电源键没反应。" * 600 + f"{NAME}也遇到"
    shared = f"远程指导重启系统，{NAME}确认已恢复"
    list_workbook(
        inputs / "c.xlsx",
        "response_log",
        [
            good_response_log_row(3, description=long_text),
            good_response_log_row(4, phone=f"微信{NAME}"),
            good_response_log_row(5, received_time="不是时间", description=f"设备无法启动，{NAME}也遇到"),
            good_response_log_row(6, solution=shared),
            good_response_log_row(7, solution=shared, customer="古丽娜尔"),
            good_response_log_row(8, solution=shared),
        ],
    )
    assert len(long_text) > 4096
    out = _check(tmp_path, inputs, [NAME, "欧阳娜", "帕提古丽"], monkeypatch)
    assert "11.21帕**".encode() in out["run.json"]
    assert "欧阳**也反馈过，欧阳**确认".encode() in _shown(str(tmp_path / "run1" / "clean.xlsx"), b"")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="阿依古丽王女士先生工总/、 ＡA", max_size=8))
def test_a_names_parts_are_the_same_whatever_the_path(name):
    """split_name skips cleaning and splitting for plain Chinese names: what the full path gives them too."""
    parts = _SPLIT.split(_clean(name))[::2]
    bases = [base for base, title in map(_split_title, parts) if title and not _is_surname_only(base)]
    assert split_name(name) == parts + bases
    index = NameIndex([name])
    assert pickle.loads(pickle.dumps(index))._names == index._names  # as a worker's index would come back
