"""The clustering's child process, forked before a command's process imports the run's modules (issue 12).

A small run clusters in a child process that loads scipy, rjieba's dictionary and the lexicon's matcher (~0.5 s of
CPU) while the workers read, contending with them for the cores. The run's process meanwhile spends its first
~0.35 s importing, on one core. ``start``, called by a command before it imports the run's modules, forks the child
as soon as the clustering module is loaded (numpy and rjieba, which the run needs too, shared with it): the child
loads on the core the imports leave idle. A small run takes it (``take``, ``pipeline._Ahead``); any other run stops
it. A library caller that does not call ``start`` gets the child forked by the run itself, as before.
"""

from __future__ import annotations

from ..executors import ForkedAhead, can_fork, default_jobs

_EARLY: list[ForkedAhead] = []


def start(jobs: int | None = None, local: bool = True) -> None:
    """Fork the child now (once, where the platform forks), loading what a clustering with the default settings
    needs; a run with other settings loads theirs when it gives the child its texts. Not for a run that will
    not take it: one job (``jobs``, or one core), or per-file work done elsewhere (``local`` False, Dask): on one
    core the child's loading would slow the imports it is meant to run beside."""
    if _EARLY or not can_fork() or not local or (default_jobs() if jobs is None else jobs) < 2:
        return
    from .cluster import common_clustering, prepare

    try:
        _EARLY.append(ForkedAhead(common_clustering, prepare, None))
    except OSError:  # no process to be had now: the run forks its own at its first file, or does without
        pass


def take() -> ForkedAhead | None:
    """The child ``start`` forked, not taken yet: the caller gives it work or stops it."""
    return _EARLY.pop() if _EARLY else None


def discard() -> None:
    """Stop the child ``start`` forked if no run took it (the command failed before its run began)."""
    child = take()
    if child is not None:
        child.stop()
