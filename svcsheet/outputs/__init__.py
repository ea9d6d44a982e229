"""Stage 8: write every output of a run into a temporary folder, then move the folder into place.

Nothing here computes figures: it lays out what the RunResult already holds.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..deid import Deidentifier
from ..forms import FormSpec
from .clean import write_clean
from .manifest import build_manifest, write_manifest, write_trace
from .rejects import write_rejects
from .report_html import write_report_html
from .returns import write_returns
from .summary import write_summary


def write_outputs(result, forms: dict[str, FormSpec], deid: Deidentifier, out: Path) -> None:
    """Write clean.xlsx, rejects.xlsx, summary.xlsx, report.html, returns/, trace.json and run.json into ``out``.

    Written first into a sibling temporary folder; the old ``out`` (if any) is replaced only when all succeeded.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the team must be able to open the reports
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
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _move_into_place(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
