import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from alrepro.metrics import aulc, labels_to_target, mean_ci, median_iqr, paired_wilcoxon, roc_auc


def test_roc_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.random(500), 2)  # many ties
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_roc_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc(np.ones(5), np.arange(5))


def test_aulc_is_mean_height_of_curve():
    assert aulc(np.array([100, 200, 300]), np.array([0.5, 0.7, 0.9])) == pytest.approx(0.7)
    assert aulc(np.array([100]), np.array([0.8])) == 0.8


def test_labels_to_target_first_crossing_or_none():
    labels = np.array([100, 200, 300, 400])
    auc = np.array([0.7, 0.85, 0.84, 0.9])
    assert labels_to_target(labels, auc, 0.85) == 200
    assert labels_to_target(labels, auc, 0.95) is None


def test_paired_wilcoxon_detects_consistent_shift_and_handles_equal():
    a = np.linspace(0.8, 0.9, 20)
    assert paired_wilcoxon(a + 0.01, a).p_value < 0.001
    assert paired_wilcoxon(a + 0.01, a).median_difference == pytest.approx(0.01)
    same = paired_wilcoxon(a, a)
    assert same.p_value == 1.0 and same.median_difference == 0.0


def test_mean_ci_shrinks_with_n_and_zero_for_single():
    rng = np.random.default_rng(1)
    small = rng.normal(size=(5, 3))
    big = rng.normal(size=(500, 3))
    assert (mean_ci(big)[1] < mean_ci(small)[1]).all()
    assert (mean_ci(small[:1])[1] == 0).all()


def test_median_iqr_skips_missing():
    assert median_iqr([None, None]) is None
    assert median_iqr([1.0, 2.0, 3.0, None]) == (2.0, 1.5, 2.5)


def test_roc_auc_over_k_classes_is_sklearns_one_vs_rest_macro():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 400)
    proba = rng.dirichlet(np.ones(4), 400)
    proba[y == 2, 2] += 0.3  # some signal
    proba /= proba.sum(axis=1, keepdims=True)
    proba = np.round(proba, 2)  # ties
    proba /= proba.sum(axis=1, keepdims=True)
    assert roc_auc(y, proba) == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"), abs=1e-12)
    with pytest.raises(ValueError, match="two classes"):
        roc_auc(np.zeros(5, dtype=int), np.full((5, 3), 1 / 3))
