"""Stage 8: write every output of a run into a temporary folder, then move the folder into place.

Nothing here computes figures: it lays out what the RunResult already holds.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ..forms import FormSpec
from ..gcpause import GcPause
from ..reading.discover import OUTPUT_ENTRIES, OUTPUT_MARKER
from .clean import write_clean
from .manifest import build_manifest, write_manifest, write_trace
from .rejects import write_rejects
from .report_html import write_report_html
from .returns import EarlyReturns, write_returns
from .summary import write_summary
from .xlsx import BackgroundClose, closing_in_background


def write_outputs(
    result,
    forms: dict[str, FormSpec],
    out: Path,
    returns: EarlyReturns | None = None,
    beside: Callable[[], None] | None = None,
) -> None:
    """Write clean.xlsx, rejects.xlsx, summary.xlsx, report.html, returns/, trace.json and run.json into ``out``.

    Written first into a sibling temporary folder (mode 0700: returns/ holds personal data), the marker last;
    the old ``out`` (if any) is replaced only when all succeeded. Temporary folders that killed runs left
    beside ``out`` are removed first. ``returns``: returns/ already being written (``start_returns``).
    ``beside``: called once this process forks no more for the writers, to start work of its own (in a thread)
    that overlaps theirs.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_TMP}-{os.getpid()}-", dir=out.parent))  # mode 0700
    try:
        _write_files(result, forms, tmp, returns, beside)
        result.manifest = build_manifest(result, tmp)
        # which history database the run read (whether it also wrote it is on the terminal: a re-run into
        # another folder must give the same run.json)
        result.manifest["history"] = result.figures.history_path
        write_manifest(result.manifest, tmp / "run.json")
        result.outputs = result.manifest["outputs"]
        (tmp / OUTPUT_MARKER).write_text(result.manifest["run_id"] + "\n", encoding="ascii")
        _move_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


_TMP, _OLD = "svcsheet-tmp", "svcsheet-old"


def start_returns(pool, out: Path) -> EarlyReturns:
    """returns/ written by ``pool``'s workers, a file at a time as its findings are complete (``add``), into a
    private folder beside ``out`` (named like write_outputs' temporary folder: a killed run's is removed by the
    next run)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_TMP}-{os.getpid()}-", dir=out.parent))  # mode 0700
    return EarlyReturns(pool, staging)


# Outputs that lay out ``result.figures`` or the rejected rows only. With more than one job a forked process writes
# them while this one writes the rest: it reads few of the objects it inherited, so it copies few pages (clean.xlsx
# written by a forked process read every row and copied them: +166 MB peak at 20,000 rows, for 2.6 s of CPU moved;
# rejects.xlsx, ~0.15 s of the run's last second at 20,000 rows, +11-15 MB). trace.json reads every row too, but
# only while clean.xlsx is still being written here: the child was idle for ~0.9 s of 1.9 s at 20,000 rows, and the
# tree's peak (in the reading) did not move; the run: 7.81 -> 7.39 s (median of 6 alternated runs).
FORKED = ("rejects", "summary", "report", "trace")
# ... but only for a small run (executors.small_run): while the child lives, the writers here read every row, so every
# page of rows the child shares is copied.


# Writers whose workbook is packaged and deflated in a thread while the writers after them run (zlib releases
# the GIL: the deflate, about a third of clean.xlsx's time, runs on another core).
CLOSED_IN_BACKGROUND = ("clean", "rejects", "summary")
# Writers that run with the garbage collector paused (gcpause.py): they make no reference cycles (a closed
# workbook's is broken: xlsx._Workbook). trace.json too since its tickets are written from the rows
# (manifest._ticket_json): the JSON encoder (with indent), which leaves a cycle of closures per ticket, now
# encodes only a ticket holding an unusual value. Consecutive ones run under one pause, collected once after
# them, when the workbooks closing in threads are done: a collection after each writer walked every workbook
# still being closed (summary.xlsx's cells three times over), ~0.7 s of the serial path at 100,000 rows.
GC_PAUSED = ("clean", "rejects", "summary", "report", "trace")
# ... and a writer that may fork (the returns/ pool) waits for those threads first: a forked process keeps
# only the forking thread, and could inherit a lock another thread held.
FORKS = ("returns",)


def _write_files(
    result,
    forms: dict[str, FormSpec],
    folder: Path,
    returns: EarlyReturns | None = None,
    beside: Callable[[], None] | None = None,
) -> None:
    """Every output but run.json, in this order; the error raised is the one of the first writer that failed
    in this order, whichever process (or thread) wrote it, as when one process writes them all. ``beside``:
    see write_outputs."""
    steps = [
        ("clean", lambda: write_clean(result, forms, folder / "clean.xlsx")),
        ("rejects", lambda: write_rejects(result, forms, folder / "rejects.xlsx")),
        ("summary", lambda: write_summary(result, folder / "summary.xlsx")),
        ("report", lambda: write_report_html(result, folder / "report.html")),
        # trace.json before returns/: returns/ waits for the workbooks closing in threads (it may fork), and
        # trace.json's encoding overlaps their deflate instead of following it
        ("trace", lambda: write_trace(result, folder / "trace.json")),
        (
            "returns",
            lambda: (
                returns.finish(folder / "returns")
                if returns
                else write_returns(result, forms, folder / "returns")
            ),
        ),
    ]
    numbered = [(i, name, fn) for i, (name, fn) in enumerate(steps)]
    child = None
    if _fork_jobs(result):
        child = _Forked.start(_run_steps, [step for step in numbered if step[1] in FORKED])
        numbered = [step for step in numbered if step[1] not in FORKED]
    failed: tuple[int, BaseException] | None = None
    try:
        # with an early pool returns/ forks nothing (but a copy whose worker died, written again alone);
        # otherwise it may fork a pool of its own: ``beside`` then starts after it
        if beside is not None and returns is not None:
            beside()
            beside = None
        failed = _run_steps(numbered)
        if beside is not None and failed is None:
            beside()
    except BaseException:  # interrupted: the child must not go on writing into a folder being removed
        if child is not None:
            child.stop()
        raise
    if child is not None:
        if failed is not None and child.first > failed[0]:
            child.stop()  # nothing it writes comes before the failure here
        else:
            theirs = child.join()
            if theirs is not None and (failed is None or theirs[0] < failed[0]):
                failed = theirs
    if failed is not None:
        raise failed[1]


Step = tuple[int, str, Callable[[], None]]  # (number in the usual order, name, writer)


def _run_steps(steps: list[Step]) -> tuple[int, BaseException] | None:
    """Run the steps in order until one raises an Exception: (its number, the exception), else None. A workbook
    closed in a thread counts as its step's: its failure stops the steps after it as soon as it is seen, and
    every thread has ended when this returns (or raises)."""
    pending: list[tuple[int, BackgroundClose]] = []
    pause = GcPause()
    try:
        for i, name, fn in steps:
            if name in FORKS and (failed := _join(pending)) is not None:
                return failed
            if name in GC_PAUSED:
                pause.pause()
            else:  # (the workbooks closing in threads, if any, are joined first: FORKS)
                pause.resume()
            later: list[BackgroundClose] = []
            closing = closing_in_background() if name in CLOSED_IN_BACKGROUND else nullcontext(later)
            try:
                with closing as later:
                    fn()
            except Exception as exc:  # noqa: BLE001 - handed to write_outputs, which raises it
                pending += [(i, close) for close in later]
                return _join(pending) or (i, exc)
            pending += [(i, close) for close in later]
        return _join(pending)
    finally:
        for _i, close in pending:  # interrupted: no thread may go on writing into a folder being removed
            close.wait()
        pause.resume()


def _join(pending: list[tuple[int, BackgroundClose]]) -> tuple[int, BaseException] | None:
    """Wait for every workbook closing in a thread (emptying ``pending``); the first step's failure, if any."""
    failed = None
    while pending:
        i, close = pending.pop(0)
        try:
            close.join()
        except Exception as exc:  # noqa: BLE001
            failed = failed or (i, exc)
    return failed


def _fork_jobs(result) -> bool:
    """Whether outputs may be written by two processes: more than one job, a platform that forks, and a run small
    enough that holding its rows twice for a while is cheap (``small_run``)."""
    from ..executors import forks_for

    return forks_for(sum(len(f.rows) for f in result.files), getattr(result.options, "jobs", None))


class _Forked:
    """``_run_steps(steps)`` in a forked child process; ``join`` waits for it and returns what it returned."""

    def __init__(self, child, first: int) -> None:
        self.child, self.first = child, first

    @classmethod
    def start(cls, fn: Callable[[Any], Any], steps: list[Step]) -> _Forked:
        from ..executors import Forked

        return cls(Forked(_portable, fn, steps), min((step[0] for step in steps), default=0))

    def join(self) -> tuple[int, BaseException] | None:
        def died(code: int | None) -> tuple[int, BaseException]:
            why = f"写出输出文件的子进程意外退出（退出码 {code}）/ an output writer process died"
            return self.first, RuntimeError(why)

        return self.child.result(died)

    def stop(self) -> None:
        self.child.stop()


def _portable(fn, steps) -> tuple[int, BaseException] | None:
    """``fn(steps)``, its failure's exception made one that travels back from the child (``portable``)."""
    from ..executors import portable

    outcome = fn(steps)
    return None if outcome is None else (outcome[0], portable(outcome[1]))


def _move_into_place(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_OLD}-{os.getpid()}-", dir=out.parent))
        old.rmdir()  # a unique name to rename into
        out.rename(old)
    tmp.rename(out)
    out.chmod(0o755)  # private while written; the team must be able to open the reports
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_LEGACY = re.compile(r"^\.(?P<name>.+)\.(?:[a-z0-9_]{8}|old)$")  # mkdtemp names of earlier versions


def remove_stale_temporaries(out: Path) -> list[str]:
    """Remove the temporary and replaced folders of runs that were killed before they finished (their process
    is gone); a concurrent run's folders are left alone. Returns the names removed."""
    removed = []
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in siblings:
        if entry.is_symlink() or not entry.is_dir():
            continue
        name = entry.name
        for kind in (_TMP, _OLD):
            head = f".{out.name}.{kind}-"
            if name.startswith(head):
                pid = name[len(head) :].split("-", 1)[0]
                if pid.isdigit() and not _alive(int(pid)):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(name)
        m = _LEGACY.match(name)
        if m and m.group("name") == out.name and _only_outputs(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) terminates the process on Windows: never probe, never remove
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _only_outputs(folder: Path) -> bool:
    """A folder an earlier version left: nothing in it but what svcsheet writes (so removing it loses nothing)."""
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return bool(names) and names <= OUTPUT_ENTRIES
