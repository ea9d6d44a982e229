"""summary.xlsx: the period's report as a workbook with native Excel charts. Lays out ``result.figures`` only.

Every sheet goes through ``xlsx.Sheet``, which measures what is written (a CJK character counts double),
sizes each column from its content, wraps long text, and sets up the printed page (see docs/reports.md).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..sla.verdicts import OUTCOMES
from .xlsx import Sheet, Styles, new_workbook, text_width, write_table, write_value

NONE = "（无）"
HIGHLIGHT_WIDTH = 100.0  # width units the six KPI columns offer at least (指标 … 上期依据)


def write_summary(result: Any, path: Path) -> None:
    fig = result.figures
    wb, st = new_workbook(path)
    base = {"font_name": "微软雅黑", "valign": "top"}
    extra = {
        "section": wb.add_format({**base, "bold": True, "font_size": 11}),
        "alert": wb.add_format({**base, "bold": True, "font_size": 10, "font_color": "#C00000"}),
        "right": wb.add_format({**base, "font_size": 10, "align": "right"}),
        "signed": wb.add_format({**base, "font_size": 10, "num_format": "+0;-0;0"}),
        "wrap": wb.add_format({**base, "font_size": 10, "text_wrap": True}),
        "alert_wrap": wb.add_format(
            {**base, "font_size": 10, "text_wrap": True, "bold": True, "font_color": "#C00000"}
        ),
    }

    def sheet(name: str) -> Sheet:
        return Sheet(wb.add_worksheet(name), st, extra)

    for build, name in (
        (_overview, "概览"),
        (_sla, "时效"),
        (_late, "超时明细"),
        (_categories, "问题分类"),
        (_common, "共性问题"),
        (_followups, "跟进清单"),
        (_people, "人员与部门"),
        (_suggestions, "改进建议"),
        (_quality, "数据质量"),
    ):
        ws = sheet(name)
        build(wb, ws, st, fig, result)
        ws.finish()
    wb.close()


def _title(ws: Sheet, st: Styles, text: str, *notes: str) -> int:
    ws.write_string(0, 0, text, st.title)
    for i, note in enumerate(notes, start=1):
        ws.note(i, note)
    return len(notes) + 2


def _empty(ws: Sheet, st: Styles, row: int, text: str = NONE) -> int:
    ws.note(row, text)
    return row + 1


def _overview(wb, ws: Sheet, st: Styles, fig, result) -> None:
    p = fig.period
    ws.write_string(0, 0, f"《{fig.title}》{p.label}", st.title)
    ws.note(1, f"统计期间：{p.span_text}（按受理/接收时间归入）；上期：{p.previous().compare_text}")
    ws.note(2, f"统计时点：{result.as_of:%Y-%m-%d %H:%M}")
    source = (
        f"历史记录库（其中 {fig.history_tickets} 张工单来自以往运行）"
        if fig.history_path
        else "仅本次读入的工单"
    )
    ws.note(3, f"数据来源：{source}")
    ws.note(
        4,
        f"本次合格行 {fig.rows_clean} 行：本期 {fig.in_period}，其他期间 {fig.outside_period}，"
        f"无受理时间 {fig.undated}",
    )
    ws.note(5, fig.rejected_note, ws.extra["alert"] if fig.rejected_in_period else None)
    # what needs action first, as in report.html: one line each, red when it needs action now
    ws.section(7, "本周要点" if p.kind == "week" else "本月要点")
    for i, h in enumerate(fig.highlights, start=8):
        # across the KPI table's six columns, wrapped: a long line must not run off the printed page
        text = f"{h.title}：{h.text}"
        fmt = ws.extra["alert_wrap"] if h.level == "bad" else ws.extra["wrap"]
        ws.ws.merge_range(i, 0, i, 5, text, fmt)
        ws.heights[i] = 15.0 * max(1, math.ceil(text_width(text) * 1.15 / HIGHLIGHT_WIDTH)) + 3
    top = 9 + len(fig.highlights)
    headers = ["指标", "本期", "上期", "变化", "本期依据", "上期依据"]
    ws.write_string(top, 0, headers[0], st.header)
    ws.write_row(top, 1, headers[1:], st.header_right)  # every column but the first holds right-aligned values
    for i, k in enumerate(fig.kpis, start=top + 1):
        fmt = {"rate": st.percent, "score": st.number}.get(k.unit)
        ws.write_string(i, 0, k.label, st.text)
        write_value(ws, i, 1, k.value, st, fmt)
        write_value(ws, i, 2, k.previous, st, fmt)
        # the change as text: a rate changes by percentage points (个百分点), never a percentage
        ws.write_string(i, 3, k.change_text, ws.extra["right"])
        ws.write_string(i, 4, f"{k.basis} {k.basis_unit}", ws.extra["right"])
        ws.write_string(i, 5, f"{k.previous_basis} {k.basis_unit}", ws.extra["right"])
    row = top + 1 + len(fig.kpis)
    ws.note(row, f"满意率口径：{fig.csat_rule}")
    ws.note(row + 1, "比率的变化以“个百分点”表示；依据数量少时（如只有几张工单），变化不代表趋势。")
    row += 3
    for head, items in (("表单", fig.by_form_period), ("反馈渠道", fig.by_channel)):
        if not items:
            continue
        first = row + 1
        row = write_table(
            ws,
            row,
            [head, "本期工单", "上期工单", "变化"],
            [[c.label, c.value, c.previous, c.change] for c in items],
            st,
            autofilter=False,
        )
        for r, c in enumerate(items, start=first):
            ws.write_number(r, 3, c.change, ws.extra["signed"])
        row += 1
    ws.freeze_panes(0, 0)
    # satisfaction trend below the tables (beside them it would print on a second page): data, then the chart
    col = 0
    ws.section(row, "满意度趋势")
    trend_top = row + 1
    ws.keep(row, (len(fig.trend) + 2) * 17 + 288 * 0.75 + 30)  # the trend table with its chart
    ws.write_string(trend_top, col, "期间", st.header)
    ws.write_row(trend_top, col + 1, ["工单数", "满意度均分", "满意率"], st.header_right)
    for i, t in enumerate(fig.trend, start=trend_top + 1):
        ws.write_string(i, col, t.label, st.text)
        ws.write_number(i, col + 1, t.tickets, st.text)
        write_value(ws, i, col + 2, t.satisfaction_mean, st, st.number)
        write_value(ws, i, col + 3, t.csat, st, st.percent)
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
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    ws.insert_chart(last + 2, col, chart, {"x_scale": 1.3})


def _sla(wb, ws: Sheet, st: Styles, fig, result) -> None:
    row = _title(
        ws,
        st,
        "时效达标情况",
        "达标率 = 达标 ÷（达标 + 超时 + 逾期未完成）；未到期、不适用、无法判定只计数。",
        "紧急程度按各表单的选项顺序排列；“不分级”表示该表单没有紧急程度栏。",
    )
    headers = ["表单", "环节", "紧急程度", *OUTCOMES, "达标率"]
    lines = [[c.form, c.stage, c.priority, *(c.counts[o] for o in OUTCOMES), c.rate] for c in fig.compliance]
    start = row
    row = write_table(ws, row, headers, lines, st, autofilter=False)
    for r in range(start + 1, row):
        write_value(ws, r, len(headers) - 1, lines[r - start - 1][-1], st, st.percent)
    if not lines:
        row = _empty(ws, st, row)
    # chart data: one bar per stage
    row += 1
    ws.section(row, "各环节达标率")
    bar_top = row + 1
    ws.write_string(bar_top, 0, "表单·环节", st.header)
    ws.write_row(bar_top, 1, ["达标", "超时", "逾期未完成", "达标率"], st.header_right)
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
        height = max(240, 24 * len(fig.stage_bars) + 80)
        chart.set_size({"width": 900, "height": height})
        ws.insert_chart(row + 1, 0, chart)
    ws.freeze_panes(0, 0)


def _late(wb, ws: Sheet, st: Styles, fig, result) -> None:
    """Done late (超时) and still open past the deadline (逾期未完成): two different lists."""
    row = _title(ws, st, "超时明细与逾期未完成", fig.overrun_rule)
    ws.section(row, f"超时明细（已完成，但晚于截止时间）：{len(fig.breaches)} 条")
    row += 1
    breach_rows = [
        [b.form, b.ticket_id, b.stage, b.priority, b.deadline, b.end, b.overrun_text, b.reason, b.handler]
        for b in fig.breaches
    ]
    headers = ["表单", "编号", "环节", "紧急程度", "截止", "完成", "超时时长", "超时原因", "处理人"]
    row = write_table(ws, row, headers, breach_rows, st, autofilter=False)
    if not breach_rows:
        row = _empty(ws, st, row, "本期没有超时")
    row += 1
    ws.section(row, f"逾期未完成（尚未完成、已过截止时间）：{len(fig.open_overdue)} 条")
    row += 1
    open_rows = [
        [b.form, b.ticket_id, b.stage, b.priority, b.deadline, b.overrun_text, b.handler]
        for b in fig.open_overdue
    ]
    headers = ["表单", "编号", "环节", "紧急程度", "截止", "已超时（截至统计时点）", "处理人"]
    row = write_table(ws, row, headers, open_rows, st, autofilter=False)
    if not open_rows:
        _empty(ws, st, row)
    ws.freeze_panes(0, 0)


def _categories(wb, ws: Sheet, st: Styles, fig, result) -> None:
    row = _title(
        ws,
        st,
        "问题分类（各表单分别统计）",
        "五张表单的分类选项各不相同（如“产品质量类”“产品质量”“质量”），所以每张表单单独排序，占比为占该表单本期工单的比例。",
    )
    groups = fig.category_groups
    if not groups:
        row = _empty(ws, st, row)
    else:
        ws.section(row, "各表单最多的问题分类")
        row = write_table(
            ws,
            row + 1,
            ["表单", "最多的问题分类", "工单数", "占该表单比例", "该表单本期工单"],
            [[g.form, g.top_text, g.top.count, g.top.share, g.total] for g in groups],
            st,
            autofilter=False,
        )
        for r, g in enumerate(groups, start=row - len(groups)):
            write_value(ws, r, 3, g.top.share, st, st.percent)
        row += 1
    chart_col = 6
    for g in groups:
        ws.section(row, f"{g.form}（本期 {g.total} 张）")
        top = row + 1
        lines = [[c.category, c.count, c.share, c.cumulative] for c in g.items]
        row = write_table(ws, top, ["问题分类", "工单数", "占比", "累计占比"], lines, st, autofilter=False)
        for r, c in enumerate(g.items, start=top + 1):
            write_value(ws, r, 2, c.share, st, st.percent)
            write_value(ws, r, 3, c.cumulative, st, st.percent)
        first, last = top + 1, top + len(g.items)
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
        chart.set_title({"name": f"问题分类帕累托图：{g.form}", "name_font": {"size": 11}})
        chart.set_y_axis({"name": "工单数", "min": 0})
        chart.set_legend({"position": "bottom"})
        line.set_y2_axis({"name": "累计占比", "min": 0, "max": 1, "num_format": "0%"})
        chart.set_size({"width": 560, "height": 260})
        ws.insert_chart(top - 1, chart_col, chart)
        row = max(row, top + 14) + 1
    ws.section(
        row,
        "责任部门分派（责任部门留空的按策略中的分派表补齐；部门名称已统一，如投诉表的“售后”记为“售后部”）",
    )
    row += 1
    lines = [[r.form, r.category, r.department, r.tickets, r.routed] for r in fig.routing]
    row = write_table(
        ws, row, ["表单", "问题分类", "责任部门", "工单数", "其中自动分派"], lines, st, autofilter=False
    )
    if not lines:
        _empty(ws, st, row)
    ws.freeze_panes(0, 0)


def _common(wb, ws: Sheet, st: Styles, fig, result) -> None:
    row = _title(ws, st, "共性问题（同一问题被多位不同客户反馈）")
    lines = [
        [
            c.id,
            c.label,
            "" if c.customers_period is None else c.customers_period,
            c.customers,
            c.rows,
            c.first_seen,
            c.status,
            c.models,
            c.products,
            c.batch,
            c.forms,
            c.departments,
            "\n".join(c.examples),
        ]
        for c in fig.common
    ]
    headers = [
        "编号",
        "问题",
        "本期客户数",
        "窗口内客户数",
        "工单数",
        "首次出现",
        "趋势",
        "产品型号",
        "产品",
        "集中批次",
        "来自表单",
        "责任部门",
        "示例（已脱敏）",
    ]
    row = write_table(ws, row, headers, lines, st)
    if not lines:
        _empty(ws, st, row, "本期没有共性问题")


def _followups(wb, ws: Sheet, st: Styles, fig, result) -> None:
    row = _title(
        ws,
        st,
        "跟进清单",
        fig.review_rule,
        "未解决跟进：按时限提交二次处理结果；二次回访：高/中优先级尚未回访；补写超时原因：首次响应超时未写原因。",
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
            _status(f),
        ]
        for f in fig.followups
    ]
    headers = ["类别", "表单", "编号", "处理人", "责任部门", "说明", "截止时间", "状态"]
    top = row
    row = write_table(ws, row, headers, lines, st)
    for r, f in enumerate(fig.followups, start=top + 1):
        if f.overdue:
            ws.write_string(r, 7, _status(f), st.bad)
    if not lines:
        _empty(ws, st, row, "本期没有需要跟进的事项")


def _status(f) -> str | None:
    """The row's status, and 已逾期 when the follow-up is past its due time."""
    if f.overdue:
        return f"已逾期（{f.status}）" if f.status else "已逾期"
    return f.status


def _people_table(ws: Sheet, st: Styles, row: int, head: str, people) -> int:
    lines = [[p.name, p.tickets, p.judged, p.compliance, p.satisfaction_mean, p.answers] for p in people]
    top = row
    row = write_table(
        ws,
        row,
        [head, "工单数", "计入达标率的环节", "时效达标率", "满意度均分", "评分数"],
        lines,
        st,
        autofilter=False,
    )
    for r, p in enumerate(people, start=top + 1):
        write_value(ws, r, 3, p.compliance, st, st.percent)
        write_value(ws, r, 4, p.satisfaction_mean, st, st.number)
    if not lines:
        row = _empty(ws, st, row)
    return row


def _people(wb, ws: Sheet, st: Styles, fig, result) -> None:
    notes = ["处理人：工号按填写显示（如 工号007），姓名以稳定代号显示（主管可用 svcsheet staff 在本机查回）；满意度均分只计 1–5 分制的评分。"]
    if fig.no_handler_forms:
        notes.append(f"{'、'.join(fig.no_handler_forms)}没有处理人栏，不计入处理人统计。")
    if fig.no_department_forms:
        notes.append(f"{'、'.join(fig.no_department_forms)}没有责任部门栏，不计入部门统计。")
    row = _title(ws, st, "人员与部门", *notes)
    row = _people_table(ws, st, row, "处理人（工号或代号）", fig.handlers) + 1
    _people_table(ws, st, row, "责任部门", fig.departments)
    ws.freeze_panes(0, 0)


def _suggestions(wb, ws: Sheet, st: Styles, fig, result) -> None:
    row = _title(ws, st, "本期改进建议汇总（按来源和问题分类分组）")
    lines = []
    for g in fig.suggestions:
        for s in g.items:
            lines.append([g.source, g.category, len(g.items), s.form, s.ticket_id, s.text])
    row = write_table(
        ws, row, ["来源", "问题分类", "该组条数", "表单", "编号", "建议内容（已脱敏）"], lines, st
    )
    if not lines:
        _empty(ws, st, row, "本期没有改进建议")


def _quality(wb, ws: Sheet, st: Styles, fig, result) -> None:
    ws.note(0, fig.rejected_note, ws.extra["alert"] if fig.rejected_in_period else None)
    write_table(
        ws,
        2,
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
    )


__all__ = ["text_width", "write_summary"]
