"""Where the per-file work runs: in this process, in a local process pool, or on a Dask distributed cluster.

Every executor yields results in the order of the items, so the outputs are the same bytes whatever runs them.
A file whose work kills the process running it (a hostile workbook, a crash in a native reader) costs that file
only: ``lost(item, reason)`` stands in for its result. Without ``lost`` such a death is an error.

Dask is optional (``pip install "svcsheet[dask]"``); it is imported only when asked for.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .errors import UsageError

_T = TypeVar("_T")
_R = TypeVar("_R")
Work = Callable[[Any, Any], Any]
Lost = Callable[[Any, str], Any]

EXECUTORS = ("local", "dask")
SEND_MODES = ("bytes", "path")
# what run.json shows for a file whose work killed its worker (like any unreadable file)
LOST_REASON = "处理该文件时工作进程意外退出（文件可能已损坏或含有害内容），已跳过此文件"
INSTALL_HINT = '--executor dask 需要安装 Dask：pip install "svcsheet[dask]" / Dask is not installed'


class FileJob(NamedTuple):
    """Work that reads ``source`` and writes files beside ``target`` (the returns/ copies). On Dask the worker
    writes them into a private folder and sends their bytes back; the client puts them beside ``target``."""

    source: Path
    target: Path
    data: Any


@dataclass(frozen=True)
class ExecutorSpec:
    """Which engine runs the per-file work. ``scheduler`` None with dask: a LocalCluster on this machine."""

    kind: str = "local"
    scheduler: str | None = None
    send: str = "bytes"  # dask: input files travel as bytes from the client, or as a path the workers share
    workers: int | None = None  # LocalCluster size (default: --jobs, else one per core)

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise UsageError(f"未知的执行方式 / unknown executor: {self.kind}")
        if self.send not in SEND_MODES:
            raise UsageError(f"未知的传送方式 / unknown --send: {self.send}")
        if self.scheduler and self.kind != "dask":
            raise UsageError("--scheduler 只用于 --executor dask / --scheduler needs --executor dask")
        if self.kind == "dask":
            try:
                import distributed  # noqa: F401
            except ImportError as exc:
                raise UsageError(INSTALL_HINT) from exc


@dataclass
class MapStats:
    """What one map cost; filled when passed to map_files (the bench reads it)."""

    items: int = 0
    wall: float = 0.0  # the whole map on the client, from start to the last result
    connect: float = 0.0  # dask: starting the LocalCluster, or connecting to the scheduler
    work: float = 0.0  # summed over items, measured where the work ran
    read_bytes: float = 0.0  # client time reading inputs to send them (send=bytes)
    bytes_sent: int = 0  # input bytes the client sent
    bytes_back: int = 0  # pickled results the client received (measured on the workers)
    lost: list[int] = field(default_factory=list)  # indexes of items whose worker died


def default_jobs() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def map_files(
    work: Callable[[_T, Any], _R],
    items: Sequence[_T],
    shared: Any,
    jobs: int | None,
    spec: ExecutorSpec | None = None,
    lost: Callable[[_T, str], _R] | None = None,
    stats: MapStats | None = None,
    pool: LocalPool | None = None,
) -> Iterator[_R]:
    """``work(item, shared)`` for every item, results in the order of ``items``. ``work`` must be a
    module-level function (it is pickled by reference). ``pool``: a local pool to run it in (and keep open
    afterwards), used when the map would run in a local pool."""
    spec = spec or ExecutorSpec()
    stats = stats if stats is not None else MapStats()
    stats.items = len(items)
    start = time.perf_counter()
    if spec.kind == "dask":
        yield from _dask_map(work, items, shared, jobs, spec, lost, stats)
    else:
        jobs = min(default_jobs() if jobs is None else max(1, jobs), len(items))
        if jobs <= 1:
            for item in items:
                result, seconds = _timed(work, item, shared)
                stats.work += seconds
                yield result
        else:
            yield from _pool_map(work, items, shared, jobs, lost, stats, pool)
    stats.wall = time.perf_counter() - start


def local_jobs(jobs: int | None, items: int, spec: ExecutorSpec | None = None) -> int:
    """How many local worker processes map_files would use (1: in this process; 0: not local)."""
    if spec is not None and spec.kind != "local":
        return 0
    return min(default_jobs() if jobs is None else max(1, jobs), items)


# -- the local process pool ---------------------------------------------------------------------------------


def _mp_context() -> Any:
    import multiprocessing

    # fork starts a worker in milliseconds with the forms and lexicons already loaded; elsewhere, spawn
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _die_with_parent(parent: int) -> None:
    """Worker initialiser: a forked worker holds the pool's pipes open itself, so it never sees EOF when the run
    is killed (kill -9, OOM killer) and would wait forever; on Linux, ask the kernel to kill it with its parent."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)


def _worker_init(parent: int) -> None:
    import gc

    _die_with_parent(parent)
    _send_records_as_calls()
    gc.enable()  # a parent may fork while it has the collector off (pipeline: while results arrive)


def _send_records_as_calls() -> None:
    """Worker initialiser: the per-file results are mostly the records' slots dataclasses (a row, its cells'
    parsed values, its findings). Pickled by default, each is rebuilt by dataclasses' __setstate__, which
    looks the class's fields up again for every object: as a call of the class with its field values, the
    parent unpickles them in about half the time, from about 10% fewer bytes. The SLA verdicts travel too.
    Only this worker's pickler is changed; the parent gets equal objects. The frozen records (provenance, cell,
    parsed value, finding) pickle as calls with any pickler already (``records._pickled_by_fields``)."""
    from dataclasses import fields
    from multiprocessing.reduction import ForkingPickler
    from operator import attrgetter

    from . import records
    from .sla import verdicts as sla

    for cls in (records.Row, sla.StageResult):
        spec = fields(cls)
        if hasattr(cls, "__post_init__") or not all(f.init for f in spec) or len(spec) < 2:
            continue  # a call of the class would not rebuild the object as it was
        ForkingPickler.register(cls, _as_call(cls, attrgetter(*(f.name for f in spec))))


def _as_call(cls: type, values: Callable[[Any], tuple]) -> Callable[[Any], tuple]:
    return lambda obj: (cls, values(obj))


def _new_pool(jobs: int) -> Any:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=_mp_context(), initializer=_worker_init, initargs=(os.getpid(),)
    )


_paused = True  # _timed pauses the collector (bench/bench_worker.py does the same when this is set)


def _timed(work: Work, item: Any, shared: Any) -> tuple[Any, float]:
    """``work(item, shared)`` and its wall seconds, with the garbage collector paused while it runs.

    One file's work allocates hundreds of thousands of tracked objects (cells, values, findings, verdicts)
    that stay alive until its result is sent: the collections their allocations set off (a full one every
    few files, over the worker's memos too) walked them again and again and freed nearly nothing, about a
    tenth of a worker's CPU. Paused, they are walked once, by the first collection after the work; a file's
    reference cycles (xlrd leaves some) live until then."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    t = time.perf_counter()
    try:
        result = work(item, shared)
    finally:
        if paused:
            gc.enable()
    return result, time.perf_counter() - t


def _pool_map(
    work: Work,
    items: Sequence,
    shared: Any,
    jobs: int,
    lost: Lost | None,
    stats: MapStats,
    owner: LocalPool | None = None,
) -> Iterator:
    """A process pool with at most 2 x jobs items submitted at once. When a worker dies the pool breaks and
    every submitted item fails with it: those items then run one at a time, each in a fresh process of its
    own, and an item that kills that one too is lost (it broke a process twice). ``owner``: the pool is
    that LocalPool's (left open; a broken one is replaced in it)."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = deque(range(len(items)))
    done: dict[int, Any] = {}
    running: dict[Any, int] = {}
    following = 0
    # A forked worker's garbage collector would touch every object it inherited and so copy the parent's whole
    # heap (all rows, when returns/ is written): frozen objects are left alone.
    frozen = freeze()
    pool = owner.executor if owner is not None else _new_pool(jobs)
    try:
        while todo or running:
            while todo and len(running) < 2 * jobs:
                i = todo.popleft()
                running[pool.submit(_timed, work, items[i], shared)] = i
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            suspects = []
            for fut in finished:
                i = running.pop(fut)
                try:
                    done[i], seconds = fut.result()
                    stats.work += seconds
                except BrokenProcessPool:
                    suspects.append(i)
            if suspects:  # the pool is gone: keep what finished, isolate everything else it held
                for fut, i in running.items():
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        done[i], seconds = fut.result()
                        stats.work += seconds
                    else:
                        suspects.append(i)
                running.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                for i in sorted(suspects):
                    done[i] = _alone(work, items[i], shared, lost, stats, i)
                pool = _new_pool(jobs)
                if owner is not None:
                    owner.executor = pool
            while following in done:
                yield done.pop(following)
                following += 1
    finally:
        if owner is None:
            pool.shutdown(wait=True, cancel_futures=True)
        thaw(frozen)


class LocalPool:
    """A local process pool kept for more than one map: forked at its first work, while the run's process is
    still small (workers forked later inherit every row read and copy the pages they touch), it reads the files
    and is then handed later work (``start``) that it does while this process goes on."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.executor = _new_pool(jobs)

    def start(self, work: Work, items: Sequence, shared: Any) -> Later:
        """Submit ``work(item, shared)`` for every item now; ``Later.wait`` collects the results."""
        return Later(self, work, items, shared)

    def close(self) -> None:
        """Stop the workers (what was submitted and not started is cancelled)."""
        self.executor.shutdown(wait=True, cancel_futures=True)


class Later:
    """Work submitted to a LocalPool and collected later, in the order of its items. A worker that dies breaks
    the pool and every unfinished item with it: those run again one at a time, each in a fresh process; an
    item that kills that one too raises, as in map_files without ``lost``."""

    def __init__(self, pool: LocalPool, work: Work, items: Sequence, shared: Any) -> None:
        self.pool, self.work, self.shared = pool, work, shared
        self.items: list[Any] = []
        self.futures: list[Any] = []
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        """Submit one more item."""
        from concurrent.futures.process import BrokenProcessPool

        self.items.append(item)
        try:
            self.futures.append(self.pool.executor.submit(_timed, self.work, item, self.shared))
        except (BrokenProcessPool, RuntimeError):  # broken (a worker died) or closed: it runs alone at ``wait``
            self.futures.append(None)

    def settle(self) -> None:
        """Wait until every item has finished or failed (without raising: ``wait`` reports it)."""
        from concurrent.futures import wait

        wait([f for f in self.futures if f is not None])

    def wait(self) -> list[Any]:
        """Every item's result, in order, once all have finished."""
        from concurrent.futures.process import BrokenProcessPool

        results = []
        for i, fut in enumerate(self.futures):
            try:
                if fut is None:
                    raise BrokenProcessPool
                results.append(fut.result()[0])
            except BrokenProcessPool:
                results.append(_alone(self.work, self.items[i], self.shared, None, MapStats(), i))
        return results

    def cancel(self) -> None:
        for fut in self.futures:
            if fut is not None:
                fut.cancel()


# Below this many rows a run spends memory to use more than one core: forked processes write summary.xlsx and
# report.html and cluster the problem texts (a forked child copies the pages of every object it reads), pool workers
# write returns/ (after the rows are read, a worker copies the pages its allocations land in) and go on doing so
# during the clustering. From it on, one process does these and the pool's workers are stopped first: at 100,000
# rows they cost +380 MB (the writers' child), +120 MB (a pool for returns/ forked late) and +100 MB (workers
# alive during the clustering) of the process tree's peak.
SMALL_RUN_ROWS = 50_000


def small_run(rows: int) -> bool:
    """Whether a run of ``rows`` rows may hold them twice for a while to use more cores (SMALL_RUN_ROWS)."""
    return rows < SMALL_RUN_ROWS


def forks_for(rows: int, jobs: int | None) -> bool:
    """Whether a run of ``rows`` rows with ``jobs`` jobs (None: one per core) hands later work to forked processes:
    more than one job, a platform that forks, a small run."""
    jobs = default_jobs() if jobs is None else jobs
    return jobs > 1 and small_run(rows) and can_fork()


def can_fork() -> bool:
    """Whether this platform starts processes by forking (Linux, macOS on request): what ``Forked`` needs."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``fn(*args)`` in a forked child process while this one goes on. The child reads what it inherited (nothing
    is pickled to it) and sends back what ``fn`` returned, or the exception it raised; ``result`` waits for it.
    Its garbage collector leaves the objects it inherited alone (frozen), so it copies only the pages it reads."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        import multiprocessing

        receive, send = multiprocessing.Pipe(duplex=False)
        self.process = _fork(_forked_child, send, os.getpid(), fn, args)
        send.close()
        self.conn = receive
        self.done = False

    def result(self, died: Callable[[int | None], _R]) -> Any:
        """What ``fn`` returned (or raise what it raised); ``died(exit code)`` when the child ended without a word
        (killed, out of memory)."""
        try:
            ok, value = self.conn.recv()
        except EOFError:
            self.stop()
            return died(self.process.exitcode)
        self.stop()
        if ok:
            return value
        raise value

    def stop(self) -> None:
        """Kill the child if it still runs (its work is no longer wanted) and release it."""
        if not self.done:
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self.conn.close()
            self.done = True


class ForkedAhead(Forked):
    """``fn(*args)`` in a child forked now, whose arguments come later (``give``, pickled to it): meanwhile the
    child runs ``ready(*ready_args)``, loading what ``fn`` needs while this process goes on. Forked while this
    process is still small, the child holds only what it loads and what it is given."""

    def __init__(self, fn: Callable[..., Any], ready: Callable[..., Any], *ready_args: Any) -> None:
        import multiprocessing

        receive, send = multiprocessing.Pipe(duplex=False)
        args_in, args_out = multiprocessing.Pipe(duplex=False)
        self.process = _fork(_forked_ahead_child, send, args_in, args_out, os.getpid(), fn, ready, ready_args)
        send.close()
        args_in.close()
        self.conn, self.args, self.done = receive, args_out, False

    def give(self, *args: Any) -> None:
        """The arguments of ``fn``: the child starts on them (a child already gone is left to ``result``)."""
        try:
            self.args.send(args)
        except OSError:
            pass
        finally:
            self.args.close()

    def stop(self) -> None:
        super().stop()
        self.args.close()


def _fork(target: Callable[..., None], *args: Any) -> Any:
    """A forked child process running ``target(*args)``, started (pending output flushed first: the child flushes
    its copy on exit; this process's objects frozen meanwhile: ``freeze``)."""
    import multiprocessing

    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    frozen = freeze()
    try:
        process = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
        process.start()
    finally:
        thaw(frozen)
    return process


def _forked_ahead_child(
    send: Any,
    args_in: Any,
    args_out: Any,
    parent: int,
    fn: Callable[..., Any],
    ready: Callable[..., Any],
    ready_args: tuple,
) -> None:
    """In the child of ForkedAhead: ``ready(*ready_args)``, then ``fn`` on the arguments given, as _forked_child."""
    _die_with_parent(parent)
    args_out.close()  # this process's copy of the parent's end: the parent's close alone must end the wait below
    with suppress(Exception):  # what fails here fails again in ``fn``, which reports it
        ready(*ready_args)
    try:
        args = args_in.recv()
    except EOFError:  # not wanted after all
        return
    _forked_child(send, parent, fn, args)


def _forked_child(send: Any, parent: int, fn: Callable[..., Any], args: tuple) -> None:
    """In the forked child: ``fn(*args)`` and send back (True, value) or (False, exception)."""
    _die_with_parent(parent)  # a killed run must not leave its child behind
    try:
        outcome = (True, fn(*args))
    except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it
        outcome = (False, portable(exc))
    send.send(outcome)
    send.close()


def portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (to travel to another process), else a RuntimeError with its type and text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def freeze() -> bool:
    """gc.freeze() before forking; returns whether ``thaw`` should undo it: only when nothing was frozen before.
    gc has no partial unfreeze, and a caller that froze (a run freezes the rows it keeps) wants its objects left
    alone afterwards too: unfreezing them all would make every later full collection walk every row again."""
    import gc

    before = gc.get_freeze_count()
    gc.freeze()
    return before == 0


def thaw(frozen: bool) -> None:
    """Undo ``freeze`` if it froze the first objects (else they stay frozen until the caller unfreezes)."""
    import gc

    if frozen:
        gc.unfreeze()


def _alone(work: Work, item: Any, shared: Any, lost: Lost | None, stats: MapStats, index: int) -> Any:
    from concurrent.futures.process import BrokenProcessPool

    pool = _new_pool(1)
    try:
        result, seconds = pool.submit(_timed, work, item, shared).result()
        stats.work += seconds
        return result
    except BrokenProcessPool:
        if lost is None:
            raise
        stats.lost.append(index)
        return lost(item, LOST_REASON)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- Dask distributed -----------------------------------------------------------------------------------------


def _dask_map(
    work: Work,
    items: Sequence,
    shared: Any,
    jobs: int | None,
    spec: ExecutorSpec,
    lost: Lost | None,
    stats: MapStats,
) -> Iterator:
    """Submit a bounded window of items (a client sending bytes holds only that window in memory), take the
    results as they complete and yield them in input order. Task keys carry no file name (names can hold
    personal data and keys appear in the cluster's logs and dashboard); the arguments carry no secret key."""
    try:
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker
    except ImportError as exc:
        raise UsageError(INSTALL_HINT) from exc
    if not items:
        return
    run_id = uuid.uuid4().hex[:12]
    t = time.perf_counter()
    with _dask_client(spec, jobs) as client:
        stats.connect = time.perf_counter() - t
        threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * threads)
        todo = deque(range(len(items)))
        tries: dict[int, int] = {}
        running: dict[Any, int] = {}
        done: dict[int, Any] = {}
        suspects: deque[int] = deque()  # killed twice beside other files: each is tried once more, alone
        alone: set[int] = set()
        following = 0
        completed = as_completed(loop=client.loop)

        def submit(i: int) -> None:
            payload = None
            if spec.send == "bytes":
                t = time.perf_counter()
                item = items[i]
                payload = Path(item.source if isinstance(item, FileJob) else item.path).read_bytes()
                stats.read_bytes += time.perf_counter() - t
                stats.bytes_sent += len(payload)
            tries[i] = tries.get(i, 0) + 1
            key = f"svcsheet-file-{run_id}-{i}-{tries[i]}"
            fut = client.submit(_on_worker, work, items[i], payload, shared, key=key, pure=False)
            running[fut] = i
            completed.add(fut)

        while todo and len(running) < window:
            submit(todo.popleft())
        for fut in completed:
            i = running.pop(fut)
            try:
                result, seconds, size = fut.result()
                stats.work += seconds
                stats.bytes_back += size
                done[i] = _land(items[i], result)
            except (KilledWorker, FutureCancelledError):  # its worker died (twice, see above)
                if tries[i] < 2:  # a neighbour of a hostile file can be blamed once: try again
                    submit(i)
                elif i not in alone:  # on a loaded cluster a neighbour can be blamed twice: alone, it is not
                    suspects.append(i)
                elif lost is None:
                    raise
                else:
                    stats.lost.append(i)
                    done[i] = lost(items[i], LOST_REASON)
            fut.release()
            while todo and len(running) < window:
                submit(todo.popleft())
            if not todo and not running and suspects:
                alone.add(suspects[0])
                submit(suspects.popleft())
            while following in done:
                yield done.pop(following)
                following += 1


class _dask_client:
    """A Client on the given scheduler, or on a LocalCluster of worker processes started here and closed after."""

    def __init__(self, spec: ExecutorSpec, jobs: int | None) -> None:
        self.spec, self.jobs = spec, jobs
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Any:
        import dask
        from distributed import Client, LocalCluster

        try:
            if self.spec.scheduler:
                self.client = Client(self.spec.scheduler, timeout="30s", set_as_default=False)
                self.client.wait_for_workers(1, timeout=60)  # a scheduler without workers would wait forever
            else:
                n = self.spec.workers or self.jobs or default_jobs()
                # a file that kills a worker is blamed after its second death (the default waits for four)
                with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
                    self.cluster = LocalCluster(
                        n_workers=n,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        host="127.0.0.1",
                    )
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:  # no scheduler there, or no worker joined it in time
            self.__exit__(None, None, None)
            raise UsageError(f"无法使用 Dask 调度器 / cannot use the Dask scheduler: {exc}") from exc
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _on_worker(work: Work, item: Any, payload: bytes | None, shared: Any) -> tuple[Any, float, int]:
    """Run on a Dask worker, in a private temporary folder: with a payload, the item's input file is written there
    under its own name (messages name the file as the client would); a FileJob writes its outputs there too and
    their bytes go back to the client. The result points at the client's paths again."""
    t = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="svcsheet-"))
    try:
        source = Path(item.source if isinstance(item, FileJob) else item.path)
        if payload is not None:
            source = folder / "in" / source.name
            source.parent.mkdir()
            source.write_bytes(payload)
        if isinstance(item, FileJob):
            out = folder / "out"
            out.mkdir()
            work(FileJob(source, out / item.target.name, item.data), shared)
            result: Any = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
        elif payload is not None:
            staged = replace(item, path=source)
            result = work(staged, shared)
            if getattr(result, "input", None) == staged:
                result.input = item
        else:
            result = work(item, shared)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    seconds = time.perf_counter() - t
    return result, seconds, len(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def _land(item: Any, result: Any) -> Any:
    """A FileJob's files, written on the client beside its target; other results as they are."""
    if not isinstance(item, FileJob):
        return result
    for name, data in result.items():
        (item.target.parent / name).write_bytes(data)
    return None
