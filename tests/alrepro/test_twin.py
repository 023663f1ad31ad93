"""The class's twins against the offline experiment's curves (an independent path to the same numbers)."""

import dataclasses

import numpy as np
import pytest

from alrepro import experiment as ex
from alrepro.data import load_canonical
from alrepro.loop import ActiveLearner
from alrepro.twin import Twins

BATCH, ROUNDS = 10, 5


@pytest.fixture(scope="module")
def data():
    return ex.load_experiment_data()


@pytest.fixture(scope="module")
def tweet_ids():
    return load_canonical(texts=False).tweet_ids


def offline(data, strategy, seed=0):
    task = ex.replica_tasks(data, [strategy], batch_size=BATCH)[0]
    task = dataclasses.replace(task, seed=seed, budget=BATCH * ROUNDS)
    return ex.run_curve(data, task)


def class_rounds(data, tweet_ids, flip=frozenset()):
    """A class running least confidence that answers with the ground truth, except on the pool rows in ``flip``."""
    task = ex.replica_tasks(data, ["least_confidence"], batch_size=BATCH)[0]
    keys = [str(int(tweet_ids[i])) for i in task.pool]
    y = data.y[task.pool]
    learner = ActiveLearner(data.X[task.pool], "least_confidence", row_ids=task.pool)
    rounds, rows = [], np.arange(BATCH)
    for _ in range(ROUNDS):
        given = [int(y[j]) ^ (j in flip) for j in rows]
        rounds.append([(keys[j], v) for j, v in zip(rows, given, strict=True)])
        learner.tell(rows, given)
        rows = learner.query(BATCH)
    return rounds


def test_a_class_answering_the_ground_truth_has_its_truth_twin_on_its_own_curve(data, tweet_ids):
    points = Twins(data, BATCH).advance(class_rounds(data, tweet_ids))
    assert [p.labels for p in points] == [10, 20, 30, 40, 50]
    assert [p.truth_auc for p in points] == list(offline(data, "least_confidence").auc)
    assert [p.disagreements for p in points] == [0] * ROUNDS


@pytest.mark.parametrize("seed", [0, 3])
def test_the_random_twin_is_the_offline_random_curve_from_the_same_start(data, tweet_ids, seed):
    points = Twins(data, BATCH, seed=seed).advance(class_rounds(data, tweet_ids))
    assert [p.random_auc for p in points] == list(offline(data, "random", seed).auc)


def test_flipped_labels_count_as_disagreements_and_do_not_reach_the_twins(data, tweet_ids):
    clean = Twins(data, BATCH).advance(class_rounds(data, tweet_ids))
    flip = {0, 3, 7}  # three of round 0's rows
    noisy = Twins(data, BATCH).advance(class_rounds(data, tweet_ids, flip))
    assert [p.disagreements for p in noisy] == [3] * ROUNDS
    # round 0's rows are the same for both classes: the twins answer them with the truth, flips or not
    assert (noisy[0].truth_auc, noisy[0].random_auc) == (clean[0].truth_auc, clean[0].random_auc)


def test_rounds_arrive_one_at_a_time_or_all_at_once_alike(data, tweet_ids):
    rounds = class_rounds(data, tweet_ids)
    stepwise = Twins(data, BATCH)
    for r in range(1, ROUNDS + 1):
        stepwise.advance(rounds[:r])
    assert stepwise.points == Twins(data, BATCH).advance(rounds)


def test_a_short_round_gives_the_random_twin_as_many_labels(data, tweet_ids):
    rounds = class_rounds(data, tweet_ids)
    rounds[1] = rounds[1][:4]  # the teacher ended round 1 after four labels
    twins = Twins(data, BATCH)
    points = twins.advance(rounds)
    assert [p.labels for p in points] == [10, 14, 24, 34, 44]
    assert twins.random.n_labeled == twins.truth.n_labeled == 44
