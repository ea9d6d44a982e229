"""Find the workbooks a run reads: files as given, folders searched recursively."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class InputFile:
    """One workbook to read: its path and the name shown in every output (relative, stable across machines)."""

    path: Path
    name: str


def find_inputs(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[InputFile]:
    """Every workbook under the given files and folders, sorted by display name, each once.

    Office lock files (``~$name.xlsx``), anything under ``exclude`` (the run's own output folder) and earlier
    svcsheet output folders (they hold run.json beside clean.xlsx) are skipped.
    A file given explicitly is read whatever its extension: the reader sniffs content, not names.
    """
    excluded = [p.resolve() for p in exclude]
    found: dict[Path, InputFile] = {}
    for given in inputs:
        if not given.exists():
            raise UsageError(f"输入不存在 / input not found: {given}")
        if given.is_file():
            found.setdefault(given.resolve(), InputFile(given, given.name))
            continue
        for path in sorted(given.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in EXTENSIONS or path.name.startswith("~$"):
                continue
            resolved = path.resolve()
            if any(resolved.is_relative_to(e) for e in excluded) or _in_output_folder(path, given):
                continue
            name = f"{given.resolve().name}/{path.relative_to(given).as_posix()}"
            found.setdefault(resolved, InputFile(path, name))
    return _unique_names(sorted(found.values(), key=lambda f: (f.name, str(f.path))))


def _unique_names(files: list[InputFile]) -> list[InputFile]:
    """Two inputs shown under one name (a/w.xlsx and b/w.xlsx given as files) get their folder, then a number."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f.name] = counts.get(f.name, 0) + 1
    out, taken = [], set()
    for f in files:
        name = f.name if counts[f.name] == 1 else f"{f.path.parent.name}/{f.name}"
        base, n = name, 2
        while name in taken:
            name, n = f"{Path(base).stem}-{n}{Path(base).suffix}", n + 1
        taken.add(name)
        out.append(InputFile(f.path, name))
    return out


def _in_output_folder(path: Path, root: Path) -> bool:
    """True when a folder between ``root`` and ``path`` is a svcsheet output folder."""
    for folder in path.parents:
        if (folder / "run.json").is_file() and (folder / "clean.xlsx").is_file():
            return True
        if folder == root:
            break
    return False


def check_output_folder(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder whose replacement would destroy something that is not an earlier svcsheet output.

    The run replaces ``out`` as a whole, so it must not hold an input, and an existing non-empty folder must be an
    earlier output (it holds run.json).
    """
    target = out.resolve()
    for given in inputs:
        if Path(given).resolve().is_relative_to(target):
            raise UsageError(
                f"输出目录 {out} 包含输入 {given}，请换一个输出目录 / --out must not contain an input"
            )
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"输出位置 {out} 是一个文件，请换一个目录 / --out is a file")
        if any(target.iterdir()) and not (target / "run.json").is_file():
            raise UsageError(
                f"输出目录 {out} 已有其他文件，svcsheet 会整体替换输出目录，请指定空目录或上次的输出目录 / "
                "--out exists and is not an earlier svcsheet output"
            )
