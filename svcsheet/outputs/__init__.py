"""Stage 8: write every output of a run into a temporary folder, then move the folder into place.

Nothing here computes figures: it lays out what the RunResult already holds.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..deid import Deidentifier
from ..discover import OUTPUT_ENTRIES, OUTPUT_MARKER
from ..forms import FormSpec
from .clean import write_clean
from .manifest import build_manifest, write_manifest, write_trace
from .rejects import write_rejects
from .report_html import write_report_html
from .returns import write_returns
from .summary import write_summary


def write_outputs(result, forms: dict[str, FormSpec], deid: Deidentifier, out: Path) -> None:
    """Write clean.xlsx, rejects.xlsx, summary.xlsx, report.html, returns/, trace.json and run.json into ``out``.

    Written first into a sibling temporary folder (mode 0700: returns/ holds personal data), the marker last;
    the old ``out`` (if any) is replaced only when all succeeded. Temporary folders that killed runs left
    beside ``out`` are removed first.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_TMP}-{os.getpid()}-", dir=out.parent))  # mode 0700
    try:
        write_clean(result, forms, tmp / "clean.xlsx")
        write_rejects(result, forms, tmp / "rejects.xlsx")
        write_summary(result, tmp / "summary.xlsx")
        write_report_html(result, tmp / "report.html")
        write_returns(result, forms, tmp / "returns")
        write_trace(result, tmp / "trace.json")
        result.manifest = build_manifest(result, tmp)
        # which history database the run read (whether it also wrote it is on the terminal: a re-run into
        # another folder must give the same run.json)
        result.manifest["history"] = result.figures.history_path
        write_manifest(result.manifest, tmp / "run.json")
        result.outputs = result.manifest["outputs"]
        (tmp / OUTPUT_MARKER).write_text(result.manifest["run_id"] + "\n", encoding="ascii")
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


_TMP, _OLD = "svcsheet-tmp", "svcsheet-old"


def _move_into_place(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_OLD}-{os.getpid()}-", dir=out.parent))
        old.rmdir()  # a unique name to rename into
        out.rename(old)
    tmp.rename(out)
    out.chmod(0o755)  # private while written; the team must be able to open the reports
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_LEGACY = re.compile(r"^\.(?P<name>.+)\.(?:[a-z0-9_]{8}|old)$")  # mkdtemp names of earlier versions


def remove_stale_temporaries(out: Path) -> list[str]:
    """Remove the temporary and replaced folders of runs that were killed before they finished (their process
    is gone); a concurrent run's folders are left alone. Returns the names removed."""
    removed = []
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in siblings:
        if entry.is_symlink() or not entry.is_dir():
            continue
        name = entry.name
        for kind in (_TMP, _OLD):
            head = f".{out.name}.{kind}-"
            if name.startswith(head):
                pid = name[len(head) :].split("-", 1)[0]
                if pid.isdigit() and not _alive(int(pid)):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(name)
        m = _LEGACY.match(name)
        if m and m.group("name") == out.name and _only_outputs(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) terminates the process on Windows: never probe, never remove
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _only_outputs(folder: Path) -> bool:
    """A folder an earlier version left: nothing in it but what svcsheet writes (so removing it loses nothing)."""
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return bool(names) and names <= OUTPUT_ENTRIES
