"""``alrepro reproduce``: replica + multi-seed runs -> CSVs, summary, figures and checksums in one folder."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from alrepro import defaults, figures, report
from alrepro import experiment as ex
from alrepro.dataset import DataSource
from alrepro.engine import check_engine
from alrepro.errors import AlreproError

DEFAULT_SEEDS = 7  # chosen by power (6 needed for the headline at 80%): docs/science.md, figures/power.csv
BASELINES = ("random",)  # query strategies also run on the TF-IDF + logistic regression learner


@dataclass(frozen=True)
class ReproduceResult:
    out: Path
    checksums: dict[str, str]
    seconds: float
    summary: str
    data: str  # which rows the run used, for people


def reproduce(
    out: Path,
    *,
    seeds: int = DEFAULT_SEEDS,
    strategies: Sequence[str] = defaults.STRATEGIES,
    baselines: Sequence[str] = BASELINES,
    batch_size: int = ex.BATCH_SIZE,
    budget: int | None = None,
    encoder: str = defaults.ENCODER,
    source: DataSource | None = None,
    replica: bool = True,
    workers: int | None = None,
    engine: str = "local",
    progress: bool = True,
    say: Callable[[str], None] = lambda _msg: None,
) -> ReproduceResult:
    """Run the replica and the seeds on the data ``source`` names (default: the canonical tweets, from the
    committed ids and embeddings alone; a tweet file given is read and checked)."""
    if seeds < 0:
        raise AlreproError("--seeds must be >= 0")
    if batch_size <= 0:
        raise AlreproError("--batch-size must be positive")
    if budget is not None and budget < batch_size:
        raise AlreproError("--budget must be at least one batch")
    strategies = list(dict.fromkeys(strategies))
    baselines = list(dict.fromkeys(baselines))
    ex.validate_strategies(strategies + baselines)
    check_engine(engine)
    started = time.perf_counter()
    source = source or DataSource()
    # a tweet file named is read and checked, even where the run needs only the committed ids
    data = ex.load_experiment_data(source, encoder, texts=source.tweets is not None, progress=progress, say=say)
    extras = ex.load_extras(data)
    if baselines and extras.terms is None:
        say("note: the TF-IDF baseline and the held-out check need the canonical tweets; skipped for these rows")
        baselines = []

    replica_tasks = ex.replica_tasks(data, batch_size=batch_size) if replica else []
    honest_tasks = ex.honest_tasks(data, strategies, range(seeds), batch_size, budget, baselines=baselines)
    tasks = replica_tasks + honest_tasks
    bar = tqdm(total=len(tasks), desc="curves", unit="curve", disable=not progress, file=sys.stderr)
    curves = ex.run_tasks(data, tasks, workers, on_done=lambda _: bar.update(), extras=extras, engine=engine)
    bar.close()
    full = ex.full_data_aucs(data, tasks, extras)

    replica_curves = [c for c in curves if c.mode == "replica"]
    honest_curves = [c for c in curves if c.mode == "honest"]
    files: dict[str, str] = {}
    replica_rows = report.summarise(replica_curves, full)
    honest_rows = report.summarise(honest_curves, full)
    names = [t.name for t in honest_tasks]
    baseline = "random" if "random" in names else names[0] if names else "random"
    pool_size = honest_tasks[0].pool.size if honest_tasks else 0
    cap = (budget or pool_size) + batch_size
    if replica_curves:
        files[report.REPLICA_CSV] = report.curves_csv(replica_curves, with_seed=False)
        figures.plot_replica(replica_curves, out / figures.REPLICA_PNG)
    if honest_curves:
        comparisons = report.compare(honest_rows, baseline=baseline, cap=cap)
        files[report.CURVES_CSV] = report.curves_csv(honest_curves)
        files[report.SEED_SUMMARY_CSV] = report.seed_summary_csv(honest_rows)
        files[report.EFFECTS_CSV] = report.effects_csv(comparisons, baseline)
        files[report.OOD_CSV] = report.ood_csv(comparisons)
        files[report.POWER_CSV] = report.power_csv(report.power_rows(honest_rows, baseline=baseline, cap=cap)[0])
        target = report.TARGETS[0] * float(np.mean([r.full_auc for r in honest_rows]))
        figures.plot_multiseed(
            honest_curves, out / figures.MULTISEED_PNG, title=f"{seeds} paired seeds, {encoder} embeddings",
            marks={c.strategy: c.to_99 for c in comparisons}, mark_auc=target,
        )
        files[report.README_RESULTS_MD] = report.readme_results(comparisons, replica_rows, baseline=baseline)
    summary = report.summary_markdown(
        honest_rows, replica_rows, budget_cap=cap, encoder=encoder, baseline=baseline
    )
    files[report.SUMMARY_MD] = summary
    sums = report.write_outputs(out, files)
    return ReproduceResult(out, sums, time.perf_counter() - started, summary, data.source)
