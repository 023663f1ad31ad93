"""Plots, drawn with the object-oriented Matplotlib API on the Agg canvas and saved without metadata.

PNG bytes are stable for a given Matplotlib/FreeType build; the numbers behind each figure are checksummed
separately (see ``alrepro.report``), since PNG bytes legitimately change across Matplotlib versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from alrepro.experiment import Curve
from alrepro.metrics import mean_ci

REPLICA_PNG = "roc_uncertainty_random_7200_800.png"
MULTISEED_PNG = "multiseed_roc_auc.png"

COLORS = {
    "random": "black",
    "naive": "dimgray",
    "least_confidence": "tab:blue",
    "margin": "tab:orange",
    "entropy": "tab:green",
    "qbc_vote_entropy": "tab:red",
    "qbc_kl": "tab:red",
    "coreset": "tab:purple",
    "density_weighted": "tab:brown",
    "badge": "tab:green",
    "probcover_lc": "tab:cyan",
    "tfidf_random": "tab:gray",
}
LINESTYLES = {"margin": (0, (5, 2)), "entropy": (0, (1, 1.5)), "random": "--", "naive": "--", "tfidf_random": ":"}


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})


def plot_replica(curves: Sequence[Curve], path: Path) -> None:
    """The tutorial's figure: its axes, line styles and legend ('random sampling' is its file-order sampler)."""
    by = {c.strategy: c for c in curves}
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    if "least_confidence" in by:
        c = by["least_confidence"]
        ax.plot(c.labels, c.auc, "-", color="blue", label="uncertainty sampling")
    if "naive" in by:
        c = by["naive"]
        ax.plot(c.labels, c.auc, "--", color="black", label="random sampling")
    ax.set_xlabel("# of labeled data in training set")
    ax.set_ylabel("ROC on test set")
    ax.legend()
    ax.grid()
    _save(fig, path)


def plot_multiseed(
    curves: Sequence[Curve],
    path: Path,
    title: str = "",
    marks: dict[str, tuple[float, float, float]] | None = None,
    mark_auc: float | None = None,
) -> None:
    """Mean test ROC AUC per strategy over paired seeds with a 95% confidence band; with ``marks``, each
    strategy's mean labels-to-99% and its 95% interval (the summary table's numbers) as a point with a horizontal
    bar at height ``mark_auc`` (99% of the mean full-data AUC)."""
    strategies = list(dict.fromkeys(c.strategy for c in curves))
    fig = Figure(figsize=(8.0, 5.6))
    ax = fig.add_subplot()
    for k, s in enumerate(strategies):
        mine = [c for c in curves if c.strategy == s]
        labels = np.array(mine[0].labels)
        aucs = np.array([c.auc for c in mine])
        mean, half = mean_ci(aucs)
        color = COLORS.get(s)
        ax.plot(labels, mean, linestyle=LINESTYLES.get(s, "-"), color=color, label=f"{s} (n={len(mine)})")
        ax.fill_between(labels, mean - half, mean + half, color=color, alpha=0.15, linewidth=0)
        if marks and s in marks and mark_auc is not None:
            m, lo, hi = marks[s]
            y = mark_auc - 0.004 * k  # stagger the bars so overlapping intervals stay readable
            ax.errorbar([m], [y], xerr=[[m - lo], [hi - m]], fmt="o", color=color, markersize=4, capsize=2)
    if mark_auc is not None:
        ax.axhline(mark_auc, color="lightgray", linewidth=0.8, zorder=0)
        ax.text(0.99, mark_auc, "99% of full-data AUC: mean labels [95% CI]", transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=7, color="gray")
    ax.set_xlabel("# of labeled data in training set")
    ax.set_ylabel("ROC AUC on test set (mean, 95% CI)")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid()
    _save(fig, path)
