import numpy as np
import pytest

from alrepro import pool_scoring
from alrepro.errors import AlreproError
from alrepro.learner import fit_logistic, synthetic_embeddings
from alrepro.loop import ActiveLearner


@pytest.fixture(scope="module")
def pool():
    return synthetic_embeddings(600, 32, seed=5)


def test_tell_trains_on_exactly_the_labelled_rows(pool):
    X, y = pool
    learner = ActiveLearner(X, "least_confidence")
    rows = np.arange(0, 100)
    learner.tell(rows, y[rows])
    ref = fit_logistic(X[rows], y[rows])
    assert learner.n_labeled == 100
    np.testing.assert_allclose(learner.model.coef, ref.coef, atol=1e-8)
    assert learner.proba.shape == (600, 2)


def test_query_is_a_prefix_of_the_ranking_and_skips_labelled_rows(pool):
    X, y = pool
    learner = ActiveLearner(X, "least_confidence")
    learner.tell(np.arange(50), y[:50])
    ranking = learner.ranking()
    assert ranking.size == 550 and not np.isin(ranking, np.arange(50)).any()
    np.testing.assert_array_equal(learner.query(20), ranking[:20])
    assert learner.query(10_000).size == 550


def test_model_based_strategy_needs_labels_first(pool):
    X, _ = pool
    with pytest.raises(AlreproError, match="tell"):
        ActiveLearner(X, "entropy").query(5)
    assert ActiveLearner(X, "naive").query(3).tolist() == [0, 1, 2]


def test_bad_input_is_refused_and_loses_nothing(pool):
    X, y = pool
    learner = ActiveLearner(X, "random", seed=1)
    learner.tell([0, 1], [0, 1])
    for rows, labels, msg in [
        ([2], [0, 1], "rows but"),
        ([600], [1], "out of range"),
        ([3], [4], "0 \\(negative\\) or 1"),
        ([0], [1], "different label"),
    ]:
        with pytest.raises(AlreproError, match=msg):
            learner.tell(rows, labels)
    assert learner.n_labeled == 2 and learner.labels[0] == 0
    learner.tell([0], [0])  # same label again: a no-op
    assert learner.n_labeled == 2


def test_committee_strategy_runs_through_the_learner(pool):
    X, y = pool
    learner = ActiveLearner(X, "qbc_vote_entropy", seed=3, committee_size=3)
    learner.tell(np.arange(60), y[:60])
    first = learner.query(10)
    again = learner.query(10)
    np.testing.assert_array_equal(first, again)  # the bootstrap is seeded


def test_pool_shape_is_checked():
    with pytest.raises(AlreproError, match="non-empty 2-D"):
        ActiveLearner(np.zeros((0, 3)), "naive")
    with pytest.raises(AlreproError, match="row_ids"):
        ActiveLearner(np.zeros((3, 2)), "naive", row_ids=np.arange(2))


def test_a_learner_over_three_classes_asks_and_learns():
    from alrepro.learner import SoftmaxModel, synthetic_classes

    X, y = synthetic_classes(600, 32, 3, seed=4)
    learner = ActiveLearner(X, "least_confidence", n_classes=3)
    learner.tell(np.arange(60), y[:60])
    assert isinstance(learner.model, SoftmaxModel) and learner.proba.shape == (600, 3)
    rows = learner.query(50)
    assert rows.size == 50 and not learner.labeled[rows].any()
    learner.tell(rows, y[rows])
    assert learner.n_labeled == 110
    with pytest.raises(AlreproError, match="0..2"):
        learner.tell([200], [3])
    with pytest.raises(AlreproError, match="at least 2 classes"):
        ActiveLearner(X, "random", n_classes=1)


@pytest.mark.parametrize("strategy", ["least_confidence", "qbc_kl", "density_weighted"])
def test_a_memory_mapped_pool_scored_in_chunks_asks_exactly_what_the_in_memory_pool_asks(
    pool, tmp_path, monkeypatch, strategy
):
    X, y = pool
    np.save(tmp_path / "pool.npy", X)  # float32, as a large pool is stored
    mapped = np.load(tmp_path / "pool.npy", mmap_mode="r")
    monkeypatch.setattr(pool_scoring, "POOL_CHUNK_ROWS", 64)  # 600 rows: ten chunks
    in_memory, on_disk = ActiveLearner(X, strategy, seed=3), ActiveLearner(mapped, strategy, seed=3)
    assert isinstance(on_disk.X, np.memmap)
    rows = np.arange(40)
    for _ in range(4):
        in_memory.tell(rows, y[rows])
        on_disk.tell(rows, y[rows])
        np.testing.assert_array_equal(on_disk.proba, in_memory.proba)
        rows = in_memory.query(25)
        np.testing.assert_array_equal(on_disk.query(25), rows)
        np.testing.assert_array_equal(rows, in_memory.ranking()[:25])
