"""A worker process that writes returns/ imports only what returns/ needs: the report's templates, the summary's
charts and the web modules the standard library's XML helpers pull in cost every worker ~0.1 s of CPU."""

from __future__ import annotations

import subprocess
import sys


def test_returns_writer_loads_no_report_writer() -> None:
    code = (
        "import sys, svcsheet.outputs.returns, svcsheet.outputs as o; "
        "print(sorted(m for m in ('jinja2', 'urllib.request', 'svcsheet.outputs.summary', "
        "'svcsheet.outputs.report_html', 'svcsheet.outputs.output_folder') if m in sys.modules)); "
        "print(o.write_outputs.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "svcsheet.outputs.output_folder"  # still reachable from the package, loaded on first use


def test_package_refuses_unknown_names() -> None:
    import pytest

    import svcsheet.outputs as outputs

    with pytest.raises(AttributeError):
        outputs.no_such_writer  # noqa: B018


def test_records_sent_by_workers_keep_every_field() -> None:
    """A worker's rows reach the run pickled: provenance, cells, parsed values and findings arrive whole."""
    import pickle
    from dataclasses import fields

    from svcsheet.records import Cell, Finding, Parsed, Provenance

    for cls in (Provenance, Cell, Parsed, Finding):
        record = cls(*(f"{f.name}-value" for f in fields(cls)))
        back = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
        assert type(back) is cls
        assert back == record
