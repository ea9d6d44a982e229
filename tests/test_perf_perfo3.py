"""The parent's serial output stages, faster (issue 12, round 5): the same figures and the same bytes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.audit.history import TicketRecord
from svcsheet.forms import FORM_KEYS, load_forms
from svcsheet.outputs.figures import TrendPoint, _trend, compliance, tally_table, trend
from svcsheet.policy import load_policy
from svcsheet.sla.period import as_datetime, month_period, week_period
from svcsheet.sla.verdicts import OUTCOMES, compliance_table
from tests.test_perf_perfw import EVERY_KIND, _write

FORMS = load_forms()
STAGES = sorted({s.key for f in FORMS.values() for s in f.stages}) + ["no_such_stage"]


# ---------------------------------------------------------------- summary.xlsx: shared strings put in directly


def test_every_cell_kind_held_to_the_end_gives_the_bytes_xlsxwriter_gives(tmp_path) -> None:
    # summary.xlsx is not streamed: its tables' text and times go into xlsxwriter's cell table directly
    rows = [EVERY_KIND, list(reversed(EVERY_KIND)), EVERY_KIND[:5], [], [None, None], EVERY_KIND] * 3
    tall = [["\n".join("一二三四五六七八"), i, "长" * 100, dt.datetime(2026, 11, 2, 9, i)] for i in range(25)]
    tables = [rows, tall, [[v] for v in EVERY_KIND], [["TS1", 1], ["TS2", 2]], [["只有一行"]]]
    fast = _write(tmp_path / "fast", tables, True, stream=False)
    plain = _write(tmp_path / "plain", tables, False, stream=False)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    assert b'ht="114.75"' in fast["xl/worksheets/sheet2.xml"]  # the wrapped rows' heights (8 lines)


values = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab =<>&\n 客户投诉①\x01"), max_size=50),
    st.sampled_from(["重复", "重复", "长" * 40, ""]),  # texts seen again: one shared string, counted each time
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.times(),
    st.booleans(),
    st.tuples(st.sampled_from(["上门", "电话", "a"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(values, max_size=8), max_size=12), st.lists(st.lists(values, max_size=3), max_size=4))
def test_any_table_held_to_the_end_gives_the_bytes_xlsxwriter_gives(tmp_path_factory, rows, more) -> None:
    folder = tmp_path_factory.mktemp("t")
    fast = _write(folder / "fast", [rows, more], True, stream=False)
    assert fast == _write(folder / "plain", [rows, more], False, stream=False)


# ---------------------------------------------------------------- figures: counted once, the same figures

items = st.lists(
    st.tuples(
        st.sampled_from(FORM_KEYS),
        st.sampled_from(STAGES),
        st.sampled_from(["紧急", "高", "中", "低", "一般", "未填写", "不分级", None]),
        st.sampled_from(OUTCOMES),
    ),
    max_size=60,
)


@given(items)
def test_a_tally_gives_the_compliance_table_of_its_items(picked) -> None:
    table = tally_table(Counter(picked))
    expected = compliance_table({"form": f, "stage": s, "group": g, "outcome": o} for f, s, g, o in picked)
    assert table == expected
    assert [list(t) for t in table] == [list(t) for t in expected]  # the keys in the same order too


def _record(form: str, opened, stages: dict[str, str], priority: str | None, sat) -> TicketRecord:
    return TicketRecord(
        form=form,
        ticket_id="T",
        opened=opened,
        priority=priority,
        stages=stages,
        satisfaction=sat,
        scores={"满意度": sat} if isinstance(sat, int) else {},
    )


records = st.lists(
    st.builds(
        _record,
        st.sampled_from(FORM_KEYS),
        st.one_of(
            st.none(),
            st.datetimes(min_value=dt.datetime(2026, 8, 1), max_value=dt.datetime(2027, 1, 31)),
            st.dates(min_value=dt.date(2026, 8, 1), max_value=dt.date(2027, 1, 31)),
        ),
        st.dictionaries(st.sampled_from(STAGES[:-1]), st.sampled_from(OUTCOMES), max_size=3),
        st.sampled_from(["紧急", "高", "中", "低", None]),
        st.one_of(st.none(), st.integers(1, 5), st.sampled_from(["满意", "一般", "不满意"])),
    ),
    max_size=40,
)


@given(records, st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2026, 12, 31)), st.booleans())
def test_the_trend_found_by_bisection_is_the_trend_of_each_period(pool, day, monthly) -> None:
    policy = load_policy(None)
    period = month_period(day.year, day.month) if monthly else week_period(day)
    period = period.upto(dt.datetime.combine(day, dt.time(9)))  # partial, as a run's period usually is
    got = trend(pool, period, policy)
    expected = []
    for p in period.trend():
        rs = [r for r in pool if p.contains(r.opened)]
        sats = [r.scores["满意度"] for r in rs if "满意度" in r.scores]
        answers = [s for s in (r.satisfaction in policy.reports.satisfied_scores if isinstance(r.satisfaction, int)
                               else r.satisfaction in policy.reports.satisfied_choices
                               for r in rs if r.satisfaction is not None)]
        expected.append(
            TrendPoint(
                p.label,
                len(rs),
                sum(sats) / len(sats) if sats else None,
                sum(answers) / len(answers) if answers else None,
                len(answers),
            )
        )
    assert got == expected
    # the same with the opening times given (as compute_figures gives them)
    assert _trend(pool, [as_datetime(r.opened) for r in pool], period, policy) == expected


@given(records)
def test_compliance_lines_and_bars_count_every_judged_stage(pool) -> None:
    own = {k: {s.key for s in f.stages} for k, f in FORMS.items()}
    pool = [replace(r, stages={s: o for s, o in r.stages.items() if s in own[r.form]}) for r in pool]
    lines, bars = compliance(pool, FORMS)
    judged = Counter((r.form, s) for r in pool for s, o in r.stages.items())
    assert sum(sum(line.counts.values()) for line in lines) == sum(judged.values())
    assert sum(b.met + b.breached + b.overdue for b in bars) == sum(
        1 for r in pool for o in r.stages.values() if o in ("达标", "超时", "逾期未完成")
    )


# ---------------------------------------------------------------- a streamed sheet's rows copied as bytes


def _streamed(folder, fast: bool, write) -> dict[str, bytes]:
    import zipfile

    import xlsxwriter

    from svcsheet.outputs.xlsx import new_workbook

    folder.mkdir()
    path = folder / "s.xlsx"
    wb, _styles = new_workbook(path, stream=True)
    if not fast:
        wb.worksheet_class = xlsxwriter.worksheet.Worksheet
    write(wb)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()} | {"": path.read_bytes()}


def test_a_streamed_sheet_copied_as_bytes_is_the_sheet_xlsxwriter_copies_as_text(tmp_path) -> None:
    # a formula keeps a raw \r (a cell's text has it escaped): a text-mode copy turns \r\n and \r into \n
    big = "长文本" * 30_000  # the rows span several copy chunks

    def write(wb) -> None:
        ws = wb.add_worksheet("甲")
        for r in range(40):
            ws.write_string(r, 0, f"{r}{big[: r * 3000]}")
            ws.write_formula(r, 1, '="a\r\nb\rc"' + "\r" * (r % 3))
            ws.write_number(r, 2, r)
        wb.add_worksheet("空")  # no rows: an empty sheetData
        wb.add_worksheet("乙").write_formula(0, 0, '="x"\r')  # the last byte a lone \r

    fast = _streamed(tmp_path / "fast", True, write)
    plain = _streamed(tmp_path / "plain", False, write)
    assert fast.keys() == plain.keys()
    for name in fast:
        assert fast[name] == plain[name], name
    assert b"a\nb\nc" in fast["xl/worksheets/sheet1.xml"]
