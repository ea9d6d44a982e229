"""The output stage alone (issue 12): CPU and wall seconds of each writer and of ``write_outputs`` as a whole.

    python bench/bench_outputs.py IN [--jobs N] [--repeat N] [--save PICKLE | --load PICKLE] [--keep DIR]
                                     [--only NAME ...] [--freeze] [--background] [--deflate-at-close]

Runs the pipeline on IN without writing (``--as-of 2026-11-23 09:00``, no history), or loads a result saved by an
earlier ``--save`` (the inputs must still be where they were: returns/ copies them), then writes every output into
a temporary folder, one writer at a time and then through ``write_outputs``. CPU is user+sys of this process and of
every child it waited for (forked writers, the returns/ pool), so it compares across ``--jobs``.

``--freeze``: ``gc.freeze()`` after loading, as the pipeline has frozen what it keeps before the writers run (without
it every full collection walks the whole loaded result). ``--only figures redact`` also times ``compute_figures``
and the de-identification stage (``redact_row`` then ``redact_findings`` on every row, with a fresh de-identifier;
it recomputes the same values in place).

``--deflate-at-close``: a streamed sheet's part deflated when its workbook closes, not while its rows are written
(``xlsx.DEFLATE_WHILE_WRITING`` off: the A/B of perfzip's first change; the same bytes).

``--background``: workbooks closed in a thread, as ``write_outputs`` closes them (packaging and deflate overlap the
next writer), and joined after the writer; ``main`` is then the CPU of the calling thread alone: what the writer
adds to the run's serial path.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _measure(fn: Callable[[], object], background: bool = False) -> tuple[float, float, float]:
    """(CPU of the process and its waited-for children, CPU of this thread, wall seconds) of ``fn()``."""
    from svcsheet.outputs.xlsx import closing_in_background

    cpu, main, wall = _cpu(), time.thread_time(), time.perf_counter()
    if background:
        with closing_in_background() as later:
            fn()
        main = time.thread_time() - main
        for close in later:
            close.join()
    else:
        fn()
        main = time.thread_time() - main
    return _cpu() - cpu, main, time.perf_counter() - wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", type=Path, nargs="?")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--save", type=Path, help="pickle the computed result here (then write as usual)")
    ap.add_argument("--load", type=Path, help="a result pickled by --save: skip the pipeline")
    ap.add_argument("--keep", type=Path, help="write into this folder (one subfolder per writer) and keep it")
    ap.add_argument("--only", nargs="*", default=None, help="writers (default: all, write_outputs)")
    ap.add_argument("--freeze", action="store_true", help="gc.freeze() the loaded result, as the pipeline does")
    ap.add_argument("--background", action="store_true", help="close workbooks in a thread, as write_outputs does")
    ap.add_argument(
        "--deflate-at-close", action="store_true", help="deflate sheet parts when the workbook closes (as before perfzip)"
    )
    args = ap.parse_args()
    if args.deflate_at_close:
        from svcsheet.outputs import xlsx

        xlsx.DEFLATE_WHILE_WRITING = False

    from svcsheet.forms import load_forms
    from svcsheet.outputs import write_outputs
    from svcsheet.outputs.clean import write_clean
    from svcsheet.outputs.figures import compute_figures
    from svcsheet.outputs.manifest import write_trace
    from svcsheet.outputs.rejects import write_rejects
    from svcsheet.outputs.report_html import write_report_html
    from svcsheet.outputs.returns import write_returns
    from svcsheet.outputs.summary import write_summary
    from svcsheet.pipeline import RunOptions, run
    from svcsheet.switching import SWITCH_INTERVAL

    if args.load:
        with args.load.open("rb") as fh:
            result = pickle.load(fh)
    else:
        if args.inputs is None:
            ap.error("give IN or --load")
        options = RunOptions(
            inputs=[args.inputs], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=args.jobs
        )
        result = run(options)
        if args.save:
            sys.setrecursionlimit(100_000)
            with args.save.open("wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    result.options.jobs = args.jobs
    if args.freeze:
        import gc

        gc.collect()
        gc.freeze()
    forms = load_forms()
    rows = len(result.rows)
    writers: dict[str, Callable[[Path], object]] = {
        "clean": lambda d: write_clean(result, forms, d / "clean.xlsx"),
        "rejects": lambda d: write_rejects(result, forms, d / "rejects.xlsx"),
        "summary": lambda d: write_summary(result, d / "summary.xlsx"),
        "report": lambda d: write_report_html(result, d / "report.html"),
        "returns": lambda d: write_returns(result, forms, d / "returns"),
        "trace": lambda d: write_trace(result, d / "trace.json"),
        "write_outputs": lambda d: write_outputs(result, forms, d / "out"),
    }
    names = args.only or list(writers)
    writers["figures"] = lambda d: compute_figures(result, forms)
    writers["redact"] = lambda d: _redact(result, forms)
    sys.setswitchinterval(SWITCH_INTERVAL)  # as in a run (pipeline.run): this process is the bench's own
    print(f"{rows} rows, {len(result.files)} files, --jobs {args.jobs}; seconds (best of {args.repeat})")
    for name in names:
        best = (float("inf"), float("inf"), float("inf"))
        for _ in range(args.repeat):
            if args.keep:
                folder = args.keep / name
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
            else:
                folder = Path(tempfile.mkdtemp(prefix="svcsheet-bench-outputs-"))
            try:
                cpu, main, wall = _measure(lambda f=folder, w=writers[name]: w(f), args.background)
            finally:
                if not args.keep:
                    shutil.rmtree(folder, ignore_errors=True)
            best = min(best, (cpu, main, wall))
        print(f"{name:14} cpu {best[0]:7.2f}  main {best[1]:7.2f}  wall {best[2]:7.2f}", flush=True)


def _redact(result, forms) -> None:
    """Stage 4 of the pipeline again on every row (the same values: a fresh de-identifier with the run's key)."""
    from svcsheet.deid.deidentifier import Deidentifier
    from svcsheet.deid.keys import resolve_key
    from svcsheet.deid.redact import NameIndex, redact_findings, redact_row

    deid = Deidentifier(resolve_key(result.policy), result.policy.raw["deid"])
    rows = result.rows
    names = NameIndex.from_rows(rows, forms)
    for row in rows:
        redact_row(row, forms[row.form], deid, names)
    for row in rows:
        redact_findings(row, forms[row.form], deid, names)


if __name__ == "__main__":
    main()
