"""De-identification benchmark: one long cell, and the de-identification stage on bench_run.py's rows.

    python bench/bench_deid.py [CELL_CHARS] [ROWS]

Prints seconds for masking one CELL_CHARS-long problem text without punctuation (through Deidentifier.free_text
and through the common-issue normaliser), and for stage 4 of the pipeline (redact_row on every row, then
redact_findings) on ROWS response-log rows built as bench/bench_run.py builds them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import build  # noqa: E402

from svcsheet.checking.parse import parse_row  # noqa: E402
from svcsheet.checking.validate import check_row  # noqa: E402
from svcsheet.common_issues.textnorm import normalise_text  # noqa: E402
from svcsheet.deid.deidentifier import Deidentifier  # noqa: E402
from svcsheet.deid.redact import NameIndex, redact_findings, redact_row  # noqa: E402
from svcsheet.forms import load_forms  # noqa: E402
from svcsheet.reading.reader import read_workbook  # noqa: E402


def main() -> None:
    chars = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    deid = Deidentifier(b"bench")
    cell = ("设备无法启动按电源键没反应故障码E3客户很着急abc123" * (chars // 30 + 1))[:chars]
    t0 = time.perf_counter()
    deid.free_text(cell)
    t1 = time.perf_counter()
    normalise_text(cell)
    t2 = time.perf_counter()
    print(f"{chars:,}-char cell: free_text {t1 - t0:6.2f} s, normalise_text {t2 - t1:6.2f} s")

    forms = load_forms()
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), rows, 10)
        read = [parse_row(raw, forms[raw.form]) for p in sorted(Path(tmp).glob("*.xlsx")) for raw in read_workbook(p).rows]
    as_of = datetime(2026, 11, 23, 9, 0)
    for row in read:
        check_row(row, forms[row.form], as_of)
    t0 = time.perf_counter()
    deid = Deidentifier(b"bench")
    names = NameIndex.from_rows(read, forms)
    for row in read:
        redact_row(row, forms[row.form], deid, names)
    for row in read:
        redact_findings(row, forms[row.form], deid, names)
    t1 = time.perf_counter()
    print(f"de-identification stage, {len(read):,} rows: {t1 - t0:6.2f} s")


if __name__ == "__main__":
    main()
