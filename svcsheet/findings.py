"""The catalogue of findings: a stable code, its severity and a Chinese message template.

Messages tell the agent what is wrong and what to write instead; they name the field, never copy a row.
Parsers and checks refer to findings by code; ``make`` turns a code into a Finding at a cell.
"""

from __future__ import annotations

from typing import Any

from .forms import FormSpec
from .records import Finding, Provenance, Row

# code: (severity, message template). Templates may use {label} and the params given to make().
CATALOG: dict[str, tuple[str, str]] = {
    # reading
    "sheet_unrecognised": ("warning", "工作表「{sheet}」未识别为任何表单：{reason}"),
    "workbook_empty": (
        "warning",
        "这个工作簿里没有读到任何表单数据行，请确认文件是否选错、是否为空白模板或已损坏。",
    ),
    "formula_no_value": (
        "error",
        "「{label}」是公式但没有计算结果，请在 Excel 中重新计算后保存，或把公式换成要填写的内容本身。",
    ),
    "cell_error": ("error", "「{label}」的单元格显示错误值，请改为实际内容。"),
    # required / format
    "required_missing": ("error", "「{label}」为必填项，请填写。"),
    "column_missing": ("error", "表中没有「{label}」这一栏，它是必填项，请按模板补上这一栏并填写。"),
    "id_format": ("error", "「{label}」格式不对，应为类似 {example} 的编号。"),
    "id_normalised": (
        "warning",
        "「{label}」缺少前缀 {prefix}，填写的 {typed} 已按 {fixed} 处理，请在原表中改为 {fixed}。",
    ),
    "id_duplicate": (
        "error",
        "「{label}」与 {other} 中的编号重复，同一编号只能出现一次，请核对后改用唯一编号。",
    ),
    "example_row": ("error", "这一行是模板自带的示例，请删除后再提交。"),
    "example_marked": ("error", "「{label}」写着“{value}”，这一行是示例而不是真实工单，请删除后再提交。"),
    "bad_datetime": ("error", "「{label}」无法识别为时间，请按 2024-05-20 09:30 的格式填写。"),
    "bad_date": ("error", "「{label}」无法识别为日期，请按 2024-05-20 的格式填写。"),
    "time_unknown": (
        "warning",
        "「{label}」只有日期没有具体时刻，时效按无法判定处理，请补充到分钟，如 2024-05-20 09:30。",
    ),
    "time_midnight": (
        "warning",
        "「{label}」的时刻是 00:00，像是只填了日期（单元格格式带时刻时显示为 00:00），时效按无法判定处理，"
        "请补充到分钟，如 2024-05-20 09:30。",
    ),
    "vague_date": ("info", "「{label}」为不确定日期，已按原文保留。"),
    "fullwidth_normalised": ("info", "「{label}」含全角字符，已转换为半角。"),
    "bad_score": ("error", "「{label}」应为 1 到 5 的整数，可在括号里写说明，如 4(上门及时)。"),
    "bad_choice": ("error", "「{label}」只能填写：{choices}。"),
    "choice_synonym": ("info", "「{label}」已按「{value}」处理，请以后直接选择「{value}」。"),
    "several_ticked": ("error", "「{label}」只能勾选一项，请只保留一个勾。"),
    "bad_phone": (
        "warning",
        "「{label}」不像有效的电话号码，请填写手机号（可写成 138****5678）或带区号的座机。",
    ),
    "bad_timeline": (
        "warning",
        "「{label}」第 {line} 行没有可识别的时间，请按“2024-05-20 10:00 说明”的格式逐行填写。",
    ),
    "timeline_no_year": (
        "warning",
        "「{label}」第 {line} 行的时间没有年份，无法计算间隔，请写完整日期，如 2024-05-20 10:00。",
    ),
    "timeline_time_unknown": (
        "warning",
        "「{label}」第 {line} 行只有日期没有时刻，请补充到分钟，如 2024-05-20 10:00。",
    ),
    "id_number_removed": ("warning", "「{label}」含身份证号，已删除。表单不得收集身份证号，请从原表中删除。"),
    "pii_masked": ("warning", "「{label}」含客户的{kinds}，输出中已遮盖。这一栏不应填写这些信息，请从原表中删除。"),
    # cross-field rules
    "reason_missing": ("error", "「{label}」选择了「{value}」，请在括号里写明原因，如 {value}(原因：……)。"),
    "closed_needs_score": ("error", "处理状态为“已闭环”时必须填写「{label}」（1 到 5 分）。"),
    "vague_solution": (
        "error",
        "「{label}」只写了“{value}”，请写明具体措施，如“更换电源适配器”“退款 300 元”。",
    ),
    "future_time": (
        "warning",
        "「{label}」晚于本次统计时点 {as_of}，事情还没发生就有了时间，请核对年份和日期。",
    ),
    "text_too_long": (
        "warning",
        "「{label}」超过 32767 个字符，Excel 单元格放不下，输出中已截断，请精简内容。",
    ),
    "time_order": ("error", "「{label}」早于「{other}」，时间顺序不可能，请核对两处时间。"),
    "purchase_after_service": ("error", "「{label}」晚于「{other}」，购买日期不能在服务之后，请核对。"),
    "causes_missing": (
        "warning",
        "高/中优先级问题解决时应填写根本原因、直接原因、间接原因（5Why），当前缺少：{missing}。",
    ),
    "followup_plan_missing": (
        "warning",
        "投诉未解决或客户不满意时，请在「针对性改进建议」里写出后续怎么跟进；二次处理的结果须在 3 个工作日内补交。",
    ),
    "review_needed": ("info", "客户满意度为 {value} 分（≤3 分），需启动复盘。"),
    # SLA
    "overdue_reason_missing": (
        "warning",
        "「{stage}」已超时，请在「{label}」中写明原因，如“客服忙线”“信息核实中”。",
    ),
    "calendar_gap": (
        "warning",
        "{year} 年的节假日和调休安排未知，时效无法判定。请在策略文件的 {key} 中填写该年的安排。",
    ),
    # reading, hostile or odd files (issue 10)
    "bad_number": ("error", "「{label}」存的不是有效数字（{value}），请删除后重新输入实际内容。"),
    "sheet_very_hidden": (
        "warning",
        "工作表「{sheet}」被设为“深度隐藏”（在 Excel 里看不到，也无法直接取消隐藏），其中的数据已照常读取，请确认是否应提交。",
    ),
}


def make(
    code: str,
    prov: Provenance,
    *,
    cell: str | None = None,
    field: str | None = None,
    label: str | None = None,
    value: Any = None,
    form: str | None = None,
    ticket_id: str | None = None,
    severity: str | None = None,
    params: dict[str, Any] | None = None,
    **more: Any,
) -> Finding:
    """Build a Finding from its catalogue entry; ``params`` (and keywords) fill the message template.

    ``value`` is the cell as typed (kept on the Finding); a ``value`` in params overrides it in the message only.
    """
    default_severity, template = CATALOG[code]
    fmt: dict[str, Any] = {"label": label or "", "sheet": prov.sheet, "value": _short(value)}
    fmt.update(params or {})
    fmt.update(more)
    message = template.format(**fmt)
    return Finding(
        code=code,
        severity=severity or default_severity,
        file=prov.file,
        sheet=prov.sheet,
        row=prov.row,
        cell=cell,
        field=field,
        label=label,
        message=message,
        value=None if value is None else str(value),
        form=form,
        ticket_id=ticket_id,
    )


_TYPED = object()


def at_field(
    code: str, row: Row, form: FormSpec, key: str | None, *, value: Any = _TYPED, **params: Any
) -> Finding:
    """A finding about one field of a row, at that field's cell; ``value`` defaults to the cell as typed."""
    spec = form.field(key) if key else None
    cell = row.cells.get(key) if key else None
    return make(
        code,
        row.prov,
        cell=cell.ref if cell else None,
        field=spec.key if spec else None,
        label=spec.label if spec else None,
        value=(cell.raw if cell else None) if value is _TYPED else value,
        form=form.key,
        ticket_id=row.ticket_id,
        params=params,
    )


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 20 else text[:20] + "…"


FINDING_COLUMNS = (
    "code",
    "severity",
    "form",
    "file",
    "sheet",
    "row",
    "cell",
    "field",
    "label",
    "ticket_id",
    "message",
)
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
