"""returns/: for each input workbook with findings, a copy for the agent who filled it, with every cell that has a
finding coloured and commented, and a sheet listing the findings. The only output that may hold original values.

An .xlsx/.xlsm original is copied and patched. An .xls or .ods original cannot be patched in its own format: the
agent gets an .xlsx holding the cells as svcsheet read them (``…（转换副本）.xlsx``), marked the same way, with a
note on the list sheet that it is a converted copy and the original is the file to fix."""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..deid.redact import safe_file_name
from ..findings import SEVERITY_LABELS
from ..forms import FormSpec
from ..records import Finding
from .xlsx import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    LINE_HEIGHT,
    MIN_FIT,
    PAGE_WIDTH_PT,
    WIDE_SCALE,
    _column_points,
    normalize_zip,
    text_width,
)
from .xlsx_patch import ListSheet, Mark, patch_workbook

FILL_RGB = {"error": "F8CBAD", "warning": "FFE699"}
FILLS = {sev: PatternFill("solid", fgColor=rgb) for sev, rgb in FILL_RGB.items()}
LIST_SHEET = "svcsheet问题清单"
LIST_HEADER = ("级别", "工作表", "行号", "单元格", "字段", "填写内容", "怎么改")
LIST_WIDTHS = (6, 14, 6, 8, 16, 24, 70)  # the widest each column gets; narrower when its content is
# every cell wraps, top-aligned: a row reads level across its cells
LIST_WRAP = tuple(range(len(LIST_HEADER)))
CONVERTED = "（转换副本）"
CONVERTED_NOTE = (
    "注意：这是 svcsheet 把原表「{name}」（{fmt} 格式）转换成的 .xlsx 副本，只用来查看哪里要改。"
    "请在原文件中修改后重新提交，不要提交这个副本。"
)
HEADER_RGB = "DDEBF7"
HEADER_FILL = PatternFill("solid", fgColor=HEADER_RGB)


def write_returns(result, forms: dict[str, FormSpec], folder: Path) -> None:
    from ..executors import map_files

    tasks = plan_returns(result.files, folder)
    # each copy is independent: worker processes share them (names were chosen above, in input order)
    options = result.options
    jobs = 1 if _large(result) else getattr(options, "jobs", 1)
    for _ in map_files(_write_one, tasks, None, jobs, getattr(options, "executor", None)):
        pass


def _large(result) -> bool:
    """Whether returns/ is written in this process when no early pool writes it (``EarlyReturns``): workers forked
    now inherit the run's heap, and what they allocate lands in its free memory, copying pages (+120 MB of the
    process tree's peak at 100,000 rows, as much as workers from a fresh server process cost)."""
    from ..executors import small_run

    return not small_run(sum(len(fr.rows) for fr in result.files))


def plan_returns(files, folder: Path) -> list:
    """A FileJob (original, copy to write, its findings) for each file with a finding the agent must fix, its
    name chosen in input order; the folders they go into are made."""
    plan = _Plan(folder)
    return [task for fr in files for task in [plan.task(fr)] if task is not None]


class _Plan:
    """Names of the copies, chosen file by file in input order (masked names may coincide: never overwrite)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: set[Path] = set()

    def task(self, fr):
        from ..executors import FileJob

        findings = [f for f in fr.findings] + [f for r in fr.rows for f in r.findings]
        if fr.error or not any(f.severity in ("error", "warning") for f in findings):
            return None  # nothing the agent must fix
        findings.sort(key=lambda f: (f.sheet, f.row or 0, f.cell or "", f.code))
        target = _free_path(self.folder / _return_name(fr.name), self.taken)
        self.taken.update((target, _list_path(target)))
        target.parent.mkdir(parents=True, exist_ok=True)
        return FileJob(fr.input.path, target, findings)


class EarlyReturns:
    """returns/ written by a LocalPool's workers while this process goes on with the run, into ``staging``
    (a private folder beside the output folder); ``finish`` waits for them and moves the copies into the
    output. A file is added once every finding of its rows is known (after its SLA findings) and its
    de-identified name is set; names are chosen in input order, as ``write_returns`` chooses them."""

    def __init__(self, pool, staging: Path) -> None:
        self.staging, self.pool = staging, pool
        self.plan = _Plan(staging / "returns")
        self.later = pool.start(_write_one, [], None)

    def add(self, fr) -> None:
        """Write the copy of this file (if it needs one) from now on."""
        task = self.plan.task(fr)
        if task is not None:
            self.later.add(task)

    def settle(self) -> None:
        """Wait until every copy is written (or failed: ``finish`` reports it in the writers' order), then stop the
        workers: idle, they still hold their memory, and the run's next stage (clustering) is its largest."""
        self.later.settle()
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def finish(self, folder: Path) -> None:
        """Wait for every copy (a copy whose worker died is written again alone) and move them to ``folder``."""
        self.later.wait()
        if (self.staging / "returns").exists():
            (self.staging / "returns").rename(folder)

    def discard(self) -> None:
        """Stop the workers and remove what they wrote (the run failed, or its outputs are in place)."""
        self.later.cancel()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        shutil.rmtree(self.staging, ignore_errors=True)


def _write_one(task: tuple[Path, Path, list[Finding]], _shared: object) -> None:
    source, target, findings = task
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        if _annotate(source, target, findings):
            return
    elif _convert(source, target, findings):
        return
    _list_only(_list_path(target), findings)


def _list_path(target: Path) -> Path:
    return target.with_name(target.stem + ".问题清单.xlsx")


def _free_path(path: Path, taken: set[Path]) -> Path:
    n = 2
    candidate = path
    while candidate in taken or candidate.exists() or _list_path(candidate).exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _return_name(name: str) -> str:
    """``a.xlsx`` -> ``a.退回.xlsx``; ``a.xls``/``a.ods`` -> ``a.退回（转换副本）.xlsx``; every part Windows-safe
    (masked names hold ``*``, which Windows and SMB shares refuse)."""
    path = Path(name)
    ext = path.suffix.lower()
    leaf = f"{path.stem}.退回{ext}" if ext in (".xlsx", ".xlsm") else f"{path.stem}.退回{CONVERTED}.xlsx"
    parts = [safe_file_name(p) for p in path.parent.parts if p not in ("", ".", "/")]
    return str(Path(*parts, safe_file_name(leaf)))


def _annotate(source: Path, target: Path, findings: list[Finding]) -> bool:
    """Copy the workbook and mark each finding's cell; False when it cannot be done.

    The package is patched (every other part kept byte for byte: images, charts, shapes survive); a package the
    patcher does not handle goes through openpyxl, which loads and re-saves it."""
    try:
        patch_workbook(source, target, _marks(findings), _listing(findings))
        return True
    except Exception:  # noqa: BLE001 - PatchError or a package we misread: the slow path still works
        target.unlink(missing_ok=True)
    return _annotate_openpyxl(source, target, findings)


def _marks(findings: list[Finding]) -> list[Mark]:
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.cell and ":" not in f.cell:
            by_cell[(f.sheet, f.cell)].append(f)
    marks = []
    for (sheet, ref), items in by_cell.items():
        worst = "error" if any(f.severity == "error" for f in items) else items[0].severity
        marks.append(Mark(sheet, ref, FILL_RGB.get(worst), _comment_text(items)))
    return marks


def _comment_text(items: list[Finding]) -> str:
    return "\n".join(f"【{SEVERITY_LABELS.get(f.severity, f.severity)}】{f.message}" for f in items)


def _listing(findings: list[Finding]) -> ListSheet:
    order = {"error": 0, "warning": 1}
    rows: list[list[str | int | None]] = [
        [SEVERITY_LABELS.get(f.severity, f.severity), f.sheet, f.row, f.cell, f.label, f.value, f.message]
        for f in sorted(findings, key=lambda f: order.get(f.severity, 2))  # what must be fixed first; stable
    ]
    widths = _list_widths(rows)
    return ListSheet(
        LIST_SHEET,
        list(LIST_HEADER),
        rows,
        widths,
        HEADER_RGB,
        wrap_col=6,
        wrap_cols=LIST_WRAP,
        heights=_list_heights(rows, widths),
    )


def _list_widths(rows: list[list[str | int | None]]) -> list[float]:
    """Each column as wide as its header and content need, up to ``LIST_WIDTHS`` (longer text wraps)."""
    widths = []
    for c, cap in enumerate(LIST_WIDTHS):
        # each distinct value measured once (a column repeats its sheet, label and message texts)
        distinct = {(type(v), v): v for r in rows if (v := r[c]) not in (None, "")}
        need = max([text_width(LIST_HEADER[c])] + [_line_width(v) for v in distinct.values()])
        widths.append(float(min(cap, max(6, need + 2))))
    return widths


def _line_width(value: object) -> float:
    return max(text_width(part) for part in str(value).split("\n"))


def _lines(text: str, width: float, room: float) -> int:
    """Lines a paragraph takes in a column (as ``xlsx.Sheet.finish`` estimates them)."""
    return 1 if text_width(text) + 2 <= width else max(1, math.ceil(text_width(text) * 1.15 / room))


def _list_heights(rows: list[list[str | int | None]], widths: list[float]) -> dict[int, float]:
    """Row heights (1-based sheet rows, header is row 1) for rows whose wrapped text needs several lines;
    LibreOffice does not grow a row for wrapped text by itself."""
    heights = {}
    # (column, value) -> the lines it takes: values repeat down a column (sheet names, labels, messages)
    counted: dict[tuple[int, type, object], int] = {}
    for r, values in enumerate(rows, start=2):
        lines = 1
        for c in LIST_WRAP:
            text = values[c]
            if text in (None, ""):
                continue
            key = (c, type(text), text)
            n = counted.get(key)
            if n is None:
                room = max(1.0, widths[c] - 1)
                # 15% margin: fonts differ between Excel, WPS and LibreOffice; a spare line beats a cut one
                n = counted[key] = sum(_lines(p, widths[c], room) for p in str(text).split("\n"))
            lines = max(lines, n)
        if lines > 1:
            heights[r] = LINE_HEIGHT * lines + 3
    return heights


def _annotate_openpyxl(source: Path, target: Path, findings: list[Finding]) -> bool:
    """The slow path: openpyxl loads and re-saves the copy (dropping what it does not model)."""
    try:
        tmp = target.with_name(f"~part-{target.name}")  # openpyxl insists on the .xlsx/.xlsm extension
        shutil.copyfile(source, tmp)
        wb = load_workbook(tmp, keep_vba=source.suffix.lower() == ".xlsm")
        _mark(wb, findings, {name: name for name in wb.sheetnames})
        _add_list(wb, findings)
        wb.save(tmp)
        normalize_zip(tmp)
        tmp.replace(target)
        return True
    except Exception:  # noqa: BLE001 - any failure to re-save falls back to the findings list
        tmp.unlink(missing_ok=True)
        return False


def _mark(wb: Workbook, findings: list[Finding], titles: dict[str, str]) -> None:
    """Fill and comment each finding's cell; ``titles`` maps a finding's sheet name to the sheet in ``wb``."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.cell and ":" not in f.cell and f.sheet in titles:
            by_cell[(titles[f.sheet], f.cell)].append(f)
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        if type(cell).__name__ == "MergedCell":  # inside a merged range: the range's first cell shows it
            cell = wb[sheet].cell(*_merge_anchor(wb[sheet], cell.row, cell.column))
        worst = "error" if any(f.severity == "error" for f in items) else items[0].severity
        if worst in FILLS:
            cell.fill = FILLS[worst]
        cell.comment = Comment(_comment_text(items), "svcsheet", width=320, height=120)


def _merge_anchor(ws, row: int, col: int) -> tuple[int, int]:
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _add_list(wb, findings: list[Finding], note: str | None = None) -> None:
    """The findings list as the first sheet, readable as opened and printed: widths from content, long text
    wrapped with its row tall enough, header frozen and filterable, A4 landscape one page wide, header repeated
    on every page, sheet name and page in the footer. ``note`` (a converted copy) goes above the header."""
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    listing = _listing(findings)
    top = 1
    if note:
        ws.cell(1, 1, note).font = Font(bold=True, color="C00000")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LIST_HEADER))
        ws.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[1].height = LINE_HEIGHT * 2 + 3
        top = 2
    for c, header in enumerate(LIST_HEADER, start=1):
        ws.cell(top, c, header)
    for r, values in enumerate(listing.rows, start=top + 1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(r, c, value)
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"  # keep typed text as text, never a formula
            if c - 1 in LIST_WRAP:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
    for c, width in enumerate(listing.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, height in listing.heights.items():
        ws.row_dimensions[r + top - 1].height = height
    for cell in ws[top]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(LIST_HEADER))}{top + max(len(listing.rows), 1)}"
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"  # one printed page across, for the agent
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text, ws.oddFooter.right.text = "&A", "第 &P 页，共 &N 页"


def _convert(source: Path, target: Path, findings: list[Finding]) -> bool:
    """An .xlsx of an .xls/.ods original's cells as read, marked like a patched copy; False when it cannot be
    made (the findings list alone is written instead)."""
    from ..reading.grid import load_grid
    from ..reading.sniff import sniff_format

    try:
        fmt = sniff_format(source)
        book = load_grid(source, fmt)
        wb = Workbook()
        wb.remove(wb.active)
        titles: dict[str, str] = {}
        for grid in book.sheets:
            title = _sheet_title(grid.name, set(titles.values()))
            titles[grid.name] = title
            _copy_grid(grid, wb.create_sheet(title))
        _mark(wb, findings, titles)
        _add_list(wb, findings, CONVERTED_NOTE.format(name=source.name, fmt=f".{fmt}"))
        wb.active = 0
        wb.save(target)
        normalize_zip(target)
        return True
    except Exception:  # noqa: BLE001 - the reader read it once; if not again, the findings list still goes out
        target.unlink(missing_ok=True)
        return False


_BAD_TITLE = str.maketrans({ch: "_" for ch in "[]:*?/\\"})


def _sheet_title(name: str, taken: set[str]) -> str:
    r"""A sheet name .xlsx accepts (31 characters, none of ``[]:*?/\``), distinct from the others."""
    base = (name.translate(_BAD_TITLE).strip("'") or "Sheet")[:31]
    title, n = base, 2
    while title in taken or title == LIST_SHEET:
        title = f"{base[:28]}-{n}"
        n += 1
    return title


TOP = Alignment(vertical="top")  # rows grow for wrapped text: keep their neighbours level with its first line


def _copy_grid(grid, ws) -> None:
    """The grid's values (text stays text, dates keep a date format), merges, hidden columns and state."""
    max_r, max_c = grid.bounds()
    widths: dict[int, float] = defaultdict(lambda: 8.0)
    for (r, c), value in grid.values.items():
        cell = ws.cell(r, c)
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # never a formula, whatever it starts with
            widths[c] = max(widths[c], min(40.0, _line_width(value) + 2))
            wrap = "\n" in value or text_width(value) > 38
            cell.alignment = Alignment(wrap_text=True, vertical="top") if wrap else TOP
        elif isinstance(value, bool | int | float):
            cell.value = value
            cell.alignment = TOP
            widths[c] = max(
                widths[c], min(20.0, len(f"{value:g}" if isinstance(value, float) else str(value)) + 2)
            )
        elif isinstance(value, datetime | date | time):
            cell.value = value
            cell.alignment = TOP
            dated = isinstance(value, datetime) and (value.hour, value.minute, value.second) != (0, 0, 0)
            cell.number_format = (
                DATETIME_FORMAT if dated else DATE_FORMAT if not isinstance(value, time) else "hh:mm"
            )
            widths[c] = max(widths[c], 18.0 if dated else 12.0)
        elif value is not None:
            cell.value = str(value)
            cell.data_type = "s"
    for (r, c), text in grid.errors.items():
        ws.cell(r, c).value = text
        ws.cell(r, c).data_type = "s"
    for r1, c1, r2, c2 in grid.merged:
        r2, c2 = min(r2, max(max_r, r1)), min(c2, max(max_c, c1))  # a sheet-wide merge stays small
        if (r1, c1) != (r2, c2):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = width
    lines: dict[int, int] = defaultdict(lambda: 1)
    for (r, c), value in grid.values.items():  # LibreOffice does not grow a row for wrapped text by itself
        if (
            isinstance(value, str)
            and ("\n" in value or text_width(value) > 38)
            and grid.anchor(r, c) == (r, c)
        ):
            room = max(1.0, widths[c] - 1)
            lines[r] = max(lines[r], sum(_lines(p, widths[c], room) for p in value.split("\n")))
    for r, n in lines.items():
        if n > 1 and not any(m[0] <= r <= m[2] and m[0] != m[2] for m in grid.merged):
            ws.row_dimensions[r].height = LINE_HEIGHT * min(n, 15) + 3
    for c in grid.hidden_cols:
        if c <= max_c:
            ws.column_dimensions[get_column_letter(c)].hidden = True
    ws.sheet_state = grid.state if grid.state in ("hidden", "veryHidden") else "visible"
    # the original's page setup is not carried over: print the copy readably (A4 landscape, one page wide,
    # or, when that would shrink the text past reading, across pages with the first column on each)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    total = sum(_column_points(widths.get(c, 8.43) + 0.71) for c in range(1, max_c + 1))
    if total and PAGE_WIDTH_PT / total < MIN_FIT:
        ws.page_setup.scale = WIDE_SCALE
        ws.page_setup.pageOrder = "overThenDown"
        ws.print_title_cols = "A:A"
    else:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text, ws.oddFooter.right.text = "&A", "第 &P 页，共 &N 页"


def _list_only(target: Path, findings: list[Finding]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _add_list(wb, findings)
    wb.save(target)
    normalize_zip(target)
