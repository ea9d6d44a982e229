"""perfw2: the SLA verdicts computed with each file's work (in the pool workers), dropped for a row a duplicate
across files rejects later."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from svcsheet.bizcal import BusinessCalendar
from svcsheet.discover import InputFile
from svcsheet.forms import load_forms
from svcsheet.pipeline import RunOptions, read_file, run
from svcsheet.policy import load_policy
from svcsheet.sla import evaluate_row

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)
SLA_CODES = {"overdue_reason_missing", "calendar_gap"}


def test_the_per_file_work_gives_accepted_rows_the_verdicts_the_run_computed_before():
    forms, policy = load_forms(), load_policy(None)
    fresh = BusinessCalendar(policy)
    accepted = rejected = 0
    for path in sorted(SAMPLES.glob("*.xlsx")):
        result = read_file(InputFile(path, path.name), (policy, AS_OF))
        for row in result.rows:
            if row.rejected:
                rejected += 1
                assert not row.sla
            else:
                accepted += 1
                expected = evaluate_row(forms[row.form], row.values, policy, fresh, AS_OF)
                assert dict(row.sla) == dict(expected)
    assert accepted > 50 and rejected > 5


def test_a_row_a_duplicate_in_another_file_rejects_keeps_no_verdicts(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):  # the same tickets in two files: every row is a duplicate across files
        shutil.copy(SAMPLES / "response_log_2026-11.xlsx", folder / name)
    alone = read_file(InputFile(folder / "a.xlsx", "a.xlsx"), (load_policy(None), AS_OF))
    assert any(row.sla for row in alone.rows)  # the worker did compute verdicts for the file on its own
    result = run(RunOptions(inputs=[folder], as_of=AS_OF, history=Path("off"), jobs=2))
    rows = result.rows
    assert len(rows) == 2 * len(alone.rows)
    for row in rows:
        if row.ticket_id:
            assert any(f.code == "id_duplicate" for f in row.findings)
            assert row.rejected and not row.sla
            assert not SLA_CODES & {f.code for f in row.findings}
