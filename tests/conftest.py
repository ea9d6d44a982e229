"""Shared test set-up: a fixed hashing key, and builders for workbooks as agents fill them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _hash_key(monkeypatch, tmp_path_factory):
    """Every test runs with a known key and never touches the user's real key file."""
    monkeypatch.setenv("SVCSHEET_KEY", "test-key-not-secret")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
