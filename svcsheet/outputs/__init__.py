"""Stage 8: every output of a run (``output_folder.write_outputs``) and the writers it calls, a module each.

Importing the package loads no writer: a worker process that writes returns/ imports ``outputs.returns`` and what
it needs, not the report's templates and charts (about 0.09 s of each worker's CPU). ``write_outputs`` and
``start_returns`` are imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {"write_outputs": ".output_folder", "start_returns": ".output_folder"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["start_returns", "write_outputs"]
