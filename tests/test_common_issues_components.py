"""Candidate groups of common-issue clustering: computing the links between distinct rows only (copied texts)
gives the same groups as linking every pair of rows, whether copies are found by their bytes or by the number the
clustering gives each row's wording, concept and product."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from svcsheet.common_issues.cluster import _components, _condensed_distances


def _naive(x: csr_matrix, prod: np.ndarray, key: np.ndarray, t: float) -> list[list[int]]:
    sub = x.astype(np.float32)
    sims = (sub @ sub.T).toarray()
    ok = ((prod[:, None, :] == prod[None, :, :]) | (prod[:, None, :] < 0) | (prod[None, :, :] < 0)).all(axis=2)
    adj = (sims >= t) & ok
    for k in set(key[key >= 0].tolist()):
        members = np.flatnonzero(key == k)
        adj[members[0], members] = True
    _, comp = connected_components(csr_matrix(adj), directed=False)
    return sorted(sorted(np.flatnonzero(comp == c).tolist()) for c in np.unique(comp))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=30),  # which prototype row each row copies
    st.integers(0, 10_000),
    st.sampled_from([0.3, 0.5, 0.8]),
)
def test_components_of_copied_rows_match_every_pair(picks: list[int], seed: int, t: float) -> None:
    rng = np.random.default_rng(seed)
    protos = rng.random((6, 5)) * (rng.random((6, 5)) < 0.5)  # some prototypes are all zero
    dense = protos[picks]
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    x = csr_matrix(np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0))
    prod = rng.integers(-1, 2, size=(6, 2))[picks]
    key = rng.integers(-1, 2, size=len(picks))
    got = _components(x, prod, key, np.arange(len(picks)), t)
    assert sorted(sorted(g.tolist()) for g in got) == _naive(x, prod, key, t)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.integers(0, 10_000))
def test_components_in_small_blocks_match_every_pair(picks: list[int], seed: int) -> None:
    """Blocks of rows multiplied a slice at a time, the pairs kept as a forest (long texts: a small transient),
    give the same groups."""
    from unittest import mock

    from svcsheet.common_issues import cluster

    rng = np.random.default_rng(seed)
    protos = rng.random((6, 5)) * (rng.random((6, 5)) < 0.5)
    dense = protos[picks] + rng.random((len(picks), 5)) * (rng.random((len(picks), 5)) < 0.2)  # few exact copies
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    x = csr_matrix(np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0))
    prod = rng.integers(-1, 2, size=(6, 2))[picks]
    key = rng.integers(-1, 2, size=len(picks))
    with (
        mock.patch.object(cluster, "_CHUNK", 7),
        mock.patch.object(cluster, "_SUB_ROWS", 3),
        mock.patch.object(cluster, "_EDGE_LIMIT", 0),  # and the pairs reduced to a forest after every slice
    ):
        got = _components(x, prod, key, np.arange(len(picks)), 0.5)
    assert sorted(sorted(g.tolist()) for g in got) == _naive(x, prod, key, 0.5)


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
