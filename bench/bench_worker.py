"""One pool worker's whole per-file work, stage by stage, in this process: what the reading pool's workers do
for every file of a run (read and recognise, parse and validate, SLA verdicts, the pickled result sent back, the
returns/ copy).

    python bench/bench_worker.py IN [--repeat N] [--profile OUT.txt] [--deid]

Prints the CPU seconds of each stage summed over the files (``time.process_time``), and the pickled size of the
results as a pool worker sends them. ``--profile`` writes a cProfile listing (cumulative and own time) of one pass.
The returns/ copies are written into a temporary folder, with each file's own findings and the SLA findings the
parent would add (the cross-file duplicates are not checked here). ``--deid``: each file is also de-identified
with its own names, its rows slimmed and their values as read packed, as a local pool's worker does since round 6
(``pipeline._deidentify_in_worker``): the "deid" stage, and the pickled result is then the one a worker sends.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from svcsheet import executors, pipeline  # noqa: E402
from svcsheet.forms import load_forms  # noqa: E402
from svcsheet.outputs import returns  # noqa: E402
from svcsheet.policy import load_policy  # noqa: E402
from svcsheet.reading.discover import discover_inputs  # noqa: E402
from svcsheet.reading.reader import read_workbook  # noqa: E402

AS_OF = datetime(2026, 11, 23, 9, 0)
STAGES = ("read", "parse+validate", "sla", "deid", "pickle", "returns")


def one_pass(items: list, out: Path, cpu: dict[str, float], sizes: list[int], deid: bool = False) -> None:
    from multiprocessing.reduction import ForkingPickler

    policy = load_policy(None)
    forms = load_forms()
    plan = returns._Plan(out)
    paused = hasattr(executors, "_paused")  # this tree's workers pause the collector during each item's work
    for item in items:
        result = pipeline.FileResult(input=item, sha256="")
        if paused:
            gc.disable()
        t = time.process_time()
        book = read_workbook(item.path, display_name=item.name, limits=policy.raw["limits"])
        cpu["read"] += time.process_time() - t
        t = time.process_time()
        pipeline._parse_and_check(result, book, forms, AS_OF)
        cpu["parse+validate"] += time.process_time() - t
        t = time.process_time()
        pipeline._evaluate_sla(result, forms, policy, AS_OF)
        cpu["sla"] += time.process_time() - t
        if deid:  # adds the SLA findings too (the parent's _sla_findings below)
            t = time.process_time()
            pipeline._deidentify_in_worker(result, forms, policy, AS_OF, pack=True)
            cpu["deid"] += time.process_time() - t
        gc.enable()
        t = time.process_time()
        sizes.append(len(ForkingPickler.dumps(result)))
        cpu["pickle"] += time.process_time() - t
        for row in result.rows:  # what the parent adds before the copy is written
            if not row.rejected and not deid:
                pipeline._sla_findings(row, forms[row.form])
        t = time.process_time()
        task = plan.task(result)
        if task is not None:
            if paused:
                gc.disable()
            returns._write_one(task, None)
            gc.enable()
        cpu["returns"] += time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--profile", type=Path)
    ap.add_argument("--deid", action="store_true", help="de-identify in the worker too, as a local pool does")
    args = ap.parse_args()
    items = discover_inputs([args.input]).files
    executors._send_records_as_calls()  # the pickler a pool worker uses
    load_policy(None), load_forms()
    gc.freeze()  # as a pool worker forked by a run starts: what the run loaded before is frozen
    for _ in range(args.repeat):
        cpu: dict[str, float] = defaultdict(float)
        sizes: list[int] = []
        with tempfile.TemporaryDirectory() as tmp:
            t = time.process_time()
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
                one_pass(items, Path(tmp), cpu, sizes, args.deid)
                prof.disable()
            else:
                one_pass(items, Path(tmp), cpu, sizes, args.deid)
            total = time.process_time() - t
        figures = ", ".join(f"{s} {cpu[s]:.2f}" for s in STAGES if s != "deid" or args.deid)
        print(f"{len(items)} files: {total:.2f} s CPU ({figures}); pickled {sum(sizes) / 1e6:.1f} MB")
    if args.profile:
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("cumulative").print_stats(80)
        stats.sort_stats("tottime").print_stats(60)
        args.profile.write_text(buf.getvalue())


if __name__ == "__main__":
    main()
