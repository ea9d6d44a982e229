"""summary.xlsx: the run's counts and a data-quality table per input workbook (grown by the reports work)."""

from __future__ import annotations

from pathlib import Path

from ..xlsx import new_workbook, write_table


def write_summary(result, path: Path) -> None:
    fig = result.figures
    wb, st = new_workbook(path)
    ws = wb.add_worksheet("概览")
    ws.write_string(0, 0, "售后表单批处理汇总", st.title)
    ws.write_string(1, 0, f"统计时点：{result.as_of:%Y-%m-%d %H:%M}", st.text)
    nxt = write_table(
        ws,
        3,
        ["项目", "数量"],
        [
            ["文件数", fig.files],
            ["无法读取的文件", fig.files_unreadable],
            ["读取行数", fig.rows_read],
            ["合格行数", fig.rows_clean],
            ["退回行数", fig.rows_rejected],
        ],
        st,
        widths=[30, 12],
        autofilter=False,
    )
    write_table(ws, nxt + 1, ["表单", "读取", "合格", "退回"], [list(x) for x in fig.by_form], st, autofilter=False)
    ws = wb.add_worksheet("数据质量")
    write_table(
        ws,
        0,
        ["文件", "行数", "合格", "退回", "警告", "无法读取原因", "主要问题"],
        [
            [q.file, q.rows, q.clean, q.rejected, q.warnings, q.error, "\n".join(f"{m}（{n}次）" for m, n in q.top_findings)]
            for q in fig.quality
        ],
        st,
        widths=[40, 8, 8, 8, 8, 30, 60],
    )
    wb.close()
