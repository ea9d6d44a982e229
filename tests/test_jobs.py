"""--jobs: the per-file work runs in worker processes, and the outputs do not depend on how many."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from svcsheet.cli import cli
from svcsheet.pipeline import map_files

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_one_and_two_jobs_write_the_same_bytes(tmp_path):
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}" / "out"
        done = CliRunner().invoke(
            cli, ["run", str(SAMPLES), "--out", str(out), "--as-of", "2026-11-23 09:00", "--jobs", str(jobs), "--history", "off"]
        )
        assert done.exit_code == 0, done.output
        outs[jobs] = _files(out)
    assert outs[1].keys() == outs[2].keys() and len(outs[1]) > 6
    for name in outs[1]:
        assert outs[1][name] == outs[2][name], f"{name} differs between --jobs 1 and --jobs 2"


def _slow_square(n: int, offset: int) -> int:
    import time

    time.sleep(0.05 * (5 - n))  # the first items finish last
    return n * n + offset


def test_results_come_back_in_input_order_whatever_finishes_first():
    assert list(map_files(_slow_square, [1, 2, 3, 4], 10, jobs=3)) == [11, 14, 19, 26]
    assert list(map_files(_slow_square, [], 0, jobs=2)) == []


def test_zero_jobs_is_refused_as_a_usage_error(tmp_path):
    done = CliRunner().invoke(cli, ["validate", str(SAMPLES), "--jobs", "0"])
    assert done.exit_code == 2
