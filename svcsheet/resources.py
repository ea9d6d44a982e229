"""Locate the data files shipped with svcsheet (form definitions, policy, lexicon, report templates).

In a wheel the top-level ``templates/`` folder is installed as ``svcsheet/templates``; in a source
checkout it sits beside the package. Both are looked up so tests run either way.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


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
