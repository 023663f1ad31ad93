"""Core-set (Sener & Savarese): greedy k-centre over Euclidean embedding distance from the labelled set.

Only the first :data:`CORESET_GREEDY_BLOCK` rows (the tutorial's batch of 100) are picked greedily, farthest
first; the rest follow in descending distance to the nearest labelled-or-picked row (ties by row id), so the
ranking is complete without an O(n^2) traversal. With nothing labelled the traversal starts from the row
nearest the pool mean. Inner products come from ``QueryInput.gram`` when given.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import InnerProducts, QueryInput, check_input, first_by_row_id, unlabeled

CORESET_GREEDY_BLOCK = 100


def coreset(q: QueryInput, *, candidates: np.ndarray | None = None) -> np.ndarray:
    """Greedy k-centre over embeddings for the first ``CORESET_GREEDY_BLOCK`` rows, the rest by distance.
    ``candidates`` (a bool mask) restricts the ranking to those unlabelled rows (see :mod:`.seals`)."""
    check_input(q, "coreset", embeddings=True)
    cand = unlabeled(q) if candidates is None else np.flatnonzero(candidates & ~np.asarray(q.labeled))
    if cand.size == 0:
        return cand.astype(np.int64)
    ip = InnerProducts(q)
    sq = ip.sq_norms()
    ids = np.asarray(q.row_ids)[cand]
    lab = np.flatnonzero(np.asarray(q.labeled))
    if lab.size:
        dmin = ip.min_sq_distance(lab)[cand]
    else:  # nothing labelled: start from the row nearest the pool mean
        X = np.asarray(q.embeddings, dtype=np.float64)[cand]
        d2mu = ((X - X.mean(axis=0)) ** 2).sum(axis=1)
        first = np.lexsort((ids, d2mu))[0]
        dmin = np.full(cand.size, np.finfo(np.float64).max)  # replaced by distances after the first pick
        dmin[first] = np.inf
    np.maximum(dmin, 0.0, out=dmin)
    picked = np.zeros(cand.size, dtype=bool)
    order = []
    for _ in range(min(CORESET_GREEDY_BLOCK, cand.size)):
        j = first_by_row_id(np.where(picked, -np.inf, dmin), ids)
        picked[j] = True
        order.append(j)
        d2 = sq[cand] - 2.0 * ip.row(cand[j])[cand] + sq[cand[j]]
        np.minimum(dmin, np.maximum(d2, 0.0), out=dmin)
        dmin[j] = 0.0
    rest = np.flatnonzero(~picked)
    rest = rest[np.lexsort((ids[rest], -dmin[rest]))]
    return cand[np.concatenate([np.asarray(order, dtype=np.int64), rest])].astype(np.int64)
