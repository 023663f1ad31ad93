"""Experiment runner: the tutorial's replica and the honest multi-seed comparison.

Both run on a :class:`~alrepro.dataset.Dataset` (embeddings, labels over k classes, its split); the numbers below
are the canonical tweets'.

Replica mode follows the tutorial exactly: the data set's split (canonical: 7,200/800), the first 100 training rows in file order
as the seed set, 100 more per round, ROC AUC on the 800 test rows at 100, 200, ..., 7,100 labels
(``np.arange(100, len(train), 100)``).

Honest mode runs N paired seeds. Seed ``s`` draws its own test set of the data set's test size (800) and its own 100-row seed set with
``numpy.random.default_rng(s)``; every strategy gets the same split and seed set (paired comparison), and the curve
runs to the whole pool (7,200 labels), whose AUC is the seed's full-data AUC.

For the canonical tweets, :class:`Extras` adds what the comparison needs besides the data set: each curve's models
are also scored on the hand-labelled held-out tweets (:mod:`alrepro.heldout`) at :data:`OOD_BUDGETS` labels and at
the end, and a task with ``features="tfidf"`` runs the TF-IDF + logistic regression baseline
(:mod:`alrepro.tfidf_baseline`) on the same split, seed set and query strategy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from alrepro import defaults
from alrepro.dataset import Dataset, DataSource, open_dataset
from alrepro.embedding_jobs import with_embeddings
from alrepro.engine import map_ordered
from alrepro.errors import AlreproError
from alrepro.learner import LogisticModel, SoftmaxModel, fit_model
from alrepro.loop import ActiveLearner
from alrepro.metrics import roc_auc
from alrepro.stopping import OverallUncertainty, StabilizingPredictions
from alrepro.strategies import get_strategy

REPLICA_STRATEGIES = (defaults.STRATEGY, "naive")
BATCH_SIZE = 100
OOD_BUDGETS = (500, 1000, 2000)  # labels at which models are scored on the held-out tweets (and at the end)
COMMITTEE_SIZE = 3  # query-by-committee members (bootstrap models): 3 keeps QBC's cost at ~4 fits a round


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
class Extras:
    """What the comparison adds to the canonical data set: hashed term counts for the TF-IDF baseline, the
    held-out tweets, and the inner products the pairwise strategies share (computed by :func:`run_tasks`)."""

    terms: object = None  # scipy CSR hashed term counts, rows as the data set's
    heldout_X: np.ndarray | None = None
    heldout_terms: object = None
    heldout_y: np.ndarray | None = None
    gram: np.ndarray | None = None  # float32 X @ X.T over all rows


def load_extras(data: Dataset) -> Extras:
    """The committed term counts and held-out set when ``data`` is the canonical tweets (else none)."""
    from alrepro.data import load_canonical
    from alrepro.embedding_cache import cache_paths
    from alrepro.hashed_terms import load_terms
    from alrepro.heldout import heldout_embeddings_dir, load_heldout_features
    from alrepro.paths import data_dir

    canon = load_canonical(texts=False)
    if data.ids is None or not np.array_equal(np.asarray(data.ids, dtype=np.int64), canon.tweet_ids):
        return Extras()
    terms = load_terms(canon, data_dir() / "features")
    if not cache_paths(data.encoder, heldout_embeddings_dir())[0].is_file():
        return Extras(terms=terms)
    held, held_X, held_terms = load_heldout_features(data.encoder)
    return Extras(terms, held_X, held_terms, np.asarray(held.labels, dtype=np.int8))


@dataclass(frozen=True)
class Curve:
    """One learning curve: AUC after each round, and when each stopping criterion first fired."""

    mode: str
    strategy: str
    seed: int
    labels: tuple[int, ...]
    auc: tuple[float, ...]
    stops: dict[str, int | None] = field(default_factory=dict)
    ood: tuple[tuple[int, float], ...] = ()  # (labels, held-out AUC) at OOD_BUDGETS and at the end


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
    features: str = "embeddings"  # or "tfidf": the baseline learner

    @property
    def name(self) -> str:
        """The curve's name in the report: the strategy, prefixed for the baseline learner."""
        from alrepro.tfidf_baseline import PREFIX

        return self.strategy if self.features == "embeddings" else PREFIX + self.strategy


def run_curve(data: Dataset, task: CurveTask, extras: Extras | None = None) -> Curve:
    """Run one ask/tell loop with the ground truth as the oracle, measuring test AUC after every round."""
    extras = extras or Extras()
    if task.features == "tfidf":
        from alrepro.tfidf_baseline import tfidf_curve

        if extras.terms is None:
            raise AlreproError("the TF-IDF baseline needs the committed hashed term counts of the canonical tweets")
        with threadpool_limits(1):
            labels, aucs, ood = tfidf_curve(
                extras.terms, data.y, extras.heldout_terms if task.mode == "honest" else None, extras.heldout_y,
                task, OOD_BUDGETS,
            )
        return Curve(task.mode, task.name, task.seed, tuple(labels), tuple(aucs), {}, tuple(ood))
    X_pool, y_pool = data.X[task.pool], data.y[task.pool]
    X_test, y_test = np.ascontiguousarray(data.X[task.test], dtype=np.float64), data.y[task.test]
    X_out = None
    if extras.heldout_X is not None and task.mode == "honest":
        X_out = np.ascontiguousarray(extras.heldout_X, dtype=np.float64)
    gram = None
    if extras.gram is not None and get_strategy(task.strategy).pairwise:
        gram = extras.gram[np.ix_(task.pool, task.pool)]
    learner = ActiveLearner(
        X_pool, task.strategy, row_ids=task.pool, seed=task.seed, n_classes=data.n_classes,
        committee_size=COMMITTEE_SIZE, gram=gram,
    )
    criteria = [StabilizingPredictions(), OverallUncertainty()]
    stops: dict[str, int | None] = {c.name: None for c in criteria}
    labels: list[int] = []
    aucs: list[float] = []
    ood: list[tuple[int, float]] = []
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
            if X_out is not None and (learner.n_labeled in OOD_BUDGETS or room <= 0):
                ood.append((learner.n_labeled, model_auc(learner.model, X_out, extras.heldout_y)))
            if room <= 0:
                break
            rows = learner.query(room)
    return Curve(task.mode, task.strategy, task.seed, tuple(labels), tuple(aucs), stops, tuple(ood))


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
    baselines: Sequence[str] = (),
) -> list[CurveTask]:
    """Per seed: one task per strategy on the embeddings, then one per strategy in ``baselines`` on the TF-IDF
    baseline learner."""
    tasks = []
    for seed in seeds:
        pool, test, initial = seeded_split(len(data), seed, data.test.size, initial_size)
        cap = pool.size if budget is None else min(budget, pool.size)
        tasks += [CurveTask("honest", s, seed, pool, test, initial, batch_size, cap) for s in strategies]
        tasks += [CurveTask("honest", s, seed, pool, test, initial, batch_size, cap, "tfidf") for s in baselines]
    return tasks


def validate_strategies(names: Sequence[str]) -> None:
    for name in names:
        get_strategy(name)  # raises AlreproError listing the valid names


def _curve_job(shared: tuple[Dataset, Extras], task: CurveTask) -> Curve:
    data, extras = shared
    return run_curve(data, task, extras)


def run_tasks(
    data: Dataset,
    tasks: Sequence[CurveTask],
    workers: int | None = None,
    on_done: Callable[[Curve], None] | None = None,
    extras: Extras | None = None,
    engine: str = "local",
) -> list[Curve]:
    """Run curves on ``engine`` (:mod:`alrepro.engine`: local worker processes when ``workers > 1``, or Dask);
    results come back in task order. When a pairwise strategy runs, the inner products of all rows are computed
    once here and shared with the workers."""
    extras = extras or Extras()
    if extras.gram is None and any(t.features == "embeddings" and get_strategy(t.strategy).pairwise for t in tasks):
        with threadpool_limits(1):
            X32 = np.ascontiguousarray(data.X, dtype=np.float32)
            extras = dataclasses.replace(extras, gram=X32 @ X32.T)
    curves = []
    for curve in map_ordered(_curve_job, (data, extras), tasks, engine=engine, workers=workers):
        curves.append(curve)
        if on_done:
            on_done(curve)
    return curves


def full_data_auc(
    data: Dataset, pool: np.ndarray, test: np.ndarray, features: str = "embeddings", extras: Extras | None = None
) -> float:
    """Test AUC of the model trained on the whole pool: the asymptote the curves are measured against. Each
    learner is measured against its own asymptote (the TF-IDF baseline against the TF-IDF model's)."""
    with threadpool_limits(1):
        if features == "tfidf":
            from alrepro.hashed_terms import tfidf
            from alrepro.tfidf_baseline import fit_sparse_logistic

            X = tfidf(extras.terms, pool)
            model = fit_sparse_logistic(X[pool], data.y[pool])
            return roc_auc(data.y[test], model.decision_function(X[test]))
        model = fit_model(data.X[pool], data.y[pool], data.n_classes)
        return model_auc(model, data.X[test], data.y[test])


def full_data_aucs(
    data: Dataset, tasks: Sequence[CurveTask], extras: Extras | None = None
) -> dict[tuple[str, int, str], float]:
    """Full-data AUC per (mode, seed, curve name) among ``tasks``, computed once per (mode, seed, learner)."""
    by_learner: dict[tuple[str, int, str], float] = {}
    out: dict[tuple[str, int, str], float] = {}
    for task in tasks:
        key = (task.mode, task.seed, task.features)
        if key not in by_learner:
            by_learner[key] = full_data_auc(data, task.pool, task.test, task.features, extras)
        out[(task.mode, task.seed, task.name)] = by_learner[key]
    return out
