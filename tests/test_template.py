"""Fillable templates: what an agent sees when opening one, checked with openpyxl (and LibreOffice when present)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import range_boundaries

from svcsheet.forms import FieldSpec, FormSpec, get_form, load_forms, normalize_label
from svcsheet.outputs.template import (
    DATA_ROWS,
    INSTRUCTIONS_SHEET,
    TIMELINE_ROWS,
    write_all_templates,
    write_template,
)

LIST_FORMS = [k for k, f in load_forms().items() if f.layout == "list"]
CARD_FORMS = [k for k, f in load_forms().items() if f.layout == "card"]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    paths = write_all_templates(folder)
    return {form.key: p for form, p in zip(load_forms().values(), paths, strict=True)}


def _validations_at(ws, coord: str) -> list:
    col, row = openpyxl.utils.cell.coordinate_from_string(coord)
    hits = []
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            c = openpyxl.utils.column_index_from_string(col)
            if min_col <= c <= max_col and min_row <= row <= max_row:
                hits.append(dv)
    return hits


def _listed_choices(wb, dv) -> list[str]:
    """The values a list validation offers: inline ("a,b") or a range on another sheet."""
    src = dv.formula1
    if src.startswith('"'):
        return src.strip('"').split(",")
    sheet, ref = src.lstrip("=").rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row]


def _assert_dropdown(wb, ws, coord: str, f: FieldSpec) -> None:
    lists = [dv for dv in _validations_at(ws, coord) if dv.type == "list"]
    assert len(lists) == 1, f"{f.key}: no single drop-down at {coord}"
    dv = lists[0]
    assert _listed_choices(wb, dv) == list(f.choices)
    lenient = f.open or f.type == "multi" or bool(f.needs_note)
    assert bool(dv.showErrorMessage) is not lenient, f"{f.key}: error style wrong"


def test_one_template_per_form_named_after_the_paper_form(templates: dict[str, Path]) -> None:
    assert sorted(templates) == sorted(load_forms())
    for key, path in templates.items():
        assert path.name == f"{load_forms()[key].name}.xlsx" and path.exists()
    assert templates["issue_feedback"].name == "客户服务问题反馈表.xlsx"


@pytest.mark.parametrize("key", LIST_FORMS)
def test_list_header_is_the_schema(templates: dict[str, Path], key: str) -> None:
    form = get_form(key)
    wb = openpyxl.load_workbook(templates[key])
    ws = wb.worksheets[0]
    assert ws.title == form.name[:31]
    assert ws["A1"].value == form.name
    headers = [ws.cell(2, c + 1).value for c in range(len(form.fields))]
    assert [normalize_label(h) for h in headers] == [f.label for f in form.fields]
    assert [h.endswith(" *") for h in headers] == [f.required for f in form.fields]
    assert ws.cell(2, len(form.fields) + 1).value is None
    assert ws.freeze_panes == "A3"
    assert ws.max_row >= 2 + DATA_ROWS  # the data area is pre-formatted
    assert all(ws.cell(3 + i, 1).value is None for i in range(DATA_ROWS))  # no example row


@pytest.mark.parametrize("key", LIST_FORMS)
def test_list_dropdowns_formats_and_hints(templates: dict[str, Path], key: str) -> None:
    form = get_form(key)
    wb = openpyxl.load_workbook(templates[key])
    ws = wb.worksheets[0]
    for col, f in enumerate(form.fields, 1):
        letter = openpyxl.utils.get_column_letter(col)
        for row in (3, 2 + DATA_ROWS):
            if f.is_choice:
                _assert_dropdown(wb, ws, f"{letter}{row}", f)
            if f.is_time:
                fmt = ws[f"{letter}{row}"].number_format
                assert fmt == ("yyyy-mm-dd" if f.type == "date" else "yyyy-mm-dd hh:mm")
                prompts = [dv.prompt for dv in _validations_at(ws, f"{letter}{row}") if dv.prompt]
                assert prompts and "2024-05-20" in prompts[0]
        assert not _validations_at(ws, f"{letter}2"), "the header row must stay free of drop-downs"
        assert ws.column_dimensions[letter].width >= 8


@pytest.mark.parametrize("key", CARD_FORMS)
def test_card_value_cells_are_named(templates: dict[str, Path], key: str) -> None:
    form = get_form(key)
    wb = openpyxl.load_workbook(templates[key])
    ws = wb.worksheets[0]
    assert ws["A1"].value == form.name
    names = ws.defined_names
    assert set(names) == set(form.field_keys)
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {label for _, label in form.sections} <= texts
    for f in form.fields:
        (sheet, ref), *_ = names[f.key].destinations
        assert sheet == ws.title
        ref = ref.replace("$", "")
        if f.type == "timeline":
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            assert max_row - min_row + 1 == TIMELINE_ROWS and max_col - min_col == 1
            head = [ws.cell(min_row - 1, c).value for c in (min_col - 1, min_col, min_col + 1)]
            assert head == ["序号", "时间", "沟通记录"]
            assert ws.cell(min_row, min_col).number_format == "yyyy-mm-dd hh:mm"
            continue
        cell = ws[ref]
        label = ws.cell(cell.row, cell.column - 1).value
        assert normalize_label(label) == f.label and label.endswith(" *") == f.required
        if f.is_choice:
            _assert_dropdown(wb, ws, ref, f)
        if f.is_time:
            assert cell.number_format.startswith("yyyy-mm-dd")


def test_card_copies_keep_their_own_names(tmp_path: Path) -> None:
    form = get_form("complaint_followup")
    wb = openpyxl.load_workbook(write_template(form, tmp_path / "c.xlsx", cards=3))
    cards = [ws for ws in wb.worksheets if ws.title != INSTRUCTIONS_SHEET]
    assert len(cards) == 3 and len({ws.title for ws in cards}) == 3
    for ws in cards:
        (sheet, _), *_ = ws.defined_names[form.id_field].destinations
        assert sheet == ws.title


def test_service_card_list_version(tmp_path: Path) -> None:
    form = get_form("service_card")
    ws = openpyxl.load_workbook(write_template(form, tmp_path / "l.xlsx", layout="list")).worksheets[0]
    assert [normalize_label(ws.cell(2, c + 1).value) for c in range(len(form.fields))] == [
        f.label for f in form.fields
    ]
    with pytest.raises(ValueError):
        write_template(get_form("complaint_followup"), tmp_path / "x.xlsx", layout="list")


@pytest.mark.parametrize("key", list(load_forms()))
def test_instructions_sheet_and_form_marker(templates: dict[str, Path], key: str) -> None:
    form = get_form(key)
    wb = openpyxl.load_workbook(templates[key])
    assert INSTRUCTIONS_SHEET in wb.sheetnames
    texts = [c.value for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    joined = "\n".join(texts)
    for line in form.instructions:
        assert line in joined
    assert {f.label for f in form.fields} <= set(texts)
    for f in form.fields:
        for choice in f.choices:
            assert choice in joined
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["svcsheet_form"] == key
    assert wb.defined_names["svcsheet_form"].attr_text.strip('"') == key


def test_rewrite_is_byte_identical(tmp_path: Path) -> None:
    first = write_all_templates(tmp_path / "a")
    second = write_all_templates(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def _synthetic_form(labels: list[str], choices: list[str]) -> FormSpec:
    fields = [FieldSpec(key=f"f{i}", label=lab, type="text") for i, lab in enumerate(labels)]
    fields.append(FieldSpec(key="pick", label="选择", type="choice", required=True, choices=tuple(choices)))
    return FormSpec(
        key="synthetic",
        name="测试表",
        layout="list",
        id_field="f0",
        fields=tuple(fields),
        stages=(),
        instructions=("=1+1 不是公式",),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(
        st.sampled_from(["=A1", "+1", "-2", "@x", "备注", "=SUM(1)", "编号"]), min_size=1, max_size=4
    ),
    choices=st.lists(
        st.text(alphabet="质量服务物流其他ABC,12 ", min_size=1, max_size=12).map(str.strip).filter(bool),
        min_size=1,
        max_size=40,
        unique=True,
    ),
)
def test_texts_stay_text_and_every_choice_is_offered(
    tmp_path: Path, labels: list[str], choices: list[str]
) -> None:
    form = _synthetic_form(labels, choices)
    wb = openpyxl.load_workbook(write_template(form, tmp_path / "s.xlsx"))
    ws = wb.worksheets[0]
    for col, lab in enumerate(labels, 1):
        cell = ws.cell(2, col)
        assert cell.data_type == "s" and cell.value == lab
    notes = [c for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value]
    assert all(c.data_type in ("s", "n") for c in notes)
    letter = openpyxl.utils.get_column_letter(len(labels) + 1)
    _assert_dropdown(wb, ws, f"{letter}3", form.fields[-1])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_templates_open_in_libreoffice(templates: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo_profile").as_uri()
    cmd = [
        shutil.which("soffice"),
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        *map(str, templates.values()),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    for key in templates:
        pdf = out / f"{templates[key].stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, key
        assert pdf.read_bytes().startswith(b"%PDF")
