import numpy as np
import pytest

from alrepro import experiment as ex
from alrepro.dataset import Dataset
from alrepro.learner import fit_liblinear, synthetic_embeddings
from alrepro.metrics import roc_auc


@pytest.fixture(scope="module")
def small_data():
    X, y = synthetic_embeddings(1200, 48, seed=11)
    is_test = np.zeros(1200, dtype=bool)
    is_test[np.random.default_rng(0).choice(1200, 120, replace=False)] = True
    return Dataset(X=X, y=y.astype(np.int8), is_test=is_test, encoder="synthetic")


def test_replica_follows_the_tutorial_protocol(small_data):
    tasks = ex.replica_tasks(small_data)
    assert [t.strategy for t in tasks] == ["least_confidence", "naive"]
    t = tasks[0]
    assert t.pool.size == 1080 and t.test.size == 120
    assert t.budget == 1000  # np.arange(100, 1080, 100)[-1]
    assert t.initial.tolist() == list(range(100))  # the first 100 training rows in file order
    curve = ex.run_curve(small_data, t)
    assert curve.labels == tuple(range(100, 1001, 100))


def test_naive_replica_matches_the_tutorials_liblinear_loop(small_data):
    """The tutorial's batch_roc with the naive sampler, written out with scikit-learn's liblinear."""
    task = ex.replica_tasks(small_data, ["naive"])[0]
    curve = ex.run_curve(small_data, task)
    train_X, train_y = small_data.X[task.pool], small_data.y[task.pool]
    test_X, test_y = small_data.X[task.test], small_data.y[task.test]
    for n, auc in zip(curve.labels, curve.auc, strict=True):
        model = fit_liblinear(train_X[:n], train_y[:n])
        assert abs(auc - roc_auc(test_y, model.decision_function(test_X))) < 1e-4


def test_seeded_split_is_deterministic_and_disjoint():
    pool, test, initial = ex.seeded_split(8000, 3)
    pool2, test2, initial2 = ex.seeded_split(8000, 3)
    assert (pool == pool2).all() and (test == test2).all() and (initial == initial2).all()
    assert test.size == 800 and pool.size == 7200 and not np.intersect1d(pool, test).size
    assert (np.diff(pool) > 0).all() and initial.size == 100 and initial.max() < 7200
    assert not (ex.seeded_split(8000, 4)[1] == test).all()


def test_honest_tasks_share_split_and_seed_set_across_strategies(small_data):
    tasks = ex.honest_tasks(small_data, ["random", "least_confidence"], seeds=[0, 1], budget=300)
    by_seed = {}
    for t in tasks:
        by_seed.setdefault(t.seed, []).append(t)
    for group in by_seed.values():
        assert all((g.pool == group[0].pool).all() and (g.initial == group[0].initial).all() for g in group)
    assert all(t.budget == 300 for t in tasks)


def test_worker_count_does_not_change_a_single_byte(small_data):
    tasks = ex.honest_tasks(small_data, ["random", "margin"], seeds=[0, 1], budget=400)
    serial = ex.run_tasks(small_data, tasks, workers=1)
    parallel = ex.run_tasks(small_data, tasks, workers=2)
    assert serial == parallel


def test_unknown_strategy_is_a_clear_error():
    from alrepro.errors import AlreproError

    with pytest.raises(AlreproError, match="least_confidence"):
        ex.validate_strategies(["least_confusion"])


def _extras(data):
    from scipy import sparse

    rng = np.random.default_rng(3)
    n = data.X.shape[0]
    # made-up "words": a few informative columns per class plus noise, as hashed counts would be
    counts = sparse.random(n, 64, density=0.05, random_state=4, data_rvs=lambda k: np.ones(k)).tolil()
    for i in range(n):
        counts[i, int(data.y[i]) * 4 + rng.integers(0, 4)] = 1
    counts = counts.tocsr().astype(np.int16)
    return ex.Extras(terms=counts, heldout_X=data.X[:60], heldout_terms=counts[:60], heldout_y=data.y[:60])


def test_heldout_scored_at_the_budgets_and_the_end(small_data, monkeypatch):
    monkeypatch.setattr(ex, "OOD_BUDGETS", (100, 200, 2000))
    task = ex.honest_tasks(small_data, ["random"], seeds=[0], budget=400)[0]
    curve = ex.run_curve(small_data, task, _extras(small_data))
    assert curve.labels[-1] == 400
    assert [n for n, _ in curve.ood] == [100, 200, 400]
    assert all(0.5 < auc <= 1.0 for _, auc in curve.ood)
    assert ex.run_curve(small_data, task).ood == ()  # no held-out set, no held-out scores


def test_tfidf_baseline_labels_the_same_rows_as_random(small_data):
    extras = _extras(small_data)
    emb, base = ex.honest_tasks(small_data, ["random"], seeds=[1], budget=500, baselines=["random"])
    assert base.features == "tfidf" and base.name == "tfidf_random" and emb.name == "random"
    a, b = ex.run_curve(small_data, emb, extras), ex.run_curve(small_data, base, extras)
    assert a.labels == b.labels and b.strategy == "tfidf_random" and a.auc != b.auc
    assert b.auc[-1] > 0.6  # the made-up words carry the label
    full = ex.full_data_aucs(small_data, [emb, base], extras)
    assert full[("honest", 1, "random")] != full[("honest", 1, "tfidf_random")]
