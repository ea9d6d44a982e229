"""Resolve staff pseudonyms locally: which name stands behind ``员工-qoeb`` in this team's reports.

Reports show a staff name only as a stable pseudonym (a keyed hash, ``deid.staff``); a staff number is shown as
typed (``工号007``). The supervisor who must tell an agent to act reads the original workbooks with the same
key the run used (``keys.resolve_key``) and gets the table on the terminal only: nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableWorkbook
from ..forms import load_forms
from ..policy import load_policy
from ..reading.discover import find_inputs
from ..reading.reader import read_workbook
from .deidentifier import Deidentifier
from .keys import resolve_key


@dataclass(frozen=True)
class StaffEntry:
    """One staff value as typed in the workbooks and how the reports show it."""

    shown: str  # 员工-qoeb, or 工号007 as typed
    typed: str  # the name or number in the workbook
    fields: tuple[str, ...]  # labels of the fields it was typed in (处理人, 责任人, ...)
    files: tuple[str, ...]


def staff_directory(
    inputs: Sequence[Path], policy_path: Path | None = None, only: Sequence[str] = ()
) -> list[StaffEntry]:
    """Every staff value in the workbooks with its report pseudonym; ``only`` keeps the given pseudonyms."""
    policy = load_policy(policy_path)
    deid = Deidentifier(resolve_key(policy), policy.raw["deid"])
    forms = load_forms()
    seen: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for item in find_inputs(list(inputs)):
        try:
            book = read_workbook(item.path, display_name=item.name, limits=policy.raw["limits"])
        except UnreadableWorkbook:
            continue  # the run lists unreadable files; here there is nothing to resolve in them
        for raw in book.rows:
            form = forms[raw.form]
            for spec in form.fields:
                cell = raw.cells.get(spec.key)
                if spec.type != "staff" or cell is None or cell.raw in (None, ""):
                    continue
                typed = str(cell.raw).strip()
                shown = deid.staff(typed) or ""
                labels, files = seen.setdefault((shown, typed), (set(), set()))
                labels.add(spec.label)
                files.add(item.name)
    wanted = {s.strip() for s in only}
    return [
        StaffEntry(shown, typed, tuple(sorted(labels)), tuple(sorted(files)))
        for (shown, typed), (labels, files) in sorted(seen.items())
        if not wanted or shown in wanted
    ]
