"""clean.xlsx: one sheet per form with the accepted rows (de-identified), their SLA verdicts and common issue,
and a 时效明细 sheet with the start, deadline, end and minutes behind every verdict."""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from ..forms import FormSpec
from .columns import (
    COMMON_ISSUE,
    CUSTOMER,
    PROVENANCE,
    Columns,
    FieldColumns,
    field_headers,
    in_parts,
    note_fields,
    provenance_columns,
    shown_provenance,
    verdict_columns,
    write_columns_in_parts,
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

        def table(rows=rows, columns=columns, keys=keys) -> Iterator[Columns]:
            # each part's columns: provenance, customer, fields, verdicts, common issue, hints
            def build(part: list) -> Columns:
                cols = provenance_columns(part)
                cols.append([r.customer_key for r in part])
                cols += columns.columns(part)
                cols += verdict_columns(part, keys, shown)
                cols.append([r.cluster for r in part])
                cols.append([_hints(fs) if fs else None for fs in map(_FINDINGS, part)])
                return cols

            return in_parts(rows, build)

        ws = Sheet(wb.add_worksheet(form.name[:31]), st)
        ws.key_column = len(PROVENANCE) + 1  # the ticket id (first field) on every printed page
        write_columns_in_parts(ws, headers, table, st)
        ws.finish()
    ws = Sheet(wb.add_worksheet("时效明细"), st)
    write_columns_in_parts(
        ws, DETAIL_HEADERS, lambda: in_parts(_detail_lines(forms, accepted), _detail_columns), st
    )
    ws.finish()
    wb.close()


_FINDINGS = attrgetter("safe_findings")


def _hints(findings: list) -> str | None:
    """The 提示 cell: every finding of the row (cell and message), or None."""
    return "；".join(f"{f.cell or ''} {f.message}".strip() for f in findings) or None


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


def _detail_lines(forms: dict[str, FormSpec], accepted: dict[str, list]) -> Iterator[tuple]:
    """(form name, row, stage label, verdict) of every verdict of every accepted row, form by form, stage by
    stage; a row's verdicts read by position when its verdicts are a FieldMap (positions once per key index)."""
    for form in forms.values():
        stages = [(s.key, s.label) for s in form.stages]
        name = form.name
        plans: dict[int, tuple[Any, list[tuple[str, int]]]] = {}
        for row in accepted[form.key]:
            sla = row.sla
            index = getattr(sla, "_index", None)
            if type(index) is not dict:
                for key, label in stages:
                    res = sla.get(key)
                    if res is not None:
                        yield name, row, label, res
                continue
            plan = plans.get(id(index))
            if plan is None or plan[0] is not index:
                at = [(label, index[key]) for key, label in stages if key in index]
                plan = plans[id(index)] = (index, at)
            values = sla._values
            for label, i in plan[1]:
                res = values[i]
                if res is not None:
                    yield name, row, label, res


_DETAIL_VERDICT = [
    attrgetter(name)
    for name in (
        "outcome",
        "target",
        "start",
        "deadline",
        "end",
        "elapsed_minutes",
        "overrun_minutes",
        "reason",
    )
]


def _detail_columns(lines: list[tuple]) -> Columns:
    """A part of the 时效明细 table (``DETAIL_HEADERS``), column by column. A row has a line per verdict: its id
    and provenance are read once per row (``shown_prov`` is a property: ~950,000 calls at 100,000 rows, the
    table built twice), then repeated by the row's object id."""
    rows = list(map(itemgetter(1), lines))
    verdicts = list(map(itemgetter(3), lines))
    ids = list(map(id, rows))
    distinct = dict(zip(ids, rows, strict=True))
    each = dict(zip(distinct, map(_id_and_provenance, distinct.values()), strict=True))
    per_line = list(map(each.__getitem__, ids))
    cols = [
        list(map(itemgetter(0), lines)),
        list(map(itemgetter(0), per_line)),
        list(map(itemgetter(2), lines)),
    ]
    cols += [list(map(get, verdicts)) for get in _DETAIL_VERDICT]
    return cols + [list(map(itemgetter(i), per_line)) for i in (1, 2, 3)]


def _id_and_provenance(row: Any) -> tuple[Any, Any, Any, Any]:
    """A row's ticket id and shown provenance (file, sheet, row)."""
    return (row.ticket_id, *shown_provenance(row))
