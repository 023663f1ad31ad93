"""ProbCover (Yehuda et al., 2022), a cold-start strategy: cover the pool with balls of radius delta.

With few labels, uncertainty comes from a poor model; ProbCover is model-free. It links every two rows closer than
``delta`` (Euclidean, over the embeddings) and greedily asks for the row whose ball covers the most rows not yet
covered by a labelled row's ball. ``delta`` follows the paper's purity rule: cluster the pool into as many k-means
clusters as there are classes (scikit-learn, seeded), call a ball *pure* when all its rows share a cluster, and
take the largest ``delta`` at which a share ``PROBCOVER_PURITY`` (0.95) of balls are pure: that is the
``1 - PROBCOVER_PURITY`` quantile of each row's distance to its nearest row in another cluster.

Full ranking: the first :data:`PROBCOVER_BLOCK` rows greedily (most newly covered rows first, ties by row id, the
count updated after each pick), the rest by how many uncovered rows their ball still holds, descending, ties by
row id.

``probcover_lc`` is the schedule the report uses: ProbCover while fewer than :data:`COLD_START_LABELS` rows are
labelled, least confidence after.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import InnerProducts, QueryInput, check_input, first_by_row_id, unlabeled
from alrepro.strategies.uncertainty import least_confidence

PROBCOVER_BLOCK = 100
PROBCOVER_PURITY = 0.95
PROBCOVER_KMEANS_ITER = 30  # the pseudo-labels only size delta: a few Lloyd iterations settle two clusters
COLD_START_LABELS = 300  # ProbCover picks the first two batches after the seed set


def _sq_distances(ip: InnerProducts, sq: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(len(rows), len(cols)) squared Euclidean distances, in the inner products' dtype."""
    if ip.gram is not None:
        whole = rows.size == cols.size == ip.gram.shape[0]  # all rows against all: no gather
        d2 = (ip.gram if whole else ip.gram[np.ix_(rows, cols)]) * -2.0
    else:
        d2 = -2.0 * (ip.E[rows] @ ip.E[cols].T)
    d2 += sq[rows].astype(d2.dtype)[:, None]
    d2 += sq[cols].astype(d2.dtype)[None, :]
    return np.maximum(d2, 0.0, out=d2)


def purity_radius(ip: InnerProducts, sq: np.ndarray, cluster: np.ndarray, purity: float = PROBCOVER_PURITY) -> float:
    """Squared ``delta``: the ``1 - purity`` quantile of each row's squared distance to another cluster."""
    other = np.full(cluster.size, np.inf)
    for c in np.unique(cluster):
        rows, cols = np.flatnonzero(cluster == c), np.flatnonzero(cluster != c)
        if cols.size:
            other[rows] = _sq_distances(ip, sq, rows, cols).min(axis=1)
    finite = other[np.isfinite(other)]
    if finite.size == 0:  # a single cluster: every ball is pure; cover by the median distance to the mean row
        return float(np.median(sq - sq.mean()) ** 2) if sq.size > 1 else 0.0
    return float(np.quantile(finite, 1.0 - purity))


def probcover(q: QueryInput) -> np.ndarray:
    """Greedy max coverage of delta-balls for the first ``PROBCOVER_BLOCK`` rows; see the module docstring."""
    n = check_input(q, "probcover", embeddings=True)
    cand = unlabeled(q)
    if cand.size == 0:
        return cand.astype(np.int64)
    from sklearn.cluster import KMeans

    n_classes = np.shape(q.proba)[1] if q.proba is not None else 2
    X = np.asarray(q.embeddings, dtype=np.float32)
    k = min(n_classes, n)
    cluster = (
        KMeans(n_clusters=k, n_init=1, max_iter=PROBCOVER_KMEANS_ITER, random_state=int(q.seed)).fit_predict(X)
        if k > 1 else np.zeros(n, int)
    )
    ip = InnerProducts(q)
    sq = ip.sq_norms()
    everyone = np.arange(n)
    adj = _sq_distances(ip, sq, everyone, everyone) <= purity_radius(ip, sq, cluster)  # each row in its own ball
    adj |= adj.T  # one link per pair: d(i, j) and d(j, i) can round to either side of delta
    covered = adj[np.asarray(q.labeled)].any(axis=0)
    gain = adj[:, ~covered].sum(axis=1).astype(np.int64)  # uncovered rows in each ball
    ids = np.asarray(q.row_ids)
    picked = np.zeros(n, dtype=bool)
    picked[np.asarray(q.labeled)] = True
    order = []
    for _ in range(min(PROBCOVER_BLOCK, cand.size)):
        j = first_by_row_id(np.where(picked, -1, gain)[cand], ids[cand])
        row = int(cand[j])
        picked[row] = True
        order.append(row)
        newly = np.flatnonzero(adj[row] & ~covered)
        covered[newly] = True
        gain -= adj[newly].sum(axis=0)
    rest = cand[~picked[cand]]
    rest = rest[np.lexsort((ids[rest], -gain[rest]))]
    return np.concatenate([np.asarray(order, dtype=np.int64), rest]).astype(np.int64)


def probcover_lc(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """ProbCover while fewer than ``COLD_START_LABELS`` rows are labelled, least confidence after."""
    check_input(q, "probcover_lc", proba=True, embeddings=True)
    if int(np.asarray(q.labeled).sum()) < COLD_START_LABELS:
        ranking = probcover(q)
        return ranking if k is None else ranking[:k]
    return least_confidence(q, k=k)
