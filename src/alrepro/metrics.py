"""Learning-curve metrics: ROC AUC, normalised AULC, labels-to-target, paired tests, confidence bands."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half; equals sklearn's roc_auc_score.

    Two classes: ``score`` is one number per row (higher = class 1). k classes: ``score`` is the (n, k)
    probabilities and the result the mean of the k one-vs-rest AUCs (sklearn's ``multi_class="ovr"``, macro);
    a class absent from ``y_true`` is left out of the mean."""
    score = np.asarray(score)
    if score.ndim == 2:
        y_true = np.asarray(y_true)
        present = [c for c in range(score.shape[1]) if (y_true == c).any()]
        if len(present) < 2:
            raise ValueError("ROC AUC needs at least two classes in y_true")
        return float(np.mean([roc_auc(y_true == c, score[:, c]) for c in present]))
    y_true = np.asarray(y_true).astype(bool)
    n_pos = int(y_true.sum())
    n_neg = y_true.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes in y_true")
    ranks = stats.rankdata(score)  # average ranks for ties
    return float((ranks[y_true].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def aulc(labels: np.ndarray, auc: np.ndarray) -> float:
    """Area under the AUC-vs-labels curve (trapezoids), divided by the label range: a mean AUC in [0, 1]."""
    labels = np.asarray(labels, dtype=float)
    auc = np.asarray(auc, dtype=float)
    if labels.size < 2:
        return float(auc[0])
    return float(np.trapezoid(auc, labels) / (labels[-1] - labels[0]))


def labels_to_target(labels: np.ndarray, auc: np.ndarray, target: float) -> int | None:
    """The first label count whose AUC reaches ``target``; None if the curve never does."""
    hits = np.flatnonzero(np.asarray(auc) >= target)
    return int(np.asarray(labels)[hits[0]]) if hits.size else None


@dataclass(frozen=True)
class PairedTest:
    """Two-sided Wilcoxon signed-rank test of ``a - b`` over paired seeds."""

    n: int
    median_difference: float
    statistic: float
    p_value: float


def paired_wilcoxon(a: np.ndarray, b: np.ndarray) -> PairedTest:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = a - b
    if diff.size == 0 or np.all(diff == 0):
        return PairedTest(diff.size, 0.0, float("nan"), 1.0)
    res = stats.wilcoxon(a, b, zero_method="wilcox", alternative="two-sided")
    return PairedTest(diff.size, float(np.median(diff)), float(res.statistic), float(res.pvalue))


def mean_ci(values: np.ndarray, level: float = 0.95, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and half-width of the Student-t confidence interval along ``axis``."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        return mean, np.zeros_like(mean)
    sem = values.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, sem * stats.t.ppf(0.5 + level / 2, n - 1)


def median_iqr(values: list[float | None]) -> tuple[float, float, float] | None:
    """Median, 25th and 75th percentile of the non-missing values; None if all are missing."""
    finite = np.array([v for v in values if v is not None], dtype=float)
    if finite.size == 0:
        return None
    q25, med, q75 = np.percentile(finite, [25, 50, 75])
    return float(med), float(q25), float(q75)
