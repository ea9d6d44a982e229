"""summary.xlsx: the period's report as a workbook with native Excel charts. Lays out ``result.figures`` only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..sla import OUTCOMES
from ..xlsx import Styles, new_workbook, write_table, write_value

NONE = "（无）"


def write_summary(result: Any, path: Path) -> None:
    fig = result.figures
    wb, st = new_workbook(path)
    _overview(wb, st, fig, result)
    _sla(wb, st, fig)
    _categories(wb, st, fig)
    _common(wb, st, fig)
    _followups(wb, st, fig)
    _people(wb, st, fig)
    _suggestions(wb, st, fig)
    _quality(wb, st, fig)
    for ws in wb.worksheets():  # printable: A4 landscape, one page wide
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
    wb.close()


def _title(ws, st: Styles, text: str, note: str | None = None) -> int:
    ws.write_string(0, 0, text, st.title)
    if note:
        ws.write_string(1, 0, note, st.text)
    return 3


def _empty(ws, st: Styles, row: int, text: str = NONE) -> int:
    ws.write_string(row, 0, text, st.text)
    return row + 1


def _kpi_fmt(st: Styles, unit: str):
    return {"rate": st.percent, "score": st.number}.get(unit)


def _overview(wb, st: Styles, fig, result) -> None:
    ws = wb.add_worksheet("概览")
    p = fig.period
    ws.write_string(0, 0, f"《{fig.title}》{p.label}", st.title)
    ws.write_string(
        1, 0, f"统计期间：{p.span_text}（按受理/接收时间归入）；上期：{p.previous().label}", st.text
    )
    ws.write_string(2, 0, f"统计时点：{result.as_of:%Y-%m-%d %H:%M}", st.text)
    source = (
        f"历史记录库（其中 {fig.history_tickets} 张工单来自以往运行）"
        if fig.history_path
        else "仅本次读入的工单"
    )
    ws.write_string(3, 0, f"数据来源：{source}", st.text)
    ws.write_string(
        4,
        0,
        f"本次合格行 {fig.rows_clean} 行：本期 {fig.in_period}，其他期间 {fig.outside_period}，无受理时间 {fig.undated}",
        st.text,
    )
    top = 6
    ws.write_row(top, 0, ["指标", "本期", "上期", "变化", "依据数量"], st.header)
    for i, k in enumerate(fig.kpis, start=top + 1):
        fmt = _kpi_fmt(st, k.unit)
        ws.write_string(i, 0, k.label, st.text)
        write_value(ws, i, 1, k.value, st, fmt)
        write_value(ws, i, 2, k.previous, st, fmt)
        if k.change is None:
            ws.write_string(i, 3, "—", st.text)
        else:
            ws.write_number(i, 3, k.change, fmt or st.text)
        ws.write_number(i, 4, k.basis, st.text)
    row = top + 1 + len(fig.kpis)
    ws.write_string(row, 0, f"满意率口径：{fig.csat_rule}", st.text)
    row += 2
    row = write_table(
        ws,
        row,
        ["表单", "本期工单", "上期工单", "变化"],
        [[c.label, c.value, c.previous, c.change] for c in fig.by_form_period],
        st,
        widths=[34, 12, 12, 14, 10],
        autofilter=False,
    )
    row += 1
    if fig.by_channel:
        write_table(
            ws,
            row,
            ["反馈渠道", "本期工单", "上期工单", "变化"],
            [[c.label, c.value, c.previous, c.change] for c in fig.by_channel],
            st,
            widths=[34, 12, 12, 14, 10],
            autofilter=False,
        )
    ws.freeze_panes(0, 0)
    # satisfaction trend (data beside the chart, then the chart)
    col = 7
    ws.write_string(top, col, "满意度趋势", st.header)
    trend_top = top + 1
    ws.write_row(trend_top, col, ["期间", "工单数", "满意度均分", "满意率"], st.header)
    for i, t in enumerate(fig.trend, start=trend_top + 1):
        ws.write_string(i, col, t.label, st.text)
        ws.write_number(i, col + 1, t.tickets, st.text)
        write_value(ws, i, col + 2, t.satisfaction_mean, st, st.number)
        write_value(ws, i, col + 3, t.csat, st, st.percent)
    ws.set_column(col, col, 12)
    ws.set_column(col + 1, col + 3, 11)
    first, last = trend_top + 1, trend_top + len(fig.trend)
    chart = wb.add_chart({"type": "line"})
    cats = ["概览", first, col, last, col]
    chart.add_series(
        {
            "name": "满意度均分",
            "categories": cats,
            "values": ["概览", first, col + 2, last, col + 2],
            "marker": {"type": "circle"},
        }
    )
    chart.add_series(
        {
            "name": "满意率",
            "categories": cats,
            "values": ["概览", first, col + 3, last, col + 3],
            "y2_axis": True,
            "marker": {"type": "square"},
        }
    )
    chart.set_title(
        {"name": f"满意度趋势（最近{len(fig.trend)}{'周' if fig.period.kind == 'week' else '个月'}）"}
    )
    chart.set_y_axis({"name": "均分", "min": 1, "max": 5})
    chart.set_y2_axis({"name": "满意率", "min": 0, "max": 1, "num_format": "0%"})
    chart.show_blanks_as("gap")
    ws.insert_chart(last + 2, col, chart, {"x_scale": 1.3})


def _sla(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("时效")
    row = _title(
        ws,
        st,
        "时效达标情况",
        "达标率 = 达标 ÷（达标 + 超时 + 逾期未完成）；未到期、不适用、无法判定只计数。",
    )
    headers = ["表单", "环节", "紧急程度", *OUTCOMES, "达标率"]
    lines = [[c.form, c.stage, c.priority, *(c.counts[o] for o in OUTCOMES), c.rate] for c in fig.compliance]
    start = row
    row = write_table(
        ws, row, headers, lines, st, widths=[30, 12, 10, 8, 8, 8, 10, 8, 8, 9], autofilter=False
    )
    for r in range(start + 1, row):
        write_value(ws, r, len(headers) - 1, lines[r - start - 1][-1], st, st.percent)
    if not lines:
        row = _empty(ws, st, row)
    # chart data: one bar per stage
    row += 1
    ws.write_string(row, 0, "各环节达标率", st.header)
    bar_top = row + 1
    ws.write_row(bar_top, 0, ["环节", "达标", "超时", "逾期未完成", "达标率"], st.header)
    for i, b in enumerate(fig.stage_bars, start=bar_top + 1):
        ws.write_string(i, 0, b.label, st.text)
        ws.write_number(i, 1, b.met, st.text)
        ws.write_number(i, 2, b.breached, st.text)
        ws.write_number(i, 3, b.overdue, st.text)
        write_value(ws, i, 4, b.rate, st, st.percent)
    row = bar_top + 1 + len(fig.stage_bars)
    if fig.stage_bars:
        first, last = bar_top + 1, row - 1
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "达标率",
                "categories": ["时效", first, 0, last, 0],
                "values": ["时效", first, 4, last, 4],
                "data_labels": {"value": True, "num_format": "0%"},
            }
        )
        chart.set_title({"name": "各环节达标率"})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": max(240, 28 * len(fig.stage_bars) + 80)})
        ws.insert_chart(row + 1, 0, chart)
        row += 2 + max(12, (28 * len(fig.stage_bars) + 80) // 20)
    ws.write_string(row, 0, "超时明细（含逾期未完成）", st.header)
    row += 1
    breach_rows = [
        [
            b.form,
            b.ticket_id,
            b.stage,
            b.priority,
            b.outcome,
            b.deadline,
            b.end,
            b.overrun_minutes,
            b.overrun_text,
            b.reason,
            b.handler,
        ]
        for b in fig.breaches
    ]
    headers = [
        "表单",
        "编号",
        "环节",
        "紧急程度",
        "结果",
        "截止",
        "完成",
        "超时(分钟)",
        "超时",
        "超时原因",
        "处理人",
    ]
    row = write_table(ws, row, headers, breach_rows, st, autofilter=False)
    if not breach_rows:
        row = _empty(ws, st, row)
    row += 1
    ws.write_string(row, 0, "逾期未完成（尚未处理完、已过截止时间）", st.header)
    row += 1
    open_rows = [
        [b.form, b.ticket_id, b.stage, b.priority, b.deadline, b.overrun_text, b.handler]
        for b in fig.open_overdue
    ]
    row = write_table(
        ws,
        row,
        ["表单", "编号", "环节", "紧急程度", "截止", "已超时", "处理人"],
        open_rows,
        st,
        autofilter=False,
    )
    if not open_rows:
        _empty(ws, st, row)
    ws.freeze_panes(0, 0)


def _categories(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("问题分类")
    row = _title(ws, st, "问题分类（按工单数从多到少）")
    cats = fig.categories
    lines = [[c.category, c.count, c.share, c.cumulative, c.forms] for c in cats]
    top = row
    row = write_table(
        ws,
        row,
        ["问题分类", "工单数", "占比", "累计占比", "来自表单"],
        lines,
        st,
        widths=[16, 9, 9, 10, 60],
        autofilter=False,
    )
    for r, c in enumerate(cats, start=top + 1):
        write_value(ws, r, 2, c.share, st, st.percent)
        write_value(ws, r, 3, c.cumulative, st, st.percent)
    if cats:
        first, last = top + 1, top + len(cats)
        chart = wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "工单数",
                "categories": ["问题分类", first, 0, last, 0],
                "values": ["问题分类", first, 1, last, 1],
            }
        )
        line = wb.add_chart({"type": "line"})
        line.add_series(
            {
                "name": "累计占比",
                "categories": ["问题分类", first, 0, last, 0],
                "values": ["问题分类", first, 3, last, 3],
                "y2_axis": True,
                "marker": {"type": "circle"},
            }
        )
        chart.combine(line)
        chart.set_title({"name": "问题分类帕累托图"})
        chart.set_y_axis({"name": "工单数", "min": 0})
        line.set_y2_axis({"name": "累计占比", "min": 0, "max": 1, "num_format": "0%"})
        ws.insert_chart(top, 6, chart)
        row = max(row, top + 16)
    else:
        row = _empty(ws, st, row)
    row += 1
    ws.write_string(row, 0, "责任部门分派（责任部门留空的按策略中的分派表补齐）", st.header)
    row += 1
    lines = [[r.form, r.category, r.department, r.tickets, r.routed] for r in fig.routing]
    row = write_table(
        ws, row, ["表单", "问题分类", "责任部门", "工单数", "其中自动分派"], lines, st, autofilter=False
    )
    if not lines:
        _empty(ws, st, row)
    ws.freeze_panes(0, 0)


def _common(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("共性问题")
    row = _title(ws, st, "共性问题（同一问题被多位不同客户反馈）")
    lines = [
        [c.id, c.label, c.customers, c.rows, c.models, c.batch, c.forms, c.departments, "\n".join(c.examples)]
        for c in fig.common
    ]
    headers = [
        "编号",
        "问题",
        "客户数",
        "工单数",
        "产品型号",
        "集中批次",
        "来自表单",
        "责任部门",
        "示例（已脱敏）",
    ]
    row = write_table(ws, row, headers, lines, st, widths=[8, 30, 8, 8, 24, 14, 30, 16, 60])
    if not lines:
        _empty(ws, st, row, "本期没有共性问题")


def _followups(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("跟进清单")
    row = _title(
        ws,
        st,
        "跟进清单",
        "复盘：满意度不高于阈值或“不满意”；未解决跟进：按时限提交二次处理结果；二次回访：高/中优先级。",
    )
    lines = [
        [
            f.kind,
            f.form,
            f.ticket_id,
            f.handler,
            f.department,
            f.detail,
            f.due,
            "已逾期" if f.overdue else None,
        ]
        for f in fig.followups
    ]
    headers = ["类别", "表单", "编号", "处理人", "责任部门", "说明", "截止时间", "状态"]
    top = row
    row = write_table(ws, row, headers, lines, st, widths=[12, 30, 18, 12, 10, 44, 17, 8])
    for r, f in enumerate(fig.followups, start=top + 1):
        if f.overdue:
            ws.write_string(r, 7, "已逾期", st.bad)
    if not lines:
        _empty(ws, st, row, "本期没有需要跟进的事项")


def _people_table(ws, st: Styles, row: int, head: str, people) -> int:
    lines = [[p.name, p.tickets, p.judged, p.compliance, p.satisfaction_mean, p.answers] for p in people]
    top = row
    row = write_table(
        ws,
        row,
        [head, "工单数", "计入达标率的环节", "时效达标率", "满意度均分", "评分数"],
        lines,
        st,
        widths=[16, 9, 16, 11, 11, 8],
        autofilter=False,
    )
    for r, p in enumerate(people, start=top + 1):
        write_value(ws, r, 3, p.compliance, st, st.percent)
        write_value(ws, r, 4, p.satisfaction_mean, st, st.number)
    return row


def _people(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("人员与部门")
    row = _title(ws, st, "人员与部门", "处理人以代号显示；满意度均分只计 1–5 分制的评分。")
    row = _people_table(ws, st, row, "处理人（代号）", fig.handlers) + 1
    _people_table(ws, st, row, "责任部门", fig.departments)
    ws.freeze_panes(0, 0)


def _suggestions(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("改进建议")
    row = _title(ws, st, "本期改进建议汇总（按来源和问题分类分组）")
    lines = []
    for g in fig.suggestions:
        for s in g.items:
            lines.append([g.source, g.category, len(g.items), s.form, s.ticket_id, s.text])
    row = write_table(
        ws,
        row,
        ["来源", "问题分类", "该组条数", "表单", "编号", "建议内容（已脱敏）"],
        lines,
        st,
        widths=[16, 14, 9, 30, 18, 70],
    )
    if not lines:
        _empty(ws, st, row, "本期没有改进建议")


def _quality(wb, st: Styles, fig) -> None:
    ws = wb.add_worksheet("数据质量")
    write_table(
        ws,
        0,
        ["文件", "行数", "合格", "退回", "警告", "无法读取原因", "主要问题（请填表人修改）"],
        [
            [
                q.file,
                q.rows,
                q.clean,
                q.rejected,
                q.warnings,
                q.error,
                "\n".join(f"{m}（{n}次）" for m, n in q.top_findings),
            ]
            for q in fig.quality
        ],
        st,
        widths=[40, 8, 8, 8, 8, 30, 60],
    )
