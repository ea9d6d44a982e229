"""The per-file work on Dask (issue 14): rows/s and where the time goes, against the local process pool.

    python bench/bench_dask.py [ROWS] [--rows-per-file 500] [--workers 2] [--legs pool,local-bytes,...]

Generates ROWS rows (default 20000) as bench_run.py does, then runs ``svcsheet run`` in this process once per leg:

- pool:          the local process pool (--jobs WORKERS)
- local-bytes:   a Dask LocalCluster of WORKERS worker processes, files sent as bytes by the client
- local-path:    the same, workers reading the files from the shared disk
- remote-bytes:  a real ``dask scheduler`` process and WORKERS ``dask worker`` processes on 127.0.0.1
- remote-path:   the same, workers reading the files from the shared disk

For each leg: total seconds and rows/s; the per-file stage split into cluster start/connect, work (summed over
the workers, divided by WORKERS), and the rest of the stage (moving inputs and results, pickling, scheduling:
"moving"); the client-side stages after it (duplicates, de-identification, SLA, common issues, figures, writing);
MB sent to the workers and MB of results sent back. Every leg's outputs are compared byte for byte with the first's.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
AS_OF = "2026-11-23 09:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def remote_cluster(workers: int, logs: Path):
    """A scheduler and WORKERS single-thread workers as separate processes on 127.0.0.1, killed on exit."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SVCSHEET_KEY", None)  # the workers never need the key
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"]
    ]
    commands += [
        [dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
    ] * workers
    procs = []
    try:
        for n, command in enumerate(commands):
            log = open(logs / f"dask-{n}.log", "wb")  # noqa: SIM115 - closed below
            procs.append(
                (subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True), log)
            )
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()


def run_leg(src: Path, out: Path, jobs: int, spec) -> dict:
    """One ``svcsheet run``, with the per-file map's figures (MapStats) caught on the way."""
    from svcsheet import executors, pipeline

    stats = executors.MapStats()
    real = pipeline.map_files

    def measured(work, items, shared, jobs, spec=None, lost=None):
        caught = stats if work is pipeline.read_file else None  # not the returns/ copies' map
        return real(work, items, shared, jobs, spec, lost, stats=caught)

    pipeline.map_files = measured
    try:
        options = pipeline.RunOptions(
            inputs=[src], out=out, as_of=datetime.fromisoformat(AS_OF), jobs=jobs, executor=spec
        )
        t = time.perf_counter()
        result = pipeline.run(options)
        total = time.perf_counter() - t
    finally:
        pipeline.map_files = real
    stage = stats.wall
    work = stats.work / jobs
    return {
        "rows": result.totals["rows_read"],
        "total": total,
        "connect": stats.connect,
        "work": work,
        "moving": max(0.0, stage - stats.connect - work),
        "client": total - stage,
        "sent": stats.bytes_sent / 1e6,
        "back": stats.bytes_back / 1e6,
    }


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="?", type=int, default=20000)
    ap.add_argument("--rows-per-file", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--legs", default="pool,local-bytes,local-path,remote-bytes,remote-path")
    args = ap.parse_args()

    from bench_run import generate

    from svcsheet.executors import ExecutorSpec

    os.environ.setdefault("SVCSHEET_KEY", "bench-key")
    with tempfile.TemporaryDirectory(prefix="svcsheet-bench-dask-") as tmp:
        work = Path(tmp)
        src = work / "in"
        src.mkdir()
        files = generate(src, args.rows, args.rows_per_file)
        print(f"{args.rows} rows in {files} files, {args.workers} workers, 2 cores shared by the machine")
        head = f"{'leg':<13}{'total s':>9}{'rows/s':>9}{'start s':>9}{'work s':>8}{'moving s':>9}"
        print(head + f"{'client s':>9}{'MB sent':>9}{'MB back':>9}  same bytes")
        first = None
        for leg in args.legs.split(","):
            out = work / leg / "out"  # each leg its own history database beside its output
            if leg == "pool":
                figures = run_leg(src, out, args.workers, ExecutorSpec())
            elif leg.startswith("local-"):
                spec = ExecutorSpec(kind="dask", send=leg.split("-")[1], workers=args.workers)
                figures = run_leg(src, out, args.workers, spec)
            else:
                with remote_cluster(args.workers, work) as address:
                    spec = ExecutorSpec(kind="dask", scheduler=address, send=leg.split("-")[1])
                    figures = run_leg(src, out, args.workers, spec)
            written = _files(out)
            first = first or written
            f = figures
            print(
                f"{leg:<13}{f['total']:>9.2f}{f['rows'] / f['total']:>9.0f}{f['connect']:>9.2f}{f['work']:>8.2f}"
                f"{f['moving']:>9.2f}{f['client']:>9.2f}{f['sent']:>9.1f}{f['back']:>9.1f}  {written == first}"
            )


if __name__ == "__main__":
    main()
