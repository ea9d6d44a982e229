"""report.html rendered with jinja2 from templates/report/: the same figures as summary.xlsx, charts as inline SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..resources import data_path
from ..sla.verdicts import OUTCOMES
from . import charts_svg

LIST_LIMIT = 200  # rows per list in the HTML; summary.xlsx always has every row


def _short(label: str) -> str:
    """Axis label: 2026-W47 -> W47, 2026-11 -> 26-11."""
    return label.split("-")[-1] if "W" in label else label[2:]


def _charts(fig: Any) -> dict[str, Any]:
    unit = "周" if fig.period.kind == "week" else "个月"
    n = len(fig.trend)
    stages = [(b.label, b.rate) for b in fig.stage_bars]
    return {
        # one Pareto per form: each form has its own category list
        "pareto": [
            Markup(
                charts_svg.pareto(
                    [(c.category, c.count, c.cumulative) for c in g.items], f"问题分类帕累托图：{g.form}"
                )
            )
            for g in fig.category_groups
        ],
        "stages": Markup(charts_svg.bars(stages, "各环节时效达标率")),
        # the same bars for a phone (the page shows one of the two by its width)
        "stages_phone": Markup(charts_svg.bars_stacked(stages, "各环节时效达标率")),
        "trend_mean": Markup(
            charts_svg.line(
                [(_short(t.label), t.satisfaction_mean) for t in fig.trend],
                f"满意度均分趋势（最近{n}{unit}）",
                1,
                5,
            )
        ),
        "trend_csat": Markup(
            charts_svg.line(
                [(_short(t.label), t.csat) for t in fig.trend],
                f"客户满意率趋势（最近{n}{unit}）",
                0,
                1,
                fmt=lambda v: f"{v * 100:.0f}%",
            )
        ),
    }


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def _dt(v: Any) -> str:
    return "" if v is None else f"{v:%Y-%m-%d %H:%M}"


def render_report(result: Any) -> str:
    env = Environment(
        loader=FileSystemLoader(str(data_path("report"))),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.filters.update(pct=_pct, num=_num, dt=_dt)
    fig = result.figures
    return env.get_template("report.html.j2").render(
        result=result,
        fig=fig,
        charts=_charts(fig),
        outcomes=OUTCOMES,
        as_of=f"{result.as_of:%Y-%m-%d %H:%M}",
        limit=LIST_LIMIT,
    )


def write_report_html(result: Any, path: Path) -> None:
    path.write_text(render_report(result), encoding="utf-8", newline="\n")
