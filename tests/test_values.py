"""How svcsheet reads what agents type into a cell, checked against the real form definitions; the fast paths
(a phone compacted, full-width forms made half-width by str.translate) give what the former ones gave."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet.checking.values import excel_serial_to_datetime, parse_datetime_text, parse_value, to_halfwidth
from svcsheet.findings import CATALOG, make
from svcsheet.forms import get_form, load_forms
from svcsheet.records import Provenance

ALL_SPECS = [spec for form in load_forms().values() for spec in form.fields]


def spec(form: str, key: str):
    return get_form(form).field(key)


def codes(parsed) -> list[str]:
    return [code for code, _ in parsed.issues]


# ---------------------------------------------------------------- datetimes

DT = datetime(2023, 10, 1, 9, 30)


@pytest.mark.parametrize(
    "text",
    [
        "2023-10-01 09:30",
        "2023/10/1 9:30",
        "2023.10.01 09:30",
        "2023年10月1日 9时30分",
        "2023年10月1日9:30",
        "2023年10月1日 9点30分",
        "2023年10月1号 9:30",
        "20231001 0930",
        "202310010930",
        "20231001 09:30",
        "2023-10-01 0930",
        "2023-10-0109:30",  # run together, as in the seed log
        "2023-10-01 09:30:00",
        "2023-10-01 09:30:59",  # seconds dropped, not rounded
        "20231001093015",
        "2023-10-01T09:30:00",
        "２０２３－１０－０１　０９：３０",
        "２０２３年１０月１日　９：３０",
        "2023年10月1日上午9点30分",
        "2023年10月1日 上午9点半",
        "2023-10-01 9:30 AM",
        "  2023-10-01   09:30  ",
    ],
)
def test_datetime_text_formats(text):
    assert parse_datetime_text(text) == (DT, "minute")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年10月1日下午3点", datetime(2023, 10, 1, 15, 0)),
        ("2023年10月1日下午3时15分", datetime(2023, 10, 1, 15, 15)),
        ("2023-10-01 3:15 PM", datetime(2023, 10, 1, 15, 15)),
        ("2023年10月1日晚上8点", datetime(2023, 10, 1, 20, 0)),
        ("2023年10月1日中午12点", datetime(2023, 10, 1, 12, 0)),
        ("2023年10月1日凌晨12点", datetime(2023, 10, 1, 0, 0)),
        ("2023-10-0114:30", datetime(2023, 10, 1, 14, 30)),
        ("2023-12-3123:59", datetime(2023, 12, 31, 23, 59)),
    ],
)
def test_datetime_text_half_day_and_run_together(text, expected):
    assert parse_datetime_text(text) == (expected, "minute")


@pytest.mark.parametrize(
    "text", ["2023-10-01", "2023/10/1", "2023.10.01", "2023年10月1日", "20231001", "２０２３－１０－０１"]
)
def test_date_only_text(text):
    assert parse_datetime_text(text) == (date(2023, 10, 1), "date")


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-30 10:00",  # no such day
        "2023-10-01 25:00",
        "2023-10-01 09:60",
        "2023-13-01",
        "2023-10-19:30",  # run together with a one-digit day is ambiguous
        "10月1日 9:30",  # no year
        "昨天下午",
        "2023-10-01 09:30 到 10:00",
        "",
    ],
)
def test_datetime_text_rejected(text):
    assert parse_datetime_text(text) == (None, None)


def test_excel_serial_to_datetime():
    assert excel_serial_to_datetime(45200.395833) == datetime(2023, 10, 1, 9, 30)
    assert excel_serial_to_datetime(45200) == datetime(2023, 10, 1)
    assert excel_serial_to_datetime(45200.75) == datetime(2023, 10, 1, 18, 0)


FEEDBACK_TIME = spec("issue_feedback", "feedback_time")


@pytest.mark.parametrize(
    ("raw", "value", "precision", "issues"),
    [
        (datetime(2023, 10, 1, 9, 30, 45), DT, "minute", []),
        ("2023-10-0109:30", DT, "minute", []),
        (45200.395833, DT, "minute", []),
        ("45200.395833", DT, "minute", []),
        (202310010930, DT, "minute", []),
        ("２０２３－１０－０１　０９：３０", DT, "minute", ["fullwidth_normalised"]),
        # a date where a time is needed keeps the date and marks the time unknown
        (date(2023, 10, 1), date(2023, 10, 1), "date", ["time_unknown"]),
        ("2023-10-01", date(2023, 10, 1), "date", ["time_unknown"]),
        (45200, date(2023, 10, 1), "date", ["time_unknown"]),
        (20231001, date(2023, 10, 1), "date", ["time_unknown"]),
        ("2023-02-30 10:00", None, None, ["bad_datetime"]),
        ("2023-10-01 25:00", None, None, ["bad_datetime"]),
        ("下午三点左右", None, None, ["bad_datetime"]),
        (time(9, 30), None, None, ["bad_datetime"]),
        (True, None, None, ["bad_datetime"]),
        (12.5, None, None, ["bad_datetime"]),  # not a plausible serial
        ("#VALUE!", None, None, ["cell_error"]),
    ],
)
def test_datetime_field(raw, value, precision, issues):
    parsed = parse_value(FEEDBACK_TIME, raw)
    assert (parsed.value, parsed.precision, codes(parsed)) == (value, precision, issues)


def test_datetime_field_keeps_a_bracketed_note():
    parsed = parse_value(FEEDBACK_TIME, "2023-10-01 09:30（客户来电，催促）")
    assert (parsed.value, parsed.note, parsed.issues) == (DT, "客户来电，催促", ())


OCCURRED = spec("issue_feedback", "occurred_time")  # date, vague allowed
PURCHASE = spec("service_feedback", "purchase_date")  # date, no vague


@pytest.mark.parametrize(
    ("field", "raw", "value", "precision", "issues"),
    [
        (PURCHASE, datetime(2024, 3, 15, 0, 0), date(2024, 3, 15), "date", []),
        (PURCHASE, date(2024, 3, 15), date(2024, 3, 15), "date", []),
        (PURCHASE, 45366, date(2024, 3, 15), "date", []),
        (PURCHASE, "2024-03-15", date(2024, 3, 15), "date", []),
        (PURCHASE, "2024/3/15", date(2024, 3, 15), "date", []),
        (PURCHASE, "2024年3月15日", date(2024, 3, 15), "date", []),
        (PURCHASE, "20240315", date(2024, 3, 15), "date", []),
        (PURCHASE, "2024-03-15 10:20", date(2024, 3, 15), "date", []),
        (PURCHASE, "2023-02-29", None, None, ["bad_date"]),
        (PURCHASE, "约9月28日", None, None, ["bad_date"]),  # vague is only allowed where the form says so
        (OCCURRED, "2023-09-28", date(2023, 9, 28), "date", []),
        (OCCURRED, "约9月28日", "约9月28日", "vague", ["vague_date"]),
        (OCCURRED, "客户未明确", "客户未明确", "vague", ["vague_date"]),
        (OCCURRED, "9月底", "9月底", "vague", ["vague_date"]),
        (OCCURRED, "9月28日", "9月28日", "vague", ["vague_date"]),
        (OCCURRED, "2023年9月", "2023年9月", "vague", ["vague_date"]),
        (OCCURRED, "开机就坏", None, None, ["bad_date"]),
    ],
)
def test_date_field(field, raw, value, precision, issues):
    parsed = parse_value(field, raw)
    assert (parsed.value, parsed.precision, codes(parsed)) == (value, precision, issues)


# ---------------------------------------------------------------- empty cells and Excel errors


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\n", "________", float("nan")])
@pytest.mark.parametrize("field", ALL_SPECS[:: max(1, len(ALL_SPECS) // 25)], ids=lambda f: f.key)
def test_blank_cells_are_empty(field, raw):
    assert parse_value(field, raw).empty


@pytest.mark.parametrize("mark", ["——", "--", "—", "无"])
def test_none_marks_are_empty(mark):
    customer_id = spec("issue_feedback", "customer_id")
    assert mark in customer_id.none_marks
    assert parse_value(customer_id, mark).empty
    assert parse_value(spec("issue_feedback", "remark"), mark).value == mark  # only where the form says so


@pytest.mark.parametrize(
    "error", ["#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!", " #n/a "]
)
@pytest.mark.parametrize(
    "field",
    [
        FEEDBACK_TIME,
        PURCHASE,
        spec("service_feedback", "efficiency_score"),
        spec("issue_feedback", "priority"),
    ],
    ids=lambda f: f.key,
)
def test_excel_errors(field, error):
    parsed = parse_value(field, error)
    assert parsed.value is None
    assert codes(parsed) == ["cell_error"]


# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        (spec("response_log", "issue_no"), 20231001001.0, "20231001001"),
        (spec("response_log", "issue_no"), 20231001001, "20231001001"),
        (spec("issue_feedback", "feedback_no"), " ＦＢ２０２３１００１０００１ ", "FB202310010001"),
        (
            spec("issue_feedback", "description"),
            "  开机无反应，换充电器也不行。 ",
            "开机无反应，换充电器也不行。",
        ),
        (
            spec("issue_feedback", "description"),
            "型号Ｂ００１（黑色）：无法充电",
            "型号B001（黑色）：无法充电",
        ),
        (spec("service_feedback", "customer_name"), " 李先生 ", "李先生"),
        (spec("response_log", "handler"), "*工号001", "*工号001"),
        (spec("service_card", "customer_confirm"), "已签", "已签"),
        (spec("service_feedback", "batch_no"), 2024.5, "2024.5"),
    ],
)
def test_text(field, raw, value):
    parsed = parse_value(field, raw)
    assert (parsed.value, parsed.issues) == (value, ())


# ---------------------------------------------------------------- phones

PHONE = spec("service_feedback", "phone")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("138****5678", "138****5678"),
        ("139****5678", "139****5678"),
        ("139xxxx5678", "139****5678"),
        ("****5678", "****5678"),
        ("5678", "5678"),
        ("1395678", "1395678"),
        ("1393456", "1393456"),
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("400-123-4567", "4001234567"),
        ("800-123-4567", "8001234567"),
        ("010-12345678", "01012345678"),
        ("(010)12345678", "01012345678"),
        ("0755-1234567", "07551234567"),
        ("0755-12345678", "075512345678"),
        ("010-****5678", "010****5678"),
        ("0755-12345678转801", "075512345678转801"),
    ],
)
def test_phone_accepted(raw, value):
    parsed = parse_value(PHONE, raw)
    assert parsed.value == value
    assert "bad_phone" not in codes(parsed)


@pytest.mark.parametrize(
    "raw",
    ["12345", "12345678", "23812345678", "1381234567", "138123456789", "微信联系", "13812345678/13987654321"],
)
def test_phone_rejected_but_kept(raw):
    parsed = parse_value(PHONE, raw)
    assert parsed.value is not None
    assert codes(parsed) == ["bad_phone"]


def test_phone_note_in_brackets():
    parsed = parse_value(PHONE, "138****5678（微信同号，晚上联系）")
    assert (parsed.value, parsed.note, parsed.issues) == ("138****5678", "微信同号，晚上联系", ())


# ---------------------------------------------------------------- scores

SCORE = spec("service_feedback", "efficiency_score")


@pytest.mark.parametrize(
    ("raw", "value", "note"),
    [
        (4, 4, None),
        (4.0, 4, None),
        ("4", 4, None),
        ("4.0", 4, None),
        ("4分", 4, None),
        (" 5 分 ", 5, None),
        ("４", 4, None),
        ("4(上门及时)", 4, "上门及时"),
        ("4（上门及时）", 4, "上门及时"),
        ("４（上门及时，态度好）", 4, "上门及时，态度好"),
        ("4分(上门及时)", 4, "上门及时"),
        ("3，等待太久", 3, "等待太久"),
        ("五星", 5, None),
        ("三分", 3, None),
        ("★★★★☆", 4, None),
        (1, 1, None),
    ],
)
def test_score_accepted(raw, value, note):
    parsed = parse_value(SCORE, raw)
    assert (parsed.value, parsed.note) == (value, note)
    assert "bad_score" not in codes(parsed)


@pytest.mark.parametrize(
    "raw", [0, 6, -1, 4.5, "4.5", "6分", "0", "4-5", "4/5", "满意", "很好", True, "☆☆☆☆☆", 10**30]
)
def test_score_rejected(raw):
    parsed = parse_value(SCORE, raw)
    assert parsed.value is None
    assert codes(parsed) == ["bad_score"]


# ---------------------------------------------------------------- single choices


@pytest.mark.parametrize(
    ("form", "key", "raw", "value", "note", "issues"),
    [
        ("issue_feedback", "priority", "高", "高", None, []),
        ("issue_feedback", "priority", " 高 ", "高", None, []),
        ("issue_feedback", "priority", "高优先级", "高", None, [("choice_synonym", {"value": "高"})]),
        ("issue_feedback", "priority", "高 优先级", "高", None, [("choice_synonym", {"value": "高"})]),
        ("issue_feedback", "priority", "加急", "高", None, [("choice_synonym", {"value": "高"})]),
        ("response_log", "urgency", "加急", "紧急", None, [("choice_synonym", {"value": "紧急"})]),
        ("service_card", "priority", "加急", "紧急", None, [("choice_synonym", {"value": "紧急"})]),
        ("response_log", "urgency", "紧急。", "紧急", None, []),
        ("issue_feedback", "channel", "ＡＰＰ", "APP", None, []),
        ("issue_feedback", "channel", "app", "APP", None, []),  # letter case is not a different choice
        (
            "issue_feedback",
            "channel",
            "微信公众号",
            "公众号",
            None,
            [("choice_synonym", {"value": "公众号"})],
        ),
        ("response_log", "satisfaction", "非常满意", "满意", None, [("choice_synonym", {"value": "满意"})]),
        ("issue_feedback", "status", "已解决，客户认可", "已解决", "客户认可", []),
        # open choice: unknown text becomes 其他 with the text as its note
        (
            "issue_feedback",
            "customer_request",
            "更换新设备",
            "更换",
            None,
            [("choice_synonym", {"value": "更换"})],
        ),
        ("issue_feedback", "customer_request", "其他(需要上门)", "其他", "需要上门", []),
        ("issue_feedback", "customer_request", "其他：需要上门", "其他", "需要上门", []),
        ("issue_feedback", "customer_request", "上门检测", "其他", "上门检测", []),
        ("complaint_followup", "review", "资料齐全，同意", "其他", "资料齐全，同意", []),
        ("complaint_followup", "review", "需补充说明(说明：缺照片)", "需补充说明", "缺照片", []),
        # needs_note
        ("complaint_followup", "status", "无法解决（原因：配件停产）", "无法解决", "配件停产", []),
        ("complaint_followup", "status", "无法解决(原因:配件停产)", "无法解决", "配件停产", []),
        (
            "complaint_followup",
            "status",
            "无法解决",
            "无法解决",
            None,
            [("reason_missing", {"value": "无法解决"})],
        ),
        (
            "complaint_followup",
            "status",
            "无法解决(原因:____)",
            "无法解决",
            None,
            [("reason_missing", {"value": "无法解决"})],
        ),
        (
            "complaint_followup",
            "status",
            "无法解决（  ）",
            "无法解决",
            None,
            [("reason_missing", {"value": "无法解决"})],
        ),
        (
            "complaint_followup",
            "status",
            "未解决",
            "无法解决",
            None,
            [("choice_synonym", {"value": "无法解决"}), ("reason_missing", {"value": "无法解决"})],
        ),
        ("complaint_followup", "request_met", "否(原因：客户要求退款)", "否", "客户要求退款", []),
        ("complaint_followup", "request_met", "否", "否", None, [("reason_missing", {"value": "否"})]),
        ("complaint_followup", "request_met", True, "是", None, []),
    ],
)
def test_choice(form, key, raw, value, note, issues):
    parsed = parse_value(spec(form, key), raw)
    assert (parsed.value, parsed.note, list(parsed.issues)) == (value, note, issues)


@pytest.mark.parametrize(
    ("form", "key", "raw"),
    [
        ("issue_feedback", "priority", "特别急"),
        ("issue_feedback", "status", "搞定"),
        ("response_log", "category", "其他"),
        ("issue_feedback", "priority", True),
    ],
)
def test_choice_unknown(form, key, raw):
    field = spec(form, key)
    parsed = parse_value(field, raw)
    assert parsed.value is None
    assert parsed.issues == (("bad_choice", {"choices": "、".join(field.choices)}),)


# ---------------------------------------------------------------- checkboxes (single)

COMPLAINT_TYPE = spec("complaint_followup", "complaint_type")


@pytest.mark.parametrize(
    "raw",
    [
        "☑质量□服务□物流□其他",
        "□服务☑质量□物流□其他",
        "■质量□服务",
        "√质量",
        "✓质量",
        "✔质量",
        "[x]质量",
        "[X]质量□服务",
        "[√]质量",
        "☒质量",
        "(√)质量",
        "（√）质量",
        "[ ]服务[x]质量[ ]物流",
        "( )服务(√)质量",
        "☐服务☑质量",
        "☑ 质量 □ 服务 □ 物流",
        "投诉类型：☑质量□服务",  # the printed label copied into the cell
        "质量☑服务□物流□",  # tick after the option
        "质量",
        "质量问题",
    ],
)
def test_checkbox_ticks(raw):
    assert parse_value(COMPLAINT_TYPE, raw).value == "质量"


@pytest.mark.parametrize(
    ("raw", "value", "note", "issues"),
    [
        ("□已解决□协商中☑无法解决(原因:配件停产)", "无法解决", "配件停产", []),
        ("□已解决□协商中☑无法解决（原因：配件停产）", "无法解决", "配件停产", []),
        (
            "□已解决□协商中☑无法解决(原因:________________________)",
            "无法解决",
            None,
            [("reason_missing", {"value": "无法解决"})],
        ),
        ("☑已解决□协商中□无法解决(原因:________)", "已解决", None, []),
        ("☑已解决☑协商中□无法解决", None, None, [("several_ticked", {})]),
        ("已解决、协商中", None, None, [("several_ticked", {})]),
        ("□已解决□协商中□无法解决(原因:____)", None, None, []),
        ("☑搞定□协商中", None, None, [("bad_choice", {"choices": "已解决、协商中、无法解决"})]),
    ],
)
def test_checkbox_status(raw, value, note, issues):
    parsed = parse_value(spec("complaint_followup", "status"), raw)
    assert (parsed.value, parsed.note, list(parsed.issues)) == (value, note, issues)


def test_checkbox_with_synonym_and_priority_card():
    parsed = parse_value(spec("service_card", "priority"), "□紧急☑高优先级□中□低")
    assert (parsed.value, codes(parsed)) == ("高", ["choice_synonym"])
    parsed = parse_value(
        spec("complaint_followup", "satisfaction"), "□满意□基本满意☑不满意(客户意见:上门太慢)"
    )
    assert (parsed.value, parsed.note) == ("不满意", "上门太慢")


# ---------------------------------------------------------------- multi

MEASURES = spec("complaint_followup", "measures")
TAGS = spec("service_feedback", "customer_tags")


@pytest.mark.parametrize(
    ("field", "raw", "value", "note", "issues"),
    [
        (
            MEASURES,
            "☑上门维修□产品更换☑补偿(金额/形式:50元优惠券)□流程优化☑其他:延保一年",
            ("上门维修", "补偿", "其他"),
            "补偿:50元优惠券；其他:延保一年",
            [],
        ),
        (
            MEASURES,
            "☑上门维修□产品更换□补偿(金额/形式:________)□流程优化□其他:________",
            ("上门维修",),
            None,
            [],
        ),
        (MEASURES, "补偿(金额/形式：50元优惠券)、上门维修", ("上门维修", "补偿"), "补偿:50元优惠券", []),
        (MEASURES, "其他：延保一年", ("其他",), "其他:延保一年", []),
        (MEASURES, "上门维修,产品更换", ("上门维修", "产品更换"), None, []),
        (MEASURES, "上门维修，产品更换；流程优化", ("上门维修", "产品更换", "流程优化"), None, []),
        (MEASURES, "上门维修/产品更换", ("上门维修", "产品更换"), None, []),
        (MEASURES, "上门维修 产品更换", ("上门维修", "产品更换"), None, []),
        (MEASURES, "上门维修和产品更换", ("上门维修", "产品更换"), None, []),
        (MEASURES, "上门维修\n补偿", ("上门维修", "补偿"), None, []),
        (MEASURES, "产品更换、上门维修、产品更换", ("上门维修", "产品更换"), None, []),
        (
            MEASURES,
            "维修、换货",
            ("上门维修", "产品更换"),
            None,
            [("choice_synonym", {"value": "上门维修"}), ("choice_synonym", {"value": "产品更换"})],
        ),
        (
            MEASURES,
            "上门维修、送花",
            ("上门维修",),
            None,
            [("bad_choice", {"choices": "上门维修、产品更换、补偿、流程优化、其他", "items": "送花"})],
        ),
        (MEASURES, "□上门维修□产品更换□补偿", None, None, []),
        (TAGS, "VIP、新客户", ("高价值客户", "新客户"), None, [("choice_synonym", {"value": "高价值客户"})]),
        (TAGS, "新客户，高价值客户", ("高价值客户", "新客户"), None, []),
    ],
)
def test_multi(field, raw, value, note, issues):
    parsed = parse_value(field, raw)
    assert (parsed.value, parsed.note, list(parsed.issues)) == (value, note, issues)


# ---------------------------------------------------------------- timelines

TIMELINE = spec("complaint_followup", "timeline")


@pytest.mark.parametrize(
    ("raw", "entries", "issues"),
    [
        (
            "2024年5月20日10:00电话联系客户，确认故障现象\n2024年5月21日14:00完成上门维修并客户签收",
            [
                (datetime(2024, 5, 20, 10, 0), "电话联系客户，确认故障现象"),
                (datetime(2024, 5, 21, 14, 0), "完成上门维修并客户签收"),
            ],
            [],
        ),
        (
            "1. 2024-05-20 10:00 电话联系\n2. 2024-05-21 14:00 上门",
            [(datetime(2024, 5, 20, 10, 0), "电话联系"), (datetime(2024, 5, 21, 14, 0), "上门")],
            [],
        ),
        (
            "1.2024-05-20 10:00 电话联系 2、2024/5/21 14:00 上门",
            [(datetime(2024, 5, 20, 10, 0), "电话联系"), (datetime(2024, 5, 21, 14, 0), "上门")],
            [],
        ),
        (
            "①2024-05-20 10:00 电话联系②2024-05-2114:00 上门",
            [(datetime(2024, 5, 20, 10, 0), "电话联系"), (datetime(2024, 5, 21, 14, 0), "上门")],
            [],
        ),
        (
            "2024-05-20 10:00 电话联系；客户不在；2024-05-22 09:00：再次联系",
            [(datetime(2024, 5, 20, 10, 0), "电话联系；客户不在"), (datetime(2024, 5, 22, 9, 0), "再次联系")],
            [],
        ),
        (
            "２０２４－０５－２０　１０：００　电话联系",
            [(datetime(2024, 5, 20, 10, 0), "电话联系")],
            [],
        ),
        ("2024年5月20日 10时 电话联系", [(datetime(2024, 5, 20, 10, 0), "电话联系")], []),
        ("电话联系客户（2024-05-20 10:00）", [(datetime(2024, 5, 20, 10, 0), "电话联系客户")], []),
        (
            "2024-05-20 10:00 电话联系\n5月21日14:00 上门\n5/22 10:00 回访",
            [
                (datetime(2024, 5, 20, 10, 0), "电话联系"),
                (None, "5月21日14:00 上门"),
                (None, "5/22 10:00 回访"),
            ],
            [("timeline_no_year", {"line": 2}), ("timeline_no_year", {"line": 3})],
        ),
        (
            "2024-05-20 10:00 电话联系\n客户不在家\n2024-02-30 10:00 上门",
            [
                (datetime(2024, 5, 20, 10, 0), "电话联系"),
                (None, "客户不在家"),
                (None, "2024-02-30 10:00 上门"),
            ],
            [("bad_timeline", {"line": 2}), ("bad_timeline", {"line": 3})],
        ),
        ("2024-05-20 电话联系", [(None, "2024-05-20 电话联系")], [("timeline_time_unknown", {"line": 1})]),
    ],
)
def test_timeline(raw, entries, issues):
    parsed = parse_value(TIMELINE, raw)
    assert (list(parsed.value), list(parsed.issues)) == (entries, issues)


def test_new_codes_are_in_the_catalogue():
    for code in ("timeline_no_year", "timeline_time_unknown", "fullwidth_normalised", "several_ticked"):
        assert code in CATALOG


def test_to_halfwidth():
    assert to_halfwidth("ＦＢ２０２３：（Ａ）　ｘ") == "FB2023:(A) x"
    assert to_halfwidth("已解决。、") == "已解决。、"  # ideographic punctuation has no half-width twin


# ---------------------------------------------------------------- properties

FORMATS = [
    lambda d: f"{d:%Y-%m-%d %H:%M}",
    lambda d: f"{d.year}/{d.month}/{d.day} {d.hour}:{d.minute:02d}",
    lambda d: f"{d:%Y.%m.%d %H:%M}",
    lambda d: f"{d.year}年{d.month}月{d.day}日 {d.hour}时{d.minute}分",
    lambda d: f"{d.year}年{d.month}月{d.day}日{d.hour}:{d.minute:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日 {d.hour}点{d.minute}分",
    lambda d: f"{d:%Y%m%d %H%M}",
    lambda d: f"{d:%Y%m%d%H%M}",
    lambda d: f"{d:%Y-%m-%d%H:%M}",
    lambda d: f"{d:%Y-%m-%d %H:%M:%S}",
    lambda d: f"{d:%Y-%m-%dT%H:%M:%S}",
    lambda d: to_fullwidth(f"{d:%Y-%m-%d %H:%M}"),
    lambda d: (
        f"{d.year}年{d.month}月{d.day}日{'上午' if d.hour < 12 else '下午'}"
        f"{d.hour - 12 if d.hour > 12 else d.hour}点{d.minute}分"
    ),
]


def to_fullwidth(text: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59))


@given(moment=moments, fmt=st.sampled_from(range(len(FORMATS))))
def test_any_datetime_in_any_format_parses_back(moment, fmt):
    assert parse_datetime_text(FORMATS[fmt](moment)) == (moment.replace(second=0, microsecond=0), "minute")


@given(moment=moments)
def test_excel_serial_round_trip(moment):
    moment = moment.replace(microsecond=0)
    serial = (moment - datetime(1899, 12, 30)).total_seconds() / 86400
    assert excel_serial_to_datetime(serial) == moment


notes = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("电话客户上门回访配件"),
    st.text(alphabet="电话联系客户上门维修确认，。、回访配件 ", max_size=12).map(str.rstrip),
)


@given(st.lists(st.tuples(moments, notes), min_size=1, max_size=6))
def test_timeline_round_trip(entries):
    text = "\n".join(f"{when:%Y-%m-%d %H:%M} {note}" for when, note in entries)
    parsed = parse_value(TIMELINE, text)
    assert parsed.issues == ()
    assert list(parsed.value) == [(when.replace(second=0, microsecond=0), note) for when, note in entries]


raw_values = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789-/.:年月日时分点号 上下午☑□■√[]()（）x、，,;；:：_*#其他质量高12345①\n"),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)


@settings(max_examples=400)
@given(field=st.sampled_from(ALL_SPECS), raw=raw_values)
def test_parse_value_never_raises_and_uses_catalogued_codes(field, raw):
    parsed = parse_value(field, raw)
    for code, params in parsed.issues:
        # every issue names a catalogued code with the params its message needs
        finding = make(code, Provenance("a.xlsx", "表1", 3), label=field.label, value=raw, params=params)
        assert field.label in finding.message or "{label}" not in CATALOG[code][1]
    if field.type in ("choice", "checkbox") and parsed.value is not None:
        assert parsed.value in field.choices or (field.open and parsed.value == "其他")
    if field.type == "multi" and parsed.value is not None:
        assert set(parsed.value) <= set(field.choices)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-07", date(2026, 11, 7)),
        ("2026-11-07 16:00", datetime(2026, 11, 7, 16, 0)),
        (datetime(2026, 11, 7, 16, 0), datetime(2026, 11, 7, 16, 0)),
        (datetime(2026, 11, 7, 0, 0), date(2026, 11, 7)),
    ],
)
def test_a_signature_date_keeps_a_time_when_one_is_typed(typed, expected):
    parsed = parse_value(get_form("complaint_followup").field("submit_date"), typed)
    assert parsed.value == expected and not parsed.issues


@pytest.mark.parametrize("typed", ["1800-01-01 09:00", "0201-01-01 10:00", "9999-12-31 23:59"])
def test_years_no_agent_can_mean_are_rejected(typed):
    parsed = parse_value(get_form("response_log").field("received_time"), typed)
    assert parsed.value is None and parsed.issues[0][0] == "bad_datetime"


def test_a_contact_that_is_not_a_phone_is_kept_as_typed():
    parsed = parse_value(get_form("response_log").field("phone"), "zhao.xx@example.com")
    assert parsed.value == "zhao.xx@example.com" and parsed.issues[0][0] == "bad_phone"


@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_mobile_number_is_accepted_exactly_when_the_phone_library_calls_it_valid(digits):
    """The fast path for 11-digit mobiles agrees with parsing the number as a Chinese one (a month's phones are
    all different: no memo helps, so the parse was skipped)."""
    import phonenumbers

    try:
        expected = phonenumbers.is_valid_number(phonenumbers.parse(digits, "CN"))
    except phonenumbers.NumberParseException:
        expected = False
    assert ("bad_phone" not in codes(parse_value(PHONE, digits))) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="+0086 -.()（）\u2010\u201513901234567", max_size=20))
def test_phone_compaction_same_as_string_patterns(text: str) -> None:
    from svcsheet.checking.values import _compact_phone

    s = re.sub(r"^(?:\+|00)?86(?=[\s\-]?1[3-9]|[\s\-]?[48]00)", "", text)
    s = re.sub(r"^\+86", "", s)
    s = re.sub(r"\((0\d{2,3})\)", r"\1", s)
    assert _compact_phone(text) == re.sub(r"[\s\-.\u2010-\u2015]", "", s)


_WIDE = st.lists(
    st.one_of(
        st.sampled_from([chr(c) for c in range(0xFEF0, 0xFF70)]),
        st.sampled_from("\u3000 a1张，：（）\u2028"),
        st.characters(),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(_WIDE)
def test_half_width_forms_as_the_character_loops_made_them(text: str) -> None:
    """What agents type in full width (Ａ１！：（ and the ideographic space) becomes the same text as the former
    loops over the characters made: every full-width ASCII form for to_halfwidth, only digits and letters for
    the soft form (Chinese punctuation stays as typed)."""
    from svcsheet.checking import values

    def halfwidth_before(t: str) -> str:
        return "".join(
            chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else " " if c == "\u3000" else c for c in t
        )

    def soft_before(t: str) -> str:
        return "".join(
            chr(ord(c) - 0xFEE0) if values._FULLWIDTH_ALNUM.match(c) else " " if c == "\u3000" else c
            for c in t
        )

    assert values.to_halfwidth(text) == halfwidth_before(text)
    assert values._soft(text) == soft_before(text)
