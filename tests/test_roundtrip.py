"""A template filled by an agent (here: openpyxl) reads back exactly what was typed, cell by cell."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from svcsheet.checking.parse import parse_row
from svcsheet.forms import FieldSpec, load_forms
from svcsheet.outputs.template import write_template
from svcsheet.reading.reader import read_workbook

WHEN = datetime(2026, 11, 17, 9, 30)


def typed(form_key: str, f: FieldSpec, n: int):
    """(what the agent types, the value svcsheet must read) for one field."""
    if f.key == load_forms()[form_key].id_field:
        example = load_forms()[form_key].id_example or "ID"
        text = example[:-1] + str(n)
        return text, text
    if f.type == "datetime":
        return WHEN.replace(minute=n), WHEN.replace(minute=n)
    if f.type == "date":
        return datetime(2026, 3, n), date(2026, 3, n)
    if f.type == "score":
        return n, n
    if f.type in ("choice", "checkbox"):
        return f.choices[n % len(f.choices)], f.choices[n % len(f.choices)]
    if f.type == "multi":
        return f"{f.choices[0]}、{f.choices[1]}", (f.choices[0], f.choices[1])
    if f.type == "phone":
        return "138****5678", "138****5678"
    if f.type in ("person", "staff"):
        return "*先生", "*先生"
    if f.type == "timeline":
        return None, None  # filled in its own table, checked separately
    if f.key == "customer_id":
        return f"VIP2023000{n}", f"VIP2023000{n}"
    return f"第{n}条{f.label}", f"第{n}条{f.label}"


LIST_FORMS = [k for k, f in load_forms().items() if f.layout == "list"]
CARD_FORMS = [k for k, f in load_forms().items() if f.layout == "card"]


@pytest.mark.parametrize("form_key", LIST_FORMS)
def test_a_filled_list_template_reads_back_every_value_at_its_cell(tmp_path, form_key):
    form = load_forms()[form_key]
    path = write_template(form, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb[wb.sheetnames[0]]
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    expected = {}
    for n, sheet_row in ((1, 3), (2, 4), (3, 6)):  # row 5 left blank: a spacer
        for f in form.fields:
            col = next(c for text, c in header.items() if text and text.rstrip(" *") == f.label)
            value, want = typed(form_key, f, n)
            if value is not None:
                ws.cell(sheet_row, col, value)
                expected[(sheet_row, f.key)] = (f"{get_column_letter(col)}{sheet_row}", want)
    wb.save(path)

    book = read_workbook(path)
    rows = [r for r in book.rows if r.form == form_key]
    assert [r.prov.row for r in rows] == [3, 4, 6]
    for raw in rows:
        row = parse_row(raw, form)
        for f in form.fields:
            if (raw.prov.row, f.key) not in expected:
                continue
            ref, want = expected[(raw.prov.row, f.key)]
            assert raw.cells[f.key].ref == ref, f.key
            assert row.value(f.key) == want, f.key
        assert not [x for x in row.findings if x.severity == "error"], row.findings


@pytest.mark.parametrize("form_key", CARD_FORMS)
def test_a_filled_card_template_reads_back_every_named_cell(tmp_path, form_key):
    form = load_forms()[form_key]
    path = write_template(form, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb[wb.sheetnames[0]]
    expected = {}
    for f in form.fields:
        dest = ws.defined_names[f.key]
        (_sheet, ref), *_ = list(dest.destinations)
        ref = ref.replace("$", "")
        if f.type == "timeline":
            c1, r1, _c2, _r2 = range_boundaries(ref)
            ws.cell(r1, c1, WHEN)
            ws.cell(r1, c1 + 1, "电话联系客户确认故障")
            expected[f.key] = (ref, ((WHEN, "电话联系客户确认故障"),))
            continue
        top_left = ref.split(":")[0]
        value, want = typed(form_key, f, 2)
        ws[top_left] = value
        expected[f.key] = (top_left, want)
    wb.save(path)

    book = read_workbook(path)
    rows = [r for r in book.rows if r.form == form_key]
    assert len(rows) == 1
    row = parse_row(rows[0], form)
    for key, (ref, want) in expected.items():
        assert rows[0].cells[key].ref.replace("$", "").startswith(ref.split(":")[0]), key
        assert row.value(key) == want, key
