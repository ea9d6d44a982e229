"""Team-made workbook layouts for the reader tests: built with openpyxl the way teams copy the paper forms.

Labels come from the form specs; only layout decoration (titles, 填表人 rows, footers) is typed here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from svcsheet.forms import FieldSpec, FormSpec, get_form


def fullwidth_variant(f: FieldSpec) -> str:
    """A variant as a team types it: full-width brackets when the variant has a note, else spaced label."""
    for v in f.variants:
        if "(" in v:
            return v.replace("(", "（").replace(")", "）")
    return " ".join(f.label) if len(f.label) <= 4 else f.label + "*"


def header_cells(form: FormSpec, keys: list[str], style: str = "plain") -> list[str]:
    """Header texts for ``keys``: plain labels, or 'variant' (variants, full-width, spaces, trailing *)."""
    out = []
    for i, key in enumerate(keys):
        f = form.field(key)
        if style == "plain":
            out.append(f.label + (" *" if f.required else ""))
        elif i % 3 == 0:
            out.append(fullwidth_variant(f))
        elif i % 3 == 1:
            out.append(f" {f.label} ＊" if f.required else f"{f.label} ")
        else:
            out.append(f.variants[0] if f.variants else f.label)
    return out


def write_row(ws: Worksheet, row: int, values: list[Any], first_col: int = 1) -> None:
    for i, v in enumerate(values):
        if v is not None:
            ws.cell(row, first_col + i, v)


def new_book() -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    return wb, wb.active


def card_sheet(ws: Worksheet, form: FormSpec, values: dict[str, Any]) -> dict[str, str]:
    """A two-column card: label in A, value in B, one field per row after a title; returns field -> value ref."""
    ws.cell(1, 1, form.name)
    refs = {}
    for r, f in enumerate(form.fields, start=2):
        ws.cell(r, 1, f.label)
        if values.get(f.key) is not None:
            ws.cell(r, 2, values[f.key])
            refs[f.key] = f"B{r}"
    return refs


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, fmt: str, out_dir: Path) -> Path:
    """Convert with LibreOffice (``fmt`` = xls or ods); the caller skips when soffice is missing."""
    exe = soffice()
    assert exe is not None
    profile = out_dir / f"lo-profile-{os.getpid()}"
    filt = {"xls": "xls:MS Excel 97", "ods": "ods"}[fmt]
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            filt,
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = out_dir / f"{path.stem}.{fmt}"
    assert result.exists(), f"LibreOffice did not write {result}"
    return result


def form(key: str) -> FormSpec:
    return get_form(key)
