"""The interpreter's thread switch interval, shortened for a run.

A run's process has threads that spend most of their time in C with the interpreter lock released (zlib deflating
a workbook's parts, the process pool's thread reading the workers' results from a pipe) beside a thread that runs
Python (building the next rows, merging results). Each time such a thread comes back from C it must take the lock
from the busy one, which gives it up only when the switch interval (5 ms by default) has passed; zlib alone comes
back several times per 4 MB chunk. At 100,000 rows clean.xlsx's deflate thread spent ~2 s of its ~5.5 s waiting so,
while the row builder then waited for it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.0005  # seconds

_lock = threading.Lock()
_holders = 0  # blocks inside short_switch_interval now, in any thread
_caller: float | None = None  # the interval before the first of them


@contextmanager
def short_switch_interval(seconds: float = SWITCH_INTERVAL) -> Iterator[None]:
    """The switch interval at most ``seconds`` inside the block. The interval is the process's: runs overlapping in
    threads share one setting, and the interval from before the first of them comes back when the last ends."""
    global _holders, _caller
    with _lock:
        if _holders == 0:
            _caller = sys.getswitchinterval()
        _holders += 1
        sys.setswitchinterval(min(sys.getswitchinterval(), seconds))
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _caller is not None:
                sys.setswitchinterval(_caller)
                _caller = None
