"""The sample workbooks saved by LibreOffice as .xls and as .ods read like the .xlsx originals.

Per workbook: the same rows read, clean and rejected; per row: the same verdict and finding codes. The
conversion is slow, so every sample is converted once per session, all files in one soffice call per format.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from svcsheet.pipeline import RunOptions, run
from tests.layouts import soffice

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)
FILTERS = {"xls": "xls:MS Excel 97", "ods": "ods"}

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("lo")
    samples = sorted(SAMPLES.glob("*.xlsx"))
    folders = {}
    for fmt, filt in FILTERS.items():
        out = base / fmt
        subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{base}/profile-{os.getpid()}",
                "--headless",
                "--convert-to",
                filt,
                "--outdir",
                str(out),
                *map(str, samples),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        assert sorted(p.stem for p in out.iterdir()) == sorted(p.stem for p in samples)
        folders[fmt] = out
    return folders


def _read(folder: Path) -> tuple[dict, dict]:
    result = run(RunOptions(inputs=[folder], as_of=AS_OF))
    per_file = {Path(f.input.name).stem: (len(f.rows), f.rows_clean, f.rows_rejected, f.error) for f in result.files}
    per_row = {
        (Path(r.prov.file).stem, r.prov.sheet, r.ticket_id): (r.rejected, sorted(f.code for f in r.findings))
        for r in result.rows
    }
    return per_file, per_row


@pytest.fixture(scope="module")
def originals() -> tuple[dict, dict]:
    return _read(SAMPLES)


@pytest.mark.parametrize("fmt", sorted(FILTERS))
def test_libreoffice_copies_give_the_same_rows_verdicts_and_findings(converted, originals, fmt):
    per_file, per_row = _read(converted[fmt])
    want_files, want_rows = originals
    assert all(error is None for *_, error in per_file.values())
    assert per_file == want_files
    assert per_row == want_rows
