"""Shared test set-up: a fixed hashing key, and builders for workbooks as agents fill them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Tests never time things: on a loaded 2-core machine (CI runs two workers) a slow example is not a failure.
settings.register_profile("svcsheet", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("svcsheet")


@pytest.fixture(autouse=True)
def _hash_key(monkeypatch, tmp_path_factory):
    """Every test runs with a known key and never touches the user's real key file."""
    monkeypatch.setenv("SVCSHEET_KEY", "test-key-not-secret")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory):
    """A run over sample_workbooks (no output folder), computed once per test module that asks for it."""
    from datetime import datetime
    from pathlib import Path

    from svcsheet.pipeline import RunOptions, run

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    with pytest.MonkeyPatch.context() as mp:  # as the per-test key fixture, for this module's shared result
        mp.setenv("SVCSHEET_KEY", "test-key-not-secret")
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        return run(
            RunOptions(inputs=[samples], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off"), jobs=2)
        )
