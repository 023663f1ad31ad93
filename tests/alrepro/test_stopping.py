import numpy as np

from alrepro.stopping import LabelBudget, OverallUncertainty, StabilizingPredictions, cohen_kappa


def _proba(p1):
    p1 = np.asarray(p1, dtype=float)
    return np.column_stack([1 - p1, p1])


def test_cohen_kappa_known_values():
    assert cohen_kappa(np.array([0, 1, 0, 1]), np.array([0, 1, 0, 1])) == 1.0
    assert cohen_kappa(np.array([0, 1, 0, 1]), np.array([1, 0, 1, 0])) == -1.0
    assert cohen_kappa(np.zeros(4), np.zeros(4)) == 1.0


def test_budget():
    b = LabelBudget(300)
    assert not b.update(200, _proba([0.5]), np.array([False]))
    assert b.update(300, _proba([0.5]), np.array([False]))


def test_stabilizing_predictions_needs_a_full_window_of_agreement():
    c = StabilizingPredictions(threshold=0.99, window=2)
    labeled = np.zeros(4, dtype=bool)
    stable = _proba([0.1, 0.9, 0.2, 0.8])
    assert not c.update(100, _proba([0.9, 0.1, 0.2, 0.8]), labeled)
    assert not c.update(200, stable, labeled)  # first pair disagrees
    assert not c.update(300, stable, labeled)  # window mean still below threshold
    assert c.update(400, stable, labeled)


def test_overall_uncertainty_uses_unlabeled_rows_only():
    c = OverallUncertainty(threshold=0.1)
    proba = _proba([0.5, 0.99, 0.98])
    assert c.update(1, proba, np.array([True, False, False]))
    assert not c.update(1, proba, np.array([False, True, True]))
    assert c.update(3, proba, np.ones(3, dtype=bool))
