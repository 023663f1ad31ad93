"""``alrepro reproduce``: replica + multi-seed runs -> CSVs, summary, figures and checksums in one folder."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from alrepro import defaults, figures, report
from alrepro import experiment as ex
from alrepro.dataset import DataSource
from alrepro.errors import AlreproError


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
    seeds: int = 20,
    strategies: Sequence[str] = defaults.STRATEGIES,
    batch_size: int = ex.BATCH_SIZE,
    budget: int | None = None,
    encoder: str = defaults.ENCODER,
    source: DataSource | None = None,
    replica: bool = True,
    workers: int | None = None,
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
    ex.validate_strategies(strategies)
    started = time.perf_counter()
    source = source or DataSource()
    # a tweet file named is read and checked, even where the run needs only the committed ids
    data = ex.load_experiment_data(source, encoder, texts=source.tweets is not None, progress=progress, say=say)

    replica_tasks = ex.replica_tasks(data, batch_size=batch_size) if replica else []
    honest_tasks = ex.honest_tasks(data, strategies, range(seeds), batch_size, budget)
    tasks = replica_tasks + honest_tasks
    bar = tqdm(total=len(tasks), desc="curves", unit="curve", disable=not progress, file=sys.stderr)
    curves = ex.run_tasks(data, tasks, workers, on_done=lambda _: bar.update())
    bar.close()
    full = ex.full_data_aucs(data, tasks)

    replica_curves = [c for c in curves if c.mode == "replica"]
    honest_curves = [c for c in curves if c.mode == "honest"]
    files: dict[str, str] = {}
    replica_rows = report.summarise(replica_curves, full)
    honest_rows = report.summarise(honest_curves, full)
    if replica_curves:
        files[report.REPLICA_CSV] = report.curves_csv(replica_curves, with_seed=False)
        figures.plot_replica(replica_curves, out / figures.REPLICA_PNG)
    if honest_curves:
        files[report.CURVES_CSV] = report.curves_csv(honest_curves)
        files[report.SEED_SUMMARY_CSV] = report.seed_summary_csv(honest_rows)
        figures.plot_multiseed(
            honest_curves, out / figures.MULTISEED_PNG, title=f"{seeds} paired seeds, {encoder} embeddings"
        )
    pool_size = honest_tasks[0].pool.size if honest_tasks else 0
    cap = (budget or pool_size) + batch_size
    summary = report.summary_markdown(
        honest_rows,
        replica_rows,
        budget_cap=cap,
        encoder=encoder,
        baseline="random" if "random" in strategies else strategies[0] if strategies else "random",
    )
    files[report.SUMMARY_MD] = summary
    sums = report.write_outputs(out, files)
    return ReproduceResult(out, sums, time.perf_counter() - started, summary, data.source)
