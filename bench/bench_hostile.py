"""Time and peak memory of reading hostile workbooks, each in its own process.

    PYTHONPATH=. python bench/bench_hostile.py [CASE...]        # cases: merge ods_repeat ods_repeat_2e9 prefixed xls

Prints, per case: file size, wall time, peak RSS of the reading process and how the read ended (the first line of
the Chinese message when refused). ``SVCSHEET_BENCH_TIMEOUT`` (seconds, default 400) stops a case that runs away.
To measure another checkout, point PYTHONPATH at it; the hostile files always come from this repository's tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import hostile  # noqa: E402

CASES = {
    "merge": ("merge_bomb.xlsx", lambda p: hostile.merge_bomb_xlsx(p)),
    "ods_repeat": ("repeat_bomb.ods", lambda p: hostile.ods_repeat_bomb(p, 30_000_000)),
    "ods_repeat_2e9": ("repeat_bomb_2e9.ods", lambda p: hostile.ods_repeat_bomb(p, 2_000_000_000)),
    "prefixed": ("prefixed.xlsx", lambda p: hostile.prefixed_cells_xlsx(p, 3_000_000)),
    "xls": ("many_cells.xls", lambda p: hostile.xls_many_cells(p, 3_000_000)),
}
_CHILD = (
    "import sys\n"
    "from svcsheet.reading.reader import read_workbook\n"
    "try:\n"
    "    book = read_workbook(sys.argv[1])\n"
    "    print('read', len(book.rows), 'rows')\n"
    "except Exception as exc:\n"
    "    print(type(exc).__name__, str(exc).splitlines()[0][:120])\n"
)


def measure(path: Path) -> tuple[float, float, str]:
    # The child runs in the file's folder: `python -c` puts its working directory first on sys.path, and
    # PYTHONPATH (the checkout measured) must decide which svcsheet is imported.
    """(seconds, peak RSS in MB, outcome) of read_workbook(path) in a fresh process."""
    timeout = float(os.environ.get("SVCSHEET_BENCH_TIMEOUT", "400"))
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=path.parent,
    )
    status = rusage = None
    while time.monotonic() - start < timeout:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        _, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    out = proc.stdout.read().decode("utf-8", "replace").strip().splitlines() if proc.stdout else []
    if seconds >= timeout:
        outcome = f"killed after {timeout:.0f} s"
    elif status and os.WIFSIGNALED(status):
        outcome = f"signal {os.WTERMSIG(status)}"
    else:
        outcome = out[-1] if out else "no output"
    return seconds, rusage.ru_maxrss / 1024 if rusage else 0.0, outcome


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(CASES):
            filename, make = CASES[name]
            path = Path(tmp) / filename
            make(path)
            seconds, mb, outcome = measure(path)
            size = path.stat().st_size
            print(f"{name:15s} {size / 1e6:8.3f} MB file  {seconds:7.2f} s  {mb:8.0f} MB peak  {outcome}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
