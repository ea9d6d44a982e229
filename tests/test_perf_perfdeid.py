"""De-identification in the pool's workers (issue 12, perfdeid): each file is masked with its own names where it
is read, and the run checks that against every name of the run. What a supervisor sees must not change: a
customer named in one file is masked in another file's free text, whatever ``--jobs`` is."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from builders import good_response_log_row, list_workbook
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from svcsheet import pipeline
from svcsheet.deid.redact import NameIndex
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
