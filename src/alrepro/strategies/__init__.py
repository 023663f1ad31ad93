"""Query strategies: pure functions from model outputs (and embeddings) to a full, stably tie-broken ranking.

One concept per module (like small-text's ``query_strategies``): :mod:`.base` (the input, the registry entry,
checks and the stable ranking), :mod:`.model_free` (``naive``, ``random``), :mod:`.uncertainty`
(``least_confidence``, ``margin``, ``entropy``), :mod:`.committee` (``qbc_vote_entropy``, ``qbc_kl``),
:mod:`.density` (``density_weighted``), :mod:`.coreset`, :mod:`.badge`, :mod:`.seals` (both restricted to the
labelled rows' nearest neighbours) and :mod:`.probcover` (with the cold-start schedule ``probcover_lc``). Every
registered strategy passes the same template test
(``tests/alrepro/test_strategies.py``).
"""

from __future__ import annotations

import numpy as np

from alrepro.errors import AlreproError
from alrepro.strategies.badge import BADGE_BLOCK, badge
from alrepro.strategies.base import QueryInput, Strategy, StrategySpec, rank_by_score
from alrepro.strategies.committee import qbc_kl, qbc_vote_entropy
from alrepro.strategies.coreset import CORESET_GREEDY_BLOCK, coreset
from alrepro.strategies.density import density_weighted
from alrepro.strategies.model_free import naive, random
from alrepro.strategies.probcover import COLD_START_LABELS, PROBCOVER_BLOCK, probcover, probcover_lc
from alrepro.strategies.seals import SEALS_NEIGHBOURS, badge_seals, coreset_seals
from alrepro.strategies.uncertainty import entropy, least_confidence, margin

__all__ = [
    "QueryInput",
    "Strategy",
    "StrategySpec",
    "STRATEGIES",
    "BADGE_BLOCK",
    "CORESET_GREEDY_BLOCK",
    "COLD_START_LABELS",
    "PROBCOVER_BLOCK",
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
    "badge",
    "probcover",
    "probcover_lc",
    "coreset_seals",
    "badge_seals",
    "SEALS_NEIGHBOURS",
]

STRATEGIES: dict[str, StrategySpec] = {
    s.name: s
    for s in [
        StrategySpec("naive", naive, description="next rows in file order (the tutorial's baseline)"),
        StrategySpec("random", random, description="seeded random order"),
        StrategySpec("least_confidence", least_confidence, needs_proba=True, partial=True,
                     description="1 - max p (the tutorial's uncertainty)"),
        StrategySpec("margin", margin, needs_proba=True, partial=True, description="smallest top-2 probability gap"),
        StrategySpec("entropy", entropy, needs_proba=True, partial=True, description="prediction entropy"),
        StrategySpec("qbc_vote_entropy", qbc_vote_entropy, needs_committee=True, partial=True,
                     description="committee vote entropy"),
        StrategySpec("qbc_kl", qbc_kl, needs_committee=True, partial=True, description="committee KL divergence from consensus"),
        StrategySpec("coreset", coreset, needs_embeddings=True, pairwise=True,
                     description="greedy k-centre over embeddings"),
        StrategySpec("density_weighted", density_weighted, needs_proba=True, needs_embeddings=True, partial=True,
                     description="least confidence x pool density"),
        StrategySpec("badge", badge, needs_proba=True, needs_embeddings=True, pairwise=True,
                     description="k-means++ over the logistic model's gradient embeddings"),
        StrategySpec("coreset_seals", coreset_seals, needs_embeddings=True, pairwise=True,
                     description=f"core-set over the {SEALS_NEIGHBOURS} nearest neighbours of labelled rows (SEALS)"),
        StrategySpec("badge_seals", badge_seals, needs_proba=True, needs_embeddings=True, pairwise=True,
                     description=f"BADGE over the {SEALS_NEIGHBOURS} nearest neighbours of labelled rows (SEALS)"),
        StrategySpec("probcover", probcover, needs_embeddings=True, pairwise=True,
                     description="greedy max coverage of purity-sized balls (cold start)"),
        StrategySpec("probcover_lc", probcover_lc, needs_proba=True, needs_embeddings=True, pairwise=True, partial=True,
                     description=f"ProbCover below {COLD_START_LABELS} labels (cold start), least confidence after"),
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
    """The batch of ``k`` a strategy picks: exactly the prefix of its full ranking (found without sorting the
    whole pool when the strategy is ``partial``)."""
    spec = get_strategy(strategy) if isinstance(strategy, str) else strategy
    if isinstance(spec, StrategySpec):
        return spec.top_k(query, k)
    return select(spec(query), k)
