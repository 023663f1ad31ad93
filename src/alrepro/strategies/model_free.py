"""Model-free orders: the tutorial's file-order sampler and seeded random sampling."""

from __future__ import annotations

import numpy as np

from alrepro.strategies.base import QueryInput, check_input, unlabeled


def naive(q: QueryInput) -> np.ndarray:
    """The tutorial's ``naive_sampler``: the unlabelled rows in file order (ascending ``row_ids``)."""
    check_input(q, "naive")
    cand = unlabeled(q)
    return cand[np.argsort(np.asarray(q.row_ids)[cand], kind="stable")].astype(np.int64)


def random(q: QueryInput) -> np.ndarray:
    """A permutation of *all* rows from ``default_rng(q.seed)``, filtered to the unlabelled ones, so one seed
    gives one consistent order across rounds."""
    n = check_input(q, "random")
    perm = np.random.default_rng(q.seed).permutation(n)
    return perm[~np.asarray(q.labeled)[perm]].astype(np.int64)
