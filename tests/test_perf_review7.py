"""Privacy review of the per-row re-de-identification (review7): files de-identified in the workers with their own
names, then only the rows that searched a text holding another file's name done again by the run. Each probe
builds inputs where a name typed in one file (or row) is written somewhere else, then checks that no output
except returns/ shows it, and that the outputs are the bytes of de-identifying everything in the run's process,
with --jobs 1 and 2."""

from __future__ import annotations

import pickle
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


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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
