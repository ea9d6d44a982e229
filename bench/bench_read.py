"""The per-file stage alone: read, recognise, parse and validate every input file, as the workers do.

    python bench/bench_read.py IN [--repeat N] [--profile] [--pickle] [--jobs N] [--fingerprint]

Prints the CPU seconds of ``map_files(read_file, ...)`` in this process (``--jobs 1``, the default) or the wall
seconds with a pool (``--jobs N``); with ``--pickle`` the pickled size and pickling/unpickling seconds of the
results (what a pool sends back to the parent); with ``--profile`` a pyinstrument profile of one pass;
with ``--fingerprint`` a digest of every result (rows, cells, values, findings, sheets) to compare two versions.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from svcsheet.executors import map_files  # noqa: E402
from svcsheet.pipeline import read_file  # noqa: E402
from svcsheet.policy import load_policy  # noqa: E402
from svcsheet.reading.discover import discover_inputs  # noqa: E402

AS_OF = datetime(2026, 11, 23, 9, 0)


def fingerprint(results: list) -> str:
    """A digest of what the parent sees of each file (every row's cells, values and findings)."""
    h = hashlib.sha256()
    for fr in results:
        h.update(repr((fr.input.name, fr.sha256, fr.error, fr.sheets, fr.findings)).encode())
        for row in fr.rows:
            cells = [(k, c.ref, type(c.raw).__name__, c.raw) for k, c in row.cells.items()]
            h.update(repr((row.form, row.prov, row.layout, row.ticket_id, cells)).encode())
            h.update(repr(sorted(row.values.items())).encode())
            h.update(repr(row.findings).encode())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--pickle", action="store_true")
    ap.add_argument("--fingerprint", action="store_true")
    args = ap.parse_args()
    policy = load_policy(None)
    items = discover_inputs([args.input]).files
    shared = (policy, AS_OF)
    results: list = []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.001) as prof:
                results = list(map_files(read_file, items, shared, args.jobs))
            print(prof.output_text(unicode=True, color=False, show_all=False))
        else:
            results = list(map_files(read_file, items, shared, args.jobs))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows = sum(len(fr.rows) for fr in results)
        print(
            f"{len(items)} files, {rows} rows: {cpu:.2f} s CPU (this process), {wall:.2f} s wall, jobs {args.jobs}"
        )
    if args.pickle:
        from multiprocessing.reduction import ForkingPickler

        from svcsheet import executors

        def sent(label: str) -> None:
            t = time.process_time()
            blobs = [bytes(ForkingPickler.dumps(fr)) for fr in results]
            dump = time.process_time() - t
            t = time.process_time()
            for blob in blobs:
                pickle.loads(blob)
            load = time.process_time() - t
            size = sum(len(b) for b in blobs)
            print(
                f"pickled results, {label}: {size / 1e6:.1f} MB ({size / max(1, rows):.0f} B a row), "
                f"dumps {dump:.2f} s, loads {load:.2f} s CPU"
            )

        sent("default pickling")
        if hasattr(executors, "_send_records_as_calls"):
            executors._send_records_as_calls()
            sent("as a worker sends them")
    if args.fingerprint:
        print("fingerprint", fingerprint(results))


if __name__ == "__main__":
    main()
