"""The class's twins: what the same labelling budget would have given without the class's choices or its mistakes.

A workshop's class labels the rows the model asks for. Two twins, computed from the class's labels round by round,
make its learning curve readable:

- the **random twin** labels the same number of rows per round, chosen by the seeded ``random`` strategy and
  answered by the ground truth. It starts from the class's round-0 rows (the tutorial's first rows in file order,
  which no strategy chose), so the gap ``class - random`` is what choosing rows by uncertainty bought (or cost);
- the **truth twin** trains on exactly the class's rows, answered by the ground truth, so ``class - truth`` is what
  the class's label noise cost.

Both use the loop's protocol (:func:`alrepro.experiment.replica_tasks`: the 7,200-row pool, the 800 test tweets)
and its scoring, so with a class that answers like the ground truth the truth twin equals the class's curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from alrepro.dataset import Dataset
from alrepro.experiment import model_auc, replica_tasks
from alrepro.loop import ActiveLearner


@dataclass(frozen=True)
class TwinPoint:
    round: int
    labels: int  # labels in the training set after the round (the class's and each twin's)
    random_auc: float
    truth_auc: float
    disagreements: int  # the class's labels so far that differ from the ground truth

    def as_dict(self) -> dict:
        return asdict(self)


class Twins:
    """Both twins of one class, advanced round by round as the class's rounds complete."""

    def __init__(self, data: Dataset, batch: int, seed: int = 0) -> None:
        task = replica_tasks(data, ["random"], batch_size=batch)[0]
        keys = data.keys
        self.position = {keys[i]: j for j, i in enumerate(task.pool)}
        self.truth_y = data.y[task.pool]
        self.X_test = np.ascontiguousarray(data.X[task.test], dtype=np.float64)  # as the loop scores
        self.y_test = data.y[task.test]
        k = data.n_classes
        self.random = ActiveLearner(data.X[task.pool], "random", row_ids=task.pool, seed=seed, n_classes=k)
        self.truth = ActiveLearner(self.random.X, "random", row_ids=task.pool, seed=seed, n_classes=k)
        self.points: list[TwinPoint] = []
        self._disagreements = 0

    def _auc(self, learner: ActiveLearner) -> float:
        return model_auc(learner.model, self.X_test, self.y_test)

    def advance(self, rounds: Sequence[Sequence[tuple[str, int]]]) -> list[TwinPoint]:
        """Add a point for every complete round of the class not seen yet; ``rounds[r]`` is round ``r``'s labels
        as (global key, class index). Returns all points so far."""
        for r in range(len(self.points), len(rounds)):
            rows = np.array([self.position[k] for k, _ in rounds[r]], dtype=np.int64)
            given = np.array([v for _, v in rounds[r]], dtype=np.int64)
            self.truth.tell(rows, self.truth_y[rows])
            if r == 0:
                chosen = rows  # the common start: no strategy chose round 0's rows
            else:
                chosen = self.random.query(rows.size)
            self.random.tell(chosen, self.truth_y[chosen])
            self._disagreements += int((given != self.truth_y[rows]).sum())
            self.points.append(TwinPoint(r, self.truth.n_labeled, self._auc(self.random), self._auc(self.truth),
                                         self._disagreements))
        return self.points
