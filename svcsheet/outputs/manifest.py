"""run.json: the run's inputs (hash, counts, error), totals, policy, as-of and the hash of every other output."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..audit.archive import sha256_file
from ..json_text import STRING, NotPlain, scalar
from .columns import verdict_text


def file_counts(fr) -> dict[str, int]:
    """A file's rows read, clean and rejected and its warnings, as run.json records them and the CLI prints them."""
    rejected = fr.rows_rejected
    return {
        "rows_read": len(fr.rows),
        "rows_clean": len(fr.rows) - rejected,
        "rows_rejected": rejected,
        "warnings": fr.warnings,
    }


def build_manifest(result, folder: Path) -> dict[str, Any]:
    inputs = [
        {
            "path": fr.name,
            "sha256": fr.sha256,
            **file_counts(fr),
            "error": fr.error,
            "sheets": [
                {"sheet": s.sheet, "form": s.form, "rows": s.rows, "reason": s.reason} for s in fr.sheets
            ],
        }
        for fr in result.files
    ]
    outputs = [
        {"path": p.relative_to(folder).as_posix(), "sha256": sha256_file(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "run.json"
    ]
    return {
        "run_id": run_id(result),
        "svcsheet_version": __version__,
        "as_of": result.as_of.strftime("%Y-%m-%d %H:%M"),
        "period": getattr(result.figures, "period_label", None),
        "policy": {"source": result.policy.source, "sha256": result.policy.sha256},
        "inputs": inputs,
        "skipped_inputs": [{"path": s.name, "reason": s.reason} for s in getattr(result, "skipped", [])],
        "totals": result.totals,
        "outputs": outputs,
    }


def run_id(result) -> str:
    """A run's id: the inputs' hashes, the policy's hash and the as-of time (the same run gives the same id)."""
    payload = [[fr.sha256 for fr in result.files], result.policy.sha256, result.as_of.isoformat()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def ticket_records(result) -> list[dict[str, Any]]:
    """One de-identified record per row read: provenance, status, findings and SLA verdicts (for trace)."""
    return list(_ticket_records(result))


def _ticket_records(result) -> Iterator[dict[str, Any]]:
    forms, sha_of, shown = _ticket_context(result)
    for row in result.rows:
        yield _ticket_record(row, forms, sha_of, shown)


def _ticket_context(result) -> tuple[dict[str, Any], dict[str, str | None], dict[int, tuple[Any, str]]]:
    """What every ticket's record reads: the forms, each input's hash by name, the verdict texts shown so far."""
    from ..forms import load_forms

    # a verdict's text (equal verdicts are mostly one object)
    return load_forms(), {fr.name: fr.sha256 for fr in result.files}, {}


def _ticket_record(row, forms, sha_of, shown) -> dict[str, Any]:
    return {
        "form": row.form,
        "ticket_id": row.ticket_id,
        "file": row.shown_prov.file,
        "sha256": sha_of.get(row.shown_prov.file),
        "sheet": row.shown_prov.sheet,
        **_place(row, forms.get(row.form)),
        "status": "rejected" if row.rejected else "clean",
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "cell": f.cell,
                "field": f.field,
                "message": f.message,
            }
            for f in row.safe_findings
        ],
        "sla": {k: verdict_text(v, shown) for k, v in row.sla.items()},
        "common_issue": row.cluster,
    }


def _place(row, form) -> dict[str, Any]:
    """Where the agent finds the row. A list row: its row number. A card: its id cell, and as ``row`` the row of
    its first problem cell (errors first), as rejects.xlsx shows it; the id cell's row says little on a card."""
    if row.layout != "card":
        return {"row": row.shown_prov.row}
    id_cell = row.cells.get(form.id_field) if form is not None else None
    id_ref = id_cell.ref if id_cell is not None else None
    ranked = sorted(row.safe_findings, key=lambda f: f.severity != "error")
    first = next((f.cell for f in ranked if f.cell and ":" not in f.cell), None)
    return {"row": _cell_row(first) or row.shown_prov.row, "layout": "card", "id_cell": id_ref, "cell": first}


def _cell_row(ref: str | None) -> int | None:
    match = re.fullmatch(r"\$?[A-Z]{1,3}\$?(\d+)", ref or "")
    return int(match.group(1)) if match else None


TRACE_BATCH = 256  # tickets encoded per write


def write_trace(result, path: Path) -> None:
    """trace.json: the bytes of ``json.dumps({"as_of": ..., "tickets": [...]}, ensure_ascii=False, indent=1)``,
    written a few hundred tickets at a time (the whole document as one string was ~100 MB at 20,000 rows)."""
    empty = json.dumps(
        {"as_of": result.as_of.strftime("%Y-%m-%d %H:%M"), "tickets": []}, ensure_ascii=False, indent=1
    )
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1)
    forms, sha_of, shown = _ticket_context(result)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(empty[: -len("[]\n}")])
        opened = False
        batch: list[str] = []
        for row in result.rows:
            try:
                batch.append(_ticket_json(row, forms, sha_of, shown))
            except NotPlain:  # a value _ticket_json does not write: the ticket's record, encoded as before
                record = _ticket_record(row, forms, sha_of, shown)
                # a ticket sits two levels deep: its lines move two spaces right (JSON strings hold no raw newline)
                try:
                    batch.append("  " + indented_json(record, "  "))
                except NotPlain:
                    batch.append("  " + encoder.encode(record).replace("\n", "\n  "))
            if len(batch) >= TRACE_BATCH:
                fh.write((",\n" if opened else "[\n") + ",\n".join(batch))
                opened, batch = True, []
        if batch:
            fh.write((",\n" if opened else "[\n") + ",\n".join(batch))
            opened = True
        fh.write("\n ]\n}\n" if opened else "[]\n}\n")


def indented_json(value: Any, pad: str = "") -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)`` with every line after the first ``pad`` further right,
    for the plain values a ticket holds (dicts with text keys, lists, text, ints, None, booleans); anything else
    raises NotPlain. With an indent the json module encodes in Python, through generators and closures made
    anew per call (most of trace.json's time); this builds the same text directly."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return scalar(value)
    inner = pad + " "
    if kind is dict:
        if not value:
            return "{}"
        items = []
        for k, v in value.items():
            if type(k) is not str:
                raise NotPlain
            items.append(f"{inner}{STRING(k)}: {indented_json(v, inner)}")
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if not value:  # a list
        return "[]"
    return "[\n" + ",\n".join(inner + indented_json(v, inner) for v in value) + "\n" + pad + "]"


def _ticket_json(row, forms, sha_of, shown) -> str:
    """``"  " + indented_json(_ticket_record(row, ...), "  ")`` written from the row at once: no record, and
    the ticket's fixed keys and indentation are constants (a generic walk of each record was most of
    trace.json's time). A value that is not plain raises NotPlain (the caller then encodes the record)."""
    prov = row.shown_prov
    file = prov.file
    if row.layout != "card":
        place = f'   "row": {scalar(prov.row)},\n'
    else:
        place = "".join(
            f"   {STRING(k)}: {scalar(v)},\n" for k, v in _place(row, forms.get(row.form)).items()
        )
    findings = row.safe_findings
    if findings:
        found = (
            "[\n"
            + ",\n".join(
                [
                    f'    {{\n     "code": {scalar(f.code)},\n     "severity": {scalar(f.severity)},\n'
                    f'     "cell": {scalar(f.cell)},\n     "field": {scalar(f.field)},\n'
                    f'     "message": {scalar(f.message)}\n    }}'
                    for f in findings
                ]
            )
            + "\n   ]"
        )
    else:
        found = "[]"
    sla = row.sla
    index = getattr(sla, "_index", None)
    # a FieldMap's pairs in its order, without the Mapping mixin's lookups
    pairs = zip(index, sla._values, strict=True) if type(index) is dict else sla.items()
    stages = [f"    {_key(k)}: {scalar(verdict_text(v, shown))}" for k, v in pairs]
    verdicts = "{\n" + ",\n".join(stages) + "\n   }" if stages else "{}"
    status = '"rejected"' if row.rejected else '"clean"'
    return (
        f'  {{\n   "form": {scalar(row.form)},\n   "ticket_id": {scalar(row.ticket_id)},\n'
        f'   "file": {scalar(file)},\n   "sha256": {scalar(sha_of.get(file))},\n   "sheet": {scalar(prov.sheet)},\n'
        f'{place}   "status": {status},\n   "findings": {found},\n'
        f'   "sla": {verdicts},\n   "common_issue": {scalar(row.cluster)}\n  }}'
    )


def _key(key: Any) -> str:
    if type(key) is not str:  # indented_json writes text keys only
        raise NotPlain
    return STRING(key)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
