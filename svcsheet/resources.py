"""Locate the data files shipped with svcsheet (form definitions, policy, lexicon, report templates).

In a wheel the top-level ``templates/`` folder is installed as ``svcsheet/templates``; in a source
checkout it sits beside the package. Both are looked up so tests run either way.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader reads the shipped forms and lexicon ~6x faster (same values: a YAML 1.1 safe loader both);
# a PyYAML built without libyaml falls back to the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def data_dir() -> Path:
    """Return the folder holding svcsheet's data files."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "forms").is_dir():
            return candidate
    raise FileNotFoundError("svcsheet data folder 'templates/' is missing from the installation")


def data_path(*parts: str) -> Path:
    """Path of one shipped data file, e.g. ``data_path("forms", "response_log.yaml")``."""
    return data_dir().joinpath(*parts)


def load_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load`` through libyaml when PyYAML has it (errors are ``yaml.YAMLError`` either way)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
