"""clean.xlsx: one sheet per form with the accepted rows (de-identified), their SLA verdicts and common issue,
and a 时效明细 sheet with the start, deadline, end and minutes behind every verdict."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from itertools import islice
from operator import itemgetter
from pathlib import Path

from ..forms import FormSpec
from .columns import (
    COMMON_ISSUE,
    CUSTOMER,
    PROVENANCE,
    FieldColumns,
    field_headers,
    note_fields,
    provenance,
)
from .xlsx import Sheet, Styles, new_workbook, write_table


def write_clean(result, forms: dict[str, FormSpec], path: Path) -> None:
    wb, st = new_workbook(path, stream=True)  # rows in order: streamed, not held
    accepted: dict[str, list] = {form.key: [] for form in forms.values()}  # rejected is computed: once a row
    for r in result.rows:
        if r.form in accepted and not r.rejected:
            accepted[r.form].append(r)
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
                stages = [None if (res := sla.get(k)) is None else res.cell_text() for k in keys]
                hints = "；".join(f"{f.cell or ''} {f.message}".strip() for f in row.safe_findings)
                values = columns.values(row)
                yield provenance(row) + [row.customer_key] + values + stages + [row.cluster, hints or None]

        ws = Sheet(wb.add_worksheet(form.name[:31]), st)
        write_table_in_parts(ws, headers, table, st)
        ws.key_column = len(PROVENANCE) + 1  # the ticket id (first field) on every printed page
        ws.finish()
    ws = Sheet(wb.add_worksheet("时效明细"), st)
    write_table_in_parts(ws, DETAIL_HEADERS, lambda: _detail(forms, accepted), st)
    ws.finish()
    wb.close()


PART = 8192  # table rows built at a time


def write_table_in_parts(ws: Sheet, headers: list[str], make: Callable[[], Iterable[Sequence]], st: Styles) -> None:
    """``write_table(ws, 0, headers, list(make()), st)`` without holding every row: the rows are made twice,
    a part at a time, first for the header's alignment (a header over numbers or times is right-aligned),
    then to be written. A whole form's table, then the 时效明细 lines, were the largest part of the run's
    memory peak (+40 MB each at 100,000 rows). Every row has one value per header. Same bytes (a test
    compares): a part's last row goes through xlsxwriter, as a table's last row does, which writes it the same."""
    first = list(islice(make(), PART))
    if len(first) < PART:  # a short table: as it was
        write_table(ws, 0, headers, first, st)
        return
    del first
    width = len(headers)
    state = [[False, False] for _ in range(width)]  # per column: holds a value that is not numeric, holds a number
    count = 0
    for part in _parts(make()):
        count += len(part)
        _numeric_state(part, state)
    for c, h in enumerate(headers):
        bad, numeric = state[c]
        ws.write_string(0, c, h, st.header_right if numeric and not bad else st.header)
    top = 1
    for part in _parts(make()):
        ws.write_rows(top, part)
        top += len(part)
    if count <= 30:  # as write_table keeps a short table on one page (only with a small PART)
        ws.keep_rows(0, count)
    ws.autofilter(0, 0, max(count, 1), width - 1)
    ws.freeze_panes(1, 0)
    ws.header_row = 0


def _parts(rows: Iterable[Sequence]) -> Iterator[list[Sequence]]:
    it = iter(rows)
    while part := list(islice(it, PART)):
        yield part


_NUMERIC = frozenset({int, float, datetime, date, time})  # exactly these (a bool is an int: not numeric)


def _numeric_state(part: list[Sequence], state: list[list[bool]]) -> None:
    """What ``xlsx.write_table`` decides for each column's header, gathered a part at a time: a column is
    numeric when it holds a value and every value but None and "" is a number, date or time (not a bool)."""
    for c, st in enumerate(state):
        if st[0]:
            continue
        kinds = set(map(type, map(itemgetter(c), part)))  # in C: most columns end here
        kinds.discard(type(None))
        if kinds <= _NUMERIC:
            st[1] = st[1] or bool(kinds)
            continue
        for v in map(itemgetter(c), part):
            if v is None or v == "":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, date, time)):
                st[0] = True
                break
            st[1] = True


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
