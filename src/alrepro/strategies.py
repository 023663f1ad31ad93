"""Query strategies: pure functions from model outputs (and embeddings) to a full, reproducible ranking.

Every strategy takes one :class:`QueryInput` and returns the int64 indices (into ``0..n_rows-1``) of
*all* unlabelled rows, most informative first. Design rules, learnt from modAL / small-text, whose top-k
comes back unordered or with ties shuffled by the global ``np.random``:

- **Full ranking, not a top-k.** A batch of k is the prefix ``ranking[:k]`` (:func:`select`, :func:`top_k`),
  so batches of every size are consistent and the ranking can be pushed as queue priorities.
- **Explicit ties.** Score-based strategies sort with ``np.lexsort`` on (score descending, ``row_ids``
  ascending): rows with *identical* scores come out in ``row_ids`` order (then position, lexsort being
  stable). Scores that differ in the last ulp are not ties.
- **No global random state.** ``random`` draws from ``numpy.random.default_rng(query.seed)``.
- **Validated input.** A strategy missing what it needs (probabilities, embeddings, a committee) raises
  :class:`~alrepro.errors.AlreproError` naming the missing field.

Uncertainty: ``least_confidence`` (the tutorial's ``1 - max p``), ``margin`` (smallest ``p(1) - p(2)``
first), ``entropy``. For two classes all three are strictly monotone in ``|p1 - 0.5|``, so they give the
same ranking (identical ties included); in floating point they can only disagree on scores within an ulp
or so of each other.

Committee (``committee_proba``, e.g. from :func:`alrepro.learner.bootstrap_committee`):
``qbc_vote_entropy`` (entropy of the members' hard votes; it has few distinct values, so ties are broken
first by consensus entropy, then row id) and ``qbc_kl`` (mean KL divergence of each member from the
consensus = mean probability).

Diversity: ``coreset``, greedy k-centre (farthest-first) over Euclidean embedding distance from the
labelled set. The greedy traversal is O(block * n * d) and the initial distances O(n_unlabelled *
n_labelled * d), so only the first :data:`CORESET_GREEDY_BLOCK` rows (the tutorial's batch of 100) are
picked greedily; the rest follow in descending distance to the nearest labelled-or-picked row (ties by
row id). With nothing labelled the traversal starts from the row nearest the pool mean.

``density_weighted``: least confidence x density**beta (Settles & Craven's information density), density =
mean cosine similarity to the unlabelled pool, which for L2-normalised rows is ``x_i . mean(x_pool)``
(O(n d), no n x n matrix), rescaled from [-1, 1] to [0, 1] so the power is defined.

Model-free: ``naive`` (the tutorial's sampler: next rows in file order, i.e. ascending ``row_ids``) and
``random`` (a seeded permutation of all rows, filtered to the unlabelled, so one seed gives one consistent
order across rounds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import rel_entr

from alrepro.errors import AlreproError

__all__ = [
    "QueryInput",
    "StrategySpec",
    "STRATEGIES",
    "CORESET_GREEDY_BLOCK",
    "get_strategy",
    "select",
    "top_k",
    "rank_by_score",
    "naive",
    "random",
    "least_confidence",
    "margin",
    "entropy",
    "qbc_vote_entropy",
    "qbc_kl",
    "coreset",
    "density_weighted",
]

CORESET_GREEDY_BLOCK = 100


@dataclass(frozen=True)
class QueryInput:
    """Everything a strategy may look at. Arrays are indexed by row position ``0..n_rows-1``."""

    proba: np.ndarray | None  # (n_rows, n_classes) current model's probabilities for EVERY row; None if model-free
    labeled: np.ndarray  # (n_rows,) bool, True = already labelled (never returned)
    row_ids: np.ndarray  # (n_rows,) int64 tie-break keys; ascending = file order
    embeddings: np.ndarray | None = None  # (n_rows, d)
    committee_proba: np.ndarray | None = None  # (n_members, n_rows, n_classes)
    seed: int = 0


Strategy = Callable[[QueryInput], np.ndarray]


@dataclass(frozen=True)
class StrategySpec:
    name: str
    function: Strategy
    needs_proba: bool = False
    needs_embeddings: bool = False
    needs_committee: bool = False
    description: str = ""

    @property
    def fn(self) -> Strategy:
        """Alias of ``function``."""
        return self.function

    def __call__(self, query: QueryInput) -> np.ndarray:
        return self.function(query)


# ---------------------------------------------------------------------------------------------- validation


def _check(q: QueryInput, name: str, *, proba=False, embeddings=False, committee=False) -> int:
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


def _unlabeled(q: QueryInput) -> np.ndarray:
    return np.flatnonzero(~np.asarray(q.labeled))


def rank_by_score(score: np.ndarray, q: QueryInput, *secondary: np.ndarray) -> np.ndarray:
    """Unlabelled rows by ``score`` descending, then each ``secondary`` score descending, then ``row_ids``
    ascending (then position: lexsort is stable). Scores are (n_rows,) arrays over all rows."""
    cand = _unlabeled(q)
    keys = [np.asarray(q.row_ids)[cand]]
    for s in reversed(secondary):
        keys.append(-np.asarray(s, dtype=np.float64)[cand])
    keys.append(-np.asarray(score, dtype=np.float64)[cand])
    return cand[np.lexsort(keys)].astype(np.int64)


# ---------------------------------------------------------------------------------------------- strategies


def naive(q: QueryInput) -> np.ndarray:
    """The tutorial's ``naive_sampler``: the unlabelled rows in file order (ascending ``row_ids``)."""
    _check(q, "naive")
    cand = _unlabeled(q)
    return cand[np.argsort(np.asarray(q.row_ids)[cand], kind="stable")].astype(np.int64)


def random(q: QueryInput) -> np.ndarray:
    """A permutation of *all* rows from ``default_rng(q.seed)``, filtered to the unlabelled ones."""
    n = _check(q, "random")
    perm = np.random.default_rng(q.seed).permutation(n)
    return perm[~np.asarray(q.labeled)[perm]].astype(np.int64)


def _lc_score(p: np.ndarray) -> np.ndarray:
    return 1.0 - p.max(axis=1)


def least_confidence(q: QueryInput) -> np.ndarray:
    """The tutorial's uncertainty: ``1 - max_c p_c``, highest first."""
    _check(q, "least_confidence", proba=True)
    return rank_by_score(_lc_score(np.asarray(q.proba, dtype=np.float64)), q)


def margin(q: QueryInput) -> np.ndarray:
    """Smallest gap between the two most probable classes first (Breaking Ties)."""
    _check(q, "margin", proba=True)
    p = np.sort(np.asarray(q.proba, dtype=np.float64), axis=1)
    return rank_by_score(-(p[:, -1] - p[:, -2]), q)


def _entropy(p: np.ndarray) -> np.ndarray:
    return -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=-1)


def entropy(q: QueryInput) -> np.ndarray:
    """Prediction entropy ``-sum_c p_c log p_c``, highest first."""
    _check(q, "entropy", proba=True)
    return rank_by_score(_entropy(np.asarray(q.proba, dtype=np.float64)), q)


def qbc_vote_entropy(q: QueryInput) -> np.ndarray:
    """Entropy of the committee's hard votes (argmax, lowest class on a tie), highest first; ties (it takes
    few values) broken by consensus entropy, then row id."""
    _check(q, "qbc_vote_entropy", committee=True)
    c = np.asarray(q.committee_proba, dtype=np.float64)
    m, n, k = c.shape
    votes = c.argmax(axis=2)  # (m, n)
    frac = np.stack([(votes == j).sum(axis=0) for j in range(k)], axis=1) / m
    return rank_by_score(_entropy(frac), q, _entropy(c.mean(axis=0)))


def qbc_kl(q: QueryInput) -> np.ndarray:
    """Mean KL divergence of each member from the consensus (McCallum & Nigam's KL-to-the-mean), highest first."""
    _check(q, "qbc_kl", committee=True)
    c = np.asarray(q.committee_proba, dtype=np.float64)
    consensus = c.mean(axis=0)
    return rank_by_score(rel_entr(c, consensus[None]).sum(axis=2).mean(axis=0), q)


def coreset(q: QueryInput) -> np.ndarray:
    """Greedy k-centre over embeddings for the first ``CORESET_GREEDY_BLOCK`` rows, the rest by distance."""
    _check(q, "coreset", embeddings=True)
    cand = _unlabeled(q)
    if cand.size == 0:
        return cand.astype(np.int64)
    E = np.asarray(q.embeddings, dtype=np.float64)
    row_ids = np.asarray(q.row_ids)
    X = E[cand]
    sq = np.einsum("ij,ij->i", X, X)
    lab = np.flatnonzero(np.asarray(q.labeled))
    if lab.size:
        dmin = np.full(cand.size, np.inf)
        L = E[lab]
        lsq = np.einsum("ij,ij->i", L, L)
        for start in range(0, lab.size, 1024):  # chunked: O(n_unlabelled * 1024) memory
            block = L[start : start + 1024]
            d2 = sq[:, None] - 2.0 * (X @ block.T) + lsq[None, start : start + 1024]
            np.minimum(dmin, d2.min(axis=1), out=dmin)
    else:  # nothing labelled: start from the row nearest the pool mean
        mu = X.mean(axis=0)
        d2mu = ((X - mu) ** 2).sum(axis=1)
        first = np.lexsort((row_ids[cand], d2mu))[0]
        dmin = np.full(cand.size, np.finfo(np.float64).max)  # replaced by distances after the first pick
        dmin[first] = np.inf
    np.maximum(dmin, 0.0, out=dmin)
    picked = np.zeros(cand.size, dtype=bool)
    order = []
    ids = row_ids[cand]
    for _ in range(min(CORESET_GREEDY_BLOCK, cand.size)):
        masked = np.where(picked, -np.inf, dmin)
        tied = np.flatnonzero(masked == masked.max())
        j = int(tied[np.argmin(ids[tied])])  # ties by row id
        picked[j] = True
        order.append(j)
        np.minimum(dmin, np.maximum(sq - 2.0 * (X @ X[j]) + sq[j], 0.0), out=dmin)
        dmin[j] = 0.0
    rest = np.flatnonzero(~picked)
    rest = rest[np.lexsort((ids[rest], -dmin[rest]))]
    return cand[np.concatenate([np.asarray(order, dtype=np.int64), rest])].astype(np.int64)


def density_weighted(q: QueryInput, beta: float = 1.0) -> np.ndarray:
    """Least confidence x density**beta; density = (1 + mean cosine similarity to the unlabelled pool) / 2."""
    _check(q, "density_weighted", proba=True, embeddings=True)
    cand = _unlabeled(q)
    if cand.size == 0:
        return cand.astype(np.int64)
    E = np.asarray(q.embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    cos_mean = unit @ unit[cand].mean(axis=0)
    density = np.clip((1.0 + cos_mean) / 2.0, 0.0, 1.0)
    score = _lc_score(np.asarray(q.proba, dtype=np.float64)) * density**beta
    return rank_by_score(score, q)


# ---------------------------------------------------------------------------------------------- registry


def _spec(name, fn, description, **needs) -> StrategySpec:
    return StrategySpec(name=name, function=fn, description=description, **needs)


STRATEGIES: dict[str, StrategySpec] = {
    s.name: s
    for s in [
        _spec("naive", naive, "next rows in file order (the tutorial's baseline)"),
        _spec("random", random, "seeded random order"),
        _spec("least_confidence", least_confidence, "1 - max p (the tutorial's uncertainty)", needs_proba=True),
        _spec("margin", margin, "smallest top-2 probability gap", needs_proba=True),
        _spec("entropy", entropy, "prediction entropy", needs_proba=True),
        _spec("qbc_vote_entropy", qbc_vote_entropy, "committee vote entropy", needs_committee=True),
        _spec("qbc_kl", qbc_kl, "committee KL divergence from consensus", needs_committee=True),
        _spec("coreset", coreset, "greedy k-centre over embeddings", needs_embeddings=True),
        _spec(
            "density_weighted",
            density_weighted,
            "least confidence x pool density",
            needs_proba=True,
            needs_embeddings=True,
        ),
    ]
}


def get_strategy(name: str) -> StrategySpec:
    """The registered strategy ``name``; ``AlreproError`` listing the valid names otherwise."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise AlreproError(f"unknown strategy {name!r}; valid: {', '.join(sorted(STRATEGIES))}") from None


def select(ranking: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` rows of a ranking (all of them if fewer remain)."""
    if k < 0:
        raise AlreproError(f"batch size must be >= 0, got {k}")
    return np.asarray(ranking, dtype=np.int64)[:k]


def top_k(strategy: str | StrategySpec | Strategy, query: QueryInput, k: int) -> np.ndarray:
    """The batch of ``k`` a strategy picks: exactly the prefix of its full ranking."""
    fn = get_strategy(strategy) if isinstance(strategy, str) else strategy
    return select(fn(query), k)
