"""The reader: which form each sheet holds, every data row, and where each value came from. A header's label is
matched with required marks, full-width brackets and notes around it, as normalising the text twice matched it; a
list sheet's plain rows read a row at a time are what the cell-by-cell reading makes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from svcsheet.forms import get_form, label_base, load_forms, normalize_label
from svcsheet.reading.reader import HELPER_SHEETS, LabelIndex, WorkbookRead, read_workbook
from tests.layouts import card_sheet, convert, header_cells, new_book, soffice, write_row

FORMS = load_forms()


def cells_of(book: WorkbookRead, index: int = 0) -> dict[str, tuple[str | None, Any]]:
    return {k: (c.ref, c.raw) for k, c in book.rows[index].cells.items()}


def sheet_info(book: WorkbookRead, name: str):
    return next(s for s in book.sheets if s.sheet == name)


# ------------------------------------------------------------------ every form from its own labels


@pytest.mark.parametrize("form_key", list(load_forms()))
def test_every_form_is_recognised_from_its_labels(tmp_path: Path, form_key: str) -> None:
    form = get_form(form_key)
    wb, ws = new_book()
    ws.title = "数据"
    values = {f.key: f"值{i}" for i, f in enumerate(form.fields)}
    if form.layout == "list":
        write_row(ws, 1, header_cells(form, list(form.field_keys)))
        write_row(ws, 2, [values[k] for k in form.field_keys])
        expected = {f.key: (f"{get_column_letter(i)}2", values[f.key]) for i, f in enumerate(form.fields, 1)}
        row, layout = 2, "list"
    else:
        refs = card_sheet(ws, form, values)
        expected = {k: (refs[k], values[k]) for k in form.field_keys if form.field(k).type != "timeline"}
        row, layout = int(refs[form.id_field][1:]), "card"
    wb.save(tmp_path / "book.xlsx")

    book = read_workbook(tmp_path / "book.xlsx")

    assert [s.form for s in book.sheets] == [form_key]
    assert len(book.rows) == 1 and book.rows[0].form == form_key and book.rows[0].layout == layout
    assert book.rows[0].prov.row == row and book.rows[0].prov.sheet == "数据"
    got = cells_of(book)
    assert {k: got[k] for k in expected} == expected
    assert book.findings == []


def test_card_form_accepted_as_a_list(tmp_path: Path) -> None:
    form = next(f for f in load_forms().values() if f.list_ok)
    wb, ws = new_book()
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    write_row(ws, 2, [f"x{i}" for i in range(len(form.fields))])
    write_row(ws, 3, [f"y{i}" for i in range(len(form.fields))])
    wb.save(tmp_path / "list.xlsx")
    book = read_workbook(tmp_path / "list.xlsx")
    assert [(r.form, r.layout, r.prov.row) for r in book.rows] == [
        (form.key, "list", 2),
        (form.key, "list", 3),
    ]


# ------------------------------------------------------------------ our own templates, filled in


def test_filled_list_template_is_read_exactly(tmp_path: Path) -> None:
    from svcsheet.outputs.template import write_template

    form = get_form("service_feedback")
    path = write_template(form, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb[form.name[:31]]
    when = dt.datetime(2024, 5, 20, 9, 30)
    ws.cell(3, 1, "FW202405200001")
    ws.cell(3, form.field_keys.index("request_time") + 1, when)
    ws.cell(5, 1, "FW202405200002")  # row 4 left blank by the agent
    wb.save(path)

    book = read_workbook(path, display_name="团队A/t.xlsx")

    info = sheet_info(book, form.name[:31])
    assert (info.form, info.header_row, info.rows) == (form.key, 2, 2)
    assert [r.prov.row for r in book.rows] == [3, 5]
    assert book.rows[0].prov.file == "团队A/t.xlsx"
    col = get_column_letter(form.field_keys.index("request_time") + 1)
    assert cells_of(book)["request_time"] == (f"{col}3", when)
    assert set(book.rows[0].cells) == set(form.field_keys)
    skipped = [s for s in book.sheets if s.form is None]
    assert skipped and all(s.sheet in HELPER_SHEETS and s.reason for s in skipped)
    assert not [f for f in book.findings if f.code == "sheet_unrecognised"]


def test_filled_card_template_reads_defined_names_and_timeline(tmp_path: Path) -> None:
    from svcsheet.outputs.template import write_template

    form = get_form("complaint_followup")
    path = write_template(form, tmp_path / "card.xlsx", cards=2)
    wb = load_workbook(path)
    ws = wb.worksheets[0]

    def target(key: str) -> tuple[int, int, int, int]:
        (_, coord), *_ = ws.defined_names[key].destinations
        from openpyxl.utils.cell import range_boundaries

        c1, r1, c2, r2 = range_boundaries(coord.replace("$", ""))
        return r1, c1, r2, c2

    r, c, _, _ = target(form.id_field)
    ws.cell(r, c, "TS202405200001")
    r, c, _, _ = target("customer_name")
    ws.cell(r, c, "李先生")
    t1, tc1, t2, tc2 = target("timeline")
    ws.cell(t1, tc1, dt.datetime(2024, 5, 20, 10, 0))
    ws.cell(t1, tc2, "电话联系客户，确认故障")
    ws.cell(t1 + 1, tc1, dt.datetime(2024, 5, 21, 14, 30))
    ws.cell(t1 + 1, tc2, "上门更换主板")
    wb.save(path)

    book = read_workbook(path)

    assert len(book.rows) == 1  # the second, untouched card is not a ticket
    row = book.rows[0]
    assert (row.form, row.layout, row.prov.sheet) == (form.key, "card", ws.title)
    id_r, id_c, _, _ = target(form.id_field)
    assert row.prov.row == id_r
    assert row.cells[form.id_field].ref == f"{get_column_letter(id_c)}{id_r}"
    assert row.cells["customer_name"].raw == "李先生"
    timeline = row.cells["timeline"]
    assert timeline.ref == f"{get_column_letter(tc1)}{t1}:{get_column_letter(tc2)}{t2}"
    assert timeline.raw == "2024-05-20 10:00 电话联系客户，确认故障\n2024-05-21 14:30 上门更换主板"
    second = sheet_info(book, wb.worksheets[1].title)
    assert second.form == form.key and second.rows == 0 and "没有填写" in second.reason


# ------------------------------------------------------------------ team-made list layouts


def team_list_book(path: Path) -> dict[str, Any]:
    """service_feedback as a team typed it: title, 填表人 row, variant header, merges, hidden column, footer."""
    form = get_form("service_feedback")
    keys = [
        "service_no",
        "customer_name",
        "phone",
        "product_model",
        "purchase_date",
        "service_type",
        "request_time",
        "problem_description",
        "efficiency_score",
        "satisfaction_score",
    ]
    wb, ws = new_book()
    ws.title = "9月反馈"
    ws.cell(1, 1, form.name + "（2024年9月）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(keys))
    ws.cell(2, 1, "填表人：张三")
    ws.cell(2, 4, "日期：2024-09-30")
    write_row(ws, 4, header_cells(form, keys, style="variant"))
    ws.cell(4, len(keys) + 1, "内部批注")  # a column that maps to no field
    ws.column_dimensions["C"].hidden = True
    rows = {
        5: [
            "FW202409010001",
            "李先生",
            "139****5678",
            "KX-200",
            dt.date(2024, 3, 1),
            "维修",
            dt.datetime(2024, 9, 1, 9, 30),
            "开机无反应",
            "4(上门及时)",
            5,
        ],
        6: [
            "FW202409020002",
            "王女士",
            "138****1234",
            "KX-300",
            dt.date(2024, 4, 2),
            "安装",
            dt.datetime(2024, 9, 2, 14, 0),
            "安装位置不合适",
            5,
            4,
        ],
        7: [
            "FW202409020003",
            "赵先生",
            "137****0000",
            None,
            dt.date(2024, 4, 2),
            "安装",
            dt.datetime(2024, 9, 2, 15, 0),
            "同批次异响",
            3,
            3,
        ],
        10: [
            "FW202409050005",
            "周女士",
            "136****9999",
            "KX-100",
            dt.date(2024, 1, 9),
            "使用咨询",
            dt.datetime(2024, 9, 5, 8, 0),
            "不会设置定时",
            5,
            5,
        ],
    }
    for r, values in rows.items():
        write_row(ws, r, values)
    ws.merge_cells("D6:D7")  # one product model typed once for two service orders
    ws.cell(9, len(keys) + 1, "客户来电未留单号")  # only an unmapped column: still a row
    grey = PatternFill("solid", fgColor="DDDDDD")
    for r in range(11, 40):  # formatted, empty rows under the data
        for c in range(1, len(keys) + 1):
            ws.cell(r, c).fill = grey
    ws.cell(41, 1, "填表人：张三")
    ws.cell(42, 1, "主管审核：")
    ws.cell(42, 3, "日期：")
    hidden = wb.create_sheet("_lists")
    hidden.sheet_state = "hidden"
    hidden.cell(1, 1, "维修")
    wb.save(path)
    return {"form": form, "keys": keys, "rows": rows}


def test_team_made_list_with_titles_variants_merges_and_footer(tmp_path: Path) -> None:
    spec = team_list_book(tmp_path / "team.xlsx")
    book = read_workbook(tmp_path / "team.xlsx")

    info = sheet_info(book, "9月反馈")
    assert (info.form, info.header_row, info.rows) == ("service_feedback", 4, 5)
    assert [r.prov.row for r in book.rows] == [5, 6, 7, 9, 10]
    first = cells_of(book, 0)
    for i, key in enumerate(spec["keys"], start=1):
        assert first[key] == (f"{get_column_letter(i)}5", spec["rows"][5][i - 1]), key
    assert first["phone"] == ("C5", "139****5678")  # hidden column still read
    assert first["purchase_date"] == ("E5", dt.date(2024, 3, 1))
    assert cells_of(book, 2)["product_model"] == ("D6", "KX-300")  # vertical merge applies to row 7
    assert cells_of(book, 2)["service_no"] == ("A7", "FW202409020003")
    assert all(c.raw is None for c in book.rows[3].cells.values())  # row 9: kept, rejected later
    assert set(book.rows[0].cells) == set(spec["keys"])
    lists = sheet_info(book, "_lists")
    assert lists.form is None and lists.hidden and lists.reason == HELPER_SHEETS["_lists"]
    assert book.findings == []


def test_grouped_two_row_header(tmp_path: Path) -> None:
    form = get_form("service_card")
    grouped = [f for f in form.fields if f.group]
    group = grouped[0].group
    members = [f for f in grouped if f.group == group]
    plain = [form.field(form.id_field), form.field("request_detail"), form.field("priority")]
    wb, ws = new_book()
    ws.cell(1, 1, form.name)
    ws.cell(2, 1, plain[0].label)
    ws.merge_cells("A2:A3")  # id label merged over both header rows
    ws.cell(2, 2, group)
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=1 + len(members))
    for i, f in enumerate(members):
        ws.cell(3, 2 + i, f.label)
    after = 2 + len(members)
    ws.cell(2, after, plain[1].label)  # not merged: the row below is simply empty
    ws.cell(3, after + 1, plain[2].label)  # typed in the lower header row only
    write_row(ws, 4, ["GD001", *[f"{f.key}-1" for f in members], "屏幕不亮", "☑高"])
    wb.save(tmp_path / "g.xlsx")

    book = read_workbook(tmp_path / "g.xlsx")

    assert book.sheets[0].form == "service_card" and book.sheets[0].header_row == 3
    got = cells_of(book)
    assert got[form.id_field] == ("A4", "GD001")
    for i, f in enumerate(members):
        assert got[f.key] == (f"{get_column_letter(2 + i)}4", f"{f.key}-1")
    assert got["request_detail"] == (f"{get_column_letter(after)}4", "屏幕不亮")
    assert got["priority"] == (f"{get_column_letter(after + 1)}4", "☑高")


# ------------------------------------------------------------------ team-made cards


def team_complaint_card(path: Path) -> dict[str, tuple[str | None, Any]]:
    form = get_form("complaint_followup")
    lab = {f.key: f.label for f in form.fields}
    sections = dict(form.sections)
    wb, ws = new_book()
    ws.title = "投诉-李先生"
    ws.cell(1, 1, form.name)
    ws.merge_cells("A1:F1")
    ws.cell(2, 1, sections["basic"])
    ws.cell(3, 1, f"{lab['complaint_no']}：TS202405200001")
    ws.cell(4, 1, f"{lab['customer_name']}：李先生  {lab['phone']}：139****5678")
    ws.cell(5, 1, lab["product"])
    ws.cell(5, 2, "空气净化器 X1")
    ws.cell(5, 3, f"{lab['complaint_type']}：☑质量□服务□物流□其他")
    ws.cell(6, 1, form.field("description").variants[0].replace("(", "（").replace(")", "）") + "：")
    ws.cell(7, 1, "用了三天就不转了，要求换新")
    ws.merge_cells("A7:F8")
    ws.cell(9, 1, sections["process"])
    write_row(ws, 10, [lab["owner"], "王工", lab["owner_dept"], "☑技术□客服□售后□其他"])
    ws.cell(11, 1, lab["measures"] + "：")
    ws.cell(12, 1, "☑上门维修□产品更换□补偿(金额/形式:____)□流程优化□其他:____")
    ws.cell(13, 1, lab["timeline"])
    write_row(ws, 14, ["序号", "时间", "沟通记录"])
    write_row(ws, 15, [1, dt.datetime(2024, 5, 20, 10, 0), "电话联系客户"])
    write_row(ws, 16, [2, dt.datetime(2024, 5, 21, 14, 0), "上门维修完成"])
    write_row(ws, 17, [3])
    ws.cell(18, 1, sections["result"])
    ws.cell(19, 1, f"{lab['status']}：☑已解决□协商中□无法解决")
    ws.cell(20, 1, f"{lab['owner_sign']}：王工")
    ws.cell(20, 2, "日期：2024-05-22")  # bare 日期 after 责任人签字 -> its `follows` field
    write_row(ws, 21, [lab["reviewer_sign"], "赵主管", "日期", dt.datetime(2024, 5, 23, 9, 0)])
    wb.save(path)
    return {
        "complaint_no": ("A3", "TS202405200001"),
        "customer_name": ("A4", "李先生"),
        "phone": ("A4", "139****5678"),
        "product": ("B5", "空气净化器 X1"),
        "complaint_type": ("C5", "☑质量□服务□物流□其他"),
        "description": ("A7", "用了三天就不转了，要求换新"),
        "owner": ("B10", "王工"),
        "owner_dept": ("D10", "☑技术□客服□售后□其他"),
        "measures": ("A12", "☑上门维修□产品更换□补偿(金额/形式:____)□流程优化□其他:____"),
        "timeline": ("A15:C16", "2024-05-20 10:00 电话联系客户\n2024-05-21 14:00 上门维修完成"),
        "status": ("A19", "☑已解决□协商中□无法解决"),
        "owner_sign": ("A20", "王工"),
        "submit_date": ("B20", "2024-05-22"),
        "reviewer_sign": ("B21", "赵主管"),
        "review_date": ("D21", dt.datetime(2024, 5, 23, 9, 0)),
    }


def test_team_made_complaint_card(tmp_path: Path) -> None:
    expected = team_complaint_card(tmp_path / "card.xlsx")
    book = read_workbook(tmp_path / "card.xlsx")
    assert book.sheets[0].form == "complaint_followup"
    assert len(book.rows) == 1 and book.rows[0].layout == "card" and book.rows[0].prov.row == 3
    got = cells_of(book)
    assert {k: got.get(k) for k in expected} == expected


def test_team_made_service_card_with_pairs_in_one_cell(tmp_path: Path) -> None:
    form = get_form("service_card")
    lab = {f.key: f.label for f in form.fields}
    sections = dict(form.sections)
    wb, ws = new_book()
    ws.cell(1, 1, form.name)
    write_row(ws, 2, [lab["order_no"], "GD20240520001"])
    write_row(
        ws,
        3,
        [
            sections["customer"],
            f"{lab['customer_name']}：李先生 {lab['contact']}：李先生 {lab['phone']}：139****5678",
        ],
    )
    write_row(
        ws,
        4,
        [
            sections["product"],
            f"{lab['product_model']}：X1 {lab['serial_no']}：SN001 {lab['purchase_date']}：2024-01-05",
        ],
    )
    write_row(ws, 5, [sections["request"], f"{lab['request_detail']}：无法开机"])
    write_row(ws, 6, [lab["service_type"], "☑现场维修□远程协助□退换货□功能咨询□其他"])
    write_row(ws, 7, [lab["priority"], "□紧急☑高□中□低"])
    write_row(ws, 8, [lab["request_time"], dt.datetime(2024, 5, 20, 9, 0)])
    satisfaction = next(v for v in form.field("satisfaction").variants if "(" in v)
    write_row(ws, 9, [satisfaction.replace("(", "（").replace(")", "）"), 5])
    write_row(ws, 10, [f"{lab['agent']}：小张 日期：2024-05-21 {lab['reviewer']}：老赵 日期：2024-05-22"])
    write_row(ws, 11, [lab["remark"]])  # left empty
    wb.save(tmp_path / "sc.xlsx")

    got = cells_of(read_workbook(tmp_path / "sc.xlsx"))

    assert got["order_no"] == ("B2", "GD20240520001")
    assert (got["customer_name"], got["contact"], got["phone"]) == (
        ("B3", "李先生"),
        ("B3", "李先生"),
        ("B3", "139****5678"),
    )
    assert (got["product_model"], got["serial_no"], got["purchase_date"]) == (
        ("B4", "X1"),
        ("B4", "SN001"),
        ("B4", "2024-01-05"),
    )
    assert got["request_detail"] == ("B5", "无法开机")
    assert got["priority"] == ("B7", "□紧急☑高□中□低")
    assert got["request_time"] == ("B8", dt.datetime(2024, 5, 20, 9, 0))
    assert got["satisfaction"] == ("B9", 5)
    assert (got["agent"], got["reviewer"]) == (("A10", "小张"), ("A10", "老赵"))
    assert got["remark"][1] is None


# ------------------------------------------------------------------ problems are data


def test_unrecognised_sheet_is_reported_not_skipped(tmp_path: Path) -> None:
    wb, ws = new_book()
    ws.title = "统计"
    write_row(ws, 1, ["月份", "数量", "金额"])
    write_row(ws, 2, ["9月", 3, 100])
    wb.create_sheet("空表")
    wb.save(tmp_path / "x.xlsx")
    book = read_workbook(tmp_path / "x.xlsx")
    info = sheet_info(book, "统计")
    assert info.form is None and info.reason
    found = [f for f in book.findings if f.code == "sheet_unrecognised"]
    assert [f.sheet for f in found] == ["统计", "空表"]
    assert found[0].severity == "warning" and "统计" in found[0].message and found[0].row is None
    assert book.rows == []


def test_formula_without_cached_value_and_error_cells(tmp_path: Path) -> None:
    form = get_form("response_log")
    wb, ws = new_book()
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    write_row(ws, 2, ["20231001001", "*先生", '="138"&"****5678"'])  # openpyxl stores no cached value
    write_row(ws, 3, ["20231001002", "#DIV/0!"])
    wb.save(tmp_path / "f.xlsx")

    book = read_workbook(tmp_path / "f.xlsx")

    assert [r.prov.row for r in book.rows] == [2, 3]
    assert book.rows[0].cells["phone"].raw is None
    by_code = {f.code: f for f in book.findings}
    f = by_code["formula_no_value"]
    assert (f.row, f.cell, f.field, f.label, f.form, f.ticket_id) == (
        2,
        "C2",
        "phone",
        form.field("phone").label,
        form.key,
        "20231001001",
    )
    e = by_code["cell_error"]
    assert (e.row, e.cell, e.field, e.value) == (3, "B3", "customer", "#DIV/0!")
    assert book.rows[1].cells["customer"].raw is None


def test_formula_with_cached_value_reads_the_value(tmp_path: Path) -> None:
    import xlsxwriter

    form = get_form("response_log")
    path = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for c, text in enumerate(header_cells(form, list(form.field_keys))):
        ws.write_string(0, c, text)
    ws.write_string(1, 0, "20231001001")
    ws.write_formula(1, 2, '="138"&"****5678"', None, "138****5678")
    wb.close()
    book = read_workbook(path)
    assert book.rows[0].cells["phone"].raw == "138****5678" and book.findings == []


def test_hidden_sheet_with_data_is_still_read(tmp_path: Path) -> None:
    form = get_form("issue_feedback")
    wb, ws = new_book()
    ws.sheet_state = "hidden"
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    write_row(ws, 2, ["FB202310010001"])
    wb.create_sheet("可见")
    wb.save(tmp_path / "h.xlsx")
    book = read_workbook(tmp_path / "h.xlsx")
    assert book.sheets[0].hidden and book.sheets[0].form == form.key and len(book.rows) == 1


def test_value_far_away_does_not_blow_up(tmp_path: Path) -> None:
    form = get_form("response_log")
    wb, ws = new_book()
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    write_row(ws, 2, ["20231001001"])
    ws["XFD1048576"] = "末尾"
    wb.save(tmp_path / "far.xlsx")
    book = read_workbook(tmp_path / "far.xlsx")
    assert [r.prov.row for r in book.rows] == [2, 1048576]


def test_sheet_wide_merge_is_refused_not_hanging(tmp_path: Path) -> None:
    from svcsheet.errors import UnreadableWorkbook

    wb, ws = new_book()
    ws["A1"] = "x"
    ws.merged_cells.add("A1:XFD1048576")  # registered without materialising the cells
    wb.save(tmp_path / "merge.xlsx")
    with pytest.raises(UnreadableWorkbook, match="merge.xlsx"):
        read_workbook(tmp_path / "merge.xlsx")


def test_too_many_rows_is_unreadable(tmp_path: Path) -> None:
    from svcsheet.errors import UnreadableWorkbook

    form = get_form("response_log")
    wb, ws = new_book()
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    for r in range(2, 30):
        ws.cell(r, 1, f"2023100100{r}")
    wb.save(tmp_path / "rows.xlsx")
    with pytest.raises(UnreadableWorkbook, match="rows.xlsx"):
        read_workbook(tmp_path / "rows.xlsx", limits={"max_rows": 10})
    assert len(read_workbook(tmp_path / "rows.xlsx").rows) == 28


# ------------------------------------------------------------------ other formats


def test_ods_written_with_pandas(tmp_path: Path) -> None:
    import pandas as pd

    form = get_form("response_log")
    keys = ["issue_no", "customer", "received_time", "satisfaction"]
    frame = pd.DataFrame(
        [
            ["20231001001", "*先生", dt.datetime(2023, 10, 1, 9, 30), "满意"],
            ["20231001002", "某公司", None, None],
        ],
        columns=[form.field(k).label for k in keys],
    )
    path = tmp_path / "log.ods"
    frame.to_excel(path, engine="odf", index=False, sheet_name="十月")
    book = read_workbook(path)
    assert book.format == "ods" and book.sheets[0].form == form.key and book.sheets[0].header_row == 1
    assert cells_of(book, 0)["issue_no"] == ("A2", "20231001001")
    assert cells_of(book, 0)["received_time"] == ("C2", dt.datetime(2023, 10, 1, 9, 30))
    assert cells_of(book, 1)["received_time"] == ("C3", None)


def _comparable(book: WorkbookRead) -> list[tuple[Any, ...]]:
    return [(r.form, r.prov.sheet, r.prov.row, r.layout, cells_of(book, i)) for i, r in enumerate(book.rows)]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_libreoffice_copies_read_like_the_xlsx(tmp_path: Path, fmt: str) -> None:
    team_list_book(tmp_path / "team.xlsx")
    team_complaint_card(tmp_path / "card.xlsx")
    for name in ("team.xlsx", "card.xlsx"):
        original = read_workbook(tmp_path / name)
        copy = read_workbook(convert(tmp_path / name, fmt, tmp_path / fmt))
        assert copy.format == fmt
        assert [(s.sheet, s.form, s.header_row, s.rows, s.hidden) for s in copy.sheets] == [
            (s.sheet, s.form, s.header_row, s.rows, s.hidden) for s in original.sheets
        ]
        assert _comparable(copy) == _comparable(original)


# ------------------------------------------------------------------ invariant


_text = st.text(alphabet="甲乙丙丁戊己庚辛壬癸0123456789ABC -", min_size=1, max_size=8).filter(
    lambda s: s.strip()
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(get_form("issue_feedback").field_keys), _text | st.integers(0, 10**6), max_size=5
        ),
        max_size=8,
    )
)
def test_every_non_empty_row_is_read_once_with_its_values(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    form = get_form("issue_feedback")
    wb, ws = new_book()
    write_row(ws, 1, header_cells(form, list(form.field_keys)))
    for r, values in enumerate(rows, start=2):
        for key, value in values.items():
            ws.cell(r, form.field_keys.index(key) + 1, value)
    wb.save(tmp_path / "h.xlsx")
    book = read_workbook(tmp_path / "h.xlsx")
    expected = [r for r, values in enumerate(rows, start=2) if values]
    assert [row.prov.row for row in book.rows] == expected
    for row in book.rows:
        typed = rows[row.prov.row - 2]
        assert {k: c.raw for k, c in row.cells.items() if c.raw is not None} == typed


def test_a_divider_row_merged_across_the_table_is_a_heading_not_a_ticket(tmp_path):
    from openpyxl import Workbook

    from svcsheet.forms import get_form

    form = get_form("response_log")
    wb = Workbook()
    ws = wb.active
    for c, f in enumerate(form.fields, start=1):
        ws.cell(1, c, f.label)
    ws.cell(2, 1, "第46周（11月9日—15日）")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(form.fields))
    ws.cell(3, 1, "20261110001")
    ws.cell(3, 2, "*先生")
    ws.cell(4, 1, "仅一格的备注行")  # not merged: stays a row, so nothing typed is lost
    wb.save(tmp_path / "d.xlsx")
    book = read_workbook(tmp_path / "d.xlsx")
    assert [r.prov.row for r in book.rows] == [3, 4]


LABELS = sorted({t for form in FORMS.values() for f in form.fields for t in f.all_labels()})


def _match_full_before(idx: LabelIndex, text: str) -> tuple[str, bool] | None:
    """The label match as round 9 wrote it: the text normalised twice (once more inside label_base)."""
    n = normalize_label(text)
    if not n or len(n) > 40:
        return None
    if n in idx.exact:
        return idx.exact[n], True
    base = label_base(text).strip("*★☆:")
    if base in idx.exact:
        return idx.exact[base], False
    if base in idx.base:
        return idx.base[base], False
    return None


# what agents type around a label: required marks, full-width brackets and colons, notes, spaces
_PIECES = st.sampled_from(
    ["*", "★", "：", ":", " ", "\u3000", "（", "）", "(", ")", "【", "】", "[", "]", "必填", "1-5", "Ａ"]
)


_TEXTS = st.lists(st.one_of(st.sampled_from(LABELS), _PIECES, st.text(max_size=3)), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXTS, form=st.sampled_from(sorted(FORMS)))
# the mark before the note: stripped once the note goes
@example(text="服务单号★（必填）", form="service_feedback")
def test_label_match_same_as_normalising_twice(text: str, form: str) -> None:
    idx = LabelIndex(FORMS[form])
    assert idx.match_full(text) == _match_full_before(idx, text)


def test_label_match_finds_labels_with_notes_and_marks() -> None:
    """A header typed with a required mark, full-width brackets and a note still names its field."""
    form = FORMS["service_feedback"]
    idx = LabelIndex(form)
    field = form.fields[0]
    assert idx.match_full(f"*{field.label}：") == (field.key, True)
    hit = idx.match_full(f"{field.label}（备注说明）")
    assert hit is not None and hit[0] == field.key


_ROW_VALUES = st.sampled_from(
    [None, None, "FB202611200001", "张伟", "填表人：王芳", "审核：李", "合计", "13812345678", "备注：无", 3, 2.5,
     "服务单号", "客户姓名", "x"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.permutations(range(8)),
    st.lists(
        st.tuples(st.lists(_ROW_VALUES, min_size=8, max_size=8), st.sampled_from([None, "合计：3", 7])),
        max_size=6,
    ),
)
def test_plain_rows_are_what_the_cell_by_cell_reading_makes(columns: list[int], rows: list) -> None:
    """A list sheet's rows read a row at a time (the table's columns in any order, a cell outside the table or
    not, footers and repeated labels among them): each is data, or not, and holds the values, exactly as the
    cell-by-cell reading of that row says."""
    from svcsheet.reading import reader
    from svcsheet.reading.grid import Grid

    form = FORMS["service_feedback"]
    fields = form.fields[:8]
    grid = Grid(name="表1")
    for f, c in zip(fields, columns, strict=True):
        grid.values[(1, c + 1)] = f.label
    for r, (values, outside) in enumerate(rows, start=2):
        for c, v in zip(columns, values, strict=True):
            if v is not None:
                grid.values[(r, c + 1)] = v
        if outside is not None:
            grid.values[(r, 12)] = outside
    match = reader._best_list(grid, {form.key: form}, form.key)
    assert match is not None
    plain = reader._plain_rows(grid, match, "f.xlsx")
    keys = set(match.columns.values())
    for r, row in plain.items():
        out = reader.WorkbookRead(file="f.xlsx")
        count = reader._list_row(grid, match, out, r, keys)
        assert count == (row is not None)
        if row is not None:
            assert {k: c.raw for k, c in row.cells.items()} == {
                k: c.raw for k, c in out.rows[0].cells.items()
            }
