"""Paired effect sizes over seeds: differences with bootstrap intervals, seeds favouring each side, the paired
test, the relative label saving, and the interval width a given number of seeds buys (power).

Every comparison is *paired*: strategy and baseline share each seed's split and seed set, so the unit of
resampling is the seed. Intervals are percentile bootstraps over seeds (:data:`N_BOOT` resamples from
``default_rng(BOOT_SEED)``, so reruns give the same bytes). The paired test is the two-sided Wilcoxon signed-rank
test (:func:`alrepro.metrics.paired_wilcoxon`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from alrepro.metrics import paired_wilcoxon

N_BOOT = 10_000
BOOT_SEED = 20_260_601
LEVEL = 0.95


def _resamples(n: int) -> np.ndarray:
    """(N_BOOT, n) seed indices drawn with replacement; the same draws for every comparison of n seeds."""
    return np.random.default_rng(BOOT_SEED).integers(0, n, size=(N_BOOT, n))


def bootstrap_mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the mean over seeds and its percentile bootstrap interval."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    means = v[_resamples(v.size)].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(v.mean()), float(lo), float(hi)


@dataclass(frozen=True)
class PairedEffect:
    """``strategy - baseline`` over paired seeds for one metric (``higher_is_better`` says which way wins)."""

    n: int
    mean_strategy: float
    mean_baseline: float
    difference: float  # mean of the paired differences
    ci_low: float
    ci_high: float
    favour_strategy: int  # seeds where the strategy does better
    favour_baseline: int
    ties: int
    p_value: float
    saving: float | None = None  # 1 - mean(strategy) / mean(baseline), for label counts
    saving_low: float | None = None
    saving_high: float | None = None


def paired_effect(strategy: np.ndarray, baseline: np.ndarray, *, higher_is_better: bool,
                  saving: bool = False) -> PairedEffect:
    a, b = np.asarray(strategy, dtype=float), np.asarray(baseline, dtype=float)
    diff = a - b
    mean, lo, hi = bootstrap_mean_ci(diff)
    better = diff > 0 if higher_is_better else diff < 0
    worse = diff < 0 if higher_is_better else diff > 0
    test = paired_wilcoxon(a, b)
    s = s_lo = s_hi = None
    if saving and b.sum() > 0:
        idx = _resamples(a.size)
        ratios = 1.0 - a[idx].mean(axis=1) / b[idx].mean(axis=1)
        s = float(1.0 - a.mean() / b.mean())
        s_lo, s_hi = (float(x) for x in np.quantile(ratios, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]))
    return PairedEffect(a.size, float(a.mean()), float(b.mean()), mean, lo, hi, int(better.sum()), int(worse.sum()),
                        int((diff == 0).sum()), test.p_value, s, s_lo, s_hi)


def interval_half_width(differences: np.ndarray, n_seeds: int) -> float:
    """Expected half-width of the 95% interval of a mean paired difference over ``n_seeds`` seeds, from the
    observed spread (Student t): how precisely that many seeds pin the effect down."""
    d = np.asarray(differences, dtype=float)
    if d.size < 2 or n_seeds < 2:
        return float("inf")
    return float(stats.t.ppf((1 + LEVEL) / 2, n_seeds - 1) * d.std(ddof=1) / np.sqrt(n_seeds))


# The interval half-width, as a share of the effect, at which a paired test at alpha = 0.05 has 80% power:
# z_0.975 / (z_0.975 + z_0.8) = 1.96 / 2.80 (normal approximation; the t quantile in the width corrects for
# few seeds).
POWER_PRECISION = float(stats.norm.ppf(0.975) / (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)))


def seeds_needed(differences: np.ndarray, *, precision: float = POWER_PRECISION, max_seeds: int = 100) -> int | None:
    """The fewest seeds whose expected 95% interval half-width is at most ``precision`` x |mean difference|:
    with the default, the seeds a paired test needs to detect the observed effect with 80% power. None if
    ``max_seeds`` do not suffice (or there is no effect)."""
    d = np.asarray(differences, dtype=float)
    effect = abs(d.mean()) if d.size >= 2 else 0.0
    if effect == 0:  # no effect, or too few seeds to see a spread
        return None
    for n in range(2, max_seeds + 1):
        if interval_half_width(d, n) <= precision * effect:
            return n
    return None
