"""clean.xlsx: one sheet per form with the accepted rows (de-identified), their SLA verdicts and common issue,
and a 时效明细 sheet with the start, deadline, end and minutes behind every verdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..forms import FormSpec
from .columns import (
    COMMON_ISSUE,
    CUSTOMER,
    PROVENANCE,
    FieldColumns,
    field_headers,
    note_fields,
    provenance,
    verdict_text,
    write_table_in_parts,
)
from .xlsx import Sheet, new_workbook


def write_clean(result, forms: dict[str, FormSpec], path: Path) -> None:
    wb, st = new_workbook(path, stream=True)  # rows in order: streamed, not held
    accepted: dict[str, list] = {form.key: [] for form in forms.values()}  # rejected is computed: once a row
    for r in result.rows:
        if r.form in accepted and not r.rejected:
            accepted[r.form].append(r)
    shown: dict[int, tuple[Any, str]] = {}  # a verdict's cell text (equal verdicts are mostly one object)
    for form in forms.values():
        rows = accepted[form.key]
        notes = note_fields(form, rows)
        columns = FieldColumns(form, notes)
        headers = PROVENANCE + [CUSTOMER] + field_headers(form, notes)
        headers += [s.label for s in form.stages] + [COMMON_ISSUE, "提示"]
        keys = [s.key for s in form.stages]

        def table(rows=rows, columns=columns, keys=keys) -> Iterator[list]:
            for row in rows:
                sla = row.sla
                stages = [None if (res := sla.get(k)) is None else verdict_text(res, shown) for k in keys]
                hints = "；".join(f"{f.cell or ''} {f.message}".strip() for f in row.safe_findings)
                values = columns.values(row)
                yield provenance(row) + [row.customer_key] + values + stages + [row.cluster, hints or None]

        ws = Sheet(wb.add_worksheet(form.name[:31]), st)
        ws.key_column = len(PROVENANCE) + 1  # the ticket id (first field) on every printed page
        write_table_in_parts(ws, headers, table, st)
        ws.finish()
    ws = Sheet(wb.add_worksheet("时效明细"), st)
    write_table_in_parts(ws, DETAIL_HEADERS, lambda: _detail(forms, accepted), st)
    ws.finish()
    wb.close()


DETAIL_HEADERS = [
    "表单",
    "编号",
    "环节",
    "结果",
    "时限",
    "开始",
    "截止",
    "完成",
    "用时(分钟)",
    "超时(分钟)",
    "说明",
    *PROVENANCE,
]


def _detail(forms: dict[str, FormSpec], accepted: dict[str, list]) -> Iterator[tuple]:
    """The 时效明细 lines: every verdict of every accepted row, form by form."""
    for form in forms.values():
        stages = [(s.key, s.label) for s in form.stages]
        for row in accepted[form.key]:
            sla = row.sla
            prov = None
            for key, label in stages:
                res = sla.get(key)
                if res is not None:
                    prov = prov or provenance(row)
                    yield (
                        form.name,
                        row.ticket_id,
                        label,
                        res.outcome,
                        res.target,
                        res.start,
                        res.deadline,
                        res.end,
                        res.elapsed_minutes,
                        res.overrun_minutes,
                        res.reason,
                        *prov,
                    )
