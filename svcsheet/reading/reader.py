"""Read a workbook: decide which form each sheet holds and read every data row with its provenance.

Only an unreadable file raises (UnreadableWorkbook); everything else (unknown sheets, formulas without a
value, error cells) is reported as data. Labels come from the form specs; nothing here names a field.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path
from sys import intern
from typing import Any

from openpyxl.utils import get_column_letter

from ..checking.parse import ticket_id_text
from ..checking.values import is_masked_staff
from ..compact import INTERN_MAX, CompactCells, shared_layout
from ..errors import UnreadableWorkbook
from ..findings import make
from ..forms import FormSpec, base_of_normalized, label_base, load_forms, normalize_label
from ..records import Cell, Finding, Provenance, RawRow, SheetInfo
from .grid import DEFAULT_LIMITS, Grid, cell_ref, load_grid, range_ref
from .scan import Budget
from .sniff import check_zip_safety, sniff_format, unreadable

# Sheets our templates add beside the data (names fixed by the template layout contract).
HELPER_SHEETS = {
    "_lists": "模板自带的下拉选项辅助表，不含数据，已跳过",
    "填写说明": "模板自带的填写说明，不含数据，已跳过",
}
# Words that open a sign-off or note row under a list (填表人：…, 主管审核：…); such rows are not data.
FOOTER_WORDS = (
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "主管审核",
    "负责人",
    "签字",
    "日期",
    "填表日期",
    "注",
    "说明",
    "备注说明",
    "合计",
    "总计",
)
_FOOTER_PAIR = re.compile(r"^\s*[^\d\s:：]{1,8}\s*[:：]")
MIN_FIELDS = 3  # a header (or card) must match the id field and at least this many fields in all
HEADER_SCAN_ROWS = 40
BLOCK_ROWS = 30


@dataclass
class WorkbookRead:
    """What one workbook holds: every sheet (recognised or not), the data rows and the reading findings."""

    file: str
    sheets: list[SheetInfo] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    format: str = ""


def read_workbook(path: Path, display_name: str | None = None, limits: Any = None) -> WorkbookRead:
    """Read ``path``; raises UnreadableWorkbook only when the file itself cannot be read.

    Whatever goes wrong inside (a library's own exception, exhausted memory or recursion, the time budget)
    becomes UnreadableWorkbook with a Chinese reason: one file never ends a batch.
    ``limits`` is a dict with keys of ``grid.DEFAULT_LIMITS``, or the policy's ``limits`` section (a dict with
    max_file_mb, max_unzip_ratio, max_rows_per_sheet, file_seconds, or its typed view).
    """
    path = Path(path)
    try:
        return _read(path, display_name, _limits(limits))
    except UnreadableWorkbook:
        raise
    except MemoryError as exc:
        raise unreadable(path, "文件内容过大，读取时内存不足，请拆分后提交") from exc
    except RecursionError as exc:
        raise unreadable(path, "文件内容嵌套过深，疑似恶意文件，已拒绝") from exc
    except Exception as exc:  # any library's surprise on a strange file: reported, never fatal to the run
        raise unreadable(path, UNEXPECTED) from exc


UNEXPECTED = "文件内容异常，无法解析（可能已损坏，或由不常见的程序生成），请在 Excel 或 WPS 中打开后另存为 .xlsx 再提交"


def check_size(path: Path, limits: Any = None) -> int:
    """The file's size, refused when over the limit: checked before anything reads (or hashes) the file."""
    lim = _limits(limits)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise unreadable(path, "文件无法打开（不存在或没有读取权限）") from exc
    if size > lim["max_file_bytes"]:
        raise unreadable(
            path, f"文件过大（{size / 1e6:.1f} MB，上限 {lim['max_file_bytes'] / 1e6:.0f} MB），请拆分后提交"
        )
    return size


def _read(path: Path, display_name: str | None, lim: dict[str, Any]) -> WorkbookRead:
    check_size(path, lim)
    budget = Budget(path, float(lim["file_seconds"]), int(lim["max_cells"]))
    lim = {**lim, "budget": budget}
    fmt = sniff_format(path)
    if fmt != "xls":
        check_zip_safety(path, int(lim["max_total_bytes"]), float(lim["max_ratio"]))
    book = load_grid(path, fmt, lim)
    for grid in book.sheets:
        rows = len(grid.occupied_rows())
        if rows > lim["max_rows"]:
            raise unreadable(
                path, f"工作表「{grid.name}」有 {rows} 行，超过上限 {lim['max_rows']} 行，请拆分后提交"
            )
    out = WorkbookRead(file=display_name or path.name, format=fmt)
    for grid in book.sheets:
        budget.check()
        _read_sheet(grid, out, book.declared_form)
    return out


# The policy's names for the limits (templates/policy.yaml) -> the reader's own names, with a unit factor.
_POLICY_LIMITS = {
    "max_file_mb": ("max_file_bytes", 1_000_000),
    "max_unzip_ratio": ("max_ratio", 1),
    "max_rows_per_sheet": ("max_rows", 1),
    "file_seconds": ("file_seconds", 1),
    "max_cells": ("max_cells", 1),
}


def _limits(limits: Any) -> dict[str, Any]:
    lim: dict[str, Any] = dict(DEFAULT_LIMITS)
    if limits is None:
        return lim
    given = (
        dict(limits) if isinstance(limits, dict) else {k: getattr(limits, k, None) for k in _POLICY_LIMITS}
    )
    for key, value in given.items():
        if value is None:
            continue
        if key in _POLICY_LIMITS:
            name, factor = _POLICY_LIMITS[key]
            lim[name] = value * factor
        else:
            lim[key] = value
    return lim


# --------------------------------------------------------------------------------------------------
# Labels: every label and variant of the form specs, matched after normalisation
# --------------------------------------------------------------------------------------------------


class LabelIndex:
    """Header/label text -> field key for one form (labels before variants, exact before base match)."""

    def __init__(self, form: FormSpec) -> None:
        self._seen: dict[str, tuple[str, bool] | None] = {}
        self.exact: dict[str, str] = {}
        self.base: dict[str, str] = {}
        for f in form.fields:
            self.exact.setdefault(normalize_label(f.label), f.key)
        for f in form.fields:
            for variant in f.variants:
                self.exact.setdefault(normalize_label(variant), f.key)
            for text in f.all_labels():
                self.base.setdefault(label_base(text), f.key)
        # A bare label after a field (责任人签字 … 日期) belongs to the field that `follows` it.
        self.bare: dict[tuple[str, str], str] = {}
        for f in form.fields:
            if f.follows:
                word = _bare_word(form, f)
                self.bare[(word, f.follows)] = f.key

    def match_full(self, text: str) -> tuple[str, bool] | None:
        """(field key, exact) when the whole text is one of this form's labels."""
        if text not in self._seen:
            if len(self._seen) > 20_000:
                self._seen.clear()
            self._seen[text] = _match_full(self, text)
        return self._seen[text]

    def resolve(self, label: str, previous: str | None) -> str | None:
        hit = self.match_full(label)
        if hit:
            return hit[0]
        if previous is not None:
            return self.bare.get((normalize_label(label), previous))
        return None


def _bare_word(form: FormSpec, f: Any) -> str:
    before = form.field(f.follows).label
    if f.label.startswith(before) and len(f.label) > len(before):
        return normalize_label(f.label[len(before) :])
    return normalize_label(f.label)


@cache
def label_index(form_key: str) -> LabelIndex:
    return LabelIndex(load_forms()[form_key])


def _match_full(idx: LabelIndex, text: str) -> tuple[str, bool] | None:
    n = normalize_label(text)
    if not n or len(n) > 40:
        return None
    if n in idx.exact:
        return idx.exact[n], True
    base = base_of_normalized(n).strip("*★☆:")  # label_base(text), without normalising the text again
    if base in idx.exact:
        return idx.exact[base], False
    if base in idx.base:
        return idx.base[base], False
    return None


@dataclass(frozen=True)
class CardHit:
    """A label found in a card cell; ``value`` is the text after its colon (None: the whole cell is the label)."""

    label: str
    value: str | None


@cache
def _all_labels() -> tuple[frozenset[str], re.Pattern[str]]:
    """Every label word of every form (fields, variants, sections, groups, bare words) and a pair pattern."""
    words: set[str] = set()
    for form in load_forms().values():
        for f in form.fields:
            words.update(normalize_label(t) for t in f.all_labels())
            words.update(label_base(t) for t in f.all_labels())
            if f.group:
                words.add(normalize_label(f.group))
            if f.follows:
                words.add(_bare_word(form, f))
        words.update(normalize_label(label) for _, label in form.sections)
    words.discard("")
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?P<label>{alternation})\s*[*★]?\s*(?:\([^()]{{0,20}}\)\s*[*★]?\s*)?:")
    return frozenset(words), pattern


_EXTRA_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")"})


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC text (brackets and colons half-width) and, per output char, its index in ``text``."""
    out: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch).translate(_EXTRA_BRACKETS):
            out.append(n)
            pos.append(i)
    return "".join(out), pos


@lru_cache(maxsize=8192)
def cell_hits(text: str) -> tuple[CardHit, ...]:
    """Labels in one card cell: the whole cell as a label, or `label：value` pairs starting the cell."""
    words, pattern = _all_labels()
    if is_masked_staff(text):  # *工程师, 客服代表*: a staff value, though 工程师 is also a label
        return ()
    whole = normalize_label(text)
    if whole in words:
        return (CardHit(whole, None),)
    base = base_of_normalized(whole).strip("*★☆:")
    if base and base in words and len(whole) <= len(base) + 12:
        return (CardHit(base, None),)
    norm, pos = _normalize_with_map(text)
    matches = list(pattern.finditer(norm))
    if not matches or norm[: matches[0].start()].strip():
        return ()
    hits = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(norm)
        start = m.end()
        raw = text[pos[start] : pos[end] if end < len(norm) else len(text)] if start < len(norm) else ""
        hits.append(CardHit(m.group("label"), raw.strip()))
    return tuple(hits)


# --------------------------------------------------------------------------------------------------
# Per sheet
# --------------------------------------------------------------------------------------------------


@dataclass
class _ListMatch:
    form: FormSpec
    header_top: int
    header_bottom: int
    columns: dict[int, str]  # column -> field key
    exact: int

    @property
    def score(self) -> tuple[int, int, int, int]:
        return (len(self.columns), self.exact, int(self.header_top == self.header_bottom), -self.header_top)


@dataclass
class _CardMatch:
    form: FormSpec
    fields: dict[str, tuple[str | None, Any, int, tuple[int, int] | None]]  # key -> (ref, raw, row, anchor)
    by_names: bool = False

    @property
    def score(self) -> int:
        return len(self.fields)


def _read_sheet(grid: Grid, out: WorkbookRead, declared: str | None) -> None:
    def info(form: str | None, reason: str, header: int | None = None, rows: int = 0) -> None:
        out.sheets.append(SheetInfo(out.file, grid.name, form, reason, header, rows, grid.hidden))

    if grid.name in HELPER_SHEETS:
        info(None, HELPER_SHEETS[grid.name])
        return
    if grid.state == "veryHidden":
        out.findings.append(replace(make("sheet_very_hidden", Provenance(out.file, grid.name, 0)), row=None))
    if not grid.values and not grid.no_value and not grid.errors and not grid.bad_numbers:
        info(None, "工作表为空")
        out.findings.append(_sheet_finding(out.file, grid.name, "工作表为空", severity="info"))
        return
    forms = load_forms()
    card = _card_by_names(grid, forms)
    if card is None:
        listed = _best_list(grid, forms, declared)
        most = max((len(f.fields) for f in forms.values() if f.layout == "card"), default=0)
        found = _best_card(grid, forms) if listed is None or most > 1.5 * len(listed.columns) else None
        if found and (listed is None or found.score > 1.5 * len(listed.columns)):
            card = found
        elif listed is not None:
            rows = _list_rows(grid, listed, out)
            info(
                listed.form.key,
                f"第 {listed.header_bottom} 行为表头，识别为「{listed.form.name}」（匹配 {len(listed.columns)} 个字段）",
                listed.header_bottom,
                rows,
            )
            return
    if card is not None:
        how = "模板定义的名称" if card.by_names else "标签"
        reason = f"按{how}识别为「{card.form.name}」卡片（匹配 {card.score} 个字段）"
        if _card_row(grid, card, out):
            info(card.form.key, reason, None, 1)
        else:
            info(card.form.key, reason + "，但没有填写任何内容，已跳过")
        return
    reason = _why_unrecognised(grid, forms)
    info(None, reason)
    out.findings.append(_sheet_finding(out.file, grid.name, reason))


def _sheet_finding(file: str, sheet: str, reason: str, severity: str | None = None) -> Finding:
    f = make("sheet_unrecognised", Provenance(file, sheet, 0), reason=reason, severity=severity)
    return replace(f, row=None)


def _why_unrecognised(grid: Grid, forms: dict[str, FormSpec]) -> str:
    best: tuple[int, FormSpec] | None = None
    for form in forms.values():
        idx = label_index(form.key)
        found = {m[0] for m in (idx.match_full(v) for v in grid.values.values() if isinstance(v, str)) if m}
        if best is None or len(found) > best[0]:
            best = (len(found), form)
    ids = "、".join(f"「{f.id_label}」" for f in forms.values())
    if best is None or best[0] == 0:
        return f"没有找到任何表单的表头或标签（表头需包含编号列，如 {ids}）"
    n, form = best
    return f"最接近「{form.name}」，但只找到 {n} 个字段标签，或缺少编号列「{form.id_label}」"


# --------------------------------------------------------------------------------------------------
# List layout: one header row (or a two-row grouped header), one record per row
# --------------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _HeaderCells:
    """What _header_columns looks at, read once per sheet (every list form tries every candidate row)."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._cols: dict[tuple[int, ...], list[int]] = {}
        self._texts: dict[tuple[int, int], str | None] = {}

    def cols(self, rows: tuple[int, ...]) -> list[int]:
        # Columns holding text in these rows, or in the row above (a label merged down into them).
        found = self._cols.get(rows)
        if found is None:
            grid = self.grid
            found = self._cols[rows] = sorted({c for r in (rows[0] - 1, *rows) for c in grid.row_cols(r)})
        return found

    def text(self, r: int, c: int) -> str | None:
        try:
            return self._texts[(r, c)]
        except KeyError:
            text = self._texts[(r, c)] = _text(self.grid.value(r, c, across=False))
            return text


def _header_columns(
    grid: Grid, rows: tuple[int, ...], idx: LabelIndex, cells: _HeaderCells | None = None
) -> tuple[dict[int, str], int]:
    """Column -> field for a header made of ``rows`` (lowest row wins per column); and the exact-match count."""
    columns: dict[int, str] = {}
    exact = 0
    taken: set[str] = set()
    cells = cells or _HeaderCells(grid)
    for c in cells.cols(rows):
        for r in reversed(rows):
            text = cells.text(r, c)
            hit = idx.match_full(text) if text else None
            if hit and hit[0] not in taken:
                columns[c] = hit[0]
                taken.add(hit[0])
                exact += int(hit[1])
                break
    return columns, exact


def _text_rows(grid: Grid) -> list[int]:
    """The first HEADER_SCAN_ROWS rows holding text (rows in order: stop once that many are found)."""
    found: list[int] = []
    values = grid.values
    for r in grid.occupied_rows():
        if any(isinstance(values.get((r, c)), str) for c in grid.row_cols(r)):
            found.append(r)
            if len(found) == HEADER_SCAN_ROWS:
                break
    return found


def _best_list(grid: Grid, forms: dict[str, FormSpec], declared: str | None) -> _ListMatch | None:
    text_rows = _text_rows(grid)
    candidates = [f for f in forms.values() if f.layout == "list" or f.list_ok]
    if declared in forms and forms[declared] in candidates:
        candidates = [forms[declared]] + [f for f in candidates if f.key != declared]
    best: _ListMatch | None = None
    cells = _HeaderCells(grid)
    # Without merges a header row's labels are its own cells' texts: a candidate whose rows do not hold the id
    # label and MIN_FIELDS distinct labels in all cannot match (columns map distinct fields), so it is skipped
    # before its columns are worked out (most of the rows scanned are data rows, without a single label).
    plain = not grid.merged
    for form in candidates:
        idx = label_index(form.key)
        labels: dict[int, set[str]] = {}
        for r in text_rows:
            for rows in ((r,), (r, r + 1)):
                if plain:
                    found = set().union(*(_row_labels(grid, cells, idx, x, labels) for x in rows))
                    if form.id_field not in found or len(found) < MIN_FIELDS:
                        continue
                columns, exact = _header_columns(grid, rows, idx, cells)
                if form.id_field not in columns.values() or len(columns) < MIN_FIELDS:
                    continue
                match = _ListMatch(form, rows[0], rows[-1], columns, exact)
                if best is None or match.score > best.score:
                    best = match
        if best is not None and best.form.key == declared:
            return best  # our template says which form it is
    return best


def _row_labels(
    grid: Grid, cells: _HeaderCells, idx: LabelIndex, r: int, memo: dict[int, set[str]]
) -> set[str]:
    """The fields whose labels the cells of row ``r`` hold (one form)."""
    found = memo.get(r)
    if found is None:
        found = memo[r] = set()
        for c in grid.row_cols(r):
            text = cells.text(r, c)
            hit = idx.match_full(text) if text else None
            if hit:
                found.add(hit[0])
    return found


def _is_footer(values: list[Any]) -> bool:
    texts = [v for v in values if v is not None]
    if not texts or not all(isinstance(v, str) for v in texts):
        return False
    if _footer_word(texts[0]):
        return True
    return all(_FOOTER_PAIR.match(t) for t in texts)


@lru_cache(maxsize=8192)
def _footer_word(text: str) -> bool:
    return normalize_label(text.split(":")[0].split("：")[0]) in FOOTER_WORDS


def _list_rows(grid: Grid, match: _ListMatch, out: WorkbookRead) -> int:
    keys = set(match.columns.values())
    count = 0
    plain = _plain_rows(grid, match, out.file)
    for r in grid.occupied_rows():
        if r <= match.header_bottom:
            continue
        if r not in plain:
            count += _list_row(grid, match, out, r, keys)
            continue
        row = plain[r]
        if row is not None:
            out.rows.append(row)
            count += 1
    return count


def _plain_rows(grid: Grid, match: _ListMatch, file: str) -> dict[int, RawRow | None]:
    """The rows below the header that no merge or error/formula cell touches, read a row at a time: each
    becomes what _list_row makes of it (a RawRow, its cells compact from the start) or None (not data)."""
    form = match.form
    by_key = {key: c for c, key in match.columns.items()}
    order = [(key, by_key[key]) for key in form.field_keys if key in by_key]
    cols = [c for _, c in order]
    layout, _ = shared_layout(tuple((key, get_column_letter(c)) for key, c in order))
    # a row whose cells all lie in the table's columns: the footer test's values are its field values put in
    # column order (the test reads the values that are not None, in column order)
    in_table = set(cols).issuperset
    by_column = sorted(range(len(cols)), key=cols.__getitem__)
    ordered = _same if by_column == list(range(len(cols))) or len(cols) < 2 else itemgetter(*by_column)
    touched: set[int] = set()
    max_r = grid.bounds()[0] if grid.merged else 0  # a pass over every cell: only for the merges
    for r1, _, r2, _ in grid.merged:
        touched.update(range(r1, min(r2, max_r) + 1))
    for r, _ in (*grid.no_value, *grid.errors, *grid.bad_numbers):
        touched.add(r)
    idx = label_index(form.key)
    get = grid.values.get
    keys = [key for key, _ in order]
    labels: dict[str, str | None] = {}  # text -> the field it labels
    rows: dict[int, RawRow | None] = {}
    for r in grid.occupied_rows():
        if r <= match.header_bottom or r in touched:
            continue
        raws = [get((r, c)) for c in cols]
        row_cols = grid.row_cols(r)
        shown = ordered(raws) if in_table(row_cols) else [get((r, c)) for c in row_cols]
        # _list_row's two footer tests in one: a row without any field value has no id either
        if _is_footer(shown) and not _has_data_shape(grid, r, match):
            rows[r] = None
            continue
        same = 0
        for key, v in zip(keys, raws, strict=True):
            if isinstance(v, str):
                if v not in labels:
                    hit = idx.match_full(v)
                    labels[v] = hit[0] if hit else None
                same += labels[v] == key
        if same >= MIN_FIELDS:  # the header repeated (no merge touches this row, so it is no divider)
            rows[r] = None
            continue
        typed = tuple([intern(v) if type(v) is str and len(v) <= INTERN_MAX else v for v in raws])
        cells = CompactCells(layout, r, typed)
        rows[r] = RawRow(form.key, Provenance(file, grid.name, r), cells, "list")
    return rows


def _same(values: list[Any]) -> list[Any]:
    return values


def _list_row(grid: Grid, match: _ListMatch, out: WorkbookRead, r: int, keys: set[str]) -> int:
    """One row below the header, cell by cell (merges, error cells): 1 when it is data, else 0."""
    form = match.form
    own = [grid.own(r, c) for c in grid.row_cols(r)]
    if not any(grid.own(r, c) is not None for c in match.columns) and _is_footer(own):
        return 0
    if _is_footer(own) and not _has_data_shape(grid, r, match):
        return 0
    if _repeats_header(grid, r, match) or _is_divider(grid, r, match):
        return 0
    cells: dict[str, Cell] = {}
    prov = Provenance(out.file, grid.name, r)
    pending: list[Finding] = []
    for c, key in match.columns.items():
        ar, ac = grid.anchor(r, c)
        if ac != c:  # continuation of a merge from a column to the left: not this field's value
            cells[key] = Cell(cell_ref(r, c), None)
            continue
        raw, issue = _cell_value(grid, ar, ac)
        cells[key] = Cell(cell_ref(ar, ac), raw)
        if issue:
            pending.append(_cell_finding(issue, prov, form, key, cell_ref(ar, ac), grid, ar, ac))
    ticket = cells.get(form.id_field)
    ticket_id = ticket_id_text(ticket.raw) if ticket is not None else None
    out.findings.extend(replace(f, ticket_id=ticket_id) for f in pending)
    out.rows.append(RawRow(form.key, prov, {k: cells[k] for k in form.field_keys if k in keys}, "list"))
    return 1


def _is_divider(grid: Grid, r: int, match: _ListMatch) -> bool:
    """A section divider typed across the table (`第46周（11月9日—15日）`): one text in a merge spanning at least
    half of the form's columns on this row. It is a heading, not a ticket."""
    filled = [c for c in grid.row_cols(r) if grid.own(r, c) is not None]
    if len(filled) != 1 or not isinstance(grid.own(r, filled[0]), str):
        return False
    merge = grid.merge_at(r, filled[0])
    if merge is None or merge[0] != r:
        return False
    spanned = [c for c in match.columns if merge[1] <= c <= merge[3]]
    return len(spanned) >= max(3, len(match.columns) // 2)


def _has_data_shape(grid: Grid, r: int, match: _ListMatch) -> bool:
    """A row whose id cell holds something other than a `label：` note is data even if texts look like pairs."""
    id_col = next(c for c, k in match.columns.items() if k == match.form.id_field)
    value = grid.own(r, id_col)
    return value is not None and not (isinstance(value, str) and _FOOTER_PAIR.match(value))


def _repeats_header(grid: Grid, r: int, match: _ListMatch) -> bool:
    idx = label_index(match.form.key)
    same = 0
    for c, key in match.columns.items():
        text = _text(grid.own(r, c))
        hit = idx.match_full(text) if text else None
        same += int(bool(hit and hit[0] == key))
    return same >= MIN_FIELDS


def _cell_value(grid: Grid, r: int, c: int) -> tuple[Any, str | None]:
    if (r, c) in grid.no_value:
        return None, "formula_no_value"
    if (r, c) in grid.errors:
        return None, "cell_error"
    if (r, c) in grid.bad_numbers:
        return None, "bad_number"
    return grid.own(r, c), None


def _cell_finding(
    code: str, prov: Provenance, form: FormSpec, key: str, ref: str, grid: Grid, r: int, c: int
) -> Finding:
    return make(
        code,
        prov,
        cell=ref,
        field=key,
        label=form.field(key).label,
        form=form.key,
        value=grid.errors.get((r, c)) or grid.bad_numbers.get((r, c)),
    )


# --------------------------------------------------------------------------------------------------
# Card layout: one record per sheet
# --------------------------------------------------------------------------------------------------


def _card_by_names(grid: Grid, forms: dict[str, FormSpec]) -> _CardMatch | None:
    """Our card template: every value cell is a sheet-scoped defined name equal to the field key."""
    for form in forms.values():
        if form.layout != "card" or form.id_field not in grid.names:
            continue
        found: dict[str, tuple[str | None, Any, int, tuple[int, int] | None]] = {}
        for f in form.fields:
            if f.key not in grid.names:
                continue
            r1, c1, r2, c2 = grid.names[f.key]
            if f.type == "timeline":
                found[f.key] = (
                    range_ref(r1, c1, r2, c2),
                    _timeline_text(grid, range(r1, r2 + 1), c1, c2),
                    r1,
                    None,
                )
            else:
                found[f.key] = (cell_ref(r1, c1), grid.own(r1, c1), r1, (r1, c1))
        if len(found) >= MIN_FIELDS:
            return _CardMatch(form, found, by_names=True)
    return None


def _format_part(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value).strip()


_ENUMERATOR = re.compile(r"^\s*\d{1,2}\s*[.、．)）]\s*(?=\d{4}|[^\d\s])")
_PLACEHOLDER = re.compile(r"^[\s_＿]*$|^\s*年\s*月\s*日\s*$")


def _is_seq(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100


def _timeline_text(grid: Grid, rows: range, c1: int, c2: int) -> str | None:
    """Each non-empty row becomes one `YYYY-MM-DD HH:MM 说明` line; a leading sequence number is dropped."""
    lines = []
    for r in rows:
        parts = [grid.own(r, c) for c in range(c1, c2 + 1)]
        if c2 > c1 and _is_seq(parts[0]):
            parts = parts[1:]  # the 序号 column
        parts = [p for p in parts if p is not None and not (isinstance(p, str) and _PLACEHOLDER.match(p))]
        text = " ".join(_format_part(p) for p in parts)
        text = _ENUMERATOR.sub("", text).strip().strip("_＿").strip()
        if text:
            lines.append(text)
    return "\n".join(lines) or None


def _best_card(grid: Grid, forms: dict[str, FormSpec]) -> _CardMatch | None:
    hits = _all_hits(grid)
    best: _CardMatch | None = None
    for form in forms.values():
        if form.layout != "card":
            continue
        found = _card_fields(grid, form, hits)
        if form.id_field in found and len(found) >= MIN_FIELDS and (best is None or len(found) > best.score):
            best = _CardMatch(form, found)
    return best


def _all_hits(grid: Grid) -> dict[tuple[int, int], list[CardHit]]:
    hits = {}
    for (r, c), value in grid.values.items():
        if isinstance(value, str):
            found = cell_hits(value)
            if found:
                hits[(r, c)] = found
    return hits


def _card_fields(
    grid: Grid, form: FormSpec, hits: dict[tuple[int, int], list[CardHit]]
) -> dict[str, tuple[str | None, Any, int, tuple[int, int] | None]]:
    idx = label_index(form.key)
    max_r, max_c = grid.bounds()
    found: dict[str, tuple[str | None, Any, int, tuple[int, int] | None]] = {}
    previous: dict[int, str] = {}  # row -> last field seen on it (for a bare 日期 label)
    for r, c in sorted(hits):
        cell_list = hits[(r, c)]
        for i, hit in enumerate(cell_list):
            key = idx.resolve(hit.label, previous.get(r))
            if key is None:
                continue
            previous[r] = key
            last = i == len(cell_list) - 1
            if hit.value is not None and not _PLACEHOLDER.match(hit.value):
                entry = (cell_ref(r, c), hit.value.strip(), r, (r, c))
            elif hit.value is not None and not last:
                entry = (cell_ref(r, c), None, r, None)
            else:
                entry = _value_beside(grid, hits, form, key, r, c, max_r, max_c)
            if key not in found or (found[key][1] is None and entry[1] is not None):
                found[key] = entry
    return found


def _value_beside(
    grid: Grid,
    hits: dict[tuple[int, int], list[CardHit]],
    form: FormSpec,
    key: str,
    r: int,
    c: int,
    max_r: int,
    max_c: int,
) -> tuple[str | None, Any, int, tuple[int, int] | None]:
    """The value of a label cell: the next non-empty cell to the right, else the block below it."""
    merge = grid.merge_at(r, c)
    right_start = (merge[3] if merge else c) + 1
    for cc in grid.row_cols(r):
        if cc < right_start:
            continue
        if (r, cc) in hits:
            return cell_ref(r, right_start), None, r, None
        raw, _ = _cell_value(grid, r, cc)
        if isinstance(raw, str) and _PLACEHOLDER.match(raw):
            raw = None
        return cell_ref(r, cc), raw, r, (r, cc)
    below = (merge[2] if merge else r) + 1
    if form.field(key).type == "timeline":
        return _timeline_below(grid, hits, r, c, below, max_r, max_c)
    rows: list[tuple[int, Any]] = []
    hit_rows = {hr for hr, _ in hits}
    for rr in range(below, min(max_r, below + BLOCK_ROWS) + 1):
        if rr in hit_rows:
            break
        value = grid.own(rr, c)
        if value is None:
            break
        rows.append((rr, value))
    if not rows:
        return cell_ref(r, right_start) if right_start <= max_c else None, None, r, None
    if len(rows) == 1:
        return cell_ref(rows[0][0], c), rows[0][1], r, (rows[0][0], c)
    text = "\n".join(_format_part(v) for _, v in rows)
    return range_ref(rows[0][0], c, rows[-1][0], c), text, r, None


def _timeline_below(
    grid: Grid, hits: dict[tuple[int, int], list[CardHit]], r: int, c: int, below: int, max_r: int, max_c: int
) -> tuple[str | None, Any, int, tuple[int, int] | None]:
    first = below
    head = [grid.own(first, cc) for cc in grid.row_cols(first) if cc >= c]
    head = [h for h in head if h is not None]
    hit_rows = {hr for hr, _ in hits}
    if head and all(
        isinstance(h, str) and len(normalize_label(h)) <= 4 and not re.search(r"\d", h) for h in head
    ):
        first += 1  # the small table's own header (序号 | 时间 | 沟通记录)
    last = first - 1
    blank = 0
    for rr in range(first, min(max_r, first + BLOCK_ROWS) + 1):
        if rr in hit_rows:
            break
        if any(cc > c or not _is_seq(grid.own(rr, cc)) for cc in grid.row_cols(rr) if cc >= c):
            last, blank = rr, 0
        else:
            blank += 1
            if blank >= 3:
                break
    if last < first:
        return None, None, r, None
    used = [cc for rr in range(first, last + 1) for cc in grid.row_cols(rr) if cc >= c]
    c2 = max(used) if used else c
    return range_ref(first, c, last, c2), _timeline_text(grid, range(first, last + 1), c, c2), r, None


def _card_row(grid: Grid, card: _CardMatch, out: WorkbookRead) -> bool:
    """Append the card's record; False (nothing appended) when no field holds a value."""
    form = card.form
    id_entry = card.fields[form.id_field]
    prov = Provenance(out.file, grid.name, id_entry[2])
    cells: dict[str, Cell] = {}
    pending: list[Finding] = []
    for key in form.field_keys:
        if key not in card.fields:
            continue
        ref, raw, _, anchor = card.fields[key]
        if anchor is not None:
            value, issue = _cell_value(grid, *anchor)
            if issue:
                raw = None
                pending.append(_cell_finding(issue, prov, form, key, ref or cell_ref(*anchor), grid, *anchor))
            elif card.by_names:
                raw = value
        cells[key] = Cell(ref, raw)
    if not pending and all(c.raw is None for c in cells.values()):
        return False
    ticket_id = ticket_id_text(cells[form.id_field].raw)
    out.findings.extend(replace(f, ticket_id=ticket_id) for f in pending)
    out.rows.append(RawRow(form.key, prov, cells, "card"))
    return True
