"""What every strategy shares: its input, its registry entry, input checks and the stable score ranking.

A strategy is a pure function ``QueryInput -> int64 array``: the indices (into ``0..n_rows-1``) of *all*
unlabelled rows, most informative first. Rules, learnt from modAL / small-text, whose top-k comes back unordered
or with ties shuffled by the global ``np.random``:

- **Full ranking, not a top-k.** A batch of k is the prefix ``ranking[:k]``, so batches of every size are
  consistent and the ranking can be pushed as queue priorities. Score-based strategies also take ``k=`` and then
  return exactly that prefix without sorting the whole pool (``StrategySpec.partial``; see :func:`rank_by_score`),
  which is what a round over millions of rows needs.
- **Explicit ties.** Score-based strategies sort with ``np.lexsort`` on (score descending, ``row_ids``
  ascending): rows with *identical* scores come out in ``row_ids`` order (then position, lexsort being stable).
- **No global random state.** Seeded strategies draw from ``numpy.random.default_rng`` of ``QueryInput.seed``.
- **Validated input.** A strategy missing what it needs raises :class:`~alrepro.errors.AlreproError` naming
  the missing field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from alrepro.errors import AlreproError


@dataclass(frozen=True)
class QueryInput:
    """Everything a strategy may look at. Arrays are indexed by row position ``0..n_rows-1``."""

    proba: np.ndarray | None  # (n_rows, n_classes) current model's probabilities for EVERY row; None if model-free
    labeled: np.ndarray  # (n_rows,) bool, True = already labelled (never returned)
    row_ids: np.ndarray  # (n_rows,) int64 tie-break keys; ascending = file order
    embeddings: np.ndarray | None = None  # (n_rows, d)
    committee_proba: np.ndarray | None = None  # (n_members, n_rows, n_classes)
    seed: int = 0
    # (n_rows, n_rows) embeddings @ embeddings.T, optional: distance-based strategies read inner products from it
    # instead of recomputing them every round (a runner computes it once per pool)
    gram: np.ndarray | None = None


Strategy = Callable[[QueryInput], np.ndarray]


@dataclass(frozen=True)
class StrategySpec:
    name: str
    function: Strategy
    needs_proba: bool = False
    needs_embeddings: bool = False
    needs_committee: bool = False
    pairwise: bool = False  # reads pairwise inner products: give it QueryInput.gram to save recomputing them
    partial: bool = False  # takes ``k=``: returns the ranking's first k rows without sorting the whole pool
    description: str = ""

    @property
    def fn(self) -> Strategy:
        """Alias of ``function``."""
        return self.function

    def __call__(self, query: QueryInput) -> np.ndarray:
        return self.function(query)

    def top_k(self, query: QueryInput, k: int) -> np.ndarray:
        """The first ``k`` rows of the ranking (all of them if fewer remain); sorts only what they need when the
        strategy is ``partial``."""
        if k < 0:
            raise AlreproError(f"batch size must be >= 0, got {k}")
        if self.partial:
            return self.function(query, k=k)
        return np.asarray(self.function(query), dtype=np.int64)[:k]


def check_input(q: QueryInput, name: str, *, proba=False, embeddings=False, committee=False) -> int:
    """Validate ``q`` for strategy ``name``; return n_rows."""
    labeled = np.asarray(q.labeled)
    if labeled.ndim != 1 or labeled.dtype != np.bool_:
        raise AlreproError(f"{name}: QueryInput.labeled must be a 1-D bool array, got {labeled.dtype} {labeled.shape}")
    n = labeled.shape[0]
    row_ids = np.asarray(q.row_ids)
    if row_ids.shape != (n,) or not np.issubdtype(row_ids.dtype, np.integer):
        raise AlreproError(f"{name}: QueryInput.row_ids must be {n} integers, got {row_ids.dtype} {row_ids.shape}")
    if proba:
        if q.proba is None:
            raise AlreproError(f"{name} needs model probabilities: QueryInput.proba is None")
        p = np.asarray(q.proba)
        if p.ndim != 2 or p.shape[0] != n or p.shape[1] < 2:
            raise AlreproError(f"{name}: QueryInput.proba must have shape ({n}, n_classes >= 2), got {p.shape}")
        if not np.isfinite(p).all():
            raise AlreproError(f"{name}: QueryInput.proba contains NaN or infinite values")
    if embeddings:
        if q.embeddings is None:
            raise AlreproError(f"{name} needs embeddings: QueryInput.embeddings is None")
        e = np.asarray(q.embeddings)
        if e.ndim != 2 or e.shape[0] != n:
            raise AlreproError(f"{name}: QueryInput.embeddings must have shape ({n}, d), got {e.shape}")
        if not np.isfinite(e).all():
            raise AlreproError(f"{name}: QueryInput.embeddings contains NaN or infinite values")
        if q.gram is not None and np.shape(q.gram) != (n, n):
            raise AlreproError(f"{name}: QueryInput.gram must have shape ({n}, {n}), got {np.shape(q.gram)}")
    if committee:
        if q.committee_proba is None:
            raise AlreproError(f"{name} needs a committee: QueryInput.committee_proba is None")
        c = np.asarray(q.committee_proba)
        if c.ndim != 3 or c.shape[1] != n or c.shape[0] < 1 or c.shape[2] < 2:
            raise AlreproError(
                f"{name}: QueryInput.committee_proba must have shape (n_members, {n}, n_classes >= 2), got {c.shape}"
            )
        if not np.isfinite(c).all():
            raise AlreproError(f"{name}: QueryInput.committee_proba contains NaN or infinite values")
    return n


def unlabeled(q: QueryInput) -> np.ndarray:
    """Positions of the unlabelled rows, ascending."""
    return np.flatnonzero(~np.asarray(q.labeled))


def rank_by_score(score: np.ndarray, q: QueryInput, *secondary: np.ndarray, k: int | None = None) -> np.ndarray:
    """Unlabelled rows by ``score`` descending, then each ``secondary`` score descending, then ``row_ids``
    ascending (then position: lexsort is stable). Scores are (n_rows,) arrays over all rows.

    With ``k``, only the first ``k`` rows of that same ranking, without sorting the whole pool: a partition finds
    the k-th best score, and only the rows reaching it (ties at the boundary included) are sorted, O(n + k log k).
    """
    cand = unlabeled(q)
    primary = -np.asarray(score, dtype=np.float64)[cand]
    if k is not None and k < cand.size:
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        reach = primary <= np.partition(primary, k - 1)[k - 1]
        cand, primary = cand[reach], primary[reach]
    keys = [np.asarray(q.row_ids)[cand]]
    for s in reversed(secondary):
        keys.append(-np.asarray(s, dtype=np.float64)[cand])
    keys.append(primary)
    return cand[np.lexsort(keys)][:k].astype(np.int64)


def first_by_row_id(score: np.ndarray, ids: np.ndarray) -> int:
    """Position of the largest ``score``, the smallest ``ids`` among exact ties."""
    tied = np.flatnonzero(score == score.max())
    return int(tied[np.argmin(ids[tied])])


class InnerProducts:
    """``embeddings[i] . embeddings[j]`` for the rows a strategy asks about: read from ``QueryInput.gram``
    when given (in its dtype), else computed in float64."""

    def __init__(self, q: QueryInput) -> None:
        self.gram = None if q.gram is None else np.asarray(q.gram)
        self.E = None if self.gram is not None else np.asarray(q.embeddings, dtype=np.float64)

    def sq_norms(self) -> np.ndarray:
        if self.gram is not None:
            return np.diagonal(self.gram).astype(np.float64)
        return np.einsum("ij,ij->i", self.E, self.E)

    def row(self, j: int) -> np.ndarray:
        """Row ``j`` against all rows, float64."""
        if self.gram is not None:
            return self.gram[j].astype(np.float64)
        return self.E @ self.E[j]

    def rows(self, block: np.ndarray) -> np.ndarray:
        """Rows ``block`` against all rows, (len(block), n_rows) float64."""
        if self.gram is not None:
            return np.take(self.gram, block, axis=0).astype(np.float64)
        return self.E[block] @ self.E.T

    def min_sq_distance(self, rows: np.ndarray, chunk: int = 1024) -> np.ndarray:
        """Each row's squared Euclidean distance to the nearest of ``rows`` (inf when ``rows`` is empty),
        in blocks of ``chunk`` rows: O(chunk * n) memory."""
        sq = self.sq_norms()
        best = np.full(sq.size, np.inf)
        for start in range(0, rows.size, chunk):
            block = rows[start : start + chunk]
            if self.gram is not None:  # in the gram's dtype, in place: this loop is a strategy's main cost
                part = np.take(self.gram, block, axis=0)
                part *= -2.0
                part += sq[block].astype(part.dtype)[:, None]
            else:
                part = sq[block][:, None] - 2.0 * (self.E[block] @ self.E.T)
            np.minimum(best, part.min(axis=0), out=best)
        return np.maximum(best + sq, 0.0)
