"""Uncertainty sampling from the model's class probabilities, for any number of classes k >= 2.

``least_confidence`` is the tutorial's ``1 - max p``; ``margin`` ranks the smallest gap between the two most
probable classes first (Breaking Ties); ``entropy`` the highest prediction entropy. For two classes all three are
strictly monotone in ``|p1 - 0.5|``, so they give the same ranking (identical ties included); the report
therefore shows least confidence alone, and margin and entropy stay reachable by name.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import QueryInput, check_input, rank_by_score


def least_confidence_score(p: np.ndarray) -> np.ndarray:
    return 1.0 - p.max(axis=1)


def entropy_score(p: np.ndarray) -> np.ndarray:
    """``-sum p log p`` over the last axis, with ``0 log 0 = 0``."""
    return -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=-1)


def least_confidence(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """The tutorial's uncertainty: ``1 - max_c p_c``, highest first."""
    check_input(q, "least_confidence", proba=True)
    return rank_by_score(least_confidence_score(np.asarray(q.proba, dtype=np.float64)), q, k=k)


def margin(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """Smallest gap between the two most probable classes first (Breaking Ties)."""
    check_input(q, "margin", proba=True)
    p = np.sort(np.asarray(q.proba, dtype=np.float64), axis=1)
    return rank_by_score(-(p[:, -1] - p[:, -2]), q, k=k)


def entropy(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """Prediction entropy ``-sum_c p_c log p_c``, highest first."""
    check_input(q, "entropy", proba=True)
    return rank_by_score(entropy_score(np.asarray(q.proba, dtype=np.float64)), q, k=k)
