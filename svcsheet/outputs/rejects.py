"""rejects.xlsx: one sheet per form with every rejected row (de-identified) and the cells and reasons behind it,
and a 全部问题 sheet listing every finding of the run, one per line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..findings import SEVERITY_LABELS
from ..forms import FormSpec
from .columns import (
    CUSTOMER,
    PROVENANCE,
    FieldColumns,
    field_headers,
    note_fields,
    provenance,
    write_table_in_parts,
)
from .xlsx import Sheet, new_workbook


def write_rejects(result, forms: dict[str, FormSpec], path: Path) -> None:
    wb, st = new_workbook(path, stream=True)  # rows in order: streamed, not held
    rejected: dict[str, list] = {form.key: [] for form in forms.values()}  # rejected is computed: once a row
    for r in result.rows:
        if r.form in rejected and r.rejected:
            rejected[r.form].append(r)
    for form in forms.values():
        rows = rejected[form.key]
        notes = note_fields(form, rows)
        columns = FieldColumns(form, notes)
        headers = PROVENANCE + ["问题单元格", "退回原因", CUSTOMER] + field_headers(form, notes)

        def table(rows=rows, columns=columns) -> Iterator[list]:
            for row in rows:
                errors = [f for f in row.safe_findings if f.severity == "error"]
                cells = "、".join(dict.fromkeys(f.cell for f in errors if f.cell))
                reasons = "\n".join(f"{f.cell or '整行'}：{f.message}" for f in errors)
                prov = provenance(row)
                # a card's 行号 is its id cell: point at the first problem cell instead
                if row.layout == "card":
                    prov[2] = _cell_row(next((f.cell for f in errors if f.cell), None)) or prov[2]
                yield prov + [cells, reasons, row.customer_key] + columns.values(row)

        ws = Sheet(wb.add_worksheet(f"退回-{form.name}"[:31]), st)
        # on paper: where, which cell, why, and the id; the whole row stays on screen (too wide for A4)
        ws.print_columns = len(PROVENANCE) + 3 + 1
        write_table_in_parts(ws, headers, table, st)
        ws.finish()
    ws = Sheet(wb.add_worksheet("全部问题"), st)
    findings = sorted(result.findings, key=lambda f: (f.file, f.sheet, f.row or 0, f.cell or "", f.code))

    def lines() -> Iterator[list]:
        for f in findings:
            yield [
                SEVERITY_LABELS.get(f.severity, f.severity),
                f.code,
                forms[f.form].name if f.form in forms else None,
                f.file,
                f.sheet,
                _cell_row(f.cell) or f.row,
                f.cell,
                f.label,
                f.ticket_id,
                f.value,
                f.message,
            ]

    write_table_in_parts(ws, FINDING_HEADERS, lines, st)  # a line per finding: not all held at once
    ws.finish()
    wb.close()


FINDING_HEADERS = [
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
]


def _cell_row(ref: str | None) -> int | None:
    """The row number of a cell address (B23 -> 23)."""
    match = re.fullmatch(r"\$?[A-Z]{1,3}\$?(\d+)", ref or "")
    return int(match.group(1)) if match else None
