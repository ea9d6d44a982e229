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
