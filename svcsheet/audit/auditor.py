"""The auditors' entry points on top of the archive store: archive with facts, record a run, trace a ticket.

``archive.py`` knows files and the ledger; this module knows workbooks (it asks the reader what a file holds).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checking.parse import parse_row, ticket_lookup_ids
from ..deid.redact import mask_file_name, person_names
from ..errors import NotFound
from ..forms import load_forms
from ..outputs.manifest import ticket_records
from ..reading.discover import discover_inputs
from ..reading.reader import read_workbook
from . import ledger
from .archive import ArchiveEntry, FileFacts, archive_files, record_run, trace_ticket


def describe_workbook(path: Path) -> FileFacts:
    """Forms, months (YYYY-MM by opening time) and ticket ids a workbook holds, for the ledger."""
    forms = load_forms()
    book = read_workbook(path)
    kinds, periods, tickets, names = set(), set(), set(), set()
    for raw in book.rows:
        form = forms[raw.form]
        row = parse_row(raw, form)
        kinds.add(form.key)
        names.update(person_names(row, form))
        opened = row.value(form.opened_field) if form.opened_field else None
        if hasattr(opened, "strftime"):
            periods.add(opened.strftime("%Y-%m"))
        if row.ticket_id:
            tickets.add((form.key, row.ticket_id))
    return FileFacts(tuple(sorted(kinds)), tuple(sorted(periods)), tuple(sorted(tickets)), tuple(sorted(names)))


def archive_inputs(inputs: Sequence[Path], store: Path) -> list[ArchiveEntry]:
    """Archive every workbook under the inputs (files or folders) into the store; what discovery skipped (links
    out of the folders, FIFOs, the key file) comes back as refused entries, so the auditor sees it was left out."""
    found = discover_inputs(inputs)
    entries = archive_files([f.path for f in found.files], store, describe=describe_workbook, roots=inputs)
    skipped = [ArchiveEntry("", mask_file_name(s.name), 0, "", False, refused=s.reason) for s in found.skipped]
    return entries + skipped


def record_run_in_store(result: Any, store: Path) -> str | None:
    """Archive the run's inputs and record the run with every ticket's provenance, findings and SLA verdicts.

    A run already recorded (same inputs, policy and as-of: same run id) is not recorded twice; returns None then.
    """
    archive_files(
        [fr.input.path for fr in result.files],
        store,
        describe=describe_workbook,
        roots=list(result.options.inputs),
        shown_names={fr.input.path: fr.name for fr in result.files},
    )
    manifest = result.manifest
    with ledger.connect(store, create=True) as conn:
        if ledger.run_exists(conn, manifest["run_id"]):
            return None
    tickets = ticket_records(result)
    return record_run(store, manifest, tickets)


def trace(ticket_id: str, store: Path | None = None, out_dir: Path | None = None) -> list[dict[str, Any]]:
    """Where a ticket came from: from the store's ledger, or from a run's output folder (its trace.json)."""
    wanted = ticket_lookup_ids(ticket_id)  # as typed and canonical: 202310010001 finds FB202310010001
    if store is not None:
        hits = [h for one in wanted for h in trace_ticket(store, one)]
    else:
        assert out_dir is not None
        path = out_dir / "trace.json"
        if not path.is_file():
            raise NotFound(f"{out_dir} 不是 svcsheet 的输出目录（缺少 trace.json）")
        data = json.loads(path.read_text(encoding="utf-8"))
        hits = [t for t in data["tickets"] if t.get("ticket_id") in wanted]
    if not hits:
        raise NotFound(f"未找到编号 {ticket_id}")
    return hits


def place_text(hit: dict[str, Any]) -> str:
    """Where a traced ticket is, in the agent's words: a list row by its number, a card by its cells."""
    sheet = f"工作表「{hit.get('sheet')}」"
    if hit.get("layout") == "card":
        parts = [f"编号 {hit['id_cell']}"] if hit.get("id_cell") else []
        if hit.get("cell") and hit.get("cell") != hit.get("id_cell"):
            parts.append(f"第一个问题 {hit['cell']}")
        return f"{sheet}卡片（{'，'.join(parts)}）" if parts else f"{sheet}卡片"
    return f"{sheet}第 {hit.get('row')} 行"
