"""Blank fillable workbooks, one per form, following the layout contract in ``notes/layout.md``.

List forms: a data sheet (title row 1, header row 2, data from row 3, panes frozen at A3) and a 填写说明 sheet.
Card forms: one sheet laid out like the paper card, every value cell a sheet-scoped defined name equal to the
field key, plus 填写说明. Output is byte-identical across runs (fixed workbook properties, no clock).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..errors import UsageError
from ..forms import FieldSpec, FormSpec, load_forms
from .xlsx import DATE_FORMAT, DATETIME_FORMAT, FIXED_CREATED, FOOTER

# Fixed document date so two writes give identical bytes.
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "_lists"
FORM_PROPERTY = "svcsheet_form"  # custom property and defined name holding the form key
DATA_ROWS = 200  # list forms: rows pre-formatted and validated below the header
TIMELINE_ROWS = 8

# Card sheet base names; a copied sheet is numbered on (投诉单2, 投诉单3, ...).
_CARD_SHEET_BASE = {"complaint_followup": "投诉单", "service_card": "流程卡"}
# Text fields that get a tall, wrapped value cell on the card (besides the form's problem fields).
# TODO(lead): a `long: true` attribute in the YAML would make this data.

_TYPE_NAMES = {
    "text": "文本",
    "person": "客户姓名（姓氏+称谓）",
    "phone": "电话（可脱敏，如 138****5678）",
    "staff": "员工姓名或工号",
    "signature": "签字/确认",
    "date": "日期",
    "datetime": "日期时间",
    "score": "评分（1-5 的整数）",
    "choice": "单选",
    "multi": "多选（用、分隔）",
    "checkbox": "勾选（单选）",
    "timeline": "时间节点记录（每行：时间 + 说明）",
}


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header_text(f: FieldSpec) -> str:
    """The header / label cell text: the label, with ` *` when required."""
    return f"{f.label} *" if f.required else f.label


def _choice_hint(f: FieldSpec) -> str:
    if f.type == "multi":
        return "可多选，多个选项用“、”分隔。"
    if f.needs_note:
        notes = "、".join(f.needs_note)
        return f"选择“{notes}”时请在括号里写明原因，如 {f.needs_note[0]}(原因：……)。"
    if f.open:
        return "也可以在选项后用括号补充说明。"
    return "请从下拉框选择。"


def _lenient(f: FieldSpec) -> bool:
    """Whether the drop-down must accept other text (open choices, multi values, reasons in brackets)."""
    return f.open or f.type == "multi" or bool(f.needs_note)


class _Writer:
    """Shared state for one workbook: formats and the optional hidden list sheet."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.lists: Worksheet | None = None
        self.list_refs: dict[tuple[str, ...], str] = {}
        base = {"font_name": "等线", "font_size": 11, "valign": "vcenter"}
        self.fmt = {
            "title": wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
            "header": wb.add_format(
                {
                    **base,
                    "bold": True,
                    "align": "center",
                    "text_wrap": True,
                    "border": 1,
                    "bg_color": "#DDEBF7",
                }
            ),
            "header_req": wb.add_format(
                {
                    **base,
                    "bold": True,
                    "align": "center",
                    "text_wrap": True,
                    "border": 1,
                    "bg_color": "#FCE4D6",
                }
            ),
            "section": wb.add_format({**base, "bold": True, "border": 1, "bg_color": "#D9E1F2"}),
            "label": wb.add_format(
                {**base, "bold": True, "border": 1, "bg_color": "#F2F2F2", "text_wrap": True}
            ),
            "text": wb.add_format({**base, "border": 1, "num_format": "@", "text_wrap": True}),
            "general": wb.add_format({**base, "border": 1}),
            "date": wb.add_format({**base, "border": 1, "num_format": DATE_FORMAT, "align": "left"}),
            "datetime": wb.add_format({**base, "border": 1, "num_format": DATETIME_FORMAT, "align": "left"}),
            "long": wb.add_format(
                {**base, "border": 1, "num_format": "@", "text_wrap": True, "valign": "top"}
            ),
            "plain": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
            "bold": wb.add_format({**base, "bold": True}),
        }

    def value_format(self, f: FieldSpec) -> Any:
        if f.type == "date":
            return self.fmt["date"]
        if f.type in ("datetime", "timeline"):
            return self.fmt["datetime"]
        if f.type in ("score", "choice", "multi", "checkbox"):
            return self.fmt["general"]
        return self.fmt["text"]

    def list_source(self, choices: tuple[str, ...]) -> Any:
        """Inline list when it fits Excel's 255-character limit, else a range on the hidden _lists sheet."""
        if len(",".join(choices)) <= 250 and not any("," in c for c in choices):
            return list(choices)
        if choices not in self.list_refs:
            if self.lists is None:
                self.lists = self.wb.add_worksheet(LISTS_SHEET)
                self.lists.hide()
            col = len(self.list_refs)
            for i, c in enumerate(choices):
                self.lists.write_string(i, col, c)
            letter = xlsxwriter.utility.xl_col_to_name(col, col_abs=True)
            self.list_refs[choices] = f"='{LISTS_SHEET}'!{letter}$1:{letter}${len(choices)}"
        return self.list_refs[choices]

    def validation(self, f: FieldSpec) -> dict[str, Any] | None:
        """The data validation (drop-down and/or input message) for one field's cells."""
        if f.is_choice and f.choices:
            dv: dict[str, Any] = {
                "validate": "list",
                "source": self.list_source(f.choices),
                "input_title": f.label[:32],
                "input_message": ("可选：" + "/".join(f.choices) + "。" + _choice_hint(f))[:255],
            }
            if _lenient(f):
                dv["show_error"] = False
            else:
                dv["error_title"] = "选项无效"
                dv["error_message"] = ("请从下拉框选择：" + "/".join(f.choices))[:255]
            return dv
        if f.type == "score":
            return {
                "validate": "list",
                "source": ["1", "2", "3", "4", "5"],
                "show_error": False,  # a note in brackets is allowed: 4(上门及时)
                "input_title": f.label[:32],
                "input_message": "填 1 到 5 的整数（1 非常不满意，5 非常满意），可在括号里补充说明，如 4(上门及时)。",
            }
        if f.type in ("date", "datetime"):
            msg = "格式：2024-05-20" if f.type == "date" else "格式：2024-05-20 09:30；只知道日期时只填日期。"
            if f.allow_vague:
                msg += " 不确定时可写“约9月28日”或“客户未明确”。"
            return {"validate": "any", "input_title": f.label[:32], "input_message": msg}
        return None


def _set_common(wb: Workbook, form: FormSpec) -> None:
    wb.set_properties(
        {
            "title": form.name,
            "subject": f"svcsheet {form.key}",
            "author": "svcsheet",
            "company": "",
            "created": FIXED_CREATED,
        }
    )
    wb.set_custom_property(FORM_PROPERTY, form.key)
    wb.define_name(FORM_PROPERTY, f'="{form.key}"')


def _width(f: FieldSpec) -> float:
    w = _display_width(header_text(f)) + 2
    if f.type == "datetime":
        w = max(w, 18)
    elif f.type == "date":
        w = max(w, 12)
    elif f.is_choice:
        w = max([w, *(_display_width(c) + 4 for c in f.choices)])
    elif f.type == "text" and not f.long:
        w = max(w, 16)
    elif f.type == "text":
        w = max(w, 36)
    elif f.type == "phone":
        w = max(w, 15)
    return min(w, 40)


def _write_list_sheet(w: _Writer, form: FormSpec) -> None:
    ws = w.wb.add_worksheet(form.name[:31])
    fields = form.fields
    last = len(fields) - 1
    ws.merge_range(0, 0, 0, last, "", w.fmt["title"])
    ws.write_string(0, 0, form.name, w.fmt["title"])
    ws.set_row(0, 30)
    ws.set_row(1, 36)
    for col, f in enumerate(fields):
        ws.write_string(1, col, header_text(f), w.fmt["header_req" if f.required else "header"])
        ws.set_column(col, col, _width(f))
        fmt = w.value_format(f)
        for row in range(2, 2 + DATA_ROWS):
            ws.write_blank(row, col, None, fmt)
        dv = w.validation(f)
        if dv:
            ws.data_validation(2, col, 1 + DATA_ROWS, col, dv)
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, 1 + DATA_ROWS, last)
    ws.repeat_rows(1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as the rows need
    ws.set_footer(FOOTER)


def _card_sheet_names(form: FormSpec, count: int) -> list[str]:
    base = _CARD_SHEET_BASE.get(form.key) or form.id_label.removesuffix("编号").removesuffix("号")
    return [f"{base}{i}" for i in range(1, count + 1)]


def _is_long(form: FormSpec, f: FieldSpec) -> bool:
    return f.type == "text" and (f.long or f.key in form.problem_fields)


def _write_card_sheet(w: _Writer, form: FormSpec, name: str) -> None:
    ws = w.wb.add_worksheet(name)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 20)
    ws.set_column(3, 3, 30)
    ws.merge_range(0, 0, 0, 3, "", w.fmt["title"])
    ws.write_string(0, 0, form.name, w.fmt["title"])
    ws.set_row(0, 32)
    quoted = "'" + name.replace("'", "''") + "'"

    def name_cell(key: str, ref: str) -> None:
        w.wb.define_name(f"{quoted}!{key}", f"={quoted}!{ref}")

    def abs_ref(r: int, c: int) -> str:
        return xlsxwriter.utility.xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)

    groups: list[tuple[str | None, list[FieldSpec]]] = [
        (label, [f for f in form.fields if f.section == key]) for key, label in form.sections
    ]
    loose = [f for f in form.fields if f.section not in {k for k, _ in form.sections}]
    if loose:
        groups.append((None, loose))

    row = 1
    for label, fields in groups:
        if label:
            ws.merge_range(row, 0, row, 3, "", w.fmt["section"])
            ws.write_string(row, 0, label, w.fmt["section"])
            ws.set_row(row, 22)
            row += 1
        right = False  # a short field already sits in the left half of `row`
        for f in fields:
            full = f.type == "timeline" or _is_long(form, f)
            if full and right:
                row += 1
                right = False
            if f.type == "timeline":
                ws.merge_range(row, 0, row, 3, "", w.fmt["label"])
                ws.write_string(row, 0, header_text(f), w.fmt["label"])
                row += 1
                ws.write_string(row, 0, "序号", w.fmt["header"])
                ws.write_string(row, 1, "时间", w.fmt["header"])
                ws.merge_range(row, 2, row, 3, "", w.fmt["header"])
                ws.write_string(row, 2, "沟通记录", w.fmt["header"])
                first = row + 1
                for i in range(TIMELINE_ROWS):
                    r = first + i
                    ws.write_number(r, 0, i + 1, w.fmt["general"])
                    ws.write_blank(r, 1, None, w.fmt["datetime"])
                    ws.merge_range(r, 2, r, 3, "", w.fmt["text"])
                dv = w.validation(FieldSpec(key=f.key, label=f.label, type="datetime"))
                ws.data_validation(first, 1, first + TIMELINE_ROWS - 1, 1, dv)
                name_cell(f.key, f"{abs_ref(first, 1)}:{abs_ref(first + TIMELINE_ROWS - 1, 2)}")
                row = first + TIMELINE_ROWS
                continue
            if full:
                ws.write_string(row, 0, header_text(f), w.fmt["label"])
                ws.merge_range(row, 1, row, 3, "", w.fmt["long"])
                ws.set_row(row, 60)
                col = 1
            else:
                col = 3 if right else 1
                ws.write_string(row, col - 1, header_text(f), w.fmt["label"])
                ws.write_blank(row, col, None, w.value_format(f))
                ws.set_row(row, 24)
            dv = w.validation(f)
            if dv:
                ws.data_validation(row, col, row, col, dv)
            name_cell(f.key, abs_ref(row, col))
            if full or right:
                row += 1
                right = False
            else:
                right = True
        if right:
            row += 1
    ws.set_paper(9)  # portrait, like the paper card
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, row - 1, 3)
    ws.set_footer(FOOTER)


def _write_instructions(w: _Writer, form: FormSpec) -> None:
    ws = w.wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 26)
    ws.set_column(3, 3, 60)
    ws.write_string(0, 0, f"{form.name}填写说明", w.fmt["title"])
    row = 2
    for i, line in enumerate(form.instructions, 1):
        ws.merge_range(row, 0, row, 3, "", w.fmt["plain"])
        ws.write_string(row, 0, f"{i}. {line}", w.fmt["plain"])
        ws.set_row(row, 15 * max(1, -(-_display_width(line) // 110)) + 4)
        row += 1
    row += 1
    for col, text in enumerate(("字段", "必填", "类型", "可选值 / 填写要求")):
        ws.write_string(row, col, text, w.fmt["header"])
    row += 1
    for f in form.fields:
        ws.write_string(row, 0, f.label, w.fmt["text"])
        ws.write_string(row, 1, "是" if f.required else "", w.fmt["text"])
        ws.write_string(row, 2, _TYPE_NAMES.get(f.type, f.type), w.fmt["text"])
        ws.write_string(row, 3, _allowed(form, f), w.fmt["text"])
        row += 1
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_footer(FOOTER)


def _allowed(form: FormSpec, f: FieldSpec) -> str:
    parts: list[str] = []
    if f.choices:
        parts.append("/".join(f.choices))
        if f.open:
            parts.append("可补充其他文字")
        if f.needs_note:
            parts.append("选择" + "、".join(f.needs_note) + "时写明原因")
    elif f.type == "score":
        parts.append("1/2/3/4/5，可带括号说明")
    elif f.type == "date":
        parts.append("2024-05-20" + ("；不确定时写“约9月28日”或“客户未明确”" if f.allow_vague else ""))
    elif f.type == "datetime":
        parts.append("2024-05-20 09:30")
    elif f.type == "timeline":
        parts.append("每行一条：时间 + 沟通说明")
    if f.key == form.id_field and form.id_example:
        parts.append(f"例如 {form.id_example}，不可重复")
    if f.none_marks:
        parts.append(f"没有时填“{f.none_marks[0]}”")
    return "；".join(parts)


def write_template(form: FormSpec, path: Path, *, cards: int = 1, layout: str | None = None) -> Path:
    """Write one blank fillable workbook for ``form`` to ``path`` and return the path.

    ``cards``: card forms only, how many ticket sheets (投诉单1, 投诉单2, ...). ``layout="list"`` writes the
    list version of a card form that accepts one (``list_ok``).
    """
    path = Path(path)
    layout = layout or form.layout
    if layout not in ("list", "card") or (layout == "list" and form.layout == "card" and not form.list_ok):
        raise ValueError(f"{form.key} has no {layout!r} layout")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False, "strings_to_formulas": False})
    w = _Writer(wb)
    _set_common(wb, form)
    if layout == "list":
        _write_list_sheet(w, form)
    else:
        for name in _card_sheet_names(form, max(1, cards)):
            _write_card_sheet(w, form, name)
    _write_instructions(w, form)
    wb.close()
    return path


def template_name(form: FormSpec) -> str:
    """The file name agents know: the paper form's title (客户服务问题反馈表.xlsx)."""
    return f"{form.name}.xlsx"


def write_all_templates(folder: Path) -> list[Path]:
    """Write one template per form into ``folder`` named after the paper form; return the paths in form order."""
    folder = Path(folder)
    return [write_template(form, folder / template_name(form)) for form in load_forms().values()]


def find_form(text: str) -> FormSpec:
    """A form by its key (issue_feedback), its name (客户服务问题反馈表) or a part of the name only one form has
    (投诉处理表); otherwise a usage error in Chinese listing the forms."""
    forms = load_forms()
    wanted = text.strip().removesuffix(".xlsx")
    if wanted in forms:
        return forms[wanted]
    for form in forms.values():
        if wanted == form.name:
            return form
    hits = [f for f in forms.values() if wanted and (wanted in f.name or f.name in wanted)]
    if len(hits) == 1:
        return hits[0]
    known = "；".join(f"{f.name}（{f.key}）" for f in forms.values())
    why = "对应多种表单" if hits else "没有这种表单"
    raise UsageError(f"「{text}」{why}。可用的表单：{known}")
