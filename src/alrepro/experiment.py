"""Experiment runner: the tutorial's replica and the honest multi-seed comparison.

Both run on a :class:`~alrepro.dataset.Dataset` (embeddings, labels over k classes, its split); the numbers below
are the canonical tweets'.

Replica mode follows the tutorial exactly: the data set's split (canonical: 7,200/800), the first 100 training rows in file order
as the seed set, 100 more per round, ROC AUC on the 800 test rows at 100, 200, ..., 7,100 labels
(``np.arange(100, len(train), 100)``).

Honest mode runs N paired seeds. Seed ``s`` draws its own test set of the data set's test size (800) and its own 100-row seed set with
``numpy.random.default_rng(s)``; every strategy gets the same split and seed set (paired comparison), and the curve
runs to the whole pool (7,200 labels), whose AUC is the seed's full-data AUC.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from alrepro import defaults
from alrepro.dataset import Dataset, DataSource, open_dataset
from alrepro.embedding_jobs import with_embeddings
from alrepro.errors import AlreproError
from alrepro.learner import LogisticModel, SoftmaxModel, fit_model
from alrepro.loop import ActiveLearner
from alrepro.metrics import roc_auc
from alrepro.stopping import OverallUncertainty, StabilizingPredictions
from alrepro.strategies import get_strategy

REPLICA_STRATEGIES = (defaults.STRATEGY, "naive")
BATCH_SIZE = 100


def load_experiment_data(
    source: DataSource | None = None,
    encoder: str = defaults.ENCODER,
    *,
    texts: bool = False,
    progress: bool = True,
    say: Callable[[str], None] = lambda _msg: None,
) -> Dataset:
    """The data a run uses: the rows ``source`` names (default: the canonical tweets) with their ``encoder``
    embeddings. ``texts=False`` leaves the canonical tweets' texts unread (a run needs ids, labels and split)."""
    return with_embeddings(open_dataset(source, texts=texts), encoder, progress=progress, say=say)


def model_auc(model: LogisticModel | SoftmaxModel, X_test: np.ndarray, y_test: np.ndarray) -> float:
    """Test ROC AUC: of the decision function for two classes, one-vs-rest over the probabilities for more."""
    if isinstance(model, SoftmaxModel):
        return roc_auc(y_test, model.predict_proba(X_test))
    return roc_auc(y_test, model.decision_function(X_test))


@dataclass(frozen=True)
class Curve:
    """One learning curve: AUC after each round, and when each stopping criterion first fired."""

    mode: str
    strategy: str
    seed: int
    labels: tuple[int, ...]
    auc: tuple[float, ...]
    stops: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class CurveTask:
    """Everything one curve needs besides the data: picklable, so curves run in worker processes."""

    mode: str
    strategy: str
    seed: int
    pool: np.ndarray  # indices into the data, in file order
    test: np.ndarray
    initial: np.ndarray  # positions within ``pool``
    batch_size: int
    budget: int


def run_curve(data: Dataset, task: CurveTask) -> Curve:
    """Run one ask/tell loop with the ground truth as the oracle, measuring test AUC after every round."""
    X_pool, y_pool = data.X[task.pool], data.y[task.pool]
    X_test, y_test = np.ascontiguousarray(data.X[task.test], dtype=np.float64), data.y[task.test]
    learner = ActiveLearner(X_pool, task.strategy, row_ids=task.pool, seed=task.seed, n_classes=data.n_classes)
    criteria = [StabilizingPredictions(), OverallUncertainty()]
    stops: dict[str, int | None] = {c.name: None for c in criteria}
    labels: list[int] = []
    aucs: list[float] = []
    rows = np.asarray(task.initial, dtype=np.int64)
    with threadpool_limits(1):  # identical bytes whatever the worker count
        while True:
            learner.tell(rows, y_pool[rows])
            labels.append(learner.n_labeled)
            aucs.append(model_auc(learner.model, X_test, y_test))
            for criterion in criteria:
                if criterion.update(learner.n_labeled, learner.proba, learner.labeled) and stops[criterion.name] is None:
                    stops[criterion.name] = learner.n_labeled
            room = min(task.batch_size, task.budget - learner.n_labeled, learner.n_unlabeled)
            if room <= 0:
                break
            rows = learner.query(room)
    return Curve(task.mode, task.strategy, task.seed, tuple(labels), tuple(aucs), stops)


def replica_tasks(data: Dataset, strategies: Sequence[str] = REPLICA_STRATEGIES, batch_size: int = BATCH_SIZE):
    """The tutorial's protocol on the data set's split."""
    pool, test = data.pool, data.test
    if batch_size >= pool.size:
        raise AlreproError(f"a batch of {batch_size} is too large: the pool has {pool.size} rows (at most {pool.size - 1})")
    budget = int(np.arange(batch_size, pool.size, batch_size)[-1])  # the tutorial stops below len(train)
    initial = np.arange(batch_size)
    return [CurveTask("replica", s, 0, pool, test, initial, batch_size, budget) for s in strategies]


def seeded_split(n: int, seed: int, test_size: int = 800, initial_size: int = BATCH_SIZE):
    """Seed ``s``'s own split: (pool indices in file order, test indices, seed-set positions within the pool)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    test = np.sort(order[:test_size])
    pool = np.sort(order[test_size:])
    initial = np.sort(rng.choice(pool.size, size=initial_size, replace=False))
    return pool, test, initial


def honest_tasks(
    data: Dataset,
    strategies: Sequence[str] = defaults.STRATEGIES,
    seeds: Iterable[int] = range(20),
    batch_size: int = BATCH_SIZE,
    budget: int | None = None,
    initial_size: int = BATCH_SIZE,
) -> list[CurveTask]:
    tasks = []
    for seed in seeds:
        pool, test, initial = seeded_split(len(data), seed, data.test.size, initial_size)
        cap = pool.size if budget is None else min(budget, pool.size)
        tasks += [CurveTask("honest", s, seed, pool, test, initial, batch_size, cap) for s in strategies]
    return tasks


def validate_strategies(names: Sequence[str]) -> None:
    for name in names:
        get_strategy(name)  # raises AlreproError listing the valid names


_WORKER_DATA: Dataset | None = None


def _init_worker(data: Dataset) -> None:
    global _WORKER_DATA
    _WORKER_DATA = data


def _run_in_worker(task: CurveTask) -> Curve:
    assert _WORKER_DATA is not None
    return run_curve(_WORKER_DATA, task)


def run_tasks(
    data: Dataset,
    tasks: Sequence[CurveTask],
    workers: int | None = None,
    on_done: Callable[[Curve], None] | None = None,
) -> list[Curve]:
    """Run curves, in worker processes when ``workers > 1``; results come back in task order."""
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(tasks) <= 1:
        curves = []
        for task in tasks:
            curves.append(run_curve(data, task))
            if on_done:
                on_done(curves[-1])
        return curves
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(data,)) as pool:
        curves = []
        for curve in pool.map(_run_in_worker, tasks):
            curves.append(curve)
            if on_done:
                on_done(curve)
        return curves


def full_data_auc(data: Dataset, pool: np.ndarray, test: np.ndarray) -> float:
    """Test AUC of the model trained on the whole pool: the asymptote the curves are measured against."""
    with threadpool_limits(1):
        model = fit_model(data.X[pool], data.y[pool], data.n_classes)
        return model_auc(model, data.X[test], data.y[test])


def full_data_aucs(data: Dataset, tasks: Sequence[CurveTask]) -> dict[tuple[str, int], float]:
    """Full-data AUC per (mode, seed) among ``tasks``."""
    out: dict[tuple[str, int], float] = {}
    for task in tasks:
        key = (task.mode, task.seed)
        if key not in out:
            out[key] = full_data_auc(data, task.pool, task.test)
    return out
