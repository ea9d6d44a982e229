"""Find the workbooks a run reads: files as given, folders searched recursively, never beyond them.

Inside a given folder only regular files are read: a symbolic link is followed only when it stays inside that
folder, and devices, pipes (FIFOs), sockets and the tool's own key file are never opened. Everything passed over
that a user could have meant as an input is listed with a Chinese reason (run.json, terminal summary).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..deid.keys import default_key_file
from ..errors import UsageError

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")

SKIP_LINK_OUT = "是指向输入文件夹之外的链接，为安全起见未读取"
SKIP_DANGLING = "是失效的链接（指向的文件不存在），未读取"
SKIP_SPECIAL = "不是普通文件（设备、管道或套接字），未读取"
SKIP_KEY = "是 svcsheet 的密钥文件，不能作为输入，未读取"
SKIP_UNREADABLE = "无法查看（没有权限），未读取"
# Spreadsheets in formats svcsheet does not read: listed with what to do, never skipped silently.
UNSUPPORTED = {
    ".csv": "CSV 不保存单元格位置和格式，无法按表单读取；请在 Excel/WPS 中另存为 .xlsx",
    ".numbers": "Numbers 文件请在 Numbers 中导出为 .xlsx",
    ".et": "WPS 表格文件请另存为 .xlsx",
    ".ett": "WPS 表格模板请另存为 .xlsx",
    ".xlsb": "二进制工作簿请另存为 .xlsx",
    ".xltx": "这是 Excel 模板，请另存为 .xlsx 后填写",
}


@dataclass(frozen=True)
class InputFile:
    """One workbook to read: its path and the name shown in every output (relative, stable across machines)."""

    path: Path
    name: str


@dataclass(frozen=True)
class SkippedInput:
    """Something given (or found in a given folder) that is not read, and why (Chinese)."""

    name: str
    reason: str
    unsupported: bool = False  # a spreadsheet in a format svcsheet does not read (.csv, .et...): listed, not an error


@dataclass
class Inputs:
    files: list[InputFile] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)


def find_inputs(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[InputFile]:
    """The workbooks of ``discover_inputs`` (what is skipped is dropped)."""
    return discover_inputs(inputs, exclude).files


def discover_inputs(
    inputs: Sequence[Path], exclude: Sequence[Path] = (), protect: Sequence[Path | str | None] = ()
) -> Inputs:
    """Every workbook under the given files and folders, sorted by display name, each once; and what was skipped.

    Office lock files (``~$name.xlsx``), anything under ``exclude`` (the run's own output folder) and earlier
    svcsheet output folders are passed over silently. A file given explicitly is read whatever its extension
    (the reader sniffs content, not names). ``protect`` names files never read (the key file is always one).
    """
    excluded = [Path(p).resolve() for p in exclude]
    secret = _identities([default_key_file(), *protect])
    found: dict[Path, InputFile] = {}
    skipped: list[SkippedInput] = []
    for given in map(Path, inputs):
        if not given.exists() and not given.is_symlink():
            raise UsageError(f"输入不存在：{given}")
        reason = _special(given, secret)
        if reason:
            skipped.append(SkippedInput(given.name, reason))
            continue
        if not given.is_dir():
            found.setdefault(given.resolve(), InputFile(given, given.name))
            continue
        root = given.resolve()
        for path in sorted(_walk(given), key=Path.is_symlink):  # a file before a link to it: its own name wins
            shown = f"{root.name}/{path.relative_to(given).as_posix()}"
            resolved = path.resolve()
            if any(resolved.is_relative_to(e) for e in excluded) or _in_output_folder(path, given):
                continue
            if path.is_symlink():
                if not path.exists():
                    skipped.append(SkippedInput(shown, SKIP_DANGLING))
                    continue
                if not resolved.is_relative_to(root):
                    skipped.append(SkippedInput(shown, SKIP_LINK_OUT))
                    continue
                if resolved.is_dir():
                    continue  # a folder inside the input: walked where it really is
            reason = _special(path, secret)
            if reason:
                skipped.append(SkippedInput(shown, reason))
                continue
            if path.name.startswith("~$"):
                continue  # office lock files
            if path.suffix.lower() in UNSUPPORTED:
                skipped.append(SkippedInput(shown, UNSUPPORTED[path.suffix.lower()], unsupported=True))
                continue
            if path.suffix.lower() not in EXTENSIONS:
                continue
            found.setdefault(resolved, InputFile(path, shown))
    files = _unique_names(sorted(found.values(), key=lambda f: (f.name, str(f.path))))
    return Inputs(files, sorted(set(skipped), key=lambda s: s.name))


def _walk(folder: Path) -> list[Path]:
    """Every entry under ``folder`` except directories, symbolic links included but never followed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        out.extend(here / d for d in dirnames if (here / d).is_symlink())
        out.extend(here / f for f in sorted(filenames))
    return sorted(out)


def _identities(paths: Sequence[Path | str | None]) -> set[tuple[int, int]]:
    ids = set()
    for p in paths:
        if not p:
            continue
        try:
            st = Path(p).expanduser().stat()
        except OSError:
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


def _special(path: Path, secret: set[tuple[int, int]]) -> str | None:
    """Why ``path`` must not be opened (None: a regular file or folder that may be)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return SKIP_DANGLING
    except OSError:
        return SKIP_UNREADABLE
    if (st.st_dev, st.st_ino) in secret:
        return SKIP_KEY
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return SKIP_SPECIAL
    return None


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


# Everything a run writes into its output folder; the marker is written last and holds the run id.
OUTPUT_MARKER = ".svcsheet-output"
OUTPUT_ENTRIES = frozenset(
    {"clean.xlsx", "rejects.xlsx", "summary.xlsx", "report.html", "returns", "trace.json", "run.json", OUTPUT_MARKER}
)
_RETURN_SUFFIXES = (".xlsx", ".xlsm")


def check_output_folder(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder whose replacement would destroy something that svcsheet did not write.

    The run replaces ``out`` as a whole, so it must not hold an input, and an existing non-empty folder must be
    an earlier output: it holds svcsheet's marker and nothing but what svcsheet writes.
    """
    target = out.resolve()
    for given in inputs:
        if Path(given).resolve().is_relative_to(target):
            raise UsageError(
                f"输出目录 {out} 包含输入 {given}，请换一个输出目录"
            )
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"输出位置 {out} 是一个文件，请换一个目录")
    foreign = foreign_entries(target)
    if foreign is None:
        raise UsageError(
            f"输出目录 {out} 不是空目录，也不是 svcsheet 写的输出目录（没有 svcsheet 的标记文件）。"
            "svcsheet 会整体替换输出目录，为免删除其中的文件，请指定新目录或空目录"
        )
    if foreign:
        shown = "、".join(foreign[:3]) + ("等" if len(foreign) > 3 else "")
        raise UsageError(
            f"输出目录 {out} 里有不是 svcsheet 写的内容（{shown}）。svcsheet 会整体替换输出目录，"
            "为免删除这些内容，请把它们移走，或指定新目录"
        )


def _earlier_version_output(folder: Path) -> bool:
    """An output folder of a version before the marker: its run.json lists every other file in the folder with
    the hash it was written with, so nothing in it can be the user's (a foreign run.json lists none of them)."""
    import json

    from ..audit.archive import sha256_file

    manifest = folder / "run.json"
    try:
        if manifest.is_symlink() or manifest.stat().st_size > 50_000_000:
            return False
        data = json.loads(manifest.read_text(encoding="utf-8"))
        listed = {o["path"]: o["sha256"] for o in data["outputs"]} if "svcsheet_version" in data else None
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not listed:
        return False
    for path in folder.rglob("*"):
        if path.is_symlink():
            return False
        if not path.is_file() or path == manifest:
            continue
        rel = path.relative_to(folder).as_posix()
        if listed.get(rel) != sha256_file(path):
            return False
    return True


def foreign_entries(folder: Path) -> list[str] | None:
    """What in ``folder`` svcsheet did not write ([] for an empty folder or a clean earlier output);
    None when the folder has content but no marker with a run id."""
    entries = sorted(folder.iterdir())
    if not entries:
        return []
    marker = folder / OUTPUT_MARKER
    try:
        run_id = marker.read_text(encoding="ascii").strip() if marker.is_file() and not marker.is_symlink() else ""
    except (OSError, UnicodeDecodeError):
        run_id = ""
    if not (len(run_id) == 16 and all(c in "0123456789abcdef" for c in run_id)):
        return [] if _earlier_version_output(folder) else None
    foreign = []
    for entry in entries:
        if entry.name not in OUTPUT_ENTRIES or entry.is_symlink():
            foreign.append(entry.name)
        elif entry.name == "returns":
            if not entry.is_dir():
                foreign.append(entry.name)
                continue
            for dirpath, _, filenames in os.walk(entry):
                for name in filenames:
                    p = Path(dirpath) / name
                    if p.suffix.lower() not in _RETURN_SUFFIXES or p.is_symlink():
                        foreign.append(p.relative_to(folder).as_posix())
        elif not entry.is_file():
            foreign.append(entry.name)
    return foreign
