"""CPU seconds and resident memory of each stage of one ``svcsheet run``, in this one process.

    python bench/bench_stages.py IN --out OUT [--as-of "2026-11-23 09:00"] [--jobs 1] [--history FILE] [--trace N]

Wraps the stage functions ``pipeline.run`` calls (names as in the pipeline) and prints, in the order the stages
first ran: CPU seconds (user+sys of this process; with --jobs > 1 the workers' time is not in "read"), the
resident size after the stage's last call and the peak so far. ``--trace N`` also prints tracemalloc's top N
allocation lines at the traced peak (slow: run it on a small set). A stage called inside another counts in
both: with --jobs 1 the per-file de-identification (and redact_row ... within it) is part of "read"; with
--jobs > 1 it runs in the workers, and "de-identify: check, redo" is what this process still does.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svcsheet import pipeline  # noqa: E402
from svcsheet.outputs import figures, output_folder  # noqa: E402

STAGES: dict[str, list[float]] = {}  # name -> [cpu seconds, rss after, peak after, gc seconds, wall from, to]
T0 = [0.0]  # the run's start (perf_counter): the wall columns are seconds since it
GC = {"collections": [0, 0, 0], "seconds": [0.0, 0.0, 0.0], "_t": 0.0, "_last": 0.0}


def _gc_timer(phase: str, info: dict) -> None:
    if phase == "start":
        GC["_t"] = time.perf_counter()
    else:
        GC["collections"][info["generation"]] += 1
        GC["seconds"][info["generation"]] += time.perf_counter() - GC["_t"]


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _note(name: str, cpu: float, began: float) -> None:
    entry = STAGES.setdefault(name, [0.0, 0.0, 0.0, 0.0, began - T0[0], 0.0])
    entry[5] = time.perf_counter() - T0[0]
    entry[0] += cpu
    entry[3] += sum(GC["seconds"]) - GC["_last"]
    GC["_last"] = sum(GC["seconds"])
    entry[1] = _rss_mb()
    entry[2] = _peak_mb()


def _wrap(module, attr: str, name: str) -> None:
    inner = getattr(module, attr)

    def timed(*args, **kwargs):
        t, w = time.process_time(), time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            _note(name, time.process_time() - t, w)

    setattr(module, attr, timed)


def _wrap_iter(module, attr: str, name: str) -> None:
    inner = getattr(module, attr)

    def timed(*args, **kwargs):
        it = inner(*args, **kwargs)
        while True:
            t, w = time.process_time(), time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                _note(name, time.process_time() - t, w)
                return
            _note(name, time.process_time() - t, w)
            yield item

    setattr(module, attr, timed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--as-of", default="2026-11-23 09:00")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--history", type=Path, default=Path("off"), help="history file (default off; delete it first)")
    ap.add_argument("--trace", type=int, default=0, help="top N tracemalloc lines at the traced peak")
    args = ap.parse_args()

    _wrap_iter(pipeline, "map_files", "read+parse+validate (per file)")
    for attr, name in [
        ("check_duplicates", "duplicates"),
        ("_deidentify_in_worker", "de-identify in the worker (--jobs 1)"),
        ("_deidentify", "de-identify: check, redo"),
        ("redact_row", "redact_row"),
        ("_redact_provenance", "redact provenance"),
        ("evaluate_row", "SLA evaluate_row"),
        ("_sla_findings", "SLA findings"),
        ("redact_findings", "redact_findings"),
        ("parse_period", "period"),
        ("_problem_texts", "problem texts"),
        ("_common_clustering", "cluster_problems"),
        ("_release_freed_memory", "malloc_trim"),
    ]:
        _wrap(pipeline, attr, name)
    _wrap(figures, "compute_figures", "compute_figures")
    # the writers as output_folder calls them (the outputs package itself holds only its entry points)
    for attr in ("write_clean", "write_rejects", "write_summary", "write_report_html", "write_returns", "write_trace"):
        _wrap(output_folder, attr, attr)
    _wrap(output_folder, "build_manifest", "build_manifest")
    from svcsheet.outputs import returns

    _wrap(returns.EarlyReturns, "settle", "returns/ in the workers: wait")  # with a pool: waits for them
    _wrap(returns.EarlyReturns, "finish", "returns/ in the workers: collect")
    import svcsheet.audit.history as history

    # the history's inserts run in a thread beside the writers; commit waits for them after the outputs
    _wrap(history.HistorySave, "commit", "history: wait and commit")

    gc.callbacks.append(_gc_timer)
    if args.trace:
        tracemalloc.start(1)
    options = pipeline.RunOptions(
        inputs=args.inputs, out=args.out, as_of=datetime.fromisoformat(args.as_of), history=args.history, jobs=args.jobs
    )
    start_rss, t0, w0 = _rss_mb(), time.process_time(), time.perf_counter()
    T0[0] = w0
    pipeline.run(options)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    print(f"rss after imports {start_rss:.0f} MB")
    print(f"{'stage':34} {'CPU s':>8} {'RSS MB':>8} {'peak MB':>8} {'gc s':>6} {'wall from-to s':>15}")
    for name, (c, rss, peak, g, w_from, w_to) in STAGES.items():
        print(f"{name:34} {c:8.2f} {rss:8.0f} {peak:8.0f} {g:6.2f} {w_from:7.1f}-{w_to:<7.1f}")
    print(f"{'whole run':34} {cpu:8.2f} {_rss_mb():8.0f} {_peak_mb():8.0f}   wall {wall:.1f} s")
    gen = ", ".join(f"gen{i} {n} in {s:.2f} s" for i, (n, s) in enumerate(zip(GC["collections"], GC["seconds"], strict=True)))
    print(f"garbage collections: {gen}")
    if args.trace:
        snap = tracemalloc.take_snapshot()
        cur, peak = tracemalloc.get_traced_memory()
        print(f"traced now {cur / 2**20:.0f} MB, traced peak {peak / 2**20:.0f} MB; top lines now:")
        for stat in snap.statistics("lineno")[: args.trace]:
            print(f"  {stat.size / 2**20:8.1f} MB {stat.count:9d}  {stat.traceback}")


if __name__ == "__main__":
    main()
