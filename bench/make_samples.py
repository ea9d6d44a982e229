"""Generate the sample workbooks in ``sample_workbooks/``: filled copies of our templates and team-made layouts.

Run: ``python bench/make_samples.py [OUT_DIR]`` (default: ``sample_workbooks/`` beside this folder).
The output is deterministic (seeded phone numbers, fixed document dates and zip timestamps), so re-running it
does not change the committed files.

Every deliberate mistake is marked with a ``# MISTAKE:`` comment where it is written; ``sample_workbooks/README.md``
lists them per file. Common-issue families are marked ``# FAMILY``: A = won't power on (X-2024, batch B2311),
B = leaking (JS-500), C = short battery life (P-300, mostly batch B2309), D = decoy (remote control, 2 customers only).
"""

from __future__ import annotations

import io
import random
import re
import sys
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svcsheet.forms import FormSpec, get_form  # noqa: E402
from svcsheet.outputs.template import INSTRUCTIONS_SHEET, write_template  # noqa: E402

FIXED = datetime(2026, 11, 23, 9, 0)
_rng = random.Random(20261122)
_phones: dict[str, str] = {}
# prefixes actually issued to mobile carriers (1[3-9]x), so the numbers look like real ones
_MOBILE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *("150", "151", "152", "153", "155", "156", "157", "158", "159"),
    *("166", "173", "175", "176", "177", "178"),
    *(f"18{d}" for d in range(10)),
    *("198", "199"),
)


def T(text: str) -> datetime:  # noqa: N802 - reads like a literal
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def D(text: str) -> date:  # noqa: N802
    return datetime.strptime(text, "%Y-%m-%d").date()


def phone(who: str) -> str:
    """A full, generated mobile number (a real 1[3-9]x prefix + 8 digits), stable per customer."""
    if who not in _phones:
        _phones[who] = _rng.choice(_MOBILE_PREFIXES) + "".join(_rng.choice("0123456789") for _ in range(8))
    return _phones[who]


def masked(who: str) -> str:
    p = phone(who)
    return f"{p[:3]}****{p[-4:]}"


def id_number(base17: str) -> str:
    """An 18-digit resident ID number with a valid GB 11643 check digit (made up: test data only)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base17 + "10X98765432"[sum(int(d) * w for d, w in zip(base17, weights, strict=True)) % 11]


def example(form_key: str, field: str) -> str:
    """A field of the paper form's printed example row, as the YAML records it."""
    return get_form(form_key).examples[0][field]


# ---------------------------------------------------------------- saving


def save(wb: Workbook, path: Path) -> None:
    """Save with fixed document dates and zip timestamps so the bytes do not change between runs."""
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.lastModifiedBy = "svcsheet samples"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core(data)
            dst.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def _fix_core(xml: bytes) -> bytes:
    # openpyxl stamps "modified" with the clock at save time
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2026-11-23T09:00:00Z\g<2>", xml
    )


# ---------------------------------------------------------------- our templates, filled


def fill_list(form: FormSpec, rows: list[dict[str, Any]], path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wb = load_workbook(write_template(form, Path(tmp) / "t.xlsx"))
    ws = wb.worksheets[0]
    cols = {f.key: i for i, f in enumerate(form.fields, 1)}
    for r, row in enumerate(rows, 3):
        for key, value in row.items():
            ws.cell(r, cols[key]).value = value
    save(wb, path)


def fill_cards(form: FormSpec, cards: list[dict[str, Any]], path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wb = load_workbook(write_template(form, Path(tmp) / "t.xlsx", cards=len(cards)))
    sheets = [ws for ws in wb.worksheets if ws.title != INSTRUCTIONS_SHEET]
    for ws, card in zip(sheets, cards, strict=True):
        for key, value in card.items():
            (_, ref), *_ = ws.defined_names[key].destinations
            ref = ref.replace("$", "")
            if key == "timeline":
                first = ws[ref.split(":")[0]]
                for i, (when, note) in enumerate(value):
                    ws.cell(first.row + i, first.column).value = when
                    ws.cell(first.row + i, first.column + 1).value = note
            else:
                ws[ref].value = value
    save(wb, path)


# ---------------------------------------------------------------- team-made helpers

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="FFF2CC")


def put(ws: Worksheet, row: int, col: int, value: Any, *, bold: bool = False, fmt: str | None = None) -> None:
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if bold:
        cell.font = BOLD
    if fmt:
        cell.number_format = fmt
    elif isinstance(value, datetime):
        cell.number_format = "yyyy/m/d h:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy/m/d"


def team_list(
    ws: Worksheet,
    title: str,
    filler: str,
    columns: list[tuple[str, str | None]],
    rows: list[dict[str, Any] | str | None],
    *,
    header_row: int = 4,
) -> int:
    """A team's own list sheet: title, 填表人/日期 line, a spacer, the header, then rows.

    ``rows`` items: a dict by key (a column's key, or its header text for non-field columns), None for a blank
    spacer row, or a str for a merged divider line across all columns. Returns the last row written.
    """
    n = len(columns)
    put(ws, 1, 1, title, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(1, 1).font = Font(bold=True, size=14)
    put(ws, 2, 1, filler)
    for c, (label, _) in enumerate(columns, 1):
        put(ws, header_row, c, label, bold=True)
        ws.cell(header_row, c).fill = HEAD_FILL
        ws.cell(header_row, c).border = BOX
        ws.cell(header_row, c).alignment = Alignment(wrap_text=True, horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(30, len(label) * 2 + 2))
    r = header_row
    for item in rows:
        r += 1
        if item is None:
            continue
        if isinstance(item, str):
            put(ws, r, 1, item, bold=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
            continue
        for c, (label, key) in enumerate(columns, 1):
            value = item.get(key or label)
            if value is not None:
                put(ws, r, c, value)
                ws.cell(r, c).border = BOX
    return r


def text_card(
    ws: Worksheet, lines: list[list[str] | str | None], widths: tuple[int, ...] = (34, 34, 30)
) -> None:
    """A team card sheet: each line is one cell (merged across) or several cells side by side; None = spacer."""
    ncol = len(widths)
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    for r, line in enumerate(lines, 1):
        if line is None:
            continue
        if isinstance(line, str):
            put(ws, r, 1, line, bold=r == 1)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
            ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
            continue
        for c, text in enumerate(line, 1):
            put(ws, r, c, text)


def ticks(choices: list[str], chosen: str | list[str], notes: dict[str, str] | None = None) -> str:
    """Paper checkbox text: ☑质量□服务□物流□其他, with optional bracketed notes after a choice."""
    chosen = [chosen] if isinstance(chosen, str) else chosen
    notes = notes or {}
    return "".join(("☑" if c in chosen else "□") + c + notes.get(c, "") for c in choices)


# ================================================================ service_feedback (ours)


def service_feedback_ours() -> list[dict[str, Any]]:
    seed = {  # the paper form's printed example, copied in by an agent
        # MISTAKE: the seed's example row FW202405200001 left in (also in team_service_feedback_nov.xlsx:
        # an example row, and the same id in two files)
        "service_no": example("service_feedback", "service_no"),
        "customer_name": "李先生",
        "phone": "139****5678",
        "product_model": "KFR-35GW",
        "purchase_date": D("2024-03-15"),
        "service_type": "维修",
        "request_time": T("2024-05-20 09:10"),
        "problem_description": example("service_feedback", "problem_description"),
        "service_record": "传感器插头松动，插紧后仍报故障，换上新传感器",
        "diagnosis": "产品质量问题",
        "solution": "换装 X-2024 传感器，开机试运行无报错",
        "efficiency_score": "4(上门及时)",
        "attitude_score": "5(工程师耐心解释)",
        "satisfaction_score": 4,
        "suggestion": "说明书里最好附一张故障代码对照表",
        "collector": "*客服",
        "collect_time": D("2024-05-21"),
        "customer_confirm": "客户电子确认",
    }
    rows = [
        seed,
        {
            "service_no": "FW202610280002",
            "customer_name": "朱先生",
            "phone": masked("朱先生"),
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-06-02"),
            "service_type": "维修",
            "request_time": T("2026-10-28 15:20"),
            "problem_description": "空调外机运转时嗡嗡响，邻居有意见",
            "service_record": "外机支架螺丝松动，共振明显",
            "diagnosis": "环境因素",
            "solution": "紧固支架并加装减震垫，噪音明显下降",
            "service_done_time": T("2026-10-29 11:00"),
            "invite_time": T("2026-10-29 17:30"),
            "efficiency_score": 4,
            "attitude_score": 4,
            "satisfaction_score": 4,
            "collector": "周晓燕",
            "collect_time": T("2026-10-30 10:00"),
            "customer_confirm": "已签字",
            "issue_category": "其他建议",
            "urgency": "一般",
            "classify_time": T("2026-10-30 16:00"),
            "department": "客服部",
            "closure_time": T("2026-11-02 10:30"),
        },
        {
            "service_no": "FW202611020003",
            "customer_name": "王芳",
            "phone": phone("王芳"),
            "product_model": "XQB80-D1",
            "batch_no": "B2307",
            "purchase_date": D("2026-05-06"),
            "service_type": "维修",
            "request_time": T("2026-11-02 10:20"),
            "problem_description": "洗衣机到甩干那一步就不转了，程序一直停着",
            "service_record": "拆开排水泵，里面卡了两枚硬币，清出后试机",
            "diagnosis": "客户使用不当",
            "solution": "清理排水泵异物，并提醒客户放衣服前掏空口袋",
            "onsite_feedback": "师傅讲得很清楚",
            "service_done_time": T("2026-11-03 15:00"),
            "invite_time": T("2026-11-04 10:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "*客服",
            "collect_time": T("2026-11-04 16:00"),
            "customer_confirm": "已签字",
            "issue_category": "其他建议",
            "urgency": "一般",
            "customer_tags": "新客户",
            "classify_time": T("2026-11-05 10:00"),
            "department": "客服部",
            "closure_time": T("2026-11-06 11:00"),
        },
        {  # FAMILY A
            "service_no": "FW202611040001",
            "customer_name": "张伟",
            "phone": phone("张伟"),
            "product_model": "X-2024",
            "batch_no": "B2311",
            "purchase_date": D("2026-09-20"),
            "service_type": "维修",
            "request_time": T("2026-11-04 09:05"),
            "problem_description": "开机无反应，电源指示灯也不亮",
            "service_record": "量电源板没有输出电压，判断电源板损坏，现场更换",
            "diagnosis": "产品质量问题",
            "solution": "更换电源板，开机运行 30 分钟正常",
            "onsite_feedback": "修好了，但等配件等了一天多",
            "service_done_time": T("2026-11-05 16:30"),
            "invite_time": T("2026-11-06 09:30"),
            "efficiency_score": "3(等配件两天)",
            "attitude_score": 4,
            "satisfaction_score": 4,
            "suggestion": "常用配件希望网点能备一些",
            "collector": "周晓燕",
            "collect_time": T("2026-11-06 15:00"),
            "customer_confirm": "已签字",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "customer_tags": "高价值客户",
            "classify_time": T("2026-11-09 10:00"),
            "department": "研发部",
            "closure_time": T("2026-11-11 17:00"),
        },
        {  # FAMILY B
            "service_no": "FW202611060002",
            "customer_name": "*女士",
            "phone": masked("*女士-JS"),
            "product_model": "JS-500",
            "batch_no": "B2308",
            "purchase_date": D("2026-08-11"),
            "service_type": "维修",
            "request_time": T("2026-11-06 14:30"),
            "problem_description": "净水器底部漏水，厨房地上湿了一大片",
            "service_record": "进水接头的密封圈老化开裂",
            "diagnosis": "产品质量问题",
            "solution": "更换进水接头密封圈，保压半小时无渗漏",
            "service_done_time": T("2026-11-07 11:20"),
            "invite_time": T("2026-11-07 18:00"),
            "efficiency_score": 4,
            "attitude_score": 5,
            "satisfaction_score": 4,
            "collector": "*客服",
            "collect_time": T("2026-11-09 09:40"),
            "customer_confirm": "已签字",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "classify_time": T("2026-11-10 14:00"),
            "department": "研发部",
            "closure_time": T("2026-11-12 15:00"),
        },
        {
            "service_no": "FW202611090004",
            "customer_name": "刘洋",
            "phone": phone("刘洋"),
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-06-18"),
            "service_type": "安装",
            "request_time": T("2026-11-09 11:00"),
            "problem_description": "搬新家，需要把空调移过去重新装",
            "service_record": "拆机、运输、新址打孔安装，补充冷媒",
            "diagnosis": "其他",
            "solution": "完成移机安装并补氟，试机制冷正常",
            "service_done_time": T("2026-11-10 16:00"),
            "invite_time": T("2026-11-11 09:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "周晓燕",
            "collect_time": T("2026-11-11 14:00"),
            "customer_confirm": "已签字",
            "issue_category": "其他建议",
            "urgency": "建议优化",
            "classify_time": T("2026-11-12 10:00"),
            "department": "客服部",
        },
        {  # FAMILY C
            "service_no": "FW202611110001",
            "customer_name": "陈静",
            "phone": phone("陈静"),
            "product_model": "P-300",
            "batch_no": "B2309",
            "purchase_date": D("2026-07-02"),
            "service_type": "维修",
            "request_time": T("2026-11-11 16:40"),
            "problem_description": "音箱充满电以后只能放两个小时左右",
            "service_record": "电池容量检测只剩标称的 55%",
            "diagnosis": "产品质量问题",
            "solution": "更换电池组，满电连续播放 7 小时",
            "service_done_time": T("2026-11-13 10:30"),
            "invite_time": T("2026-11-13 15:00"),
            "efficiency_score": 4,
            "attitude_score": 4,
            "satisfaction_score": 3,
            "suggestion": "同一批的音箱是不是都有这个毛病？",
            "collector": "*客服",
            "collect_time": T("2026-11-16 10:20"),
            "customer_confirm": "已签字",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "customer_tags": "多次反馈客户",
            "classify_time": T("2026-11-17 09:30"),
            "department": "研发部",
            "closure_time": T("2026-11-19 16:00"),
        },
        {  # FAMILY A
            "service_no": "FW202611160002",
            "customer_name": "欧阳娜娜",
            "phone": phone("欧阳娜娜"),
            "product_model": "X-2024",
            "batch_no": "B2311",
            "purchase_date": D("2026-10-03"),
            "service_type": "退换货",
            "request_time": T("2026-11-16 09:20"),
            "problem_description": "按了电源键机器完全没动静，换了插座也一样",
            "service_record": "上门确认主板不通电，按三包办理换新",
            "diagnosis": "产品质量问题",
            "solution": "现场换新机，旧机返厂分析",
            "service_done_time": T("2026-11-17 14:00"),
            "invite_time": T("2026-11-17 19:00"),
            "efficiency_score": 4,
            "attitude_score": 4,
            "satisfaction_score": 4,
            "collector": "周晓燕",
            "collect_time": T("2026-11-18 10:00"),
            "customer_confirm": "已签字",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "customer_tags": "新客户",
            "classify_time": T("2026-11-18 15:00"),
            "department": "研发部",
        },
        {
            "service_no": "FW202611160005",
            "customer_name": "赵女士",
            "phone": masked("赵女士"),
            "product_model": "XQB80-D1",
            "batch_no": "B2307",
            "purchase_date": D("2026-02-14"),
            "service_type": "使用咨询",
            "request_time": T("2026-11-16 15:10"),
            "problem_description": "不知道预约洗涤怎么设",
            "diagnosis": "客户使用不当",
            "solution": "电话一步步带着设置预约洗涤，并发了图文说明",
            "service_done_time": T("2026-11-16 15:35"),
            "invite_time": T("2026-11-16 16:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "*客服",
            "collect_time": T("2026-11-17 10:00"),
            "issue_category": "其他建议",
            "urgency": "建议优化",
            "classify_time": T("2026-11-18 10:00"),
            "department": "客服部",
            "closure_time": T("2026-11-18 11:00"),
        },
        {
            # MISTAKE: required 联系方式 (phone) left empty
            "service_no": "FW202611170001",
            "customer_name": "黄海涛",
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-07-30"),
            "service_type": "维修",
            "request_time": T("2026-11-17 10:00"),
            "problem_description": "空调制冷效果差，开了一小时屋里还是很热",
            "service_record": "外机散热片积灰很厚，清洗后高压恢复正常",
            "diagnosis": "环境因素",
            "solution": "清洗外机冷凝器，补少量冷媒",
            "service_done_time": T("2026-11-18 11:30"),
            "invite_time": T("2026-11-18 16:00"),
            "efficiency_score": 4,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "周晓燕",
            "collect_time": T("2026-11-19 09:30"),
            "issue_category": "其他建议",
            "urgency": "一般",
            "classify_time": T("2026-11-19 15:00"),
            "department": "客服部",
        },
        {  # FAMILY B
            "service_no": "FW202611180003",
            "customer_name": "司马磊",
            "phone": phone("司马磊"),
            "product_model": "JS-500",
            "batch_no": "B2308",
            "purchase_date": D("2026-08-25"),
            "service_type": "维修",
            "request_time": T("2026-11-18 13:25"),
            "problem_description": "净水器出水口下面一直在滴水，柜子底板泡了",
            "service_record": "出水龙头阀芯磨损，关不严",
            "diagnosis": "产品质量问题",
            "solution": "更换出水龙头阀芯，观察 20 分钟不再滴水",
            "service_done_time": T("2026-11-19 10:00"),
            "invite_time": T("2026-11-20 14:00"),
            "efficiency_score": 3,
            "attitude_score": 4,
            "satisfaction_score": "3(第二次报修)",
            "suggestion": "同样的问题修第二次了，希望一次修好",
            "collector": "*客服",
            "collect_time": T("2026-11-20 16:00"),
            "customer_confirm": "已签字",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "customer_tags": "多次反馈客户、高价值客户",
            "classify_time": T("2026-11-23 10:00"),
            "department": "研发部",
        },
        {  # FAMILY C
            "service_no": "FW202611190002",
            "customer_name": "孙女士",
            "phone": masked("孙女士"),
            "product_model": "P-300",
            "batch_no": "B2309",
            "purchase_date": D("2026-07-15"),
            "service_type": "退换货",
            "request_time": T("2026-11-19 11:45"),
            "problem_description": "电池不耐用，充一次电撑不过半天",
            "diagnosis": "产品质量问题",
            "solution": "按三包政策换新机，旧机寄回检测",
            "service_done_time": T("2026-11-20 17:00"),
            "invite_time": T("2026-11-21 10:00"),
            "efficiency_score": 4,
            "attitude_score": 4,
            "satisfaction_score": 4,
            "collector": "周晓燕",
            "collect_time": T("2026-11-21 15:00"),
            "issue_category": "产品质量类",
            "urgency": "紧急",
        },
        {  # FAMILY D (decoy, 2 customers only)
            "service_no": "FW202611200001",
            "customer_name": "徐丽",
            "phone": phone("徐丽"),
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-05-20"),
            "service_type": "维修",
            "request_time": T("2026-11-20 09:40"),
            "problem_description": "遥控器部分按键失灵，调温度没反应",
            "diagnosis": "产品质量问题",
            "solution": "寄送新遥控器并指导配对",
            "service_done_time": T("2026-11-21 12:00"),
            "invite_time": T("2026-11-21 18:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "*客服",
            "collect_time": T("2026-11-22 10:00"),
            "issue_category": "产品质量类",
            "urgency": "一般",
        },
        {
            "service_no": "FW202611210004",
            "customer_name": "吴先生",
            "phone": masked("吴先生"),
            "product_model": "XQB80-D1",
            "batch_no": "B2310",
            "purchase_date": D("2026-10-28"),
            "service_type": "安装",
            "request_time": T("2026-11-21 10:30"),
            "problem_description": "新买的洗衣机需要上门安装",
            "service_record": "安装进排水管，调平机身，跑了一个快洗程序",
            "diagnosis": "其他",
            "solution": "完成安装调试，讲解常用程序",
            "service_done_time": T("2026-11-22 16:00"),
            "invite_time": T("2026-11-22 18:30"),
            "efficiency_score": "2(预约时间改了两次)",
            "attitude_score": 4,
            "satisfaction_score": 4,
            "suggestion": "安装预约的时间能不能说准",
            "collector": "周晓燕",
            "collect_time": T("2026-11-23 09:30"),
            "issue_category": "服务流程类",
            "urgency": "一般",
            "customer_tags": "新客户",
        },
        {
            "service_no": "FW202611220001",
            "customer_name": "林峰",
            "phone": phone("林峰"),
            "product_model": "X-2024",
            "batch_no": "B2311",
            "purchase_date": D("2026-10-12"),
            "service_type": "维修",
            "request_time": T("2026-11-22 14:00"),
            "problem_description": "净化器转起来有刮擦声，像有东西碰到风扇",
            "service_record": "已约 11 月 24 日上门检查",
        },
    ]
    return rows


# ================================================================ issue_feedback (ours)


def issue_feedback_ours() -> list[dict[str, Any]]:
    return [
        {
            # the guide's own example: its id has no FB prefix (accepted, normalised, warned)
            "feedback_no": example("issue_feedback", "feedback_no").removeprefix("FB"),
            "customer_name": "周先生",
            "phone": "138****2046",
            "customer_id": "VIP20230001",
            "feedback_time": T("2023-10-01 14:30"),
            "occurred_time": D("2023-09-28"),
            "issue_type": "产品质量",
            "description": example("issue_feedback", "description"),
            "customer_request": "更换",
            "priority": "高",
            "channel": "APP",
            "department": "售后部",
            "handler": "*经理",
            "status": "已闭环",
            "plan": "给客户换发同型号新机，顺丰到付，三天内送达",
            "result": "已解决",
            "satisfaction": 4,
            "remark": "客户要整机全新未拆封的，库存已核实",
            "check_time": T("2023-10-01 15:40"),
            "analysis_time": T("2023-10-02 10:00"),
            "resolved_time": T("2023-10-04 16:00"),
            "notice_time": T("2023-10-04 17:30"),
            "revisit_time": T("2023-10-08 10:00"),
            "root_cause": "充电管理芯片来料批次不良",
            "direct_cause": "充电电路无输出",
            "indirect_cause": "来料检验未覆盖充电功能",
        },
        {
            "feedback_no": "FB202610290001",
            "customer_name": "钟女士",
            "phone": masked("钟女士"),
            "customer_id": "——",
            "feedback_time": T("2026-10-29 09:50"),
            "occurred_time": D("2026-10-28"),
            "issue_type": "售后保障",
            "description": "洗衣机维修后一周又不脱水了",
            "customer_request": "维修",
            "priority": "中",
            "channel": "电话",
            "department": "售后部",
            "handler": "何鹏",
            "status": "已闭环",
            "plan": "二次上门，更换离合器总成",
            "result": "已解决",
            "satisfaction": 4,
            "check_time": T("2026-10-29 10:30"),
            "analysis_time": T("2026-10-29 16:00"),
            "resolved_time": T("2026-10-31 15:00"),
            "notice_time": T("2026-10-31 16:00"),
            "revisit_time": T("2026-11-03 10:00"),
            "root_cause": "首次维修只换了皮带，未检查离合器",
            "direct_cause": "离合器打滑",
            "indirect_cause": "维修作业指导书缺少脱水故障排查顺序",
        },
        {
            "feedback_no": "FB202611030002",
            "customer_name": "王女士",
            "phone": phone("王女士-物流"),
            "customer_id": "——",
            "feedback_time": T("2026-11-03 10:12"),
            "occurred_time": "约11月1日",
            "issue_type": "物流配送",
            "description": "下单三天了快递信息一直没更新",
            "customer_request": "解释说明",
            "priority": "中",
            "channel": "公众号",
            "department": "物流部",
            "handler": "王晓东",
            "status": "已解决",
            "plan": "和承运商核实为中转站积压，改走加急线路",
            "result": "已解决",
            "satisfaction": 4,
            "check_time": T("2026-11-03 11:00"),
            "analysis_time": T("2026-11-03 17:00"),
            "resolved_time": T("2026-11-05 12:00"),
            "notice_time": T("2026-11-05 14:30"),
            "revisit_time": T("2026-11-09 10:00"),
            "root_cause": "中转站分拣系统没有备用方案",
            "direct_cause": "分拣系统宕机半天",
            "indirect_cause": "承运商没有主动通报延误",
        },
        {  # FAMILY A
            "feedback_no": "FB202611050001",
            "customer_name": "杭州启明电子有限公司",
            "phone": "0571-****6620",
            "customer_id": "VIP20240117",
            "feedback_time": T("2026-11-05 09:30"),
            "occurred_time": D("2026-11-04"),
            "issue_type": "产品质量",
            "description": "公司采购的 X-2024 净化器有一台无法开机，换插座也不行，机身批次 B2311",
            "customer_request": "更换",
            "priority": "高",
            "channel": "电话",
            "department": "售后部",
            "handler": "刘建军",
            "status": "已闭环",
            "plan": "寄送新机，旧机返厂检测",
            "result": "已解决",
            "satisfaction": 5,
            "check_time": T("2026-11-05 10:40"),
            "analysis_time": T("2026-11-05 16:00"),
            "resolved_time": T("2026-11-07 11:00"),
            "notice_time": T("2026-11-07 13:00"),
            "revisit_time": T("2026-11-10 15:00"),
            "root_cause": "B2311 批次电源板保险丝规格偏小",
            "direct_cause": "电源板保险丝熔断",
            "indirect_cause": "电源板变更后未做全批次老化测试",
        },
        {  # FAMILY C
            "feedback_no": "FB202611090003",
            "customer_name": "马俊",
            "phone": phone("马俊"),
            "customer_id": "——",
            "feedback_time": T("2026-11-09 19:20"),
            "occurred_time": "约11月初",
            "issue_type": "产品质量",
            "description": "P-300 音箱充满电只能用两个多小时，宣传说能用 8 小时，批次 B2309",
            "customer_request": "维修",
            "priority": "中",
            "channel": "APP",
            "department": "售后部",
            "handler": "何鹏",
            "status": "处理中",
            "plan": "寄回检测电池，检测后决定换电池还是换机",
            "check_time": T("2026-11-10 09:30"),
            "analysis_time": T("2026-11-10 15:00"),
        },
        {  # FAMILY C
            "feedback_no": "FB202611120002",
            "customer_name": "郭晓燕",
            "phone": phone("郭晓燕"),
            "customer_id": "VIP20250342",
            "feedback_time": T("2026-11-12 08:45"),
            "occurred_time": "客户未明确",
            "issue_type": "产品质量",
            "description": "音箱电池越来越不经用，续航明显缩水，机身标签写着 B2309",
            "customer_request": "更换",
            "priority": "中",
            "channel": "官网",
            "department": "售后部",
            "handler": "何鹏",
            "status": "已解决",
            "plan": "直接寄新机，旧机回收",
            "result": "已解决",
            "satisfaction": 3,
            "check_time": T("2026-11-12 09:20"),
            "analysis_time": T("2026-11-12 16:30"),
            "resolved_time": T("2026-11-16 11:00"),
            "notice_time": T("2026-11-16 14:00"),
            "revisit_time": T("2026-11-19 10:00"),
            "root_cause": "B2309 批次电芯容量不足",
            "direct_cause": "电池满充容量偏低",
            "indirect_cause": "电芯供应商变更后抽检比例偏低",
        },
        {
            "feedback_no": "FB202611130001",
            "customer_name": "*先生",
            "phone": masked("*先生-APP"),
            "customer_id": "——",
            "feedback_time": T("2026-11-13 16:00"),
            "occurred_time": D("2026-11-13"),
            "issue_type": "系统故障",
            "description": "APP 登录一直提示网络异常，换 Wi-Fi 和流量都登不上",
            "customer_request": "其他(尽快修好登录)",
            "priority": "高",
            "channel": "APP",
            "department": "技术部",
            "handler": "*工号017",
            "status": "已解决",
            "plan": "更新登录服务证书并发布热修复",
            "result": "已解决",
            "satisfaction": 4,
            "check_time": T("2026-11-13 16:30"),
            "analysis_time": T("2026-11-13 18:00"),
            "resolved_time": T("2026-11-14 09:00"),
            "notice_time": T("2026-11-14 10:00"),
            "revisit_time": T("2026-11-17 15:00"),
            "root_cause": "证书到期没有自动续期",
            "direct_cause": "登录接口证书过期",
            "indirect_cause": "证书到期提醒只发到离职员工邮箱",
        },
        {
            # MISTAKE: invalid choice in 反馈渠道 (微博 is not one of APP/官网/公众号/电话/门店/其他)
            "feedback_no": "FB202611160001",
            "customer_name": "朱琳",
            "phone": phone("朱琳"),
            "customer_id": "——",
            "feedback_time": T("2026-11-16 10:05"),
            "occurred_time": D("2026-11-15"),
            "issue_type": "服务态度",
            "description": "上门的工程师迟到一个多小时，也没提前打个电话",
            "customer_request": "解释说明",
            "priority": "中",
            "channel": "微博",
            "department": "客服部",
            "handler": "周晓燕",
            "status": "处理中",
            "plan": "核实派单记录，由主管回电致歉",
            "check_time": T("2026-11-16 11:00"),
            "analysis_time": T("2026-11-17 09:30"),
        },
        {
            # MISTAKE: 处理状态 已闭环 but 客户满意度 empty
            "feedback_no": "FB202611170003",
            "customer_name": "高雪",
            "phone": phone("高雪"),
            "customer_id": "VIP20220088",
            "feedback_time": T("2026-11-17 11:30"),
            "occurred_time": D("2026-11-14"),
            "issue_type": "售后保障",
            "description": "还在保修期，上门维修却收了 80 元上门费",
            "customer_request": "退款",
            "priority": "中",
            "channel": "电话",
            "department": "售后部",
            "handler": "刘建军",
            "status": "已闭环",
            "plan": "核实属保内维修，退还上门费 80 元",
            "result": "已解决",
            "check_time": T("2026-11-17 12:10"),
            "analysis_time": T("2026-11-17 17:00"),
            "resolved_time": T("2026-11-18 10:00"),
            "notice_time": T("2026-11-18 11:00"),
            "revisit_time": T("2026-11-20 16:00"),
            "root_cause": "网点收费规则没有区分保内保外",
            "direct_cause": "工程师按保外标准收费",
            "indirect_cause": "派单系统未显示保修状态",
        },
        {
            # MISTAKE: an 18-digit resident ID number (valid check digit) typed into 备注
            "feedback_no": "FB202611180002",
            "customer_name": "胡斌",
            "phone": phone("胡斌"),
            "customer_id": "——",
            "feedback_time": T("2026-11-18 14:20"),
            "occurred_time": "客户未明确",
            "issue_type": "产品功能",
            "description": "希望音箱能加一个定时关机",
            "customer_request": "功能优化",
            "priority": "低",
            "channel": "APP",
            "department": "产品部",
            "handler": "*工号021",
            "status": "已解决",
            "plan": "已列入下一版固件需求，答复客户预计上线时间",
            "result": "部分解决",
            "satisfaction": 4,
            "remark": f"客户主动报了身份证号 {id_number('33010619850312041')}，已告知不需要提供",
            "check_time": T("2026-11-18 15:00"),
            "resolved_time": T("2026-11-20 10:00"),
            "notice_time": T("2026-11-20 11:30"),
        },
        {  # FAMILY B
            "feedback_no": "FB202611190001",
            "customer_name": "何女士",
            "phone": masked("何女士"),
            "customer_id": "——",
            "feedback_time": T("2026-11-19 09:15"),
            "occurred_time": D("2026-11-18"),
            "issue_type": "产品质量",
            "description": "JS-500 净水器接口处往外渗水，下面垫的毛巾都湿透了",
            "customer_request": "维修",
            "priority": "高",
            "channel": "电话",
            "department": "售后部",
            "handler": "刘建军",
            "status": "处理中",
            "plan": "当天派工程师上门更换接头",
            "check_time": T("2026-11-19 09:50"),
            "analysis_time": T("2026-11-19 15:00"),
        },
        {
            "feedback_no": "FB202611200004",
            "customer_name": "苏州恒达物业管理有限公司",
            "phone": "0512-****7781",
            "customer_id": "VIP20210015",
            "feedback_time": T("2026-11-20 13:40"),
            "issue_type": "售后保障",
            "description": "物业采购的 20 台净化器要统一换滤芯，想问保修期内是否免费",
            "customer_request": "解释说明",
            "priority": "低",
            "channel": "门店",
            "status": "待处理",
        },
        {
            "feedback_no": "FB202611210002",
            "customer_name": "黄女士",
            "phone": masked("黄女士"),
            "customer_id": "——",
            "feedback_time": T("2026-11-21 10:50"),
            "occurred_time": D("2026-11-20"),
            "issue_type": "物流配送",
            "description": "收到的包裹外箱破了，里面少了一根电源线",
            "customer_request": "其他(补发电源线)",
            "priority": "中",
            "channel": "APP",
            "status": "处理中",
            "plan": "补发电源线，顺丰次日达",
            "check_time": T("2026-11-21 11:30"),
        },
        {
            "feedback_no": "FB202611220001",
            "customer_name": "杨磊",
            "phone": phone("杨磊"),
            "customer_id": "——",
            "feedback_time": T("2026-11-22 20:10"),
            "issue_type": "其他",
            "description": "想了解以旧换新活动怎么参加",
            "customer_request": "解释说明",
            "priority": "低",
            "channel": "公众号",
            "department": "客服部",
            "status": "待处理",
        },
    ]


# ================================================================ response_log (ours)


def response_log_ours() -> list[dict[str, Any]]:
    return [
        # the seed table's three rows, times typed run-together as on the paper (2023-10-0109:30)
        # MISTAKE: the first is the printed example row (设备无法启动) with its id completed to 20231001001
        {
            "issue_no": "20231001001",
            "customer": "A公司/*先生",
            "phone": "5678",
            "description": "设备无法启动",
            "category": "技术故障",
            "urgency": "紧急",
            "received_time": "2023-10-0109:30",
            "first_response_time": "2023-10-0109:45",
            "resolved_time": "2023-10-0114:20",
            "solution": "远程带客户重启系统，随后换了电源适配器",
            "handler": "*工号001",
            "result": "已解决",
            "satisfaction": "满意",
            "customer_feedback": "处理快，态度也好",
            "remark": "VIP 客户，优先安排",
        },
        {
            "issue_no": "20231001002",
            "customer": "*女士",
            "phone": "139****3456",
            "description": "产品使用疑问",
            "category": "操作咨询",
            "urgency": "一般",
            "received_time": "2023-10-0110:15",
            "first_response_time": "2023-10-0110:30",
            "resolved_time": "2023-10-0111:00",
            "solution": "发送操作视频，再电话一步步指导",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "一般",
            "customer_feedback": "想要一份文字版说明",
            "remark": "已转产品部补充手册",
        },
        {
            "issue_no": "20231001003",
            "customer": "*企业",
            "phone": "010-****3321",
            "description": "货物破损",
            "category": "质量投诉",
            "urgency": "一般",
            "received_time": "2023-10-0114:00",
            "first_response_time": "2023-10-0114:20",
            "resolved_time": "2023-10-0210:00",
            "solution": "上门取回破损件换新，另送 50 元优惠券",
            "handler": "*工号003",
            "result": "已解决",
            "satisfaction": "满意",
            "customer_feedback": "接受处理结果",
            "remark": "仓库包装规范已加强",
        },
        {
            "issue_no": "20261030002",
            "customer": "朱先生",
            "phone": masked("朱先生"),
            "description": "空调外机噪音大，晚上吵得睡不着",
            "category": "技术故障",
            "urgency": "一般",
            "received_time": T("2026-10-30 15:00"),
            "first_response_time": T("2026-10-30 16:10"),
            "resolved_time": T("2026-10-31 11:00"),
            "solution": "紧固外机支架，加装减震垫",
            "handler": "*工号005",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {  # FAMILY A
            "issue_no": "20261102001",
            "customer": "宁波海川贸易有限公司/林经理",
            "phone": "0574-****1180",
            "description": "X-2024 净化器按电源键没反应，批次 B2311",
            "category": "技术故障",
            "urgency": "紧急",
            "received_time": T("2026-11-02 09:12"),
            "first_response_time": T("2026-11-02 09:20"),
            "resolved_time": T("2026-11-03 17:00"),
            "solution": "派工程师上门更换电源板",
            "handler": "*工号005",
            "result": "已解决",
            "satisfaction": "满意",
            "customer_feedback": "响应很快",
        },
        {  # FAMILY C
            "issue_no": "20261105002",
            "customer": "钱女士",
            "phone": masked("钱女士"),
            "description": "P-300 续航太短，早上充满下午就没电，批次 B2309",
            "category": "产品质量",
            "urgency": "一般",
            "received_time": T("2026-11-05 10:00"),
            "first_response_time": T("2026-11-05 13:40"),
            "overdue_reason": "客服忙线",
            "resolved_time": T("2026-11-07 16:00"),
            "solution": "登记换电池，寄出新电池组并附更换说明",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "一般",
            "customer_feedback": "等回电等了挺久",
        },
        {
            "issue_no": "20261109003",
            "customer": "张先生",
            "phone": masked("张先生"),
            "description": "问空调睡眠模式怎么设置",
            "category": "操作咨询",
            "urgency": "建议",
            "received_time": T("2026-11-09 16:30"),
            "first_response_time": T("2026-11-10 10:00"),
            "resolved_time": T("2026-11-10 10:20"),
            "solution": "电话讲解睡眠模式，发送图文说明",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            "issue_no": "20261112001",
            "customer": "周婷",
            "phone": phone("周婷"),
            "description": "工程师上门时态度冷淡，问他问题很不耐烦",
            "category": "服务态度",
            "urgency": "一般",
            "received_time": T("2026-11-12 11:00"),
            "first_response_time": T("2026-11-12 11:30"),
            "resolved_time": T("2026-11-13 10:00"),
            "solution": "主管致电道歉，安排该工程师参加服务规范培训",
            "handler": "*工号009",
            "result": "已解决",
            "satisfaction": "一般",
            "customer_feedback": "道歉收到了",
        },
        {
            # MISTAKE: 首次响应时间 (14:05) earlier than 接收时间 (14:40)
            "issue_no": "20261116002",
            "customer": "何鹏",
            "phone": phone("何鹏-客户"),
            "description": "洗衣机进水特别慢，洗一次要两个小时",
            "category": "技术故障",
            "urgency": "一般",
            "received_time": T("2026-11-16 14:40"),
            "first_response_time": T("2026-11-16 14:05"),
            "resolved_time": T("2026-11-17 15:00"),
            "solution": "清洗进水阀滤网，水压正常后进水恢复",
            "handler": "*工号005",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            # MISTAKE: the same 问题编号 20261117005 is used in team_response_log_nov.xlsx for another problem
            "issue_no": "20261117005",
            "customer": "孙浩",
            "phone": phone("孙浩"),
            "description": "净水器滤芯到期提醒一直亮，刚换过滤芯",
            "category": "操作咨询",
            "urgency": "建议",
            "received_time": T("2026-11-17 09:30"),
            "first_response_time": T("2026-11-17 10:10"),
            "resolved_time": T("2026-11-17 10:30"),
            "solution": "指导长按复位键 5 秒清除滤芯提醒",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            # SLA case: urgent first response after 50 minutes with no 超时原因
            "issue_no": "20261118001",
            "customer": "李女士",
            "phone": masked("李女士"),
            "description": "空调开机十来分钟就自己停了",
            "category": "技术故障",
            "urgency": "紧急",
            "received_time": T("2026-11-18 08:50"),
            "first_response_time": T("2026-11-18 09:40"),
            "resolved_time": T("2026-11-19 16:00"),
            "solution": "上门测得电压偏低，加装稳压器",
            "handler": "*工号007",
            "result": "部分解决",
            "satisfaction": "一般",
            "customer_feedback": "偶尔还会停",
        },
        {
            "issue_no": "20261119002",
            "customer": "*先生",
            "phone": masked("*先生-异味"),
            "description": "净水器出来的水有股怪味",
            "category": "产品质量",
            "urgency": "一般",
            "received_time": T("2026-11-19 15:20"),
            "first_response_time": T("2026-11-19 15:55"),
            "resolved_time": T("2026-11-20 11:00"),
            "solution": "更换活性炭滤芯，冲洗管路 10 分钟",
            "handler": "*工号007",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            "issue_no": "20261120001",
            "customer": "吴强",
            "phone": phone("吴强"),
            "description": "订单显示已签收，但家里没收到货",
            "category": "质量投诉",
            "urgency": "一般",
            "received_time": T("2026-11-20 10:00"),
            "first_response_time": T("2026-11-20 10:45"),
            "resolved_time": T("2026-11-21 18:00"),
            "solution": "查实快递误投邻居，取回后重新派送",
            "handler": "*工号009",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            "issue_no": "20261121003",
            "customer": "马女士",
            "phone": masked("马女士"),
            "description": "洗衣机脱水时晃得很厉害，声音很大",
            "category": "技术故障",
            "urgency": "一般",
            "received_time": T("2026-11-21 13:00"),
            "first_response_time": T("2026-11-21 13:50"),
            "handler": "*工号005",
            "result": "未解决",
            "remark": "已约 11 月 24 日上门",
        },
    ]


# ================================================================ complaint_followup (ours, one card per sheet)


def complaint_cards_ours() -> list[dict[str, Any]]:
    return [
        {  # FAMILY C (the one case from another batch, B2310)
            "complaint_no": "TS202611040001",
            "customer_name": "诸葛明",
            "phone": "****" + phone("诸葛明")[-4:],
            "product": "P-300 便携音箱（批次 B2310）",
            "complaint_type": "质量",
            "description": "电池续航短得离谱，连说明书写的一半都不到，这是第二次找你们了",
            "owner": "何鹏",
            "owner_dept": "售后",
            "measures": "产品更换、补偿(赠送一年延保)",
            "timeline": [
                (T("2026-11-04 10:00"), "电话联系客户，核实满电播放时长约 3 小时"),
                (T("2026-11-05 15:00"), "寄出新机，同时上门取回旧机"),
                (T("2026-11-07 11:00"), "回访客户，新机续航正常"),
            ],
            "received_time": T("2026-11-04 09:20"),
            "verified_time": T("2026-11-04 10:05"),
            "handled_time": T("2026-11-07 11:00"),
            "status": "已解决",
            "satisfaction": "满意",
            "request_met": "是",
            "root_cause": "电芯容量不达标，第一次维修只做了软件校准",
            "improvement": "电池类故障一律先测容量；电芯来料增加容量抽检",
            "owner_sign": "何鹏",
            "submit_date": T("2026-11-07 16:00"),
            "review": "同意归档",
            "reviewer_sign": "*主管",
            "review_date": T("2026-11-09 10:00"),
        },
        {
            "complaint_no": "TS202611160002",
            "customer_name": "杨先生",
            "phone": "****" + phone("杨先生")[-4:],
            "product": "XQB80-D1 洗衣机上门维修",
            "complaint_type": "服务",
            "description": "说好上午上门，结果下午四点才来，中间没人通知我，白请了一天假",
            "owner": "朱琳",
            "owner_dept": "客服",
            "measures": "流程优化、补偿(50 元话费)",
            "timeline": [
                (T("2026-11-16 10:30"), "致电客户道歉，说明派单延误经过"),
                (T("2026-11-17 14:00"), "补偿 50 元话费到账，告知客户"),
            ],
            "received_time": T("2026-11-16 09:10"),
            "verified_time": T("2026-11-16 09:50"),
            "handled_time": T("2026-11-17 14:00"),
            "status": "已解决",
            "satisfaction": "基本满意",
            "request_met": "是",
            "root_cause": "改约后未同步给客户，派单系统没有改约提醒",
            "improvement": "改约必须短信通知客户；派单系统增加改约提醒",
            "owner_sign": "朱琳",
            "submit_date": T("2026-11-17 17:30"),
            "review": "同意归档",
            "reviewer_sign": "*主管",
            "review_date": T("2026-11-18 11:00"),
        },
        {  # FAMILY B
            # MISTAKE: 处理状态 无法解决 without a reason in brackets
            "complaint_no": "TS202611180003",
            "customer_name": "林女士",
            "phone": "****" + phone("林女士")[-4:],
            "product": "JS-500 净水器",
            "complaint_type": "质量",
            "description": "装了不到三个月，接口那里一直渗水，修过一次还是漏，要求退货",
            "owner": "刘建军",
            "owner_dept": "售后",
            "measures": "上门维修",
            "timeline": [
                (T("2026-11-18 11:00"), "电话确认渗水位置在进水接头"),
                (T("2026-11-19 10:00"), "上门更换接头和密封圈，客户仍要求退货"),
                (T("2026-11-20 16:00"), "告知已超 7 天无理由退货期，客户不接受"),
            ],
            "received_time": T("2026-11-18 10:15"),
            "verified_time": T("2026-11-18 11:00"),
            "handled_time": T("2026-11-20 16:00"),
            "status": "无法解决",
            "satisfaction": "不满意",
            "request_met": "否(客户要求退货，已超退货期)",
            "root_cause": "B2308 批次接头密封圈材质偏硬，易老化",
            "improvement": "与客户商量以旧换新；密封圈换用新材质",
            "owner_sign": "刘建军",
            "submit_date": T("2026-11-21 10:00"),
        },
        {  # FAMILY A
            "complaint_no": "TS202611200004",
            "customer_name": "郑先生",
            "phone": "****" + phone("郑先生")[-4:],
            "product": "X-2024 空气净化器（批次 B2311）",
            "complaint_type": "质量",
            "description": "买了不到一个月就开不了机，按什么键都没反应，我要退货",
            "owner": "刘建军",
            "owner_dept": "技术",
            "measures": "上门维修、其他(申请退货审批)",
            "timeline": [
                (T("2026-11-20 09:30"), "电话安抚客户，约次日上门检测"),
                (T("2026-11-21 10:30"), "上门确认电源板故障，客户坚持退货，已提交审批"),
            ],
            "received_time": T("2026-11-20 08:55"),
            "verified_time": T("2026-11-20 09:30"),
            "status": "协商中",
            "root_cause": "与 B2311 批次电源板问题一致",
            "improvement": "跟进退货审批，两个工作日内答复客户；推动 B2311 批次排查",
        },
    ]


# ================================================================ service_card (ours, one card per sheet)


def service_cards_ours() -> list[dict[str, Any]]:
    return [
        {  # FAMILY A
            "order_no": "GD202611160001",
            "customer_name": "冯晓梅",
            "contact": "冯晓梅",
            "phone": phone("冯晓梅"),
            "product_model": "X-2024",
            "serial_no": "B2311-00472",
            "purchase_date": D("2026-10-08"),
            "request_detail": "通电后不启动，指示灯闪一下就灭了",
            "request_category": "故障维修",
            "service_type": "现场维修",
            "priority": "紧急",
            "request_time": T("2026-11-16 09:00"),
            "register_time": T("2026-11-16 09:06"),
            "classify_time": T("2026-11-16 09:30"),
            "dispatch_time": T("2026-11-16 10:05"),
            "owner": "刘建军",
            "first_response_time": T("2026-11-16 09:40"),
            "arrival_time": T("2026-11-16 12:30"),
            "expected_done": T("2026-11-16 18:00"),
            "actual_done": T("2026-11-16 15:20"),
            "confirm_time": T("2026-11-16 15:50"),
            "customer_confirm": "已签字",
            "survey_time": T("2026-11-17 10:00"),
            "satisfaction": 4,
            "service_record": "电源板保险丝熔断，更换电源板后连续运行 2 小时正常",
            "customer_comment": "修得挺快，希望别再坏",
            "agent": "周婷",
            "reviewer": "*主管",
            "archive_time": T("2026-11-17 16:00"),
        },
        {
            # MISTAKE: a full mobile number (13812345678) typed inside 故障现象/需求描述
            "order_no": "GD202611170002",
            "customer_name": "北京瑞丰餐饮管理有限公司",
            "contact": "韩经理",
            "phone": "010-****5521",
            "product_model": "KFR-72LW",
            "serial_no": "KF72-2605-1183",
            "purchase_date": D("2026-04-10"),
            "request_detail": "后厨空调不制冷，中午要营业，店长说工程师到了直接打 13812345678",
            "request_category": "故障维修",
            "service_type": "现场维修",
            "priority": "紧急",
            "request_time": T("2026-11-17 08:30"),
            "register_time": T("2026-11-17 08:45"),
            "classify_time": T("2026-11-17 09:10"),
            "dispatch_time": T("2026-11-17 09:50"),
            "owner": "王建国",
            "first_response_time": T("2026-11-17 09:05"),
            "arrival_time": T("2026-11-17 13:10"),
            "expected_done": T("2026-11-17 16:00"),
            "actual_done": T("2026-11-17 17:30"),
            "confirm_time": T("2026-11-17 18:00"),
            "customer_confirm": "已签字",
            "survey_time": T("2026-11-18 15:00"),
            "satisfaction": "3(到场晚了)",
            "service_record": "压缩机启动电容鼓包，更换电容后制冷恢复",
            "customer_comment": "耽误了午市，希望紧急单能早点到",
            "remark": "店里地址偏，工程师绕路",
            "agent": "周婷",
            "reviewer": "*主管",
            "archive_time": T("2026-11-19 10:00"),
        },
        {
            "order_no": "GD202611190003",
            "customer_name": "王女士",
            "contact": "王女士",
            "phone": masked("王女士-咨询"),
            "product_model": "XQB80-D1",
            "serial_no": "XQ80-2602-0931",
            "purchase_date": D("2026-02-20"),
            "request_detail": "想了解除菌洗程序怎么用、多久用一次",
            "request_category": "功能咨询",
            "service_type": "远程协助",
            "priority": "低",
            "request_time": T("2026-11-19 10:00"),
            "register_time": T("2026-11-19 10:04"),
            "classify_time": T("2026-11-19 10:15"),
            "dispatch_time": T("2026-11-19 10:20"),
            "owner": "*工号002",
            "first_response_time": T("2026-11-19 10:25"),
            "expected_done": T("2026-11-19 12:00"),
            "actual_done": T("2026-11-19 10:40"),
            "confirm_time": T("2026-11-19 10:45"),
            "customer_confirm": "线上确认",
            "survey_time": T("2026-11-19 16:00"),
            "satisfaction": 5,
            "service_record": "视频演示除菌洗程序，建议每月一次",
            "agent": "周婷",
            "reviewer": "*主管",
            "archive_time": T("2026-11-20 09:00"),
        },
        {
            "order_no": "GD202611210004",
            "customer_name": "卫先生",
            "contact": "卫先生",
            "phone": masked("卫先生"),
            "product_model": "P-300",
            "serial_no": "P3-B2309-2210",
            "purchase_date": D("2026-07-09"),
            "request_detail": "主动回访：上月换过电池，问问现在用得怎么样",
            "request_category": "主动服务",
            "service_type": "其他",
            "priority": "中",
            "request_time": T("2026-11-21 14:00"),
            "register_time": T("2026-11-21 14:05"),
            "classify_time": T("2026-11-21 14:20"),
            "dispatch_time": T("2026-11-21 14:40"),
            "owner": "*工号002",
            "first_response_time": T("2026-11-21 15:00"),
            "actual_done": T("2026-11-21 15:10"),
            "satisfaction": 5,
            "service_record": "客户反馈换电池后续航正常",
            "agent": "周婷",
        },
    ]


# ================================================================ team-made workbooks (not our template)


def team_service_feedback(path: Path) -> None:
    cols: list[tuple[str, str | None]] = [
        ("序号", None),
        ("服务单号", "service_no"),
        ("客户姓名", "customer_name"),
        ("联系方式（脱敏）", "phone"),
        ("产品型号", "product_model"),
        ("批次", "batch_no"),
        ("购买日期", "purchase_date"),
        ("服务类型", "service_type"),
        ("受理时间", "request_time"),
        ("问题描述", "problem_description"),
        ("录入人", None),  # hidden helper column
        ("服务过程记录", "service_record"),
        ("问题诊断结果", "diagnosis"),
        ("解决方案", "solution"),
        ("完成时间", "service_done_time"),
        ("邀请时间", "invite_time"),
        ("效率评分（1-5）", "efficiency_score"),
        ("态度评分（1-5）", "attitude_score"),
        ("满意度评分（1-5）", "satisfaction_score"),
        ("具体建议", "suggestion"),
        ("反馈收集人", "collector"),
        ("收集日期", "collect_time"),
        ("客户确认签字", "customer_confirm"),
        ("问题分类", "issue_category"),
        ("紧急程度", "urgency"),
        ("客户标签", "customer_tags"),
        ("分类时间", "classify_time"),
        ("归属部门", "department"),
        ("闭环时间", "closure_time"),
    ]
    rows: list[dict[str, Any] | str | None] = [
        {
            # MISTAKE: the seed example FW202405200001 again (second file: example row + duplicate id)
            "序号": 1,
            "service_no": example("service_feedback", "service_no"),
            "customer_name": "李先生",
            "phone": "139****5678",
            "product_model": "KFR-35GW",
            "purchase_date": "2024-03-15",
            "service_type": "维修",
            "request_time": "2024/5/20 9:10",
            "problem_description": example("service_feedback", "problem_description"),
            "录入人": "小周",
            "service_record": "传感器线路接触不良，重插无效后换新传感器",
            "diagnosis": "产品质量问题",
            "solution": "换 X-2024 型传感器，试机正常",
            "efficiency_score": "4(上门及时)",
            "attitude_score": "5(工程师耐心解释)",
            "satisfaction_score": 4,
            "collector": "*客服",
            "collect_time": "2024-05-21",
        },
        {
            "序号": 2,
            "service_no": "FW202611030001",
            "customer_name": "韩梅",
            "phone": phone("韩梅"),
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-10-30"),
            "service_type": "安装",
            "request_time": "2026/11/3 10:00",
            "problem_description": "新房装空调，要打穿墙孔",
            "录入人": "小周",
            "service_record": "打孔、挂机、抽真空，试机",
            "diagnosis": "其他",
            "solution": "完成安装，外机加装防雨罩",
            "service_done_time": "2026/11/4 15:30",
            "invite_time": "2026/11/5 10:00",
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collector": "周晓燕",
            "collect_time": "2026/11/5",
            "customer_confirm": "已签",
            "issue_category": "其他建议",
            "urgency": "建议优化",
            "customer_tags": "新客户",
        },
        {  # FAMILY A
            "序号": 3,
            "service_no": "FW202611100002",
            "customer_name": "赵敏",
            "phone": phone("赵敏"),
            "product_model": "X-2024",
            "batch_no": "B2311",
            "purchase_date": "2026年10月15日",
            "service_type": "维修",
            "request_time": "2026年11月10日 9时30分",
            "problem_description": "插上电源后机器没有任何反应，指示灯也不亮",
            "录入人": "小周",
            "service_record": "电源板无输出，更换电源板",
            "diagnosis": "质量问题",
            "solution": "更换电源板，开机正常",
            "service_done_time": "2026年11月11日 16时00分",
            "invite_time": "2026年11月12日 9时00分",
            "efficiency_score": "4（第二天就修好）",
            "attitude_score": 5,
            "satisfaction_score": 4,
            "collector": "周晓燕",
            "collect_time": "2026年11月12日",
            "customer_confirm": "已签",
            "issue_category": "产品质量",
            "urgency": "加急",
        },
        None,  # spacer row
        {  # FAMILY C
            "序号": 4,
            "service_no": "FW202611130003",
            "customer_name": "蒋丽",
            "phone": masked("蒋丽"),
            "product_model": "P-300",
            "batch_no": "B2309",
            "purchase_date": D("2026-07-21"),
            "service_type": "维修",
            "request_time": T("2026-11-13 14:15"),
            "problem_description": "电池掉电特别快，充满了放一上午就自动关机",
            "录入人": "小李",
            "service_record": "电池健康度 58%，更换电池",
            "diagnosis": "产品质量问题",
            "solution": "更换电池组，续航恢复到 7 小时以上",
            "service_done_time": T("2026-11-16 11:00"),
            "invite_time": T("2026-11-16 15:00"),
            "efficiency_score": 3,
            "attitude_score": 4,
            "satisfaction_score": 4,
            "suggestion": "电池这么快就坏，质量要把关",
            "collector": "周晓燕",  # merged down over the next two rows
            "collect_time": T("2026-11-17 10:00"),
            "issue_category": "产品质量类",
            "urgency": "紧急",
        },
        {
            # MISTAKE: 满意度评分 6 (scores are 1-5)
            "序号": 5,
            "service_no": "FW202611170004",
            "customer_name": "宋先生",
            "phone": masked("宋先生"),
            "product_model": "XQB80-D1",
            "batch_no": "B2307",
            "purchase_date": D("2026-03-08"),
            "service_type": "维修",
            "request_time": T("2026-11-17 08:40"),
            "problem_description": "洗衣机门锁打不开，衣服取不出来",
            "录入人": "小李",
            "service_record": "门锁电磁铁卡滞，断电等待后手动解锁并更换门锁",
            "diagnosis": "产品质量问题",
            "solution": "更换门锁总成",
            "service_done_time": T("2026-11-17 15:00"),
            "invite_time": T("2026-11-17 18:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 6,
            "collect_time": T("2026-11-18 09:30"),
            "issue_category": "产品质量类",
            "urgency": "一般",
        },
        {
            "序号": 6,
            "service_no": "FW202611180006",
            "customer_name": "邓女士",
            "phone": masked("邓女士"),
            "product_model": "JS-500",
            "batch_no": "B2308",
            "purchase_date": D("2026-09-01"),
            "service_type": "咨询",
            "request_time": T("2026-11-18 16:20"),
            "problem_description": "问滤芯多久换一次、在哪买",
            "录入人": "小李",
            "diagnosis": "其他",
            "solution": "告知滤芯更换周期并发送官方购买链接",
            "service_done_time": T("2026-11-18 16:40"),
            "invite_time": T("2026-11-18 17:00"),
            "efficiency_score": 5,
            "attitude_score": 5,
            "satisfaction_score": 5,
            "collect_time": T("2026-11-19 10:00"),
            "issue_category": "其他建议",
            "urgency": "建议",
        },
        {
            "序号": 7,
            "service_no": "FW202611190007",
            "customer_name": "彭先生",
            "phone": masked("彭先生"),
            "product_model": "KFR-35GW",
            "batch_no": "B2306",
            "purchase_date": D("2026-06-30"),
            "service_type": "维修",
            "request_time": "2026.11.19 19:05",
            "problem_description": "空调制热时闻到焦糊味",
            "录入人": "小周",
            "service_record": "辅助电加热接线端子烧蚀，更换端子和线束",
            "diagnosis": "产品质量问题",
            "solution": "更换电加热接线端子及线束，绝缘检测合格",
            "service_done_time": "2026.11.20 11:30",
            "invite_time": "2026.11.20 15:00",
            "efficiency_score": 4,
            "attitude_score": 4,
            "satisfaction_score": 4,
            "collector": "*客服",
            "collect_time": "2026.11.21",
            "customer_confirm": "已签",
            "issue_category": "产品质量类",
            "urgency": "紧急",
            "customer_tags": "VIP",
        },
        {
            "序号": 8,
            "service_no": "FW202611200003",
            "customer_name": "曹颖",
            "phone": phone("曹颖"),
            "product_model": "P-300",
            "batch_no": "B2311",
            "purchase_date": D("2026-11-12"),
            "service_type": "退货",
            "request_time": T("2026-11-20 10:10"),
            "problem_description": "收到的音箱颜色和页面上不一样，要退",
            "录入人": "小周",
            "diagnosis": "其他",
            "solution": "七天无理由退货，上门取件后原路退款",
            "service_done_time": T("2026-11-22 17:00"),
            "invite_time": T("2026-11-22 19:00"),
            "efficiency_score": 4,
            "attitude_score": 5,
            "satisfaction_score": 4,
            "collector": "*客服",
            "collect_time": T("2026-11-23 09:00"),
            "issue_category": "服务流程类",
            "urgency": "一般",
        },
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "11月反馈登记"
    last = team_list(
        ws, "售后服务单客户反馈登记表（2026年11月）", "填表人：周晓燕　　日期：2026-11-23", cols, rows
    )
    hidden = get_column_letter(next(i for i, (label, _) in enumerate(cols, 1) if label == "录入人"))
    ws.column_dimensions[hidden].hidden = True
    # the collector typed once and merged down over three rows
    ccol = next(i for i, (_, key) in enumerate(cols, 1) if key == "collector")
    first = next(r for r in range(5, last + 1) if ws.cell(r, 2).value == "FW202611130003")
    ws.merge_cells(start_row=first, start_column=ccol, end_row=first + 2, end_column=ccol)
    put(ws, last + 2, 1, "注：评分 1-5 分，5 分最满意。")
    save(wb, path)


def team_issue_feedback(path: Path) -> None:
    cols: list[tuple[str, str | None]] = [
        ("反馈编号", "feedback_no"),
        ("客户姓名/企业名称", "customer_name"),
        ("联系电话", "phone"),
        ("会员编号", "customer_id"),
        ("反馈时间", "feedback_time"),
        ("发生时间", "occurred_time"),
        ("问题分类", "issue_type"),
        ("问题描述", "description"),
        ("客户诉求", "customer_request"),
        ("优先级", "priority"),
        ("渠道", "channel"),
        ("责任部门", "department"),
        ("处理人", "handler"),
        ("处理状态", "status"),
        ("处理方案", "plan"),
        ("处理结果", "result"),
        ("满意度", "satisfaction"),
        ("备注", "remark"),
        ("核查时间", "check_time"),
        ("分析会时间", "analysis_time"),
        ("解决时间", "resolved_time"),
        ("结果反馈时间", "notice_time"),
        ("回访时间", "revisit_time"),
        ("根本原因", "root_cause"),
        ("直接原因", "direct_cause"),
        ("间接原因", "indirect_cause"),
    ]
    rows: list[dict[str, Any] | str | None] = [
        "第46周（11月9日—15日）",
        {
            "feedback_no": "FB202611100003",
            "customer_name": "谢女士",
            "phone": masked("谢女士"),
            "customer_id": "——",
            "feedback_time": T("2026-11-10 08:55"),
            "occurred_time": "约11月8日",
            "issue_type": "物流延迟",
            "description": "快递显示派送中已经两天了还没送到",
            "customer_request": "解释说明",
            "priority": "一般",
            "channel": "微信公众号",
            "department": "物流部",
            "handler": "王晓东",
            "status": "已解决",
            "plan": "联系快递站点当天加派送达",
            "result": "已解决",
            "satisfaction": 4,
            "check_time": T("2026-11-10 09:40"),
            "analysis_time": T("2026-11-10 15:00"),
            "resolved_time": T("2026-11-10 18:00"),
            "notice_time": T("2026-11-10 19:00"),
            "revisit_time": T("2026-11-12 10:00"),
            "root_cause": "站点双十一爆仓，没有临时加人",
            "direct_cause": "站点积压",
            "indirect_cause": "大促前未与承运商确认运力",
        },
        {  # FAMILY B
            "feedback_no": "FB202611110004",
            "customer_name": "曾志强",
            "phone": phone("曾志强"),
            "customer_id": "——",
            "feedback_time": T("2026-11-11 13:30"),
            "occurred_time": "约11月9日",
            "issue_type": "质量问题",
            "description": "净水器 JS-500 底下总有一滩水，擦干过一会儿又有了",
            "customer_request": "维修",
            "priority": "高优先级",
            "channel": "400电话",
            "department": "售后部",
            "handler": "刘建军",
            "status": "已解决",
            "plan": "上门更换进水接头密封圈",
            "result": "已解决",
            "satisfaction": 4,
            "check_time": T("2026-11-11 14:00"),
            "analysis_time": T("2026-11-12 10:00"),
            "resolved_time": T("2026-11-13 16:00"),
            "notice_time": T("2026-11-13 17:00"),
            "revisit_time": T("2026-11-16 10:30"),
            "root_cause": "B2308 批次密封圈材质问题",
            "direct_cause": "密封圈老化开裂",
            "indirect_cause": "供应商更换材质未通知",
        },
        None,
        {  # FAMILY D (decoy)
            "feedback_no": "FB202611130005",
            "customer_name": "谭女士",
            "phone": masked("谭女士"),
            "customer_id": "——",
            "feedback_time": T("2026-11-13 19:40"),
            "occurred_time": "客户未明确",
            "issue_type": "产品质量",
            "description": "空调遥控器有几个按键不灵，要按好几下才管用",
            "customer_request": "换货",
            "priority": "低",
            "channel": "App",
            "department": "售后部",
            "handler": "何鹏",
            "status": "已解决",
            "plan": "寄新遥控器",
            "result": "已解决",
            "satisfaction": 5,
            "check_time": T("2026-11-14 09:10"),
            "resolved_time": T("2026-11-16 12:00"),
            "notice_time": T("2026-11-16 13:00"),
        },
        "第47周（11月16日—22日）",
        {  # FAMILY C
            "feedback_no": "FB202611160006",
            "customer_name": "卢晓东",
            "phone": phone("卢晓东"),
            "customer_id": "VIP20260023",
            "feedback_time": "2026/11/16 21:05",
            "occurred_time": "2026/11/15",
            "issue_type": "产品质量",
            "description": "P-300 电池续航短，满电玩一下午就没电了，批次 B2309",
            "customer_request": "更换",
            "priority": "中",
            "channel": "APP",
            "department": "售后部",
            "handler": "何鹏",
            "status": "跟进中",
            "plan": "安排换机，等待仓库出库",
            "check_time": "2026/11/17 9:20",
            "analysis_time": "2026/11/17 15:00",
        },
        {
            # MISTAKE: 反馈时间 typed with full-width digits and punctuation
            "feedback_no": "FB202611170007",
            "customer_name": "姚女士",
            "phone": masked("姚女士"),
            "customer_id": "——",
            "feedback_time": "２０２６－１１－１７　１０：２０",
            "occurred_time": "2026/11/16",
            "issue_type": "服务态度",
            "description": "客服电话打了三次都没人接，最后还是在 APP 里留言",
            "customer_request": "解释说明",
            "priority": "中",
            "channel": "电话",
            "department": "客服部",
            "handler": "周晓燕",
            "status": "已解决",
            "plan": "主管回电道歉，排查当日话务排班",
            "result": "已解决",
            "satisfaction": 2,
            "check_time": "2026/11/17 11:00",
            "analysis_time": "2026/11/17 16:30",
            "resolved_time": "2026/11/18 10:00",
            "notice_time": "2026/11/18 11:00",
            "revisit_time": "2026/11/20 15:00",
            "root_cause": "午间排班只有一人在线",
            "direct_cause": "来电高峰无人接听",
            "indirect_cause": "排班没有按来电量调整",
        },
        {
            "feedback_no": "FB202611180008",
            "customer_name": "无锡新程科技有限公司",
            "phone": "0510-****2290",
            "customer_id": "VIP20230456",
            "feedback_time": "2026/11/18 9:40",
            "occurred_time": "2026/11/18",
            "issue_type": "系统",
            "description": "企业后台导出服务报表一直失败，提示超时",
            "customer_request": "功能优化",
            "priority": "高",
            "channel": "官方网站",
            "department": "技术部",
            "handler": "*工号017",
            "status": "已闭环",
            "plan": "优化导出查询，大报表改为异步生成",
            "result": "已解决",
            "satisfaction": 5,
            "check_time": "2026/11/18 10:10",
            "analysis_time": "2026/11/18 14:00",
            "resolved_time": "2026/11/19 18:00",
            "notice_time": "2026/11/19 19:00",
            "revisit_time": "2026/11/23 10:00",
            "root_cause": "导出接口同步执行大查询",
            "direct_cause": "查询超过网关 60 秒超时",
            "indirect_cause": "上线前没有用大客户数据量做压测",
        },
        {
            "feedback_no": "FB202611200009",
            "customer_name": "廖先生",
            "phone": masked("廖先生"),
            "customer_id": "——",
            "feedback_time": "2026/11/20 15:15",
            "occurred_time": "2026/11/19",
            "issue_type": "服务态度",
            "description": "安装师傅把墙面蹭脏了，走的时候也没收拾",
            "customer_request": "其他(上门清理)",
            "priority": "低",
            "channel": "门店",
            "handler": "朱琳",
            "status": "处理中",
            "plan": "安排师傅回访清理并致歉",
            "check_time": "2026/11/20 16:00",
        },
        {
            "feedback_no": "FB202611210010",
            "customer_name": "范女士",
            "phone": masked("范女士"),
            "customer_id": "——",
            "feedback_time": "2026/11/21 11:25",
            "occurred_time": "客户未明确",
            "issue_type": "产品质量",
            "description": "洗衣机门封圈发霉发黑",
            "customer_request": "维修",
            "priority": "低",
            "channel": "APP",
            "status": "待处理",
        },
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "问题反馈台账"
    team_list(
        ws, "客户服务问题反馈台账", "填表人：*专员 小陈　　统计日期：2026年11月22日", cols, rows, header_row=3
    )
    save(wb, path)


def team_response_log(path: Path) -> None:
    cols: list[tuple[str, str | None]] = [
        ("问题编号", "issue_no"),
        ("客户名称/联系人", "customer"),
        ("联系方式（脱敏）", "phone"),
        ("问题描述", "description"),
        ("问题分类", "category"),
        ("紧急程度", "urgency"),
        ("接收时间", "received_time"),
        ("首次响应时间", "first_response_time"),
        ("超时原因", "overdue_reason"),
        ("解决时间", "resolved_time"),
        ("解决方案", "solution"),
        ("处理人", "handler"),
        ("处理结果", "result"),
        ("客户满意度", "satisfaction"),
        ("客户反馈", "customer_feedback"),
        ("备注", "remark"),
    ]
    seed = get_form("response_log").examples[0]
    rows: list[dict[str, Any] | str | None] = [
        {
            # MISTAKE: the paper table's example row 001 / 设备无法启动 left in
            "issue_no": seed["issue_no"],
            "customer": "A公司/*先生",
            "phone": "5678",
            "description": seed["description"],
            "category": "技术故障",
            "urgency": "紧急",
            "received_time": "2023-10-0109:30",
            "first_response_time": "2023-10-0109:45",
            "resolved_time": "2023-10-0114:20",
            "solution": "远程指导重启，更换电源适配器",
            "handler": "*工号001",
            "result": "已解决",
            "satisfaction": "满意",
        },
        None,
        {
            "issue_no": "20261110004",
            "customer": "包先生",
            "phone": masked("包先生"),
            "description": "洗衣机屏幕显示 E21，不排水",
            "category": "故障",
            "urgency": "一般",
            "received_time": "2026/11/10 9:05",
            "first_response_time": "2026/11/10 10:20",
            "resolved_time": "2026/11/11 16:00",
            "solution": "上门清理排水泵过滤器，排水恢复",
            "handler": "*工号005",
            "result": "已解决",
            "satisfaction": "非常满意",
        },
        {
            # MISTAKE: 解决方案 only says 已处理
            "issue_no": "20261113002",
            "customer": "常女士",
            "phone": masked("常女士"),
            "description": "空调制热很慢，开了半小时还是冷",
            "category": "技术故障",
            "urgency": "一般",
            "received_time": "2026/11/13 18:20",
            "first_response_time": "2026/11/13 19:05",
            "resolved_time": "2026/11/14 17:00",
            "solution": "已处理",
            "handler": "*工号007",
            "result": "已解决",
            "satisfaction": "一般",
        },
        {  # FAMILY B
            # MISTAKE: 问题编号 20261117005 duplicates a different problem in response_log_2026-11.xlsx
            "issue_no": "20261117005",
            "customer": "蒋女士",
            "phone": masked("蒋女士"),
            "description": "JS-500 进水管接头渗水，地板上有水印",
            "category": "产品质量",
            "urgency": "紧急",
            "received_time": T("2026-11-17 14:00"),
            "first_response_time": T("2026-11-17 14:10"),
            "resolved_time": T("2026-11-18 11:00"),
            "solution": "更换进水接头和密封圈，试压无渗漏",
            "handler": "*工号007",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            # MISTAKE: an e-mail address in 备注
            "issue_no": "20261118004",
            "customer": "康伟",
            "phone": phone("康伟"),
            "description": "P-300 音箱蓝牙连不上新换的手机",
            "category": "操作咨询",
            "urgency": "建议",
            "received_time": "2026.11.18 09:30",
            "first_response_time": "2026.11.18 11:00",
            "resolved_time": "2026.11.18 11:20",
            "solution": "指导清除音箱配对记录后重新配对",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "满意",
            "remark": "客户要求把处理说明发到 kangwei.home@example.com",
        },
        {
            "issue_no": "20261119006",
            "customer": "高女士",
            "phone": masked("高女士"),
            "description": "退货一周了退款还没到账",
            "category": "服务态度",
            "urgency": "一般",
            "received_time": "2026年11月19日 10:05",
            "first_response_time": "2026年11月19日 13:30",
            "overdue_reason": "信息核实中",
            "resolved_time": "2026年11月20日 12:00",
            "solution": "财务加急处理，退款 299 元已原路退回",
            "handler": "*工号009",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            "issue_no": "20261120005",
            "customer": "上海新视界眼镜有限公司/陆经理",
            "phone": "021-****8843",
            "description": "门店空调制冷时外机不转",
            "category": "故障",
            "urgency": "高",
            "received_time": "20261120 0930",
            "first_response_time": "20261120 0940",
            "resolved_time": "20261120 1600",
            "solution": "更换外机风扇电容",
            "handler": "*工号005",
            "result": "已解决",
            "satisfaction": "满意",
        },
        {
            "issue_no": "20261121002",
            "customer": "*女士",
            "phone": masked("*女士-延保"),
            "description": "想买延保，问怎么办理",
            "category": "使用咨询",
            "urgency": "低",
            "received_time": T("2026-11-21 16:00"),
            "first_response_time": T("2026-11-23 10:00"),
            "overdue_reason": "周末无人值守",
            "resolved_time": T("2026-11-23 10:15"),
            "solution": "发送延保购买页面并说明价格",
            "handler": "*工号002",
            "result": "已解决",
            "satisfaction": "满意",
        },
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "响应记录"
    team_list(
        ws, "售后服务响应时间与解决方案记录（11月）", "填表人：*工号002　　日期：2026.11.23", cols, rows
    )
    save(wb, path)


def team_service_card_list(path: Path) -> None:
    """The list version of the service card with a two-row grouped header (客户信息 / 产品信息)."""
    top: list[tuple[str, list[tuple[str, str]] | str]] = [
        ("工单编号", "order_no"),
        ("客户信息", [("客户名称", "customer_name"), ("联系人", "contact"), ("联系方式", "phone")]),
        ("产品信息", [("产品型号", "product_model"), ("序列号", "serial_no"), ("购买日期", "purchase_date")]),
        ("需求详情", "request_detail"),
        ("需求分类", "request_category"),
        ("服务类型", "service_type"),
        ("优先级", "priority"),
        ("需求提出时间", "request_time"),
        ("派单时间", "dispatch_time"),
        ("责任人", "owner"),
        ("首次响应时间", "first_response_time"),
        ("到场时间", "arrival_time"),
        ("预计完成时间", "expected_done"),
        ("实际完成时间", "actual_done"),
        ("客户确认签字", "customer_confirm"),
        ("满意度评分（1-5分）", "satisfaction"),
        ("服务过程记录", "service_record"),
        ("备注", "remark"),
    ]
    rows: list[dict[str, Any] | None] = [
        {  # FAMILY B
            "order_no": "GD202611090011",
            "customer_name": "蔡女士",
            "contact": "蔡女士",
            "phone": masked("蔡女士"),
            "product_model": "JS-500",
            "serial_no": "JS5-B2308-0415",
            "purchase_date": D("2026-08-19"),
            "request_detail": "净水器接口处渗水，橱柜里面都湿了",
            "request_category": "故障维修",
            "service_type": "现场维修",
            "priority": "高",
            "request_time": T("2026-11-09 10:20"),
            "dispatch_time": T("2026-11-09 11:30"),
            "owner": "刘建军",  # merged down over the next row
            "first_response_time": T("2026-11-09 11:45"),
            "arrival_time": T("2026-11-10 09:30"),
            "expected_done": T("2026-11-10 12:00"),
            "actual_done": T("2026-11-10 10:40"),
            "customer_confirm": "已签字",
            "satisfaction": 4,
            "service_record": "更换进水接头密封圈，保压测试正常",
        },
        {
            "order_no": "GD202611100012",
            "customer_name": "贾先生",
            "contact": "贾先生",
            "phone": masked("贾先生"),
            "product_model": "X-2024",
            "serial_no": "X24-B2310-1022",
            "purchase_date": D("2026-09-02"),
            "request_detail": "滤网更换提示亮了，问怎么换",
            "request_category": "功能咨询",
            "service_type": "远程协助",
            "priority": "低",
            "request_time": T("2026-11-10 14:00"),
            "dispatch_time": T("2026-11-10 14:30"),
            "first_response_time": T("2026-11-10 14:35"),
            "expected_done": T("2026-11-10 17:00"),
            "actual_done": T("2026-11-10 14:50"),
            "customer_confirm": "线上确认",
            "satisfaction": 5,
            "service_record": "视频指导拆装滤网并复位提示",
        },
        {
            "order_no": "GD202611160013",
            "customer_name": "上海新视界眼镜有限公司",
            "contact": "陆经理",
            "phone": "021-****8843",
            "product_model": "KFR-72LW",
            "serial_no": "KF72-2603-0520",
            "purchase_date": "2026/3/18",
            "request_detail": "门店空调制热不出风",
            "request_category": "故障维修",
            "service_type": "上门维修",
            "priority": "加急",
            "request_time": "2026/11/16 9:15",
            "dispatch_time": "2026/11/16 10:00",
            "owner": "王建国",
            "first_response_time": "2026/11/16 9:30",
            "arrival_time": "2026/11/16 12:40",
            "expected_done": "2026/11/16 17:00",
            "actual_done": "2026/11/16 15:10",
            "customer_confirm": "已签字",
            "satisfaction": "4(到得挺快)",
            "service_record": "室内风机电机卡死，更换风机电机",
        },
        None,  # spacer row
        {
            "order_no": "GD202611180014",
            "customer_name": "邱女士",
            "contact": "邱女士",
            "phone": masked("邱女士"),
            "product_model": "XQB80-D1",
            "serial_no": "XQ80-2611-0077",
            "purchase_date": D("2026-11-15"),
            "request_detail": "洗衣机外壳有划痕，要求换货",
            "request_category": "退换货",
            "service_type": "退换货",
            "priority": "中",
            "request_time": T("2026-11-18 11:00"),
            "dispatch_time": T("2026-11-18 13:00"),
            "owner": "*物流专员",
            "first_response_time": T("2026-11-18 11:40"),
            "expected_done": T("2026-11-21 18:00"),
            "actual_done": T("2026-11-20 16:00"),
            "customer_confirm": "已签字",
            "satisfaction": 4,
            "service_record": "上门取回旧机，同时送达新机",
        },
        {
            "order_no": "GD202611200015",
            "customer_name": "秦先生",
            "contact": "秦先生",
            "phone": phone("秦先生"),
            "product_model": "P-300",
            "serial_no": "P3-B2309-1876",
            "purchase_date": D("2026-07-28"),
            "request_detail": "主动回访：换电池后的使用情况",
            "request_category": "回访",
            "service_type": "其他",
            "priority": "低",
            "request_time": T("2026-11-20 15:00"),
            "dispatch_time": T("2026-11-20 15:20"),
            "owner": "*工号002",
            "first_response_time": T("2026-11-20 15:30"),
            "actual_done": T("2026-11-20 15:40"),
            "satisfaction": 5,
        },
        {
            "order_no": "GD202611220016",
            "customer_name": "许女士",
            "contact": "许女士",
            "phone": masked("许女士"),
            "product_model": "KFR-35GW",
            "serial_no": "KF35-2605-3391",
            "purchase_date": D("2026-05-05"),
            "request_detail": "空调漏氟，基本不制冷了",
            "request_category": "故障维修",
            "service_type": "现场维修",
            "priority": "高",
            "request_time": T("2026-11-22 09:40"),
            "dispatch_time": T("2026-11-22 10:50"),
            "owner": "王建国",
            "first_response_time": T("2026-11-22 10:10"),
            "arrival_time": T("2026-11-22 15:00"),
            "expected_done": T("2026-11-22 18:00"),
        },
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "工单汇总"
    flat: list[tuple[str, str]] = []
    for label, spec in top:
        flat.extend(spec if isinstance(spec, list) else [(label, spec)])
    put(ws, 1, 1, "产品售后服务流程卡汇总（2026年11月）", bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(flat))
    put(ws, 2, 1, "填表人：周婷　　日期：2026-11-23")
    col = 1
    for label, spec in top:
        if isinstance(spec, list):
            put(ws, 3, col, label, bold=True)
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + len(spec) - 1)
            for i, (sub, _) in enumerate(spec):
                put(ws, 4, col + i, sub, bold=True)
            col += len(spec)
        else:
            put(ws, 3, col, label, bold=True)
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            col += 1
    for c in range(1, len(flat) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
        for r in (3, 4):
            ws.cell(r, c).fill = HEAD_FILL
            ws.cell(r, c).border = BOX
    r = 4
    for item in rows:
        r += 1
        if item is None:
            continue
        for c, (_, key) in enumerate(flat, 1):
            if item.get(key) is not None:
                put(ws, r, c, item[key])
    ocol = next(i for i, (_, key) in enumerate(flat, 1) if key == "owner")
    ws.merge_cells(start_row=5, start_column=ocol, end_row=6, end_column=ocol)  # 刘建军 for both rows
    save(wb, path)


def team_complaint_cards(path: Path) -> None:
    types = ["质量", "服务", "物流", "其他"]
    depts = ["技术", "客服", "售后", "其他"]
    states = ["已解决", "协商中", "无法解决"]
    sats = ["满意", "基本满意", "不满意"]

    def card(c: dict[str, Any]) -> list[list[str] | str | None]:
        measures = "处理措施：" + "".join(
            ("☑" if m in c["measures"] else "□") + m + c["measures"].get(m, "")
            for m in ["上门维修", "产品更换", "补偿", "流程优化", "其他"]
        )
        return [
            "售后服务投诉处理表责任人反馈表",
            "投诉基本信息",
            [f"投诉单号：{c['no']}", ""],
            [f"客户姓名：{c['name']}", f"联系方式：{c['phone']}"],
            [f"投诉产品/服务：{c['product']}", "投诉类型：" + ticks(types, c["type"])],
            "问题描述（客户原话）：",
            c["description"],
            "处理过程记录",
            [f"责任人：{c['owner']}", "所属部门：" + ticks(depts, c["dept"])],
            measures,
            "关键时间节点及沟通记录：",
            *[f"{i}. {line}" for i, line in enumerate(c["timeline"], 1)],
            [
                f"投诉接收时间：{c['received']}",
                f"核对完成时间：{c['verified']}",
                f"处理完成时间：{c['handled']}",
            ],
            "处理结果与客户反馈",
            "处理状态：" + ticks(states, c["status"], c.get("status_note")),
            "客户满意度：" + ticks(sats, c["sat"], c.get("sat_note")),
            "是否达成客户初始诉求：" + ticks(["是", "否"], c["met"], c.get("met_note")),
            None,
            "问题分析与改进建议",
            "投诉根本原因分析：",
            c["root"],
            "针对性改进建议：",
            c["improve"],
            [f"责任人签字：{c['owner']}", f"日期：{c['submit']}"],
            "主管审核意见：" + ticks(["同意归档", "需补充说明"], c["review"], c.get("review_note")),
            [f"主管签字：{c['reviewer']}", f"日期：{c['review_date']}"],
        ]

    cards = {
        "11.18陈先生": {  # FAMILY A
            "no": "TS202611180005",
            "name": "陈先生",
            "phone": masked("陈先生"),
            "product": "X-2024 空气净化器",
            "type": "质量",
            "description": "机器买回来第二周就开不了机，按哪个键都没反应，家里有老人等着用",
            "owner": "*工程师 刘建军",
            "dept": "售后",
            "measures": {"上门维修": "", "补偿": "（金额/形式：赠送滤网一套）"},
            "timeline": [
                "2026-11-18 10:05 电话联系客户，确认按键和指示灯都没反应",
                "2026-11-19 14:30 上门检测，电源板烧毁，批次 B2311",
                "2026-11-20 11:00 更换电源板，试机正常，客户签收",
            ],
            "received": "2026-11-18 09:40",
            "verified": "2026-11-18 10:20",
            "handled": "2026-11-20 11:00",
            "status": "已解决",
            "status_note": {"无法解决": "（原因：________）"},
            "sat": "基本满意",
            "sat_note": {"不满意": "（客户意见：________）"},
            "met": "是",
            "root": "B2311 批次电源板保险丝选型偏小，通电冲击易熔断",
            "improve": "B2311 批次库存逐台老化测试，已售机器主动回访",
            "submit": "2026-11-20",
            "review": "同意归档",
            "reviewer": "王主管",
            "review_date": "2026-11-21",
        },
        "11.19姜女士": {
            "no": "TS202611190006",
            "name": "姜女士",
            "phone": masked("姜女士"),
            "product": "XQB80-D1 洗衣机配送",
            "type": "物流",
            "description": "说好三天送到，结果晚了五天，电话催了三次都说在路上",
            "owner": "王晓东",
            "dept": "客服",
            "measures": {"补偿": "（金额/形式：20 元优惠券）", "流程优化": ""},
            "timeline": [
                "2026-11-19 09:30 查询物流，确认在中转仓滞留",
                "2026-11-19 16:00 协调加急派送，告知客户预计次日送达",
                "2026-11-20 15:20 货已送达，补偿券已发放",
            ],
            "received": "2026-11-19 09:00",
            "verified": "2026-11-19 09:45",
            "handled": "2026-11-20 15:20",
            "status": "已解决",
            "sat": "基本满意",
            "met": "是",
            "root": "中转仓滞留件没有预警，客服查不到真实位置",
            "improve": "滞留超过 48 小时自动预警并通知客户",
            "submit": "2026-11-20",
            "review": "同意归档",
            "reviewer": "王主管",
            "review_date": "2026-11-23",
        },
        "11.21曹先生": {
            "no": "TS202611210007",
            "name": "曹先生",
            "phone": masked("曹先生"),
            "product": "KFR-35GW 空调维修",
            "type": "服务",
            "description": "师傅把室外机拆开说没配件就走了，现在家里一台空调都用不了",
            "owner": "刘建军",
            "dept": "售后",
            "measures": {"上门维修": "", "补偿": "（金额/形式：借用一台移动空调）"},
            "timeline": [
                "2026-11-21 10:10 电话致歉，说明压缩机配件在途",
                "2026-11-21 17:00 送去一台移动空调临时使用",
            ],
            "received": "2026-11-21 09:30",
            "verified": "2026-11-21 10:10",
            "handled": "",
            "status": "协商中",
            "sat": "不满意",
            "sat_note": {"不满意": "（客户意见：配件要等太久）"},
            "met": "否",
            "met_note": {"否": "（原因：压缩机配件两周后才到）"},
            "root": "网点没有常用压缩机备件，拆机前未确认配件",
            "improve": "后续跟进：配件到货当天上门安装，3 个工作日内提交二次处理结果；拆机前先确认配件库存",
            "submit": "2026-11-22",
            "review": "需补充说明",
            "review_note": {"需补充说明": "（说明：补充配件到货时间）"},
            "reviewer": "王主管",
            "review_date": "2026-11-23",
        },
    }
    wb = Workbook()
    wb.remove(wb.active)
    for title, c in cards.items():
        text_card(wb.create_sheet(title), card(c))
    save(wb, path)


def team_service_card_cards(path: Path) -> None:
    def card(c: dict[str, Any]) -> list[list[str] | str | None]:
        return [
            "产品售后服务流程卡",
            [f"工单编号：{c['no']}"],
            f"客户名称：{c['name']}　联系人：{c['contact']}　联系方式：{c['phone']}",
            f"产品型号：{c['model']}　序列号：{c['sn']}　购买日期：{c['bought']}",
            "故障现象/需求描述：",
            c["detail"],
            "需求分类：" + ticks(["故障维修", "功能咨询", "退换货", "主动服务"], c["category"]),
            "服务类型：" + ticks(["现场维修", "远程协助", "退换货", "功能咨询", "其他"], c["type"]),
            "优先级：" + ticks(["紧急", "高", "中", "低"], c["priority"]),
            None,
            [f"需求提出时间：{c['t'][0]}", f"登记时间：{c['t'][1]}", f"分类时间：{c['t'][2]}"],
            [f"派单时间：{c['t'][3]}", f"责任人：{c['owner']}", f"首次响应时间：{c['t'][4]}"],
            [f"到场时间：{c['t'][5]}", f"预计完成时间：{c['t'][6]}", f"实际完成时间：{c['t'][7]}"],
            [
                f"服务确认时间：{c['t'][8]}",
                f"客户确认签字：{c['signed']}",
                f"满意度评分（1-5分）：{c['score']}",
            ],
            "服务过程记录：",
            c["record"],
            "客户意见与建议：",
            c["comment"],
            "备注：",
            c["remark"],
            f"客服代表：{c['agent']}　日期：{c['agent_date']}　主管审核：{c['reviewer']}　日期：{c['review_date']}",
            [f"归档时间：{c['archived']}"],
        ]

    cards = [
        {
            "no": "GD202611120021",
            "name": "李先生",
            "contact": "李先生",
            "phone": masked("李先生-卡"),
            "model": "KFR-35GW",
            "sn": "KF35-2604-0077",
            "bought": "2026/4/2",
            "detail": "空调制冷效果差，出风不凉（客户原话：开一下午屋里还是闷）",
            "category": "故障维修",
            "type": "现场维修",
            "priority": "高",
            "t": [
                "2026-11-12 14:20",
                "2026-11-12 14:26",
                "2026-11-12 14:45",
                "2026-11-12 15:30",
                "2026-11-12 15:40",
                "2026-11-13 09:30",
                "2026-11-13 12:00",
                "2026-11-13 11:10",
                "2026-11-13 11:30",
            ],
            "owner": "王建国",
            "signed": "李先生",
            "score": "5",
            "record": "冷媒不足，检漏发现连接管喇叭口微漏，重做喇叭口后补充冷媒，出风温度 12℃",
            "comment": "师傅很仔细",
            "remark": "客户要求上午上门",
            "agent": "周婷",
            "agent_date": "2026-11-13",
            "reviewer": "*主管",
            "review_date": "2026-11-14",
            "archived": "2026-11-14 17:00",
        },
        {
            "no": "GD202611180022",
            "name": "田女士",
            "contact": "田女士",
            "phone": masked("田女士"),
            "model": "X-2024",
            "sn": "X24-B2310-0388",
            "bought": "2026/9/9",
            "detail": "滤网报警灯一直亮，滤网是新换的",
            "category": "功能咨询",
            "type": "远程协助",
            "priority": "中",
            "t": [
                "2026-11-18 09:00",
                "2026-11-18 09:05",
                "2026-11-18 09:20",
                "2026-11-18 09:40",
                "2026-11-18 09:50",
                "",
                "2026-11-18 12:00",
                "2026-11-18 10:05",
                "2026-11-18 10:10",
            ],
            "owner": "*工号002",
            "signed": "线上确认",
            "score": "4",
            "record": "指导长按滤网复位键 3 秒，报警灯熄灭",
            "comment": "说明书里写清楚复位方法就好了",
            "remark": "",
            "agent": "周婷",
            "agent_date": "2026-11-18",
            "reviewer": "*主管",
            "review_date": "2026-11-19",
            "archived": "2026-11-19 10:00",
        },
        {
            "no": "GD202611200023",
            "name": "钱塘里社区服务中心",
            "contact": "严主任",
            "phone": "0571-****3302",
            "model": "JS-500",
            "sn": "JS5-B2309-0912",
            "bought": "2026/6/1",
            "detail": "净水器完全不出水，社区活动室几十人等着用水",
            "category": "故障维修",
            "type": "现场维修",
            "priority": "紧急",
            "t": [
                "2026-11-20 08:10",
                "2026-11-20 08:30",
                "2026-11-20 08:50",
                "2026-11-20 09:20",
                "2026-11-20 08:40",
                "2026-11-20 13:30",
                "2026-11-20 15:00",
                "2026-11-20 16:20",
                "2026-11-20 16:40",
            ],
            "owner": "刘建军",
            "signed": "严主任",
            "score": "3（到场晚）",
            "record": "增压泵损坏，更换增压泵，出水恢复",
            "comment": "紧急单希望上午就能到",
            "remark": "工程师上午在另一个紧急单，改派耽误",
            "agent": "周婷",
            "agent_date": "2026-11-20",
            "reviewer": "*主管",
            "review_date": "2026-11-21",
            "archived": "2026-11-23 10:00",
        },
    ]
    wb = Workbook()
    wb.remove(wb.active)
    for i, c in enumerate(cards, 1):
        text_card(wb.create_sheet(f"工单{i}"), card(c))
    save(wb, path)


# ================================================================ main

OURS = {
    "service_feedback": ("service_feedback_2026-11.xlsx", service_feedback_ours),
    "issue_feedback": ("issue_feedback_2026-11.xlsx", issue_feedback_ours),
    "response_log": ("response_log_2026-11.xlsx", response_log_ours),
    "complaint_followup": ("complaint_followup_2026-11.xlsx", complaint_cards_ours),
    "service_card": ("service_card_2026-11.xlsx", service_cards_ours),
}
TEAM = {
    "team_service_feedback_nov.xlsx": team_service_feedback,
    "team_issue_feedback_w47.xlsx": team_issue_feedback,
    "team_response_log_nov.xlsx": team_response_log,
    "team_complaint_cards_nov.xlsx": team_complaint_cards,
    "team_service_card_list_nov.xlsx": team_service_card_list,
    "team_service_card_cards_nov.xlsx": team_service_card_cards,
}


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for key, (name, rows) in OURS.items():
        form = get_form(key)
        (fill_list if form.layout == "list" else fill_cards)(form, rows(), out / name)
        written.append(out / name)
    for name, make in TEAM.items():
        make(out / name)
        written.append(out / name)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "sample_workbooks"
    for p in main(target):
        print(
            f"{p.stat().st_size:>8}  {p.relative_to(target.parent) if p.is_relative_to(target.parent) else p}"
        )
