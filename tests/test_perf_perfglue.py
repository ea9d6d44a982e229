"""Round 8, perfglue: the clustering's per-text work done once per distinct text, the pipeline's glue.

What is shared by text must still tell apart what differs by row (a model cell, a product), the linkage's
distances copied from a distinct row's must be the ones computed row by row, verdicts shared by their fields
must be the values shared by equality, and a ticket's record keeps its stages in key order."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from svcsheet.audit.history import TicketRecord, to_record
from svcsheet.common_issues.cluster import (
    _DIST_ROWS,
    ProblemText,
    _components,
    _condensed_distances,
    _star_split,
    cluster_problems,
)
from svcsheet.forms import load_forms
from svcsheet.records import FieldMap, Provenance, Row, SharedValues
from svcsheet.sla.verdicts import StageResult
from tests.test_common_issues_distances import _whole_matrix
from tests.test_common_issues_speed import _MEMBER, _PLAIN, _R, _star_split_recount

TEXT = "开机后不制冷，一直吹热风"


def test_one_text_of_two_products_by_model_is_two_issues() -> None:
    """The same wording typed for an air conditioner (KFR-) and a fridge (BCD-), by the model cell or a model
    number in the text, is two common issues: the product comes from the row, not only from its wording."""
    items = []
    for i in range(3):
        items.append(ProblemText(f"a{i}", TEXT, f"ca{i}", "issue_feedback", "KFR-35GW"))
        items.append(ProblemText(f"b{i}", TEXT, f"cb{i}", "issue_feedback", "BCD-470WDPF"))
        items.append(ProblemText(f"c{i}", "机器型号KFR-35GW，开机后不制冷", f"cc{i}", "issue_feedback"))
        items.append(ProblemText(f"d{i}", "机器型号BCD-470，开机后不制冷", f"cd{i}", "issue_feedback"))
    common = cluster_problems(items).common
    assert sorted((c.label, c.uids) for c in common) == [
        ("冰箱不制冷", ("b0", "b1", "b2", "d0", "d1", "d2")),
        ("空调不制冷", ("a0", "a1", "a2", "c0", "c1", "c2")),
    ]


def test_rows_of_one_wording_get_their_own_product_in_their_vector(monkeypatch) -> None:
    """Rows of one wording share its phrases, not their product: each row's vector is its product's."""
    from svcsheet.common_issues import cluster

    seen = {}
    real = cluster._vectors

    def spy(rows, lex, cfg):
        got = real(rows, lex, cfg)
        seen["x"], seen["products"] = got[0], [r.product for r in rows]
        return got

    monkeypatch.setattr(cluster, "_vectors", spy)
    models = ["KFR-35GW", "BCD-470WDPF", None, "KFR-26GW", "BCD-215"]
    cluster_problems([ProblemText(f"u{i}", TEXT, f"c{i}", "issue_feedback", m) for i, m in enumerate(models)])
    x, products = seen["x"].toarray(), seen["products"]
    assert products == ["空调", "冰箱", None, "空调", "冰箱"]
    for i in range(len(models)):
        for j in range(len(models)):
            assert np.array_equal(x[i], x[j]) == (products[i] == products[j])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=25), st.integers(0, 2**32 - 1))
def test_distances_are_the_same_with_copied_rows(picks, seed) -> None:
    """Rows that are copies of a few distinct rows (as copied ticket texts are): the distances copied from the
    distinct rows' are bit for bit the whole matrix's."""
    rng = np.random.default_rng(seed)
    dense = rng.random((8, 10)) * (rng.random((8, 10)) < 0.4)
    norms = np.linalg.norm(dense, axis=1)
    norms[norms == 0] = 1.0
    products = rng.integers(-1, 2, size=(8, 2))
    idx = np.array([0, *picks])  # at least two rows
    sub, p = csr_matrix((dense / norms[:, None])[idx]), products[idx]
    assert np.array_equal(_condensed_distances(sub, p), _whole_matrix(sub, p))


def test_distances_with_copies_across_blocks() -> None:
    rng = np.random.default_rng(3)
    base = rng.random((5, 6))
    base /= np.linalg.norm(base, axis=1)[:, None]
    idx = rng.integers(0, 5, size=2 * _DIST_ROWS + 7)
    sub, p = csr_matrix(base[idx]), rng.integers(-1, 2, size=(5, 2))[idx]
    assert np.array_equal(_condensed_distances(sub, p), _whole_matrix(sub, p))


_TIMES = st.one_of(st.none(), st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)))
_VERDICTS = st.builds(
    StageResult,
    stage=st.sampled_from(["accept", "respond"]),
    label=st.just("受理"),
    outcome=st.sampled_from(["达标", "超时"]),
    start=_TIMES,
    deadline=_TIMES,
    elapsed_minutes=st.one_of(st.none(), st.integers(0, 3)),
    working=st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_VERDICTS, st.none(), st.integers(0, 2)), max_size=30))
def test_verdicts_shared_by_fields_are_those_shared_by_equality(values) -> None:
    by_fields, by_value = SharedValues(max_size=5, by_fields=StageResult), SharedValues(max_size=5)
    for v in values:
        got = by_fields.get(v)
        assert got is by_value.get(v)
        assert type(got) is type(v) and got == v


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


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_MEMBER, min_size=1, max_size=6),
    st.lists(st.integers(0, 5), min_size=1, max_size=30),
    st.sets(st.sampled_from(_PLAIN), max_size=3),
)
def test_star_split_over_members_sharing_their_terms_matches_recounting(pool, picks, phrases) -> None:
    """Members of one wording and product share one set of terms (the guard's memo): the star split over
    those classes gives the parts the recounting guard gives member by member."""
    sets = [pool[i % len(pool)] for i in picks]  # the same set objects, many times over
    members = np.arange(50, 50 + len(sets))
    rows = [_R(frozenset())] * 50 + [
        _R(frozenset(phrases) if i % 3 else frozenset()) for i in range(len(sets))
    ]
    got = _star_split(members, sets, rows)  # type: ignore[arg-type]
    want = _star_split_recount(members, [set(s) for s in sets], rows)
    assert [p.tolist() for p in got] == [p.tolist() for p in want]


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


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=30),
    st.integers(0, 10_000),
    st.sampled_from([0.3, 0.5, 0.8]),
)
def test_rows_numbered_by_wording_give_the_components_and_distances_of_their_bytes(picks, seed, t) -> None:
    """The clustering numbers each row's (wording, concept, product): rows of one number are copies, and rows
    of one bytes may have two numbers. Grouping copies by those numbers, or each row alone, gives the same
    candidate groups, in the same order, and the same distances, as grouping them by their bytes."""
    rng = np.random.default_rng(seed)
    protos = rng.random((6, 5)) * (rng.random((6, 5)) < 0.5)
    dense = protos[picks]
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    x = csr_matrix(np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0))
    prod = rng.integers(-1, 2, size=(6, 2))[picks]
    key = rng.integers(-1, 2, size=len(picks))
    idx = np.arange(len(picks))
    want = [g.tolist() for g in _components(x, prod, key, idx, t)]
    split = np.array(picks) * 2 + rng.integers(
        0, 2, size=len(picks)
    )  # one prototype's copies under two numbers
    for sig in (np.array(picks), np.arange(len(picks))[::-1].copy(), split):
        assert [g.tolist() for g in _components(x, prod, key, idx, t, sig)] == want
        if len(picks) > 1:
            assert np.array_equal(_condensed_distances(x, prod, sig), _condensed_distances(x, prod))
