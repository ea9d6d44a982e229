"""Stage 8: write every output of a run into a temporary folder, then move the folder into place.

Nothing here computes figures: it lays out what the RunResult already holds.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from ..deid import Deidentifier
from ..discover import OUTPUT_ENTRIES, OUTPUT_MARKER
from ..forms import FormSpec
from .clean import write_clean
from .manifest import build_manifest, write_manifest, write_trace
from .rejects import write_rejects
from .report_html import write_report_html
from .returns import write_returns
from .summary import write_summary


def write_outputs(result, forms: dict[str, FormSpec], deid: Deidentifier, out: Path) -> None:
    """Write clean.xlsx, rejects.xlsx, summary.xlsx, report.html, returns/, trace.json and run.json into ``out``.

    Written first into a sibling temporary folder (mode 0700: returns/ holds personal data), the marker last;
    the old ``out`` (if any) is replaced only when all succeeded. Temporary folders that killed runs left
    beside ``out`` are removed first.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_TMP}-{os.getpid()}-", dir=out.parent))  # mode 0700
    try:
        # clean.xlsx (the largest) is written in a forked process while this one writes the rest; with one job,
        # or without fork, here first. Either way the files are the same bytes, and an error is the one raised
        # by the first writer that failed, in this order.
        clean = _Forked.start(write_clean, result, forms, tmp / "clean.xlsx") if _fork_jobs(result) else None
        try:
            if clean is None:
                write_clean(result, forms, tmp / "clean.xlsx")
            write_rejects(result, forms, tmp / "rejects.xlsx")
            write_summary(result, tmp / "summary.xlsx")
            write_report_html(result, tmp / "report.html")
            write_returns(result, forms, tmp / "returns")
            write_trace(result, tmp / "trace.json")
        except Exception:
            if clean is not None:
                clean.join()  # clean.xlsx comes first: its error, if any, is the one to raise
            raise
        except BaseException:
            if clean is not None:
                clean.stop()  # interrupted: the child must not go on writing into a folder being removed
            raise
        if clean is not None:
            clean.join()
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


def _fork_jobs(result) -> bool:
    """Whether outputs may be written by two processes: more than one job, and a platform that forks."""
    import multiprocessing

    from ..executors import default_jobs

    jobs = getattr(result.options, "jobs", None)
    jobs = default_jobs() if jobs is None else jobs
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


class _Forked:
    """``fn(*args)`` in a forked child process; ``join`` waits for it and raises what it raised."""

    def __init__(self, process, conn) -> None:
        self.process, self.conn = process, conn
        self.outcome: BaseException | None = None
        self.joined = False

    @classmethod
    def start(cls, fn, *args) -> _Forked:
        import gc
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # the child flushes its copy of any pending output on exit
            if stream is not None:
                stream.flush()
        receive, send = ctx.Pipe(duplex=False)
        # the child's garbage collector would touch (and so copy) every object it inherited: frozen ones are not
        gc.freeze()
        try:
            process = ctx.Process(target=_child, args=(send, os.getpid(), fn, args), daemon=True)
            process.start()
        finally:
            gc.unfreeze()
        send.close()
        return cls(process, receive)

    def join(self) -> None:
        if not self.joined:
            try:
                self.outcome = self.conn.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                self.outcome = RuntimeError(
                    f"写出输出文件的子进程意外退出（退出码 {self.process.exitcode}）/ an output writer process died"
                )
            self.process.join()
            self.conn.close()
            self.joined = True
        if self.outcome is not None:
            raise self.outcome

    def stop(self) -> None:
        if not self.joined:
            self.process.kill()
            self.process.join()
            self.conn.close()
            self.joined = True


def _child(send, parent: int, fn, args) -> None:
    """Run in the forked child: ``fn(*args)``, then send None or the exception it raised."""
    import pickle

    from ..executors import _die_with_parent

    _die_with_parent(parent)  # a killed run must not leave a writer behind
    outcome: BaseException | None = None
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001 - it is re-raised in the parent
        outcome = exc
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - an exception that does not travel: its type and text do
            outcome = RuntimeError(f"{type(exc).__name__}: {exc}")
    send.send(outcome)
    send.close()


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
