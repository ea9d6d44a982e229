"""Safe, reproducible workbook writing shared by every output (clean, rejects, summary).

- text is always written as text: a value starting with = + - @ never becomes a formula;
- dates and times are real Excel dates with a visible number format;
- fixed document timestamps, so the same content gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

FIXED_CREATED = datetime(2024, 1, 1, 0, 0, 0)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
CELL_LIMIT = 32767
TRUNCATED = "…（超长，已截断）"


@dataclass
class Styles:
    """The few cell formats every output uses."""

    title: Any
    header: Any
    text: Any
    wrap: Any
    datetime: Any
    date: Any
    time: Any
    number: Any
    percent: Any
    bad: Any
    warn: Any
    good: Any


def new_workbook(path: Path, *, stream: bool = False) -> tuple[xlsxwriter.Workbook, Styles]:
    """A workbook that never turns strings into formulas, numbers or links, with fixed timestamps.

    ``stream``: rows go to disk as they are written (xlsxwriter's constant_memory), for the large outputs
    whose sheets are written top to bottom, one row after the other."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": stream,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATETIME_FORMAT,
        },
    )
    wb.set_properties({"created": FIXED_CREATED, "author": "svcsheet", "title": path.stem})
    wb.set_calc_mode("auto")
    base = {"font_name": "微软雅黑", "font_size": 10, "valign": "top"}
    styles = Styles(
        title=wb.add_format({**base, "bold": True, "font_size": 14}),
        header=wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        text=wb.add_format(base),
        wrap=wb.add_format({**base, "text_wrap": True}),
        datetime=wb.add_format({**base, "num_format": DATETIME_FORMAT}),
        date=wb.add_format({**base, "num_format": DATE_FORMAT}),
        time=wb.add_format({**base, "num_format": "hh:mm"}),
        number=wb.add_format({**base, "num_format": "0.00"}),
        percent=wb.add_format({**base, "num_format": "0.0%"}),
        bad=wb.add_format({**base, "bg_color": "#F8CBAD"}),
        warn=wb.add_format({**base, "bg_color": "#FFE699"}),
        good=wb.add_format({**base, "bg_color": "#C6EFCE"}),
    )
    return wb, styles


def write_value(ws: Worksheet, row: int, col: int, value: Any, styles: Styles, fmt: Any = None) -> None:
    """Write one value with the right cell type. ``row``/``col`` are 0-based (xlsxwriter)."""
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), fmt or styles.datetime)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt or styles.date)
    elif isinstance(value, time):
        ws.write_datetime(row, col, value, fmt or styles.time)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt or styles.text)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt or styles.text)
    elif isinstance(value, (tuple, list)):
        ws.write_string(row, col, "、".join(str(v) for v in value), fmt or styles.text)
    else:
        text = str(value)
        if len(text) > CELL_LIMIT:  # Excel's limit; validation has already warned the agent
            text = text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
        ws.write_string(row, col, text, fmt or styles.text)


def write_table(
    ws: Worksheet,
    top: int,
    headers: list[str],
    rows: list[list[Any]],
    styles: Styles,
    widths: list[float] | None = None,
    autofilter: bool = True,
) -> int:
    """A header row and data rows from ``top`` (0-based); returns the next free row."""
    for c, h in enumerate(headers):
        ws.write_string(top, c, h, styles.header)
    for r, values in enumerate(rows, start=top + 1):
        for c, v in enumerate(values):
            write_value(ws, r, c, v, styles)
    for c, h in enumerate(headers):
        width = widths[c] if widths and c < len(widths) else max(8.0, min(40.0, len(h) * 2.2 + 2))
        ws.set_column(c, c, width)
    if autofilter and headers:
        ws.autofilter(top, 0, top + max(len(rows), 1), len(headers) - 1)
    ws.freeze_panes(top + 1, 0)
    return top + 1 + len(rows)


def normalize_zip(path: Path) -> None:
    """Rewrite a workbook written by openpyxl so the same content gives the same bytes.

    openpyxl stamps the zip entries and docProps/core.xml with the current time; fix both.
    """
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    fixed = FIXED_CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = path.with_suffix(path.suffix + ".zip")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + fixed.encode(), data
                )
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    tmp.replace(path)
