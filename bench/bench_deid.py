"""De-identification benchmark: one long cell, and the de-identification stage on bench_run.py's rows.

    python bench/bench_deid.py [CELL_CHARS] [ROWS]
    python bench/bench_deid.py --files DIR [--repeat N]

Prints seconds for masking one CELL_CHARS-long problem text without punctuation (through Deidentifier.free_text
and through the common-issue normaliser), and for stage 4 of the pipeline (redact_row on every row, then
redact_findings) on ROWS rows generated as bench/bench_run.py generates them.

``--files DIR``: the per-file work of every workbook in DIR in this process, CPU seconds without and with the
file's de-identification (``read_file`` as a pool worker runs it: pickled values as read), alternating, N rounds;
then the run's check of those files against the run's names (``pipeline._deidentify``) and the rows it redid.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import generate  # noqa: E402

from svcsheet.checking.parse import parse_row  # noqa: E402
from svcsheet.checking.validate import check_row  # noqa: E402
from svcsheet.common_issues.textnorm import normalise_text  # noqa: E402
from svcsheet.deid.deidentifier import Deidentifier  # noqa: E402
from svcsheet.deid.redact import NameIndex, redact_findings, redact_row  # noqa: E402
from svcsheet.forms import load_forms  # noqa: E402
from svcsheet.reading.reader import read_workbook  # noqa: E402


def per_file(folder: Path, repeat: int) -> None:
    import gc

    from svcsheet import pipeline
    from svcsheet.checking.validate import check_duplicates
    from svcsheet.policy import load_policy
    from svcsheet.reading.discover import discover_inputs

    policy, as_of, forms = load_policy(None), datetime(2026, 11, 23, 9, 0), load_forms()
    items = discover_inputs([folder]).files
    gc.freeze()  # as a forked worker inherits the loaded modules
    results = []
    for _ in range(repeat):
        for how in (None, pipeline.PACK):
            pipeline._WORKER_DEIDS.clear()
            t = time.process_time()
            results = []
            for item in items:
                gc.disable()  # as executors._timed
                results.append(pipeline.read_file(item, (policy, as_of, how)))
                gc.enable()
            print(f"read_file, {'with' if how else 'without'} de-identification: {time.process_time() - t:6.2f} s CPU")
    rows = [r for f in results for r in f.rows]
    check_duplicates(rows, forms)
    redone = []
    inner = pipeline.redact_row
    pipeline.redact_row = lambda row, *a, **k: (redone.append(row), inner(row, *a, **k))
    t = time.process_time()
    deid = Deidentifier(b"bench", policy.raw["deid"])
    names = pipeline.NameIndex(n for f in results for n in pipeline._names_of(f, forms))
    for f in results:
        pipeline._deidentify(f, forms, deid, names, policy, as_of)
    print(f"the run's check, {len(results)} files, {len(rows):,} rows: {time.process_time() - t:6.2f} s CPU, {len(redone)} rows redone")


def main() -> None:
    if sys.argv[1:2] == ["--files"]:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
        per_file(Path(sys.argv[2]), repeat)
        return
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
        generate(Path(tmp), rows, 500)
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
