"""trace.json written a ticket at a time from the rows (issue 12): the file written in batches of tickets, and each
ticket's text written directly (indented_json, _ticket_json), is the one document the json module writes, for any
values and for hostile texts (quotes, backslashes, control characters, the JavaScript line separators, lone
surrogates); what is not plain JSON is left to the json module."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcsheet.json_text import NotPlain
from svcsheet.outputs import manifest
from svcsheet.records import FieldMap, Finding, Provenance
from svcsheet.sla.verdicts import StageResult


def test_trace_written_in_pieces_is_the_one_json_document(tmp_path, monkeypatch) -> None:
    import json
    from pathlib import Path

    from svcsheet.outputs import manifest
    from svcsheet.pipeline import RunOptions, run

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    result = run(RunOptions(inputs=[samples], as_of=datetime(2026, 11, 23, 9, 0), history=Path("off")))
    assert len(result.rows) > 5
    for batch, files in ((2, result.files), (1000, result.files), (2, [])):
        monkeypatch.setattr(manifest, "TRACE_BATCH", batch)
        result.files = files
        whole = {"as_of": "2026-11-23 09:00", "tickets": manifest.ticket_records(result)}
        manifest.write_trace(result, tmp_path / "trace.json")
        assert (tmp_path / "trace.json").read_bytes() == (
            json.dumps(whole, ensure_ascii=False, indent=1) + "\n"
        ).encode()


texts = st.text(alphabet=st.sampled_from('a"\\\n\t\x01/客①'), max_size=8)


maybe = st.one_of(st.none(), texts)


@st.composite
def ticket_rows(draw):
    layout = draw(st.sampled_from(["list", "card"]))
    findings = [
        Finding(
            code=draw(texts),
            severity=draw(st.sampled_from(["error", "warning", "info"])),
            file="f",
            sheet="s",
            row=None,
            cell=draw(st.one_of(st.none(), st.sampled_from(["B5", "C7", "A1:B2"]))),
            field=draw(maybe),
            label=None,
            message=draw(texts),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    stages = draw(st.lists(st.sampled_from(["accept", "respond", "close"]), unique=True, max_size=3))
    verdicts = [
        StageResult(stage=s, label=s, outcome=draw(st.sampled_from(["达标", "超时"]))) for s in stages
    ]
    sla = draw(st.sampled_from([FieldMap(stages, verdicts), dict(zip(stages, verdicts, strict=True))]))
    # a row number: mostly an int; a float or a bool is no plain value (the json module writes the ticket)
    number = draw(st.one_of(st.none(), st.integers(1, 10**6), st.just(2.0), st.booleans()))
    prov = Provenance(file=draw(texts), sheet=draw(texts), row=number)
    return SimpleNamespace(
        form=draw(st.sampled_from(["service_card", "issue_feedback", "nonesuch"])),
        ticket_id=draw(maybe),
        shown_prov=prov,
        layout=layout,
        cells={},
        safe_findings=findings,
        rejected=any(f.severity == "error" for f in findings),
        sla=sla,
        cluster=draw(st.one_of(maybe, st.integers(0, 9))),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ticket_rows(), max_size=6), st.integers(1, 4))
def test_trace_written_from_the_rows_is_the_json_modules_document(tmp_path, monkeypatch, rows, batch) -> None:
    monkeypatch.setattr(manifest, "TRACE_BATCH", batch)
    files = [SimpleNamespace(name="f", sha256="ab" * 32)]
    result = SimpleNamespace(rows=rows, files=files, as_of=datetime(2026, 11, 23, 9, 0))
    manifest.write_trace(result, tmp_path / "trace.json")
    whole = {"as_of": "2026-11-23 09:00", "tickets": manifest.ticket_records(result)}
    assert (tmp_path / "trace.json").read_bytes() == (
        json.dumps(whole, ensure_ascii=False, indent=1) + "\n"
    ).encode()


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet=st.sampled_from('a"\\\n\t\x01/客①'), max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(alphabet=st.sampled_from('k"\n客'), max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["", "  "]))
def test_a_ticket_is_indented_as_the_json_module_indents_it(value, pad) -> None:
    import json

    from svcsheet.outputs.manifest import indented_json

    want = json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n" + pad)
    assert indented_json(value, pad) == want


def test_what_is_not_plain_json_is_left_to_the_json_module() -> None:
    from svcsheet.json_text import NotPlain
    from svcsheet.outputs.manifest import indented_json

    for value in (1.5, (1, 2), {1: "a"}, {"a": [float("nan")]}):
        with pytest.raises(NotPlain):
            indented_json(value)


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
