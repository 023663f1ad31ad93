"""Paired effects: bootstrap intervals, seeds favouring each side, relative saving, power."""

import numpy as np
import pytest

from alrepro import effects as E


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible():
    v = np.random.default_rng(0).normal(5.0, 1.0, size=12)
    mean, lo, hi = E.bootstrap_mean_ci(v)
    assert lo < mean < hi and mean == pytest.approx(v.mean())
    assert E.bootstrap_mean_ci(v) == (mean, lo, hi)
    assert E.bootstrap_mean_ci(np.full(5, 2.0)) == (2.0, 2.0, 2.0)


def test_bootstrap_interval_shrinks_with_more_seeds():
    rng = np.random.default_rng(1)
    small, large = rng.normal(0, 1, 8), rng.normal(0, 1, 80)
    w = lambda v: np.subtract(*E.bootstrap_mean_ci(v)[2:0:-1])  # noqa: E731
    assert w(large) < w(small)


def test_paired_effect_counts_seeds_and_direction():
    strategy = np.array([2000.0, 2500, 3000, 5000])
    baseline = np.array([4000.0, 4500, 3000, 4000])
    e = E.paired_effect(strategy, baseline, higher_is_better=False, saving=True)
    assert (e.favour_strategy, e.favour_baseline, e.ties) == (2, 1, 1)
    assert e.difference == pytest.approx(-750.0) and e.ci_low <= e.difference <= e.ci_high
    assert e.saving == pytest.approx(1 - 12500 / 15500)
    assert e.saving_low <= e.saving <= e.saving_high
    up = E.paired_effect(np.array([0.9, 0.8]), np.array([0.7, 0.9]), higher_is_better=True)
    assert (up.favour_strategy, up.favour_baseline) == (1, 1) and up.saving is None


def test_seeds_needed_follows_the_spread():
    rng = np.random.default_rng(2)
    clear = 10 + rng.normal(0, 1, 20)
    noisy = 10 + rng.normal(0, 20, 20)
    assert E.seeds_needed(clear) <= 3
    assert E.seeds_needed(noisy) > E.seeds_needed(clear)
    n = E.seeds_needed(noisy)
    p = E.POWER_PRECISION
    assert p == pytest.approx(0.70, abs=0.005)
    assert E.interval_half_width(noisy, n) <= p * abs(noisy.mean()) < E.interval_half_width(noisy, n - 1)
    assert E.seeds_needed(np.zeros(5)) is None
