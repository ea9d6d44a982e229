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
    Columns,
    FieldColumns,
    field_headers,
    in_parts,
    note_fields,
    provenance_columns,
    write_columns_in_parts,
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

        def table(rows=rows, columns=columns) -> Iterator[Columns]:
            # each part's columns: provenance, problem cells, reasons, customer, fields
            def build(part: list) -> Columns:
                cols = provenance_columns(part)
                where, why = [], []
                for i, row in enumerate(part):
                    errors = [f for f in row.safe_findings if f.severity == "error"]
                    where.append("、".join(dict.fromkeys(f.cell for f in errors if f.cell)))
                    why.append("\n".join(f"{f.cell or '整行'}：{f.message}" for f in errors))
                    # a card's 行号 is its id cell: point at the first problem cell instead
                    if row.layout == "card":
                        cols[2][i] = _cell_row(next((f.cell for f in errors if f.cell), None)) or cols[2][i]
                cols += [where, why, [r.customer_key for r in part]]
                return cols + columns.columns(part)

            return in_parts(rows, build)

        ws = Sheet(wb.add_worksheet(f"退回-{form.name}"[:31]), st)
        # on paper: where, which cell, why, and the id; the whole row stays on screen (too wide for A4)
        ws.print_columns = len(PROVENANCE) + 3 + 1
        write_columns_in_parts(ws, headers, table, st)
        ws.finish()
    ws = Sheet(wb.add_worksheet("全部问题"), st)
    findings = sorted(result.findings, key=lambda f: (f.file, f.sheet, f.row or 0, f.cell or "", f.code))
    names = {key: form.name for key, form in forms.items()}
    rows_of: dict[str | None, int | None] = {}  # a cell address's row number, once per address

    def lines(part: list) -> Columns:
        severity = [f.severity for f in part]
        cells = [f.cell for f in part]
        for cell in set(cells) - rows_of.keys():
            rows_of[cell] = _cell_row(cell)
        return [
            list(map(SEVERITY_LABELS.get, severity, severity)),
            [f.code for f in part],
            [names.get(f.form) for f in part],  # None: no form (or one not loaded)
            [f.file for f in part],
            [f.sheet for f in part],
            [rows_of[cell] or f.row for cell, f in zip(cells, part, strict=True)],
            cells,
            [f.label for f in part],
            [f.ticket_id for f in part],
            [f.value for f in part],
            [f.message for f in part],
        ]

    # a line per finding: not all held at once
    write_columns_in_parts(ws, FINDING_HEADERS, lambda: in_parts(findings, lines), st)
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
