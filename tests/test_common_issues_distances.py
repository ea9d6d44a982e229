"""The average linkage's distances, built a block of rows at a time, equal the whole-matrix construction bit for bit:
the clusters a supervisor sees must not depend on how the memory was saved. Rows that are copies of a few distinct
rows (copied ticket texts) get the distances copied from the distinct rows', which are the whole matrix's too."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.spatial.distance import squareform

from svcsheet.common_issues.cluster import _DIST_ROWS, _condensed_distances


def _whole_matrix(sub: csr_matrix, p: np.ndarray) -> np.ndarray:
    sims = (sub @ sub.T).toarray()
    for a in p.T:
        sims[(a[:, None] != a[None, :]) & (a[:, None] >= 0) & (a[None, :] >= 0)] = 0.0
    dist = np.subtract(1.0, sims, out=sims)
    np.clip(dist, 0.0, 2.0, out=dist)
    np.fill_diagonal(dist, 0.0)
    return squareform(dist, checks=False)


def _case(n: int, seed: int) -> tuple[csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, 12)) * (rng.random((n, 12)) < 0.3)
    norms = np.linalg.norm(dense, axis=1)
    norms[norms == 0] = 1.0
    products = rng.integers(-1, 3, size=(n, 2))  # -1: the text names no product
    return csr_matrix(dense / norms[:, None]), products


@settings(max_examples=25)
@given(n=st.integers(min_value=2, max_value=40), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_block_distances_equal_the_whole_matrix(n, seed):
    sub, p = _case(n, seed)
    assert np.array_equal(_condensed_distances(sub, p), _whole_matrix(sub, p))


def test_block_boundaries():
    for n in (_DIST_ROWS - 1, _DIST_ROWS, _DIST_ROWS + 1, 2 * _DIST_ROWS + 3):
        sub, p = _case(n, n)
        assert np.array_equal(_condensed_distances(sub, p), _whole_matrix(sub, p))


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
