"""BADGE (Ash et al., 2020): k-means++ seeding over the gradient embeddings of the model's last layer.

For the logistic (or multinomial) model with weights on ``[x, 1]`` (the intercept is a weight on a constant
feature, as liblinear fits it), the gradient of the cross-entropy at the *predicted* label ``y_hat = argmax p`` is
``g = (p - onehot(y_hat)) (x) [x, 1]``: its length grows with uncertainty and its direction carries the input, so
spreading picks out in gradient space trades uncertainty against diversity. Inner products need no ``k * (d+1)``
matrix: ``g_i . g_j = (a_i . a_j) (x_i . x_j + 1)`` with ``a = p - onehot(y_hat)``.

The first :data:`BADGE_BLOCK` rows are k-means++ seeds (the first is the largest gradient, then each next row is
drawn with probability proportional to its squared distance to the nearest seed, from ``default_rng((seed,
n_labelled))``); the rest follow by that distance, descending, ties by row id.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import InnerProducts, QueryInput, check_input, first_by_row_id, unlabeled

BADGE_BLOCK = 100


def gradient_scales(proba: np.ndarray) -> np.ndarray:
    """``a = p - onehot(argmax p)`` per row, (n, k); argmax takes the lowest class on a tie."""
    p = np.asarray(proba, dtype=np.float64)
    a = p.copy()
    a[np.arange(p.shape[0]), p.argmax(axis=1)] -= 1.0
    return a


def badge(q: QueryInput, *, candidates: np.ndarray | None = None) -> np.ndarray:
    """k-means++ seeds in gradient-embedding space for the first ``BADGE_BLOCK`` rows, the rest by distance.
    ``candidates`` (a bool mask) restricts the ranking to those unlabelled rows (see :mod:`.seals`)."""
    check_input(q, "badge", proba=True, embeddings=True)
    cand = unlabeled(q) if candidates is None else np.flatnonzero(candidates & ~np.asarray(q.labeled))
    if cand.size == 0:
        return cand.astype(np.int64)
    ip = InnerProducts(q)
    a = gradient_scales(q.proba)[cand]
    a_sq = np.einsum("ij,ij->i", a, a)
    x_sq = ip.sq_norms()[cand] + 1.0
    g_sq = a_sq * x_sq  # ||g_i||^2
    ids = np.asarray(q.row_ids)[cand]
    rng = np.random.default_rng((int(q.seed), int(np.asarray(q.labeled).sum())))

    dmin = np.full(cand.size, np.inf)
    picked = np.zeros(cand.size, dtype=bool)
    order = []
    for step in range(min(BADGE_BLOCK, cand.size)):
        if step == 0:
            j = first_by_row_id(g_sq, ids)
        else:
            weight = np.where(picked, 0.0, dmin)
            total = weight.sum()
            if total > 0:
                cum = np.cumsum(weight)
                j = int(np.searchsorted(cum, rng.random() * total, side="right"))
                j = min(j, cand.size - 1)
                while picked[j] or weight[j] == 0:  # float edge: land on the next row with weight
                    j = (j + 1) % cand.size
            else:  # every row left coincides with a seed: take them by row id
                j = first_by_row_id(np.where(picked, -np.inf, 0.0), ids)
        picked[j] = True
        order.append(j)
        x_dot = ip.row(cand[j])[cand] + 1.0
        d2 = g_sq - 2.0 * (a @ a[j]) * x_dot + g_sq[j]
        np.minimum(dmin, np.maximum(d2, 0.0), out=dmin)
        dmin[j] = 0.0
    rest = np.flatnonzero(~picked)
    rest = rest[np.lexsort((ids[rest], -dmin[rest]))]
    return cand[np.concatenate([np.asarray(order, dtype=np.int64), rest])].astype(np.int64)
