"""The ask/tell active learner: ``query(k)`` returns rows to label, ``tell(rows, labels)`` adds them and retrains.

The learner knows nothing about where labels come from. The offline experiment answers from the ground truth; the
Labelbox loop answers with labels exported from a (fake or real) labelling queue. Both drive this same object.

A round costs what the batch needs, not a sort of the pool: ``query(k)`` takes the strategy's top-k path, and a
pool given as a ``numpy.memmap`` (``np.load(path, mmap_mode="r")``, float32) stays on disk and is scored in
chunks (:mod:`alrepro.pool_scoring`), so a pool of millions of rows never exists as one float64 copy. The learner's
``scorer`` scores the pool after every fit: in this process by default, or on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alrepro.errors import AlreproError
from alrepro.learner import LogisticModel, SoftmaxModel, bootstrap_committee, fit_model
from alrepro.pool_scoring import Scorer, pool_proba
from alrepro.strategies import QueryInput, StrategySpec, get_strategy

UNLABELED = -1


class ActiveLearner:
    """Pool-based active learner over a fixed matrix of embeddings ``X`` (one row per pool item).

    ``row_ids`` are the tie-break keys handed to the strategy (ascending = file order); ``seed`` seeds the random
    strategy and the committee's bootstrap; labels are class indices ``0..n_classes-1``. Every ``tell`` refits on
    all labels so far (the tutorial's logistic regression for two classes, the multinomial one for more), warm-started
    from the previous solution (the optimum is unique, so warm starts change speed, not result). ``scorer``
    computes the model's (and a committee's) probabilities over the pool (:mod:`alrepro.pool_scoring`: this
    process, or :class:`~alrepro.pool_scoring.DaskScorer`; the same bytes either way).
    """

    def __init__(
        self,
        X: np.ndarray,
        strategy: str | StrategySpec,
        *,
        row_ids: np.ndarray | None = None,
        seed: int = 0,
        C: float = 1.0,
        committee_size: int = 5,
        n_classes: int = 2,
        gram: np.ndarray | None = None,
        scorer: Scorer = pool_proba,
    ) -> None:
        X = X if isinstance(X, np.memmap) else np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise AlreproError(f"the pool must be a non-empty 2-D matrix, got shape {X.shape}")
        # converted to float64 once, not at every fit and prediction; a memory-mapped pool stays on disk
        self.X = X if isinstance(X, np.memmap) else np.ascontiguousarray(X, dtype=np.float64)
        n = self.X.shape[0]
        self.strategy = get_strategy(strategy) if isinstance(strategy, str) else strategy
        self.row_ids = np.arange(n, dtype=np.int64) if row_ids is None else np.asarray(row_ids, dtype=np.int64)
        if self.row_ids.shape != (n,):
            raise AlreproError(f"row_ids must have one entry per pool row ({n}), got {self.row_ids.shape}")
        self.seed = int(seed)
        self.C = float(C)
        self.committee_size = int(committee_size)
        if n_classes < 2:
            raise AlreproError(f"a learner needs at least 2 classes, got {n_classes}")
        self.n_classes = int(n_classes)
        self.labels = np.full(n, UNLABELED, dtype=np.int8)
        self.model: LogisticModel | SoftmaxModel | None = None
        self.proba: np.ndarray | None = None
        # the pool's inner products for strategies that read pairwise distances: the caller's, else computed once
        self._gram_cache = gram
        self.scorer = scorer

    @property
    def labeled(self) -> np.ndarray:
        return self.labels != UNLABELED

    @property
    def n_labeled(self) -> int:
        return int(self.labeled.sum())

    @property
    def n_unlabeled(self) -> int:
        return self.labels.size - self.n_labeled

    def tell(self, rows: Sequence[int] | np.ndarray, labels: Sequence[int] | np.ndarray) -> None:
        """Record labels (class indices) for pool rows and retrain. Re-telling a row its same label is a no-op."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        labels = np.asarray(labels).reshape(-1)
        if rows.shape != labels.shape:
            raise AlreproError(f"got {rows.size} rows but {labels.size} labels")
        if rows.size and (rows.min() < 0 or rows.max() >= self.labels.size):
            raise AlreproError(f"row index out of range 0..{self.labels.size - 1}")
        if self.n_classes == 2 and not np.isin(labels, (0, 1)).all():
            raise AlreproError("labels must be 0 (negative) or 1 (positive)")
        if not np.isin(labels, np.arange(self.n_classes)).all():
            raise AlreproError(f"labels must be class indices 0..{self.n_classes - 1}")
        known = self.labels[rows]
        clash = (known != UNLABELED) & (known != labels)
        if clash.any():
            raise AlreproError(f"row {int(rows[clash][0])} already has a different label")
        self.labels[rows] = labels
        self._refit()

    def _refit(self) -> None:
        mask = self.labeled
        if not mask.any():
            return
        rows = np.asarray(self.X[np.flatnonzero(mask)], dtype=np.float64)
        self.model = fit_model(rows, self.labels[mask], self.n_classes, C=self.C, init=self.model)
        self.proba = self.scorer(self.model, self.X)

    def ranking(self) -> np.ndarray:
        """All unlabeled rows, most informative first, by the learner's strategy."""
        return self.strategy.fn(self._query_input())

    def _query_input(self) -> QueryInput:
        spec = self.strategy
        if spec.needs_proba and self.proba is None:
            raise AlreproError(f"strategy {spec.name!r} needs a trained model: tell() some labels first")
        committee = None
        if spec.needs_committee:
            mask = self.labeled
            members = bootstrap_committee(
                np.asarray(self.X[np.flatnonzero(mask)], dtype=np.float64),
                self.labels[mask],
                n_members=self.committee_size,
                seed=self.seed * 1_000_003 + self.n_labeled,
                C=self.C,
                init=self.model,
                n_classes=self.n_classes,
            )
            committee = np.stack([self.scorer(m, self.X) for m in members])
        return QueryInput(
            proba=self.proba,
            labeled=self.labeled,
            row_ids=self.row_ids,
            embeddings=self.X if spec.needs_embeddings else None,
            committee_proba=committee,
            seed=self.seed,
            # an n x n matrix pays for itself on an in-memory pool; a memory-mapped one reads rows as needed
            gram=self._gram() if spec.pairwise and not isinstance(self.X, np.memmap) else None,
        )

    def _gram(self) -> np.ndarray:
        """The pool's inner products (float32), computed once for strategies that read pairwise distances."""
        if self._gram_cache is None:
            X32 = self.X.astype(np.float32)
            self._gram_cache = X32 @ X32.T
        return self._gram_cache

    def query(self, k: int) -> np.ndarray:
        """The next ``k`` rows to label (fewer if the pool runs out): exactly the prefix of ``ranking()``, found
        without sorting the whole pool where the strategy allows."""
        if k < 0:
            raise AlreproError(f"k must be >= 0, got {k}")
        return self.strategy.top_k(self._query_input(), k)
