"""Review of round 5 (perfmem, perfw3, perfo3): paths the merged changes left unchecked."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from builders import good_response_log_row, list_workbook
from openpyxl import load_workbook

from svcsheet.forms import load_forms
from svcsheet.outputs import write_outputs
from svcsheet.pipeline import RunOptions, run

AS_OF = datetime(2026, 11, 23, 9, 0)
TYPED = "zhao.xx@example.com"  # a phone field holding an e-mail address: a warning quoting what was typed


def _returns(folder: Path) -> dict[str, list]:
    """Each returns/ copy: every sheet's values and every cell comment."""
    out = {}
    for path in sorted(folder.rglob("*.xlsx")):
        wb = load_workbook(path)
        out[path.name] = [
            (ws.title, [(c.coordinate, c.value, c.comment.text if c.comment else None) for r in ws.iter_rows() for c in r])
            for ws in wb.worksheets
        ]
    return out


def test_returns_written_by_write_outputs_after_a_validate_only_run_quote_what_the_agent_typed(tmp_path) -> None:
    """Library use: ``run`` without an output folder, then ``write_outputs``. The agent's copy lists each
    finding with the value as typed, as a run that writes its outputs does."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    list_workbook(inputs / "team.xlsx", "response_log", [good_response_log_row(1, phone=TYPED)])
    direct = tmp_path / "direct"
    run(RunOptions(inputs=[inputs], out=direct, as_of=AS_OF, history=Path("off"), jobs=1))
    assert TYPED in str(_returns(direct / "returns")["team.退回.xlsx"][0])  # the findings list quotes it

    result = run(RunOptions(inputs=[inputs], out=None, as_of=AS_OF, history=Path("off"), jobs=1))
    later = tmp_path / "later"
    write_outputs(result, load_forms(), later)
    assert _returns(later / "returns") == _returns(direct / "returns")
    for name in ("clean.xlsx", "rejects.xlsx", "summary.xlsx", "report.html", "trace.json"):
        assert TYPED not in (later / name).read_bytes().decode("latin-1"), name
