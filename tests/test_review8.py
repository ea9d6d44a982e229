"""Round 8, review8: probes of the SLA memo and of trace.json written from the rows (issue 12), where the merged
tests' inputs did not reach."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet import pipeline
from svcsheet.forms import load_forms
from svcsheet.json_text import NotPlain
from svcsheet.outputs import manifest
from svcsheet.policy import load_policy
from svcsheet.records import FieldMap, Finding, Parsed, Provenance
from svcsheet.sla import verdicts
from svcsheet.sla.verdicts import StageResult

AS_OF = datetime(2026, 11, 23, 9, 0)
FORM = "complaint_followup"  # its 核实 stage: 1个工作小时 from 接收时间 to 核实时间


def _row(received: datetime, verified: datetime | None) -> FieldMap:
    return FieldMap.of(
        {"received_time": Parsed(received, precision="minute"), "verified_time": Parsed(verified, precision="minute")}
    )


def _verdicts(values: FieldMap, memo: bool) -> list[str]:
    policy = load_policy(None)
    form, cal = load_forms()[FORM], pipeline.calendar_of(policy)
    evaluate = verdicts.evaluate_row if memo else verdicts._evaluate_row
    # repr: an aware datetime equals the same instant in another zone, its repr does not
    return [repr(v) for v in evaluate(form, values, policy, cal, AS_OF).values()]


def test_same_instant_written_in_two_zones_keeps_each_rows_own_verdict() -> None:
    """The calendar reads an aware time's wall clock in its own zone (bizcal), so 17:30 in Beijing and the same
    instant as 09:30 UTC are judged apart; equal aware datetimes must not share a memo entry."""
    beijing, utc = timezone(timedelta(hours=8)), timezone.utc
    first = _row(datetime(2026, 11, 20, 17, 30, tzinfo=beijing), datetime(2026, 11, 20, 18, 45, tzinfo=beijing))
    second = _row(datetime(2026, 11, 20, 9, 30, tzinfo=utc), datetime(2026, 11, 20, 10, 45, tzinfo=utc))
    assert _verdicts(first, memo=True) == _verdicts(first, memo=False)
    assert _verdicts(second, memo=True) == _verdicts(second, memo=False)
    assert _verdicts(first, memo=False) != _verdicts(second, memo=False)  # the probe tells the zones apart


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 11, 16), max_value=datetime(2026, 11, 22)),
    st.integers(0, 600),
    st.lists(st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))), min_size=2, max_size=4),
)
def test_a_memoised_verdict_is_the_rows_own_in_any_zone(start: datetime, minutes: int, zones: list) -> None:
    """Rows holding one instant written in different zones (or naive) each get what they alone would get."""
    # fold left out: equal naive times apart only in fold share an entry, and nothing computed or written reads it
    instant = start.replace(second=0, microsecond=0, fold=0, tzinfo=timezone.utc)
    for zone in [None, *zones]:
        s = instant.replace(tzinfo=None) if zone is None else instant.astimezone(zone)
        values = _row(s, s + timedelta(minutes=minutes))
        assert _verdicts(values, memo=True) == _verdicts(values, memo=False)


# text a JSON encoder must escape or may pass through: quotes, backslash, control characters, DEL, the JS line
# separators, a non-BMP character, a lone surrogate (a file name read with surrogateescape), look-alike escapes
hostile = st.lists(
    st.sampled_from(['"', "\\", "\x00", "\x1f", "\n", "\t", "\x7f", "\u2028", "\u2029", "😀", "\ud800",
                     "\udcff", "客", "/", "u", "0", "_x0041_", "'", " "]),
    max_size=8,
).map("".join)  # fmt: skip


@st.composite
def _hostile_rows(draw: st.DrawFn) -> SimpleNamespace:
    findings = [
        Finding(code=draw(hostile), severity="error", file="f", sheet="s", row=None,
                cell=draw(st.one_of(st.none(), hostile, st.just("B5"))), field=draw(st.one_of(st.none(), hostile)),
                label=None, message=draw(hostile) * draw(st.sampled_from([1, 1, 3000])))
        for _ in range(draw(st.integers(0, 2)))
    ]  # fmt: skip
    stages = draw(st.lists(hostile, unique=True, max_size=3))  # stage keys needing escapes too
    reasons = [draw(hostile) for _ in stages]
    results = [StageResult(stage=s, label=s, outcome="无法判定", reason=r) for s, r in zip(stages, reasons, strict=True)]
    sla = draw(st.sampled_from([FieldMap(stages, results), dict(zip(stages, results, strict=True))]))
    number = draw(st.one_of(st.integers(-(10**20), 10**20), st.none(), st.floats(allow_nan=True), st.booleans()))
    return SimpleNamespace(
        form=draw(hostile), ticket_id=draw(st.one_of(st.none(), hostile)),
        shown_prov=Provenance(file=draw(hostile), sheet=draw(hostile), row=number),
        layout=draw(st.sampled_from(["list", "card"])), cells={}, safe_findings=findings,
        rejected=bool(findings), sla=sla, cluster=draw(st.one_of(st.none(), hostile, st.integers())),
    )  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile_rows())
def test_a_ticket_written_from_the_row_is_the_json_modules_text_for_hostile_values(row: SimpleNamespace) -> None:
    """_ticket_json gives the text the json module gives the ticket's record (as trace.json was written before
    round 8), whatever its texts hold; a value it does not write is left to the json module (NotPlain)."""
    files = [SimpleNamespace(name=row.shown_prov.file, sha256="ab" * 32)]
    forms, sha_of, shown = manifest._ticket_context(SimpleNamespace(files=files))
    want = "  " + json.JSONEncoder(ensure_ascii=False, indent=1).encode(
        manifest._ticket_record(row, forms, sha_of, {})
    ).replace("\n", "\n  ")
    try:
        got = manifest._ticket_json(row, forms, sha_of, shown)
    except NotPlain:
        assert not (type(row.shown_prov.row) in (int, type(None)) or row.shown_prov.row is True
                    or row.shown_prov.row is False)  # fmt: skip
        return
    assert got == want
    assert json.loads(got) == json.loads(want)


def test_a_memo_made_while_another_as_of_took_over_is_not_that_as_ofs(monkeypatch) -> None:
    """Two threads judging with different as-of times (a library caller's): one switching the memos to its
    as-of between the other's check and its new memo must not leave the other's verdicts under its as-of. The
    switch is made from inside the first call (where a thread switch could fall)."""
    policy = load_policy(None)
    form, cal = load_forms()[FORM], pipeline.calendar_of(policy)
    early, late = datetime(2026, 11, 20, 10, 30), datetime(2026, 11, 23, 9, 0)  # an open verdict, then an overdue one
    values = _row(datetime(2026, 11, 20, 10, 0), None)
    verdicts._MEMO_STATE[0] = (None, {})
    verdicts.evaluate_row(form, values, policy, cal, late)  # the memos are late's
    read_keys = verdicts._read_keys

    def interleaved(*args):
        monkeypatch.setattr(verdicts, "_read_keys", read_keys)
        verdicts.evaluate_row(form, values, policy, cal, late)  # "another thread", while early's memo is made
        return read_keys(*args)

    verdicts._MEMO_STATE[0] = (None, {})  # early's first call after late's: its memo is made anew
    monkeypatch.setattr(verdicts, "_read_keys", interleaved)
    verdicts.evaluate_row(form, values, policy, cal, early)
    got = verdicts.evaluate_row(form, values, policy, cal, late)
    assert got["verify"].outcome == verdicts.OVERDUE
    assert [repr(v) for v in got.values()] == [
        repr(v) for v in verdicts._evaluate_row(form, values, policy, cal, late).values()
    ]
