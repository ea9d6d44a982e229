"""Peak memory and CPU of a command's whole process tree (a run and its workers).

    python bench/bench_tree.py COMMAND [ARG ...]

Samples every 50 ms the resident size of the command's process and the PSS of it and all its descendants
(`/proc/PID/smaps_rollup`: pages forked workers share with their parent count once), prints a line every EVERY
seconds (environment, default 2) and, at the end, the wall seconds, the CPU seconds (user+sys) of the tree, the
parent's peak resident size and the tree's peak PSS, and when the tree peaked (INTERVAL: seconds between samples,
default 0.05). The command's output is passed through with KEEP=1.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(x) for x in fh.read().split()]
    except OSError:
        return []
    return [q for k in kids for q in [k, *_children(k)]]


def _field(pid: int, name: str, part: str = "status") -> float:
    try:
        with open(f"/proc/{pid}/{part}") as fh:
            for line in fh:
                if line.startswith(name):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    t0 = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:], stdout=None if os.environ.get("KEEP") else subprocess.DEVNULL)
    peak_tree = peak_parent = 0.0
    at_peak = ""
    last, every = 0.0, float(os.environ.get("EVERY", "2"))
    interval = float(os.environ.get("INTERVAL", "0.05"))
    while proc.poll() is None:
        pids = [proc.pid, *_children(proc.pid)]
        rss = _field(proc.pid, "VmRSS:")
        each = [_field(q, "Pss:", "smaps_rollup") for q in pids]
        tree = sum(each)
        t = time.perf_counter() - t0
        if tree > peak_tree:
            at_peak = f"t={t:.1f} s, PSS of the run's process {each[0]:.0f} MB and of {len(each) - 1} others {sum(each[1:]):.0f} MB"
        peak_tree, peak_parent = max(peak_tree, tree), max(peak_parent, rss)
        if t - last >= every:
            last = t
            print(f"t={t:6.1f} parent RSS {rss:5.0f} tree PSS {tree:5.0f} ({len(pids)} procs)", file=sys.stderr)
        time.sleep(interval)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"rc={proc.returncode} wall {time.perf_counter() - t0:.1f} s CPU {ru.ru_utime + ru.ru_stime:.1f} s "
        f"parent peak RSS {peak_parent:.0f} MB tree peak PSS {peak_tree:.0f} MB",
        file=sys.stderr,
    )
    print(f"tree peak at {at_peak}", file=sys.stderr)


if __name__ == "__main__":
    main()
