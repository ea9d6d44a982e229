"""returns/: for each input workbook with findings, a copy for the agent who filled it, with every cell that has a
finding coloured and commented, and a sheet listing the findings. The only output that may hold original values."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..findings import SEVERITY_LABELS
from ..forms import FormSpec
from ..records import Finding
from ..xlsx import normalize_zip
from .xlsx_patch import ListSheet, Mark, patch_workbook

FILL_RGB = {"error": "F8CBAD", "warning": "FFE699"}
FILLS = {sev: PatternFill("solid", fgColor=rgb) for sev, rgb in FILL_RGB.items()}
LIST_SHEET = "svcsheet问题清单"
LIST_HEADER = ("级别", "工作表", "行号", "单元格", "字段", "填写内容", "怎么改")
LIST_WIDTHS = (6, 14, 6, 8, 16, 24, 70)
HEADER_RGB = "DDEBF7"
HEADER_FILL = PatternFill("solid", fgColor=HEADER_RGB)


def write_returns(result, forms: dict[str, FormSpec], folder: Path) -> None:
    from ..executors import FileJob
    from ..pipeline import map_files

    tasks: list[FileJob] = []
    taken: set[Path] = set()
    for fr in result.files:
        findings = [f for f in fr.findings] + [f for r in fr.rows for f in r.findings]
        if fr.error or not any(f.severity in ("error", "warning") for f in findings):
            continue  # nothing the agent must fix
        findings.sort(key=lambda f: (f.sheet, f.row or 0, f.cell or "", f.code))
        target = _free_path(folder / _return_name(fr.name), taken)  # masked names may coincide: never overwrite
        taken.update((target, _list_path(target)))
        target.parent.mkdir(parents=True, exist_ok=True)
        tasks.append(FileJob(fr.input.path, target, findings))
    # each copy is independent: worker processes share them (names were chosen above, in input order)
    options = result.options
    for _ in map_files(_write_one, tasks, None, getattr(options, "jobs", 1), getattr(options, "executor", None)):
        pass


def _write_one(task: tuple[Path, Path, list[Finding]], _shared: object) -> None:
    source, target, findings = task
    if source.suffix.lower() in (".xlsx", ".xlsm") and _annotate(source, target, findings):
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
    path = Path(name)
    suffix = path.suffix.lower() if path.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    return str(path.with_name(f"{path.stem}.退回{suffix}"))


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
    return ListSheet(LIST_SHEET, list(LIST_HEADER), rows, list(LIST_WIDTHS), HEADER_RGB, wrap_col=6)


def _annotate_openpyxl(source: Path, target: Path, findings: list[Finding]) -> bool:
    """The slow path: openpyxl loads and re-saves the copy (dropping what it does not model)."""
    try:
        tmp = target.with_name(f"~part-{target.name}")  # openpyxl insists on the .xlsx/.xlsm extension
        shutil.copyfile(source, tmp)
        wb = load_workbook(tmp, keep_vba=source.suffix.lower() == ".xlsm")
        by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in findings:
            if f.cell and ":" not in f.cell and f.sheet in wb.sheetnames:
                by_cell[(f.sheet, f.cell)].append(f)
        for (sheet, ref), items in by_cell.items():
            cell = wb[sheet][ref]
            worst = "error" if any(f.severity == "error" for f in items) else items[0].severity
            if worst in FILLS:
                cell.fill = FILLS[worst]
            cell.comment = Comment(_comment_text(items), "svcsheet", width=320, height=120)
        _add_list(wb, findings)
        wb.save(tmp)
        normalize_zip(tmp)
        tmp.replace(target)
        return True
    except Exception:  # noqa: BLE001 - any failure to re-save falls back to the findings list
        tmp.unlink(missing_ok=True)
        return False


def _add_list(wb, findings: list[Finding]) -> None:
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    ws.append(list(LIST_HEADER))
    for values in _listing(findings).rows:
        ws.append(values)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"  # keep typed text as text, never a formula
    for col, width in zip("ABCDEFG", LIST_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for (cell,) in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"  # one printed page across, for the agent
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _list_only(target: Path, findings: list[Finding]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _add_list(wb, findings)
    wb.save(target)
    normalize_zip(target)
