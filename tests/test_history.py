"""The history store on a real SQLite file: upsert replaces, the previous week and the trend come from it. A row's
record keeps its stages in key order, and records made once per combination of values (a memo) equal the records
made from each row's values alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_figures import AS_OF, FORMS, T, fixture_result, fixture_rows

from svcsheet.audit.history import HistoryStore, TicketRecord, run_records, save_run, to_record
from svcsheet.errors import UsageError
from svcsheet.forms import load_forms
from svcsheet.outputs.figures import compute_figures
from svcsheet.records import FieldMap, Provenance, Row
from svcsheet.sla.verdicts import StageResult


def split_by_week():
    """The fixture's rows as two weekly batches: W46 (opened before the 16th) and W47."""
    rows = fixture_rows()
    w46, w47 = {}, {}
    for name, rs in rows.items():
        w46[name] = [r for r in rs if r.value(FORMS[r.form].opened_field) < T(16, 0)]
        w47[name] = [r for r in rs if r.value(FORMS[r.form].opened_field) >= T(16, 0)]
    return w46, w47


def run_week(rows, db, as_of):
    result = fixture_result(rows=rows, history=db, as_of=as_of)
    result.figures = compute_figures(result, FORMS)
    save_run(result)
    return result.figures


def test_records_round_trip_without_personal_data(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    rows = [r for rs in fixture_rows().values() for r in rs]
    records = run_records(rows, FORMS)
    assert store.upsert_rows("run1", records) == 10
    back = store.rows_between(T(1, 0), T(30, 0))
    assert sorted(back, key=lambda r: r.key) == sorted(records, key=lambda r: r.key)
    assert [r.opened for r in back] == sorted(r.opened for r in records)
    # only de-identified record fields are stored: no free text such as the suggestions
    raw = (
        sqlite3.connect(tmp_path / "h.sqlite")
        .execute("SELECT group_concat(record) FROM tickets")
        .fetchone()[0]
    )
    assert "老化测试" not in raw and "客服忙线" not in raw
    assert set(dataclasses.asdict(records[0])) == {f.name for f in dataclasses.fields(TicketRecord)}


def test_rows_between_is_half_open(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    store.upsert_rows(
        "r",
        [TicketRecord("issue_feedback", "FB1", T(16, 0)), TicketRecord("issue_feedback", "FB2", T(23, 0))],
    )
    assert [r.ticket_id for r in store.rows_between(T(16, 0), T(23, 0))] == ["FB1"]


def test_two_weekly_runs_give_the_trend_and_the_change(tmp_path):
    db = tmp_path / "history.sqlite"
    w46, w47 = split_by_week()
    first = run_week(w46, db, dt.datetime(2026, 11, 16, 9))
    assert first.period_label == "2026-W46"
    assert first.kpi("tickets").value == 2 and first.kpi("tickets").previous == 0

    second = run_week(w47, db, AS_OF)
    assert second.period_label == "2026-W47"
    assert second.history_tickets == 0  # nothing of W47 came from earlier runs
    tickets = second.kpi("tickets")
    assert (tickets.value, tickets.previous, tickets.change_text) == (8, 2, "+6")
    assert second.kpi("score:满意度").previous == 3.5 and second.kpi("csat").previous == 0.5
    assert [t.tickets for t in second.trend][-2:] == [2, 8]
    assert second.trend[-2].satisfaction_mean == 3.5


def test_rerunning_a_week_replaces_it(tmp_path):
    db = tmp_path / "history.sqlite"
    w46, w47 = split_by_week()
    run_week(w46, db, dt.datetime(2026, 11, 16, 9))
    once = run_week(w47, db, AS_OF)
    count = HistoryStore(db).count()
    twice = run_week(w47, db, AS_OF)
    assert HistoryStore(db).count() == count == 10
    assert twice.kpis == once.kpis and twice.trend == once.trend


def test_an_earlier_batch_of_the_same_week_is_kept(tmp_path):
    """Two teams' workbooks of the same week sent in two runs: the week holds both."""
    db = tmp_path / "history.sqlite"
    _, w47 = split_by_week()
    run_week({"a.xlsx": w47["a.xlsx"]}, db, AS_OF)
    fig = run_week({"b.xlsx": w47["b.xlsx"]}, db, AS_OF)
    assert fig.history_tickets == 3
    assert fig.kpi("tickets").value == 8


def test_without_history_nothing_is_stored(tmp_path):
    result = fixture_result()
    result.figures = compute_figures(result, FORMS)
    save_run(result)
    assert result.figures.history_path is None
    assert list(tmp_path.iterdir()) == []


def test_record_run_keeps_the_manifest_once(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    manifest = {
        "run_id": "abc",
        "as_of": "2026-11-23 09:00",
        "period": "2026-W47",
        "totals": {"rows_read": 3},
    }
    store.record_run(manifest)
    store.record_run(manifest)
    assert store.runs() == [manifest]


def test_a_file_that_is_not_a_history_database_is_refused(tmp_path):
    bad = tmp_path / "h.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match="历史记录库"):
        HistoryStore(bad).count()


# ---------------------------------------------------------------- through the whole pipeline


def _log_book(path, rows) -> None:
    """A response_log workbook typed the way agents do: one header row of the form's labels."""
    import openpyxl

    form = FORMS["response_log"]
    keys = [
        "issue_no",
        "customer",
        "phone",
        "description",
        "category",
        "urgency",
        "received_time",
        "first_response_time",
        "resolved_time",
        "solution",
        "handler",
        "result",
        "satisfaction",
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([form.field(k).label for k in keys])
    for no, day, minutes, sat in rows:
        t = dt.datetime(2026, 11, day, 10, 0)
        ws.append(
            [
                no,
                "张伟",
                "13812345678",
                "设备开机无反应",
                "技术故障",
                "紧急",
                t,
                t + dt.timedelta(minutes=minutes),
                t + dt.timedelta(hours=5),
                "更换电源适配器后恢复正常",
                "李四",
                "已解决",
                sat,
            ]
        )
    wb.save(path)


def test_pipeline_weekly_runs_with_history(tmp_path):
    from svcsheet.pipeline import RunOptions, run

    db = tmp_path / "history.sqlite"
    _log_book(tmp_path / "w46.xlsx", [("20261110001", 10, 5, "满意"), ("20261112001", 12, 30, "不满意")])
    _log_book(
        tmp_path / "w47.xlsx",
        [("20261117001", 17, 5, "满意"), ("20261118001", 18, 50, "一般"), ("20261119001", 19, 3, "满意")],
    )

    def week(name, as_of, out):
        return run(RunOptions(inputs=[tmp_path / name], out=tmp_path / out, as_of=as_of, history=db))

    first = week("w46.xlsx", dt.datetime(2026, 11, 16, 9), "o46")
    assert first.figures.period_label == "2026-W46" and first.figures.kpi("tickets").value == 2
    second = week("w47.xlsx", AS_OF, "o47")
    fig = second.figures
    assert (fig.kpi("tickets").value, fig.kpi("tickets").previous) == (3, 2)
    assert (fig.kpi("csat").value, fig.kpi("csat").previous) == (2 / 3, 1 / 2)
    assert (fig.kpi("sla").value, fig.kpi("sla").previous) == (2 / 3, 1 / 2)  # 15 minutes for 紧急
    assert [(t.label, t.tickets) for t in fig.trend][-2:] == [("2026-W46", 2), ("2026-W47", 3)]
    html = (tmp_path / "o47" / "report.html").read_text(encoding="utf-8")
    assert re.search(r'data-kpi="tickets">.*?上期 2；变化 <span class="up">\+1</span>', html, re.S)

    again = week("w47.xlsx", AS_OF, "o47b")
    store = HistoryStore(db)
    assert store.count() == 5
    assert [r["period"] for r in store.runs()] == ["2026-W46", "2026-W47"]
    assert again.figures.kpis == fig.kpis
    for name in ("summary.xlsx", "report.html"):
        assert (tmp_path / "o47" / name).read_bytes() == (tmp_path / "o47b" / name).read_bytes()


def test_history_off_on_the_command_line_uses_no_history(tmp_path):
    from types import SimpleNamespace

    from svcsheet.audit.history import history_path
    from svcsheet.policy import load_policy

    for word in ("off", "OFF"):
        result = SimpleNamespace(
            options=SimpleNamespace(history=word, out=tmp_path / "out"), policy=load_policy()
        )
        assert history_path(result) is None  # never a database file named "off"
    named = SimpleNamespace(
        options=SimpleNamespace(history=tmp_path / "h.sqlite", out=None), policy=load_policy()
    )
    assert history_path(named) == tmp_path / "h.sqlite"


def test_reading_back_leaves_out_the_tickets_asked_to_skip(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    tickets = (TicketRecord("issue_feedback", f"FB{i}", T(16, i)) for i in range(3))  # a generator is enough
    assert store.upsert_rows("r", tickets) == 3
    back = store.rows_between(T(16, 0), T(23, 0), skip={("issue_feedback", "FB1")})
    assert [r.ticket_id for r in back] == ["FB0", "FB2"]


# ---------------------------------------------------------------- a record's JSON, written field by field

_TEXT = st.one_of(st.none(), st.text(max_size=12))
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.text(max_size=8))


@st.composite
def _records(draw) -> TicketRecord:
    stages = draw(st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=5))
    return TicketRecord(
        form=draw(st.sampled_from(sorted(FORMS))),
        ticket_id=draw(_TEXT),
        opened=draw(st.one_of(st.none(), st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)))),
        customer_key=draw(_TEXT),
        category=draw(_TEXT),
        channel=draw(_TEXT),
        priority=draw(_TEXT),
        department=draw(_TEXT),
        handler=draw(_TEXT),
        # (scores hold ints; any value is written as json.dumps writes it, a TRUE beside an equal 1 too)
        scores=draw(st.dictionaries(st.sampled_from("效率态度"), st.one_of(st.integers(0, 5), st.booleans()), max_size=2)),
        # the unusual values (a float, a nested list) take the json module's path: the same text either way
        satisfaction=draw(
            st.one_of(_SCALAR, st.floats(allow_nan=False), st.lists(st.integers(), max_size=2))
        ),
        status=draw(_TEXT),
        result=draw(_TEXT),
        resolved=draw(st.booleans()),
        closed=draw(st.one_of(st.none(), st.booleans())),
        # the stage outcomes as the pipeline keeps them (a FieldMap) or as a dict
        stages=draw(st.sampled_from([FieldMap(stages.keys(), stages.values()), stages])),
    )


@given(_records())
@example(TicketRecord("issue_feedback", "FB1", None, scores={"效率": 1}, stages={"ack": 1}))
@example(TicketRecord("issue_feedback", "FB2", None, scores={"效率": True}, stages={"ack": 1.0}))
def test_record_json_is_the_json_modules_text_and_reads_back(record: TicketRecord) -> None:
    """What the history stores of a ticket: exactly the text json.dumps writes (sorted keys, compact), for any
    value; read back, the same record."""
    data = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    data["scores"], data["stages"] = dict(record.scores), dict(record.stages)
    data["opened"] = record.opened.isoformat() if record.opened else None
    text = record.to_json()
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    back = TicketRecord.from_json(text)
    assert back.to_json() == text
    assert (back.ticket_id, back.opened, back.scores, dict(back.stages)) == (
        record.ticket_id,
        record.opened,
        record.scores,
        dict(record.stages),
    )


def test_record_stages_in_key_order() -> None:
    """A row's verdicts in the form's stage order give the record's outcomes in key order, as from a dict."""
    form = load_forms()["issue_feedback"]
    verdicts = {"zeta": StageResult("zeta", "z", "超时"), "alpha": StageResult("alpha", "a", "达标")}
    records = []
    for sla in (FieldMap(verdicts.keys(), verdicts.values()), dict(verdicts)):
        row = Row(form=form.key, prov=Provenance("f.xlsx", "s", 2), cells={}, values={}, sla=sla)
        row.safe = FieldMap([], [])
        records.append(to_record(row, form))
    for rec in records:
        assert isinstance(rec, TicketRecord)
        assert list(rec.stages.items()) == [("alpha", "达标"), ("zeta", "超时")]


_SAFE_VALUES = st.sampled_from([None, "", (), 1, True, 1.0, 5, "5", "满意", "已解决", ("网点", "电话")])


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(load_forms())),
    st.lists(st.lists(_SAFE_VALUES, min_size=40, max_size=40), max_size=6),
)
def test_records_made_once_per_combination_equal_records_made_alone(form_key, rows) -> None:
    """Records share the roles, scores and satisfaction of equal values (a memo): each is the record made from
    the row's values alone (a dict), 1, True and 1.0 included (equal, but not the same score)."""
    form = load_forms()[form_key]
    keys = [f.key for f in form.fields][:40]
    for values in rows + rows:  # twice: the second time from the memo
        safe = dict(zip(keys, values, strict=False))
        made = []
        for mapping in (FieldMap(safe.keys(), safe.values()), safe):
            row = Row(form=form.key, prov=Provenance("f.xlsx", "s", 2), cells={}, values={}, sla={})
            row.safe = mapping
            made.append(to_record(row, form))
        assert made[0] == made[1]
        assert made[0].to_json() == made[1].to_json()
