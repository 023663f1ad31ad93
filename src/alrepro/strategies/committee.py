"""Query by committee over the members' class probabilities (e.g. :func:`alrepro.learner.bootstrap_committee`).

``qbc_vote_entropy``: entropy of the members' hard votes; it takes few distinct values, so ties are broken first
by the consensus entropy, then by row id. ``qbc_kl``: mean KL divergence of each member from the consensus (the
mean probability), McCallum & Nigam's KL-to-the-mean.
"""

from __future__ import annotations

import numpy as np
from scipy.special import rel_entr

from alrepro.strategies.base import QueryInput, check_input, rank_by_score
from alrepro.strategies.uncertainty import entropy_score


def qbc_vote_entropy(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """Entropy of the committee's hard votes (argmax, lowest class on a tie), highest first."""
    check_input(q, "qbc_vote_entropy", committee=True)
    c = np.asarray(q.committee_proba, dtype=np.float64)
    m, _, n_classes = c.shape
    votes = c.argmax(axis=2)  # (m, n)
    frac = np.stack([(votes == j).sum(axis=0) for j in range(n_classes)], axis=1) / m
    return rank_by_score(entropy_score(frac), q, entropy_score(c.mean(axis=0)), k=k)


def qbc_kl(q: QueryInput, *, k: int | None = None) -> np.ndarray:
    """Mean KL divergence of each member from the consensus, highest first."""
    check_input(q, "qbc_kl", committee=True)
    c = np.asarray(q.committee_proba, dtype=np.float64)
    consensus = c.mean(axis=0)
    return rank_by_score(rel_entr(c, consensus[None]).sum(axis=2).mean(axis=0), q, k=k)
