"""clean.xlsx: one sheet per form with the accepted rows (de-identified), their SLA verdicts and common issue,
and a 时效明细 sheet with the start, deadline, end and minutes behind every verdict."""

from __future__ import annotations

from pathlib import Path

from ..forms import FormSpec
from .columns import (
    COMMON_ISSUE,
    CUSTOMER,
    PROVENANCE,
    field_headers,
    field_values,
    note_fields,
    provenance,
)
from .xlsx import Sheet, new_workbook, write_table


def write_clean(result, forms: dict[str, FormSpec], path: Path) -> None:
    wb, st = new_workbook(path, stream=True)  # rows in order: streamed, not held
    detail = []
    accepted: dict[str, list] = {form.key: [] for form in forms.values()}  # rejected is computed: once a row
    for r in result.rows:
        if r.form in accepted and not r.rejected:
            accepted[r.form].append(r)
    for form in forms.values():
        rows = accepted[form.key]
        notes = note_fields(form, rows)
        headers = PROVENANCE + [CUSTOMER] + field_headers(form, notes)
        headers += [s.label for s in form.stages] + [COMMON_ISSUE, "提示"]
        table = []
        for row in rows:
            stages = [row.sla[s.key].cell_text() if s.key in row.sla else None for s in form.stages]
            hints = "；".join(f"{f.cell or ''} {f.message}".strip() for f in row.safe_findings)
            prov = provenance(row)
            table.append(
                prov
                + [row.customer_key]
                + field_values(form, row, notes)
                + stages
                + [row.cluster, hints or None]
            )
            for stage in form.stages:
                res = row.sla.get(stage.key)
                if res is not None:
                    detail.append(
                        [
                            form.name,
                            row.ticket_id,
                            stage.label,
                            res.outcome,
                            res.target,
                            res.start,
                            res.deadline,
                            res.end,
                            res.elapsed_minutes,
                            res.overrun_minutes,
                            res.reason,
                            *prov,
                        ]
                    )
        ws = Sheet(wb.add_worksheet(form.name[:31]), st)
        write_table(ws, 0, headers, table, st)
        ws.key_column = len(PROVENANCE) + 1  # the ticket id (first field) on every printed page
        ws.finish()
    ws = Sheet(wb.add_worksheet("时效明细"), st)
    write_table(
        ws,
        0,
        [
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
        ],
        detail,
        st,
    )
    ws.finish()
    wb.close()
