"""Garbage collection paused for a stage that builds many objects and no cycles worth chasing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(collect: bool = True) -> Iterator[None]:
    """No automatic collection inside the block, one collection at its end (unless ``collect`` is False: a
    block that makes no cycles, whose objects the caller freezes next).

    The figures and the writers allocate millions of short-lived objects (records, table rows, cell XML):
    every 700 allocations a young collection, and now and then a full one over every object made since the
    run last froze what it keeps (``gc.freeze``), which by then are the stage's own growing lists. Counting
    references frees them all the same; the collection at the end finds what cycles there were (an xlsxwriter
    workbook and its sheets), walking the stage's survivors once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if collect:
                gc.collect()


class GcPause:
    """``paused_gc`` across several steps: no automatic collection from ``pause()`` until ``resume()``, which
    collects once (when a pause was on and the collector had been enabled). Either may be called repeatedly."""

    def __init__(self) -> None:
        self._enabled: bool | None = None  # while paused: whether the collector was on before

    def pause(self) -> None:
        if self._enabled is None:
            self._enabled = gc.isenabled()
            gc.disable()

    def resume(self) -> None:
        if self._enabled is not None:
            enabled, self._enabled = self._enabled, None
            if enabled:
                gc.enable()
                gc.collect()
