"""report.html rendered with jinja2 from templates/report/ (grown by the reports work)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..resources import data_path


def render_report(result) -> str:
    env = Environment(
        loader=FileSystemLoader(str(data_path("report"))),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(result=result, fig=result.figures)


def write_report_html(result, path: Path) -> None:
    path.write_text(render_report(result), encoding="utf-8")
