"""Information density (Settles & Craven): least confidence weighted by how typical a row is of the pool.

density = mean cosine similarity to the unlabelled pool, which for L2-normalised rows is ``x_i . mean(x_pool)``
(O(n d), no n x n matrix), rescaled from [-1, 1] to [0, 1] so that the power ``beta`` is defined.
"""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import QueryInput, check_input, rank_by_score, unlabeled
from alrepro.strategies.uncertainty import least_confidence_score


def density_weighted(q: QueryInput, beta: float = 1.0, *, k: int | None = None) -> np.ndarray:
    """Least confidence x density**beta; density = (1 + mean cosine similarity to the unlabelled pool) / 2."""
    check_input(q, "density_weighted", proba=True, embeddings=True)
    cand = unlabeled(q)
    if cand.size == 0:
        return cand.astype(np.int64)
    E = np.asarray(q.embeddings, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    unit = E / np.where(norms > 0, norms, 1.0)[:, None]
    cos_mean = unit @ unit[cand].mean(axis=0)
    density = np.clip((1.0 + cos_mean) / 2.0, 0.0, 1.0)
    score = least_confidence_score(np.asarray(q.proba, dtype=np.float64)) * density**beta
    return rank_by_score(score, q, k=k)
