"""Round 8 (perfwork): the pool workers' per-file work made cheaper without changing what it yields."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from svcsheet import pipeline
from svcsheet.forms import load_forms
from svcsheet.outputs import returns, xlsx_patch
from svcsheet.policy import load_policy
from svcsheet.reading.discover import discover_inputs
from svcsheet.records import FieldMap
from svcsheet.sla import verdicts

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)


@cache
def _pools() -> dict[str, dict[str, list]]:
    """Per form, per field: every parsed value the samples hold for it, an empty cell and no column (every field,
    not only those the memo's key holds: a field the key misses must vary too)."""
    policy = load_policy(None)
    forms = load_forms()
    pools: dict[str, dict[str, list]] = {}
    for item in discover_inputs([SAMPLES]).files:
        for row in pipeline.read_file(item, (policy, AS_OF)).rows:
            form = forms[row.form]
            pool = pools.setdefault(row.form, {})
            for key in form.field_keys:
                seen = pool.setdefault(key, [verdicts._ABSENT, None])
                value = row.values.get(key, verdicts._ABSENT)
                if not any(value is v for v in seen):
                    seen.append(value)
    return pools


@st.composite
def _rows(draw: st.DrawFn) -> tuple[str, list[FieldMap]]:
    """Rows of one form, each the one before with one field a stage reads changed (so a field missing from the
    memo's key makes two rows with different verdicts look the same)."""
    pools = _pools()
    form = draw(st.sampled_from(sorted(pools)))
    current = {key: draw(st.sampled_from(pool)) for key, pool in pools[form].items()}
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        key = draw(st.sampled_from(sorted(pools[form])))
        current[key] = draw(st.sampled_from(pools[form][key]))
        rows.append(FieldMap.of({k: v for k, v in current.items() if v is not verdicts._ABSENT}))
    return form, rows


@settings(max_examples=600, deadline=None)
@given(_rows(), st.sampled_from([AS_OF, AS_OF + timedelta(days=30)]))
def test_memoised_verdicts_are_those_of_the_row_alone(
    rows: tuple[str, list[FieldMap]], as_of: datetime
) -> None:
    """A row whose stages read the same values as an earlier row gets the earlier row's verdicts: for any mix of
    the samples' timestamps, priorities, conditions, empty cells and missing columns they are exactly what the
    row alone gives (a field the stages read left out of the memo's key would hand one row another's)."""
    policy = load_policy(None)
    form = load_forms()[rows[0]]
    cal = pipeline.calendar_of(policy)
    for values in rows[1]:
        got = verdicts.evaluate_row(form, values, policy, cal, as_of)
        assert dict(got) == dict(verdicts._evaluate_row(form, values, policy, cal, as_of))


def test_the_stages_read_keys_cover_priorities_and_conditions() -> None:
    """The memo's key holds every field a stage's verdict depends on: its start and end, the priority its
    target depends on, and the fields of its conditions."""
    policy = load_policy(None)
    forms = load_forms()
    for form in forms.values():
        keys = verdicts._read_keys(form, policy)
        for spec in form.stages:
            rule = policy.stage_rule(form.key, spec.key)
            if rule is None or not rule.enabled:
                continue
            assert spec.start in keys and spec.end in keys
            if rule.priority_field:
                assert rule.priority_field in keys
    assert any(
        policy.stage_rule(f.key, s.key).priority_field
        for f in forms.values()
        for s in f.stages
        if policy.stage_rule(f.key, s.key)
    )


# pieces of sheet XML around the tags returns/ looks for: prefixes, look-alike names, names in attributes and text
_TAG_PIECES = st.sampled_from(
    [
        "<col ", '<col min="1" max="2" style="3"/>', "<x:col>", "<cols>", "</cols>", "<colx>", "col", "cols",
        "<legacyDrawing ", "<x:legacyDrawing/>", "legacyDrawing", "<legacyDrawingHF/>", "<drawingHF>", "drawingHF",
        "<picture/>", "<x:tableParts>", "<extLst>", "<x:y:col>", "<col:col a>", '<c r="A1">', "<", ">", ":", "x",
        " ", "<x:", "<row>", "</row>", "\n", "é", "<é:picture>",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_TAG_PIECES, max_size=30))
def test_tag_searches_from_the_names_find_what_the_whole_search_finds(pieces: list[str]) -> None:
    """returns/ looks for the legacy drawing, the columns' styles and the elements after the legacy drawing from
    where their names occur: the same matches as searching the whole sheet part."""
    xml = "".join(pieces)
    for pattern, names in (
        (xlsx_patch._LEGACY, ("legacyDrawing",)),
        (xlsx_patch._AFTER, xlsx_patch._AFTER_LEGACY),
    ):
        want = pattern.search(xml)
        got = xlsx_patch._search_tag(pattern, xml, names)
        assert (got and got.span()) == (want and want.span())
    assert xlsx_patch._findall_tag(xlsx_patch._COL_TAG, xml, "col") == xlsx_patch._COL_TAG.findall(xml)


def _restyle_cells_before(xml, wanted, new_style, col_styles):
    """xlsx_patch._restyle_cells as it was (every wanted row sorted again at every row of the sheet)."""
    m = re.search(r"<((?:\w+:)?)sheetData\b[^>]*?(/>|>)", xml)
    p = m.group(1)
    start = m.end()
    end = xml.index(f"</{p}sheetData>", start)
    data = xml[start:end]
    by_row: dict[int, dict[int, str]] = {}
    for (r, c), fill in wanted.items():
        by_row.setdefault(r, {})[c] = fill
    out: list[str] = []
    pos = 0
    implicit = 0
    for rm in xlsx_patch._rows(data):
        r_attr = xlsx_patch._attr(rm.open_tag, "r")
        row = int(r_attr) if r_attr else implicit + 1
        implicit = row
        for missing in sorted(k for k in by_row if k < row):
            out.append(data[pos : rm.start()])
            pos = rm.start()
            out.append(xlsx_patch._new_row(p, missing, by_row.pop(missing), None, new_style, col_styles))
        if row not in by_row:
            continue
        out.append(data[pos : rm.start()])
        out.append(xlsx_patch._patch_row(rm, row, by_row.pop(row), new_style, col_styles))
        pos = rm.end()
    out.append(data[pos:])
    for missing in sorted(by_row):
        out.append(xlsx_patch._new_row(p, missing, by_row[missing], None, new_style, col_styles))
    return xml[:start] + "".join(out) + xml[end:]


_ROW_TAGS = st.sampled_from(
    ['<row r="{n}">', "<row>", '<row r="{n}" s="4" customFormat="1">', '<row r="{n}"/>']
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_ROW_TAGS, st.integers(1, 12), st.lists(st.integers(1, 5), max_size=3)), max_size=10),
    st.dictionaries(st.tuples(st.integers(1, 14), st.integers(1, 6)), st.sampled_from(["FFC7CE", "FFEB9C"])),
)
def test_wanted_rows_walked_once_restyle_as_before(rows: list, wanted: dict) -> None:
    """returns/ marks the wanted cells of a sheet whose rows come in any order, with or without numbers: the
    rows it creates and patches are those the former pass made."""
    body = []
    for tag, n, cols in rows:
        open_tag = tag.format(n=n)
        cells = "".join(f'<c r="{"ABCDE"[c - 1]}{n}"><v>1</v></c>' for c in sorted(set(cols)))
        body.append(open_tag if open_tag.endswith("/>") else f"{open_tag}{cells}</row>")
    xml = f"<worksheet><sheetData>{''.join(body)}</sheetData></worksheet>"
    style = lambda s, fill: s * 100 + len(fill)  # noqa: E731
    want = _restyle_cells_before(xml, dict(wanted), style, {2: 7})
    assert xlsx_patch._restyle_cells(xml, dict(wanted), style, {2: 7}) == want


_LIST_VALUES = st.sampled_from(
    [None, "", 1, 12, True, 1.0, "1", "B3", "客户姓名", "这一行是模板自带的示例，请删除后再提交。" * 3, "第一行\n第二行很长很长很长很长很长很长很长很长",
     "x" * 90, "错误", "警告", "客户服务问题反馈表"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_LIST_VALUES, min_size=7, max_size=7), max_size=25))
def test_list_sheet_measures_each_distinct_value_once_as_before(rows: list) -> None:
    """The returns/ list sheet's column widths and row heights: the same as measuring every cell."""
    widths = []
    for c, cap in enumerate(returns.LIST_WIDTHS):
        need = max(
            [returns.text_width(returns.LIST_HEADER[c])]
            + [returns._line_width(r[c]) for r in rows if r[c] not in (None, "")]
        )
        widths.append(float(min(cap, max(6, need + 2))))
    heights = {}
    for r, values in enumerate(rows, start=2):
        lines = 1
        for c in returns.LIST_WRAP:
            if values[c] in (None, ""):
                continue
            room = max(1.0, widths[c] - 1)
            lines = max(lines, sum(returns._lines(p, widths[c], room) for p in str(values[c]).split("\n")))
        if lines > 1:
            heights[r] = returns.LINE_HEIGHT * lines + 3
    assert returns._list_widths(rows) == widths
    assert returns._list_heights(rows, widths) == heights
