"""The installed command (``cli.main``, which freezes what is left before the interpreter's teardown) exits with
its documented codes and every message printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _svcsheet(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "svcsheet.cli", *args],
        cwd=ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )


def test_a_run_exits_0_with_its_outputs_and_its_messages_complete(tmp_path):
    out = tmp_path / "out"
    done = _svcsheet(
        "run", "sample_workbooks", "--out", str(out), "--as-of", "2026-11-23 09:00", "--jobs", "1"
    )
    assert done.returncode == 0, done.stderr
    assert "输出目录" in done.stdout and done.stdout.rstrip().endswith("不要转发。")
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    written = {o["path"] for o in manifest["outputs"]}
    assert written >= {"clean.xlsx", "rejects.xlsx", "summary.xlsx", "report.html", "trace.json"}
    assert all((out / name).stat().st_size > 0 for name in written)


def test_a_usage_error_exits_2_with_its_message(tmp_path):
    done = _svcsheet("run", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "错误" in done.stderr or "Error" in done.stderr


def test_help_is_printed_whole_into_a_pipe():
    done = _svcsheet("--help")
    assert done.returncode == 0
    listed = [line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert "run" in listed and len(listed) >= 5


def test_a_reader_that_closed_its_pipe_ends_the_command_quietly():
    # `svcsheet ... | head -1`: the reader is gone before the output is flushed
    proc = subprocess.Popen(
        [sys.executable, "-m", "svcsheet.cli", "--help"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.wait(timeout=60) != 0  # nothing could be printed
    assert proc.stderr is not None and b"Traceback" not in proc.stderr.read()
