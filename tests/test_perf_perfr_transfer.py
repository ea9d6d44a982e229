"""What the per-file work hands back to the parent: the same rows whatever carries them, in fewer bytes."""

from __future__ import annotations

import pickle
from datetime import datetime
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from svcsheet import executors
from svcsheet.compact import CompactCells
from svcsheet.executors import map_files
from svcsheet.pipeline import read_file
from svcsheet.policy import load_policy
from svcsheet.reading.discover import discover_inputs

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 23, 9, 0)


@pytest.fixture(scope="module")
def samples():
    items = discover_inputs([ROOT / "sample_workbooks"]).files
    return items, (load_policy(None), AS_OF)


def _rows(results):
    return [(fr.input.name, fr.error, fr.sheets, fr.findings, fr.rows) for fr in results]


def test_rows_from_worker_processes_equal_rows_read_here(samples):
    items, shared = samples
    here = list(map_files(read_file, items, shared, 1))
    pooled = list(map_files(read_file, items, shared, 2))
    assert sum(len(fr.rows) for fr in here) > 50
    assert _rows(pooled) == _rows(here)
    cells = [row.cells for fr in pooled for row in fr.rows]
    assert any(isinstance(c, CompactCells) for c in cells)
    for fr_here, fr_pooled in zip(here, pooled, strict=True):
        for a, b in zip(fr_here.rows, fr_pooled.rows, strict=True):
            assert dict(a.cells) == dict(b.cells) and a.values == b.values and a.findings == b.findings


def test_a_worker_sends_records_as_calls_in_fewer_bytes(samples, monkeypatch):
    items, shared = samples
    results = [read_file(item, shared) for item in items]
    plain = sum(len(ForkingPickler.dumps(fr)) for fr in results)
    monkeypatch.setattr(ForkingPickler, "_extra_reducers", dict(ForkingPickler._extra_reducers))
    executors._send_records_as_calls()
    blobs = [bytes(ForkingPickler.dumps(fr)) for fr in results]
    assert sum(map(len, blobs)) < 0.95 * plain
    back = [pickle.loads(b) for b in blobs]
    assert _rows(back) == _rows(results)
    assert all(type(r.prov) is type(results[0].rows[0].prov) for fr in back for r in fr.rows)
