"""CPU seconds of ``evaluate_row`` (the SLA memo) over the rows of a few input files, best of N passes.

    PYTHONPATH=. python bench/bench_sla_memo.py IN [--files 8] [--repeat 5]

Reads the first ``--files`` workbooks of IN, then times (time.process_time) evaluate_row on every row, and the
memo-less ``_evaluate_row`` for comparison. The first pass fills the memo; the best pass is mostly memo hits.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path

from svcsheet import pipeline
from svcsheet.forms import load_forms
from svcsheet.policy import load_policy
from svcsheet.reading.discover import discover_inputs
from svcsheet.sla import verdicts

AS_OF = datetime(2026, 11, 23, 9, 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", type=Path)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    policy, forms = load_policy(None), load_forms()
    cal = pipeline.calendar_of(policy)
    rows = []
    for item in discover_inputs([args.input]).files[: args.files]:
        rows += [(forms[r.form], r.values) for r in pipeline.read_file(item, (policy, AS_OF)).rows]
    for name, fn in (("evaluate_row", verdicts.evaluate_row), ("_evaluate_row", verdicts._evaluate_row)):
        times = []
        for _ in range(args.repeat):
            t = time.process_time()
            for form, values in rows:
                fn(form, values, policy, cal, AS_OF)
            times.append(time.process_time() - t)
        print(f"{name}: {len(rows)} rows, CPU s best {min(times):.4f}, all {[round(x, 4) for x in times]}")


if __name__ == "__main__":
    main()
