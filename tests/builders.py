"""Build workbooks in the svcsheet list layout (title row, header row, data) the way an agent fills them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from svcsheet.forms import get_form


def list_workbook(path: Path, form_key: str, rows: list[dict[str, Any]], sheet: str | None = None) -> Path:
    """A workbook with one sheet of ``form_key``: title in row 1, labels in row 2, ``rows`` from row 3.

    Each row maps field key -> value as typed. Every field of the form gets a column.
    """
    form = get_form(form_key)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet or form.name[:31]
    ws.cell(1, 1, form.name)
    for c, f in enumerate(form.fields, start=1):
        ws.cell(2, c, f.label)
    for r, values in enumerate(rows, start=3):
        for c, f in enumerate(form.fields, start=1):
            if f.key in values and values[f.key] is not None:
                cell = ws.cell(r, c, values[f.key])
                if isinstance(values[f.key], str) and values[f.key].startswith("="):
                    cell.data_type = "s"  # typed as text (an apostrophe in Excel), not a formula
    wb.save(path)
    return path


def cell_of(form_key: str, field_key: str, row: int) -> str:
    """The address an agent's value lands in with list_workbook: column of the field, 1-based sheet row."""
    from openpyxl.utils import get_column_letter

    form = get_form(form_key)
    return f"{get_column_letter(form.field_keys.index(field_key) + 1)}{row}"


def good_response_log_row(n: int, **over: Any) -> dict[str, Any]:
    """A valid response_log row (ticket 20261117 + 3-digit serial)."""
    row = {
        "issue_no": f"20261117{n:03d}",
        "customer": "*先生",
        "phone": "138****5678",
        "description": "设备无法启动，按电源键没反应",
        "category": "技术故障",
        "urgency": "一般",
        "received_time": "2026-11-17 09:30",
        "first_response_time": "2026-11-17 10:00",
        "resolved_time": "2026-11-17 15:00",
        "solution": "远程指导重启系统，更换电源适配器",
        "handler": "*工号001",
        "result": "已解决",
        "satisfaction": "满意",
    }
    row.update(over)
    return row
