"""--executor dask: the per-file work on a Dask cluster gives the same bytes as the local run, and a file that
kills its worker costs that file only (in the local process pool too)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import good_response_log_row, list_workbook
from click.testing import CliRunner

from svcsheet import pipeline
from svcsheet.cli import cli
from svcsheet.executors import LOST_REASON, ExecutorSpec, MapStats, map_files

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
AS_OF = "2026-11-23 09:00"
HOSTILE = "hostile.xlsx"
_READ_FILE = pipeline.read_file  # the real per-file work, before a test replaces it


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(out: Path, inputs: list[Path], *extra: str) -> tuple[int, dict[str, bytes]]:
    args = ["run", *map(str, inputs), "--out", str(out), "--as-of", AS_OF, "--history", "off", *extra]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code in (0, 3), done.output + repr(done.exception)
    return done.exit_code, _files(out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """The sample workbooks and 50 generated files of 20 rows (every 7th row with a value to send back)."""
    gen = tmp_path_factory.mktemp("generated")
    for f in range(50):
        rows = [
            good_response_log_row(f * 20 + r, **({"urgency": "很急很急"} if r % 7 == 3 else {}))
            for r in range(20)
        ]
        list_workbook(gen / f"网点{f:02d}.xlsx", "response_log", rows)
    return [SAMPLES, gen]


@pytest.fixture(scope="module")
def local_run(inputs, tmp_path_factory) -> dict[str, bytes]:
    with pytest.MonkeyPatch.context() as mp:  # module scope: conftest's per-test key is not set yet
        mp.setenv("SVCSHEET_KEY", "test-key-not-secret")
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        code, files = _run(tmp_path_factory.mktemp("local") / "out", inputs, "--jobs", "1")
    assert code == 0 and len(files) > 6
    return files


def _same(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs from the local run"


def test_a_local_cluster_writes_the_same_bytes_as_the_local_run(inputs, local_run, tmp_path):
    code, files = _run(tmp_path / "out", inputs, "--executor", "dask", "--jobs", "2", "--send", "path")
    assert code == 0
    _same(local_run, files)


# -- a real `dask scheduler` and two `dask worker` processes on 127.0.0.1 -----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two workers as separate processes, each in its own session, killed at teardown.

    The workers get no hashing key, and an empty config folder where one would be created if the per-file
    work asked for it (the tests check it stays empty)."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if k != "SVCSHEET_KEY"}
    env["XDG_CONFIG_HOME"] = str(logs / "worker-config")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "1"
    dask = [str(Path(sys.executable).with_name("dask"))]
    if not Path(dask[0]).exists():
        pytest.skip("the dask command is not installed")
    commands = [
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        *[
            [*dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
            for _ in range(2)
        ],
    ]
    procs = []
    try:
        for n, command in enumerate(commands):
            log = open(logs / f"{n}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append(
                (subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True), log)
            )
            if n == 0:
                time.sleep(1.0)
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, logs
    finally:
        for proc, _log in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()


def test_a_scheduler_and_two_worker_processes_write_the_same_bytes(inputs, local_run, cluster, tmp_path):
    address, logs = cluster
    code, files = _run(tmp_path / "out", inputs, "--executor", "dask", "--scheduler", address)
    assert code == 0
    _same(local_run, files)
    assert not (logs / "worker-config").exists()  # no worker looked for a key
    for log in logs.glob("*.log"):
        assert "test-key-not-secret" not in log.read_text(errors="replace")


def _read_or_die(item, shared):
    """The per-file work, except that one file kills the process running it (as a hostile workbook might)."""
    if item.name.endswith(HOSTILE):
        os._exit(9)
    return _READ_FILE(item, shared)


@pytest.fixture
def with_hostile(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.xlsx", HOSTILE, "c.xlsx", "d.xlsx"):
        list_workbook(folder / name, "response_log", [good_response_log_row(n) for n in range(5)])
    monkeypatch.setattr(pipeline, "read_file", _read_or_die)
    return folder


def _check_lost(out: Path) -> None:
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    text = json.dumps(manifest, ensure_ascii=False)
    assert LOST_REASON in text and HOSTILE in text
    assert manifest["totals"]["files_unreadable"] == 1
    assert manifest["totals"]["rows_read"] == 15  # the three other files, all read


def test_a_file_that_kills_its_dask_worker_costs_that_file_only(with_hostile, cluster, tmp_path):
    address, _ = cluster
    code, _ = _run(tmp_path / "out", [with_hostile], "--executor", "dask", "--scheduler", address)
    assert code == 3
    _check_lost(tmp_path / "out")


def test_a_file_that_kills_its_pool_process_costs_that_file_only(with_hostile, tmp_path):
    code, _ = _run(tmp_path / "out", [with_hostile], "--jobs", "2")
    assert code == 3
    _check_lost(tmp_path / "out")


def test_the_pool_isolates_the_killer_and_keeps_every_other_result():
    stats = MapStats()
    results = list(map_files(_square_or_die, list(range(12)), None, 3, lost=lambda n, why: -n, stats=stats))
    assert results == [n * n if n != 5 else -5 for n in range(12)]
    assert stats.lost == [5]


def _square_or_die(n: int, _shared: object) -> int:
    if n == 5:
        os._exit(9)
    return n * n


def test_without_dask_the_executor_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    done = CliRunner().invoke(cli, ["validate", str(SAMPLES), "--executor", "dask"])
    assert done.exit_code == 2
    assert 'pip install "svcsheet[dask]"' in done.output


def test_scheduler_without_dask_executor_is_a_usage_error():
    with pytest.raises(Exception, match="--scheduler"):
        ExecutorSpec(kind="local", scheduler="tcp://127.0.0.1:1")
