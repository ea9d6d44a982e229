"""A run shortens the interpreter's thread switch interval while it works (svcsheet/switching.py) and gives the
caller's back afterwards, whether the run succeeded or failed: a program that calls svcsheet keeps its own
setting."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcsheet import outputs
from svcsheet.pipeline import RunOptions, run
from svcsheet.switching import SWITCH_INTERVAL, short_switch_interval

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


@pytest.fixture
def caller_interval():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    yield 0.004
    sys.setswitchinterval(before)


def _options(out: Path) -> RunOptions:
    return RunOptions(inputs=[SAMPLES], out=out, as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=1)


def test_the_writers_run_with_a_short_interval_and_the_callers_comes_back(tmp_path, monkeypatch, caller_interval):
    seen = []
    real = outputs.write_outputs

    def spy(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "write_outputs", spy)
    run(_options(tmp_path / "out"))
    assert seen and seen[0] == pytest.approx(SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(caller_interval)
    assert (tmp_path / "out" / "clean.xlsx").is_file()


def test_a_failed_run_gives_the_callers_interval_back(tmp_path, monkeypatch, caller_interval):
    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(outputs, "write_outputs", fail)
    with pytest.raises(OSError, match="disk full"):
        run(_options(tmp_path / "out"))
    assert sys.getswitchinterval() == pytest.approx(caller_interval)


@given(st.floats(min_value=1e-5, max_value=0.05))
def test_the_interval_is_never_made_longer(before):
    saved = sys.getswitchinterval()
    try:
        sys.setswitchinterval(before)
        before = sys.getswitchinterval()  # as the interpreter stores it (microseconds)
        with short_switch_interval():
            assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL), abs=1e-6)
        assert sys.getswitchinterval() == pytest.approx(before, abs=2e-6)  # stored in whole microseconds
    finally:
        sys.setswitchinterval(saved)


def test_runs_overlapping_in_threads_leave_the_callers_interval(caller_interval):
    """Two runs in threads of one program, the first ending before the second: the second keeps the short
    interval to its end, and the program's own comes back after both (not the first run's short one)."""
    first, second = short_switch_interval(), short_switch_interval()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(caller_interval)
