"""SEALS (Coleman et al., 2022): a greedy strategy looks only at the nearest neighbours of the labelled rows.

Core-set and BADGE scan every unlabelled row for each of their picks, so their cost grows with the pool. SEALS
restricts their candidates to the unlabelled rows among the :data:`SEALS_NEIGHBOURS` nearest neighbours
(Euclidean, over the embeddings) of any labelled row; rows tied with the k-th nearest are kept too, so the set
does not depend on how a partition orders ties. The candidates come first, ranked by the strategy; the other
unlabelled rows follow in row-id order, so the ranking stays complete. With nothing labelled there are no
neighbours, and the strategy ranks the whole pool.

Here the neighbours are found exactly (every labelled row against every row); the paper keeps an approximate
nearest-neighbour index, which is what makes the candidate search itself independent of the pool's size.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.badge import badge
from alrepro.strategies.base import InnerProducts, QueryInput, check_input, unlabeled
from alrepro.strategies.coreset import coreset

SEALS_NEIGHBOURS = 100  # the paper's k
_BLOCK = 256  # labelled rows whose distances are held at once: 256 x n float64


def seals_candidates(q: QueryInput, k: int = SEALS_NEIGHBOURS) -> np.ndarray:
    """Bool mask of the unlabelled rows among the ``k`` nearest neighbours of any labelled row (ties kept)."""
    labeled = np.asarray(q.labeled)
    ip = InnerProducts(q)
    sq = ip.sq_norms()
    near = np.zeros(labeled.size, dtype=bool)
    lab = np.flatnonzero(labeled)
    k = min(k, labeled.size - 1)
    for start in range(0, lab.size if k > 0 else 0, _BLOCK):
        block = lab[start : start + _BLOCK]
        d2 = sq[block][:, None] - 2.0 * ip.rows(block) + sq[None, :]
        d2[np.arange(block.size), block] = np.inf  # a row is not its own neighbour
        kth = np.partition(d2, k - 1, axis=1)[:, k - 1 : k]
        near |= (d2 <= kth).any(axis=0)
    return near & ~labeled


def _restricted(strategy, q: QueryInput) -> np.ndarray:
    near = seals_candidates(q)
    if not near.any():
        return strategy(q)
    rest = np.flatnonzero(~near & ~np.asarray(q.labeled))
    rest = rest[np.argsort(np.asarray(q.row_ids)[rest], kind="stable")]
    return np.concatenate([strategy(q, candidates=near), rest]).astype(np.int64)


def coreset_seals(q: QueryInput) -> np.ndarray:
    """Core-set over the labelled rows' nearest neighbours first, then the rest by row id."""
    check_input(q, "coreset_seals", embeddings=True)
    return _restricted(coreset, q) if unlabeled(q).size else np.empty(0, dtype=np.int64)


def badge_seals(q: QueryInput) -> np.ndarray:
    """BADGE over the labelled rows' nearest neighbours first, then the rest by row id."""
    check_input(q, "badge_seals", proba=True, embeddings=True)
    return _restricted(badge, q) if unlabeled(q).size else np.empty(0, dtype=np.int64)
