"""rejects.xlsx: one sheet per form with every rejected row (de-identified) and the cells and reasons behind it,
and a 全部问题 sheet listing every finding of the run, one per line."""

from __future__ import annotations

from pathlib import Path

from ..findings import SEVERITY_LABELS
from ..forms import FormSpec
from ..xlsx import new_workbook, write_table
from .columns import CUSTOMER, PROVENANCE, field_headers, field_values, note_fields, provenance


def write_rejects(result, forms: dict[str, FormSpec], path: Path) -> None:
    wb, st = new_workbook(path, stream=True)  # rows in order: streamed, not held
    for form in forms.values():
        rows = [r for r in result.rows if r.form == form.key and r.rejected]
        notes = note_fields(form, rows)
        headers = PROVENANCE + ["问题单元格", "退回原因", CUSTOMER] + field_headers(form, notes)
        table = []
        for row in rows:
            errors = [f for f in row.safe_findings if f.severity == "error"]
            cells = "、".join(dict.fromkeys(f.cell for f in errors if f.cell))
            reasons = "\n".join(f"{f.cell or '整行'}：{f.message}" for f in errors)
            table.append(
                provenance(row) + [cells, reasons, row.customer_key] + field_values(form, row, notes)
            )
        ws = wb.add_worksheet(f"退回-{form.name}"[:31])
        write_table(ws, 0, headers, table, st, widths=[30, 14, 6, 14, 60])
    ws = wb.add_worksheet("全部问题")
    findings = sorted(result.findings, key=lambda f: (f.file, f.sheet, f.row or 0, f.cell or "", f.code))
    write_table(
        ws,
        0,
        [
            "级别",
            "代码",
            "表单",
            "来源文件",
            "工作表",
            "行号",
            "单元格",
            "字段",
            "编号",
            "填写内容(已脱敏)",
            "说明",
        ],
        [
            [
                SEVERITY_LABELS.get(f.severity, f.severity),
                f.code,
                forms[f.form].name if f.form in forms else None,
                f.file,
                f.sheet,
                f.row,
                f.cell,
                f.label,
                f.ticket_id,
                f.value,
                f.message,
            ]
            for f in findings
        ],
        st,
        widths=[6, 18, 22, 30, 14, 6, 8, 16, 18, 24, 70],
    )
    wb.close()
