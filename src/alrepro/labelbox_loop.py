"""The tutorial's loop through a labelling queue: prioritise -> wait for labels -> export -> retrain, resumable.

Protocol (the replica's): the data set's split, the first ``batch`` pool rows in file order as round 0's request, then
``batch`` rows per round chosen by the strategy. Only the pool (the 7,200 training tweets of the canonical data)
goes to Labelbox, as data rows whose radio options are the data set's classes; the test rows are held out and
scored against their known labels.

The run directory makes the loop resumable after a kill at any point. It is created only once setup has succeeded:
- ``run.json``: the configuration (a rerun with another one is refused, except for more or fewer ``rounds``);
- ``labels.csv``: every label received, with its round, appended and fsynced before it is used;
- ``state.json``: the round in progress and its requested keys (atomic replace). It is not trusted for the
  queue: the labelling service may have been reset or restarted since (an in-process fake starts empty), so every
  start reads back which of those rows the service holds at priority 1 and re-sends the others.
- ``metrics.csv``: labels and test AUC per round; ``models/round_NNN.npz``: the model after each round.
On resume the labels are replayed round by round (same warm starts, same bytes); a round in progress re-requests
only the rows the queue has not labelled yet.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from alrepro import defaults
from alrepro.dataset import Dataset
from alrepro.errors import AlreproError
from alrepro.experiment import model_auc, replica_tasks
from alrepro.labelbox import Backend, PoolRow, SentimentProject, retrying, wait_for_labels
from alrepro.loop import ActiveLearner
from alrepro.pool_scoring import Scorer, pool_proba
from alrepro.strategies import get_strategy

RUN_JSON, LABELS_CSV, STATE_JSON, METRICS_CSV, MODELS = "run.json", "labels.csv", "state.json", "metrics.csv", "models"


@dataclass(frozen=True)
class LoopConfig:
    strategy: str = defaults.STRATEGY
    rounds: int = 71
    batch: int = 100
    seed: int = 0
    encoder: str = defaults.ENCODER
    project_name: str = defaults.PROJECT_NAME

    def __post_init__(self) -> None:
        get_strategy(self.strategy)  # where a loop's strategy enters: an unknown name is refused here, listed


@dataclass(frozen=True)
class RoundResult:
    round: int
    labels: int
    auc: float
    sent_priorities: int


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _append_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    new = not path.exists()
    with open(path, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        if new:
            writer.writerow(header)
        writer.writerows(rows)
        f.flush()
        os.fsync(f.fileno())


def _metric_line(r: RoundResult) -> str:
    return f"{r.round},{r.labels},{r.auc:.6f}"


class RunDir:
    """The loop's durable state on disk. Constructing one only checks an existing run against ``config``;
    :meth:`create` writes the folder and ``run.json``."""

    def __init__(self, path: Path, config: LoopConfig) -> None:
        self.path = Path(path)
        self.config = config
        run_json = self.path / RUN_JSON
        if run_json.exists():
            try:
                have = json.loads(run_json.read_text())
            except (OSError, ValueError) as exc:
                raise AlreproError(f"{run_json} is unreadable ({exc}); use a new --run-dir") from None
            wanted = asdict(config)
            # the number of rounds is how far to go, not what the run is: a finished run can be extended
            diff = {k: (have.get(k), v) for k, v in wanted.items() if k != "rounds" and have.get(k) != v}
            if diff:
                raise AlreproError(f"{self.path} holds a run with another configuration {diff}; use a new --run-dir")

    def create(self) -> None:
        (self.path / MODELS).mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path / RUN_JSON, json.dumps(asdict(self.config), indent=2, sort_keys=True) + "\n")

    def labels_by_round(self) -> list[list[tuple[str, int]]]:
        path = self.path / LABELS_CSV
        rounds: list[list[tuple[str, int]]] = []
        if not path.exists():
            return rounds
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                try:
                    r, key, label = int(row["round"]), row["global_key"], int(row["label"])
                except (TypeError, ValueError, KeyError):
                    break  # a torn last line from a kill mid-write: that round is redone
                while len(rounds) <= r:
                    rounds.append([])
                rounds[r].append((key, label))
        return rounds

    def append_labels(self, round_: int, labels: list[tuple[str, int]]) -> None:
        _append_rows(self.path / LABELS_CSV, ["round", "global_key", "label"], [[round_, k, v] for k, v in labels])

    def state(self) -> dict:
        path = self.path / STATE_JSON
        return json.loads(path.read_text()) if path.exists() else {}

    def save_state(self, state: dict) -> None:
        _atomic_write(self.path / STATE_JSON, json.dumps(state, sort_keys=True) + "\n")

    def write_metrics(self, results: list[RoundResult]) -> None:
        lines = ["round,labels,auc"] + [_metric_line(r) for r in results]
        _atomic_write(self.path / METRICS_CSV, "\n".join(lines) + "\n")

    def append_metric(self, result: RoundResult) -> None:
        """One round's line, not fsynced: the metrics are rebuilt from ``labels.csv`` on resume."""
        with open(self.path / METRICS_CSV, "a", encoding="utf-8") as f:
            f.write(_metric_line(result) + "\n")

    def _model_path(self, round_: int) -> Path:
        return self.path / MODELS / f"round_{round_:03d}.npz"

    def has_model(self, round_: int) -> bool:
        return self._model_path(round_).exists()

    def save_model(self, round_: int, learner: ActiveLearner) -> None:
        path = self._model_path(round_)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, coef=learner.model.coef, intercept=np.float64(learner.model.intercept))
        os.replace(tmp, path)


def setup_project(
    client, data: Dataset, config: LoopConfig, on_progress: Callable[[str], None] | None = None
) -> SentimentProject:
    """The data set's pool as the loop's Labelbox project (idempotent: a rerun finds what it made before)."""
    keys = data.keys
    rows = [PoolRow(keys[i], None if data.texts is None else data.texts[i]) for i in data.pool]
    return retrying(
        lambda: SentimentProject.setup(
            client, rows, name=config.project_name, on_progress=on_progress, answers=data.classes
        )
    )


def run_loop(
    backend: Backend,
    data: Dataset,
    config: LoopConfig,
    run_dir: Path,
    *,
    label_timeout: float = 3600.0,
    poll_delays: tuple[float, float] = (5.0, 60.0),
    sleep: Callable[[float], None] = time.sleep,
    on_round: Callable[[RoundResult], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
    end_round: Callable[[int], bool] = lambda r: False,
    scorer: Scorer = pool_proba,
    project: SentimentProject | None = None,
) -> list[RoundResult]:
    """Run (or resume) the loop to ``config.rounds`` rounds; returns every round's result.

    When people label (live, or a workshop's students), each round polls the export until its labels arrive:
    first after ``poll_delays[0]`` s, doubling up to ``poll_delays[1]`` s, for at most ``label_timeout`` s.
    ``sleep`` does the waiting (a workshop passes one that can be interrupted). Once ``end_round(r)`` is true,
    round ``r`` ends with the labels it has (at least one): its other rows go back to the rest of the queue.
    ``scorer`` scores the pool each round (:mod:`alrepro.pool_scoring`); where that runs is not part of the
    configuration: it gives the same bytes, so a run may be resumed on another engine. ``project``: the data
    set's project, already set up (a workshop sets it up before it shows any link); by default it is set up here."""
    if config.rounds < 1 or config.batch < 1:
        raise AlreproError("--rounds and --batch must be positive")
    replica_tasks(data, [config.strategy], batch_size=config.batch)  # refuses a batch the pool cannot fill
    run = RunDir(run_dir, config)  # an existing run with another configuration is refused before any setup
    pool, test = data.pool, data.test
    all_keys = data.keys
    keys = [all_keys[i] for i in pool]
    position = {k: i for i, k in enumerate(keys)}
    truth_y = data.y[pool]
    X_test, y_test = np.ascontiguousarray(data.X[test], dtype=np.float64), data.y[test]  # as the offline run

    if project is None:
        project = setup_project(backend.client, data, config, on_progress)
    learner = ActiveLearner(
        data.X[pool], config.strategy, row_ids=pool, seed=config.seed, n_classes=data.n_classes, scorer=scorer
    )
    if backend.workforce.simulated:
        backend.workforce.register_truth({k: data.classes[int(y)] for k, y in zip(keys, truth_y, strict=True)})
    run.create()
    saved = run.state()

    results: list[RoundResult] = []

    def finish_round(r: int, got: list[tuple[str, int]], sent: int) -> None:
        rows = np.array([position[k] for k, _ in got], dtype=np.int64)
        learner.tell(rows, np.array([v for _, v in got]))
        auc = model_auc(learner.model, X_test, y_test)
        results.append(RoundResult(r, learner.n_labeled, auc, sent))

    for r, got in enumerate(run.labels_by_round()):  # replay what was already received
        if r >= config.rounds:
            break
        finish_round(r, got, 0)
        if not run.has_model(r):  # a kill between a round's labels and its model: the same model again
            run.save_model(r, learner)
        if on_round:
            on_round(results[-1])
    run.write_metrics(results)  # rebuilt from the labels: a line lost or torn by a kill comes back

    labeled: set[str] = {keys[i] for i in np.flatnonzero(learner.labeled)}
    synced = False
    for r in range(len(results), config.rounds):
        room = min(config.batch, learner.n_unlabeled)
        if room == 0:
            break
        if saved.get("round") == r and saved.get("requested"):
            wanted = list(saved["requested"])  # a round cut short: same request, nothing re-queried
        elif r == 0:
            wanted = keys[:room]  # the tutorial starts from the first rows in file order
        else:
            wanted = [keys[i] for i in learner.query(room)]
        have: dict[str, int] = {}
        if not synced:  # this start's first request: the queue as the service holds it, not as state.json says
            have = project.sync_queue(list(dict.fromkeys([*wanted, *saved.get("requested", [])])))
            synced = True
        todo = [k for k in wanted if k not in have]  # labels given before a cut are not asked for again
        sent = project.prioritize(todo, labeled)
        # one write per round: a cut before it recomputes the same request (the replay is deterministic)
        run.save_state({"round": r, "requested": wanted})
        if backend.workforce.simulated:
            if todo:
                backend.workforce.step(len(todo), project.project_id)
            got = project.collect(wanted)
            if any(k not in got for k in wanted):
                raise AlreproError(f"the fake's workforce did not label round {r}'s rows; is ground truth registered?")
        else:
            got = wait_for_labels(
                project, wanted, timeout=label_timeout, first_delay=poll_delays[0], max_delay=poll_delays[1],
                sleep=sleep, enough=lambda got, r=r: bool(got) and end_round(r),
            )
        received = [(k, got[k]) for k in wanted if k in got]
        run.append_labels(r, received)
        finish_round(r, received, sent)
        labeled.update(k for k, _ in received)
        run.save_model(r, learner)
        run.append_metric(results[-1])
        if on_round:
            on_round(results[-1])
    run.write_metrics(results)
    run.save_state({"round": len(results), "requested": []})
    return results
