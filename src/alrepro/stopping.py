"""Stopping criteria: when to stop asking for labels.

Each criterion is a small stateful object. ``update`` is called once per round, after retraining, with the
labels used so far and the model's probabilities on the whole pool; it returns True once the criterion fires.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa between two label vectors (1.0 when both are constant and equal)."""
    a = np.asarray(a)
    b = np.asarray(b)
    observed = float(np.mean(a == b))
    classes = np.union1d(a, b)
    expected = float(sum(np.mean(a == c) * np.mean(b == c) for c in classes))
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass
class LabelBudget:
    """Stop once ``max_labels`` labels have been used."""

    max_labels: int
    name: str = "budget"

    def update(self, n_labeled: int, proba: np.ndarray, labeled: np.ndarray) -> bool:
        return n_labeled >= self.max_labels


@dataclass
class StabilizingPredictions:
    """Bloodgood & Vijay-Shanker (2009): stop when successive models agree on the pool.

    Fires when the mean Cohen's kappa between consecutive rounds' predicted labels on the whole pool, over the
    last ``window`` pairs, reaches ``threshold``.
    """

    threshold: float = 0.99
    window: int = 3
    name: str = "stabilizing_predictions"
    _previous: np.ndarray | None = field(default=None, repr=False)
    _kappas: deque = field(default_factory=deque, repr=False)

    def update(self, n_labeled: int, proba: np.ndarray, labeled: np.ndarray) -> bool:
        predicted = np.argmax(proba, axis=1)
        if self._previous is not None:
            self._kappas.append(cohen_kappa(self._previous, predicted))
            while len(self._kappas) > self.window:
                self._kappas.popleft()
        self._previous = predicted
        return len(self._kappas) == self.window and float(np.mean(self._kappas)) >= self.threshold


@dataclass
class OverallUncertainty:
    """small-text's OverallUncertainty: stop when the mean least-confidence of the unlabeled pool is low."""

    threshold: float = 0.1
    name: str = "overall_uncertainty"

    def update(self, n_labeled: int, proba: np.ndarray, labeled: np.ndarray) -> bool:
        unlabeled = ~np.asarray(labeled, dtype=bool)
        if not unlabeled.any():
            return True
        return float(np.mean(1.0 - proba[unlabeled].max(axis=1))) < self.threshold


def default_criteria(budget: int) -> list:
    """The criteria the experiment records: the label budget and two model-based ones."""
    return [LabelBudget(budget), StabilizingPredictions(), OverallUncertainty()]
