"""learner: the exact liblinear-objective solver against scikit-learn's liblinear, and its edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from alrepro.errors import AlreproError
from alrepro.learner import (
    LogisticModel,
    SoftmaxModel,
    bootstrap_committee,
    fit_liblinear,
    fit_logistic,
    fit_model,
    fit_sklearn_softmax,
    fit_softmax,
    synthetic_classes,
    synthetic_embeddings,
)
from alrepro.strategies import QueryInput, least_confidence, select

AUC_TOL = 1e-4


def gradient(X, y, model, C=1.0):
    """Gradient of liblinear's objective (regularised intercept) at ``model``."""
    X = np.asarray(X, dtype=np.float64)
    ys = np.where(y == 1, 1.0, -1.0)
    m = ys * (X @ model.coef + model.intercept)
    r = -ys / (1.0 + np.exp(m))
    return np.concatenate([model.coef + C * X.T @ r, [model.intercept + C * r.sum()]])


@pytest.fixture(scope="module")
def problem():
    X, y = synthetic_embeddings(1200, 384, seed=3)
    return X[:900], y[:900], X[900:], y[900:]


def test_synthetic_data_looks_like_the_task():
    X, y = synthetic_embeddings(3000, 384, seed=0)
    assert X.dtype == np.float32 and X.shape == (3000, 384)
    assert 0.02 < np.abs(X).mean() < 0.2
    assert 0.4 < y.mean() < 0.6
    model = fit_logistic(X[:2500], y[:2500])
    auc = roc_auc_score(y[2500:], model.decision_function(X[2500:]))
    assert 0.8 < auc < 0.93  # not separable, like the tweets


def test_optimum_matches_liblinear_run_to_tight_tolerance(problem):
    X, y, _, _ = problem
    for n in (50, 300, 900):
        ours = fit_logistic(X[:n], y[:n])
        ref = LogisticRegression(solver="liblinear", C=1.0, tol=1e-12, max_iter=10_000).fit(X[:n], y[:n])
        np.testing.assert_allclose(ours.coef, ref.coef_[0], atol=1e-5)
        assert abs(ours.intercept - ref.intercept_[0]) < 1e-5
        assert np.linalg.norm(gradient(X[:n], y[:n], ours)) <= 1e-6


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_gradient_vanishes_for_any_C(problem, C):
    X, y, _, _ = problem
    model = fit_logistic(X[:400], y[:400], C=C)
    # ||grad|| <= tol bounds the distance to the optimum by tol (the objective is 1-strongly convex)
    assert np.linalg.norm(gradient(X[:400], y[:400], model, C)) <= 1e-6


def test_warm_start_gives_the_same_optimum(problem):
    X, y, _, _ = problem
    prev = fit_logistic(X[:500], y[:500])
    warm = fit_logistic(X[:600], y[:600], init=prev)
    cold = fit_logistic(X[:600], y[:600])
    np.testing.assert_allclose(warm.coef, cold.coef, atol=2e-6)
    assert abs(warm.intercept - cold.intercept) < 2e-6


def test_unrelated_warm_start_is_harmless(problem):
    X, y, _, _ = problem
    other_X, other_y = synthetic_embeddings(300, 384, seed=99)
    unrelated = fit_logistic(other_X, 1 - other_y, C=50.0)  # carries a Newton matrix from other data
    model = fit_logistic(X[:400], y[:400], init=unrelated)
    assert np.linalg.norm(gradient(X[:400], y[:400], model)) <= 1e-6


def test_float32_and_float64_inputs_agree(problem):
    X, y, _, _ = problem
    a = fit_logistic(X[:300], y[:300])
    b = fit_logistic(X[:300].astype(np.float64), y[:300])
    np.testing.assert_allclose(a.coef, b.coef, atol=2e-6)


@pytest.mark.parametrize("label", [0, 1])
def test_single_class_has_a_unique_optimum(problem, label):
    X, _, _, _ = problem
    y = np.full(200, label)
    model = fit_logistic(X[:200], y)
    assert np.linalg.norm(gradient(X[:200], y, model)) <= 1e-6
    p = model.predict_proba(X[:200])[:, 1]
    assert (p > 0.5).all() if label == 1 else (p < 0.5).all()
    with pytest.raises(AlreproError, match="both classes"):
        fit_liblinear(X[:200], y)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_n(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 5))
    y = np.arange(n) % 2
    model = fit_logistic(X, y)
    assert np.linalg.norm(gradient(X, y, model)) <= 1e-6
    if n >= 2:
        ref = LogisticRegression(solver="liblinear", tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(model.coef, ref.coef_[0], atol=1e-6)


def test_large_C_and_separable_data_converge():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    y = (X[:, 0] > 0).astype(int)  # separable: only the ridge term keeps the optimum finite
    model = fit_logistic(X, y, C=1e4)
    assert np.linalg.norm(gradient(X, y, model, 1e4)) <= 1e-6


def test_predict_proba_is_stable_and_normalised():
    model = LogisticModel(coef=np.array([1.0, -1.0]), intercept=0.0)
    X = np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, 0.0], [3.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = model.predict_proba(X)
    assert p.shape == (4, 2) and np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0, 1] == 1.0 and p[1, 0] == 1.0 and p[2, 1] == 0.5
    np.testing.assert_allclose(p[3, 1], 1 / (1 + np.exp(-2.0)))
    with pytest.raises(AlreproError, match="shape"):
        model.decision_function(np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((0, 3)), np.zeros(0, int), "zero rows"),
        (np.zeros((3, 2)), np.array([0, 1, 2]), "labels 0 and 1"),
        (np.zeros((3, 2)), np.array([0, 1]), "shape"),
        (np.zeros(3), np.array([0, 1, 0]), "2-D"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), np.array([0, 1]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 0.0]]), np.array([0, 1]), "NaN"),
    ],
)
def test_bad_input_is_refused(X, y, match):
    with pytest.raises(AlreproError, match=match):
        fit_logistic(X, y)


def test_bad_init_and_C_are_refused(problem):
    X, y, _, _ = problem
    with pytest.raises(AlreproError, match="features"):
        fit_logistic(X[:10], y[:10], init=LogisticModel(np.zeros(3), 0.0))
    with pytest.raises(AlreproError, match="C must be positive"):
        fit_logistic(X[:10], y[:10], C=0.0)


def test_committee_is_seeded_and_stratified(problem):
    X, y, _, _ = problem
    np.random.seed(1)
    a = bootstrap_committee(X[:120], y[:120], n_members=4, seed=7)
    np.random.seed(2)  # global state must not matter
    b = bootstrap_committee(X[:120], y[:120], n_members=4, seed=7)
    c = bootstrap_committee(X[:120], y[:120], n_members=4, seed=8)
    assert len(a) == 4
    for m1, m2 in zip(a, b, strict=True):
        np.testing.assert_array_equal(m1.coef, m2.coef)
    assert not np.array_equal(a[0].coef, c[0].coef)
    assert not np.array_equal(a[0].coef, a[1].coef)  # members differ
    # a warm start changes nothing but speed
    warm = bootstrap_committee(X[:120], y[:120], n_members=4, seed=7, init=fit_logistic(X[:120], y[:120]))
    for m1, m2 in zip(a, warm, strict=True):
        np.testing.assert_allclose(m1.coef, m2.coef, atol=2e-6)


def test_committee_keeps_both_classes_with_one_minority_row(problem):
    X, _, _, _ = problem
    y = np.zeros(50, int)
    y[17] = 1  # an unstratified bootstrap would miss it in ~37% of members
    members = bootstrap_committee(X[:50], y, n_members=20, seed=0)
    # every member saw the positive row, so it scores it above the average negative
    for m in members:
        z = m.decision_function(X[:50])
        assert z[17] > np.delete(z, 17).mean()
    with pytest.raises(AlreproError, match="n_members"):
        bootstrap_committee(X[:50], y, n_members=0, seed=0)


def protocol_gap(X_pool, y_pool, X_test, y_test, *, batch=100, rounds=None):
    """The tutorial's loop (100 initial rows, +100 by least confidence, retrain) driven by fit_logistic;
    at every round compare with liblinear trained on the same rows. Returns the per-round |AUC gaps|."""
    n = len(X_pool)
    labeled = np.zeros(n, dtype=bool)
    labeled[:batch] = True
    row_ids = np.arange(n, dtype=np.int64)
    model, gaps = None, []
    while True:
        idx = np.flatnonzero(labeled)
        model = fit_logistic(X_pool[idx], y_pool[idx], init=model)
        ref = fit_liblinear(X_pool[idx], y_pool[idx])
        ours_auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
        ref_auc = roc_auc_score(y_test, ref.predict_proba(X_test)[:, 1])
        gaps.append(abs(ours_auc - ref_auc))
        if labeled.all() or (rounds is not None and len(gaps) >= rounds):
            return np.array(gaps)
        q = QueryInput(proba=model.predict_proba(X_pool), labeled=labeled, row_ids=row_ids)
        labeled[select(least_confidence(q), batch)] = True


@pytest.mark.parametrize("seed", [0, 1])
def test_acceptance_auc_matches_liblinear_every_round(seed):
    X, y = synthetic_embeddings(3500, 384, seed=seed)
    gaps = protocol_gap(X[:3000], y[:3000], X[3000:], y[3000:])
    assert len(gaps) == 30
    assert gaps.max() <= AUC_TOL, f"max AUC gap {gaps.max():.2e} at round {gaps.argmax()}"


def _real_data():
    try:
        from alrepro.data import load_canonical
        from alrepro.embedding_cache import load_embeddings

        data = load_canonical(texts=False)
        X = load_embeddings(data=data)
    except (AlreproError, OSError, ImportError) as exc:
        pytest.skip(f"committed embeddings not available: {exc}")
    test = np.asarray(data.is_test, dtype=bool)
    y = np.asarray(data.labels)
    return X[~test], y[~test], X[test], y[test]


@pytest.mark.slow
def test_acceptance_on_the_committed_embeddings():
    X, y, X_test, y_test = _real_data()
    gaps = protocol_gap(X, y, X_test, y_test, rounds=72)
    assert len(gaps) == 72  # 100 .. 7,200 labelled
    assert gaps.max() <= AUC_TOL, f"max AUC gap {gaps.max():.2e} at round {gaps.argmax()}"


# --------------------------------------------------------------------------------------------- k classes


def softmax_gradient(X, y, model, k, C=1.0):
    """Gradient of the regularised-intercept multinomial objective at ``model``, written out plainly."""
    Xt = np.hstack([np.asarray(X, dtype=np.float64), np.ones((len(X), 1))])
    theta = np.column_stack([model.coef, model.intercept])
    Z = Xt @ theta.T
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    return theta + C * P.T @ Xt


@pytest.fixture(scope="module")
def three_classes():
    X, y = synthetic_classes(1200, 64, 3, seed=5)
    return X[:900], y[:900], X[900:], y[900:]


def test_softmax_optimum_matches_sklearn_to_tight_tolerance(three_classes):
    X, y, _, _ = three_classes
    for n in (50, 300, 900):
        ours = fit_softmax(X[:n], y[:n], 3)
        ref = fit_sklearn_softmax(X[:n], y[:n], 3)
        np.testing.assert_allclose(ours.coef, ref.coef, atol=1e-5)
        np.testing.assert_allclose(ours.intercept, ref.intercept, atol=1e-5)
        assert np.linalg.norm(softmax_gradient(X[:n], y[:n], ours, 3)) <= 1e-6


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_softmax_gradient_vanishes_for_any_C(three_classes, C):
    X, y, _, _ = three_classes
    model = fit_softmax(X[:400], y[:400], 3, C=C)
    assert np.linalg.norm(softmax_gradient(X[:400], y[:400], model, 3, C)) <= 1e-6


def test_softmax_warm_start_and_absent_classes(three_classes):
    X, y, _, _ = three_classes
    cold = fit_softmax(X[:500], y[:500], 3)
    warm = fit_softmax(X[:500], y[:500], 3, init=fit_softmax(X[:300], y[:300], 3))
    np.testing.assert_allclose(warm.coef, cold.coef, atol=2e-6)
    unrelated = fit_softmax(X[500:800], (y[500:800] + 1) % 3, 3, C=50.0)  # its Newton matrix steers wrongly
    np.testing.assert_allclose(fit_softmax(X[:500], y[:500], 3, init=unrelated).coef, cold.coef, atol=2e-6)
    two = np.where(y[:200] == 2, 0, y[:200])  # class 2 not labelled yet: still one optimum, p(2) pushed down
    model = fit_softmax(X[:200], two, 3)
    assert np.linalg.norm(softmax_gradient(X[:200], two, model, 3)) <= 1e-6
    assert model.predict_proba(X[:200])[:, 2].max() < 1 / 3


def test_softmax_probabilities_are_stable_and_normalised():
    model = SoftmaxModel(coef=np.array([[1e4, 0.0], [0.0, 1e4], [-1e4, 0.0]]), intercept=np.zeros(3))
    p = model.predict_proba(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
    assert np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1.0)
    assert p.argmax(axis=1).tolist() == [0, 1, 2]


@pytest.mark.parametrize("y, match", [(np.array([0, 1, 3]), "0..2"), (np.array([0, 1, -1]), "0..2")])
def test_softmax_refuses_labels_outside_the_classes(y, match):
    with pytest.raises(AlreproError, match=match):
        fit_softmax(np.zeros((3, 2)), y, 3)


def test_two_classes_keep_the_tutorials_model(problem):
    X, y, _, _ = problem
    assert isinstance(fit_model(X[:100], y[:100], 2), LogisticModel)
    assert isinstance(fit_model(X[:100], y[:100], 3), SoftmaxModel)


def test_committee_over_k_classes_keeps_every_class(three_classes):
    X, y, _, _ = three_classes
    members = bootstrap_committee(X[:120], y[:120], n_members=3, seed=1, n_classes=3)
    assert all(isinstance(m, SoftmaxModel) and m.coef.shape == (3, 64) for m in members)


def test_acceptance_k_class_auc_matches_sklearn_every_round():
    """The tutorial's protocol (least confidence, +100 a round) on 3 classes: one-vs-rest AUC within 1e-4."""
    X, y = synthetic_classes(2100, 64, 3, seed=2)
    X_pool, y_pool, X_test, y_test = X[:1800], y[:1800], X[1800:], y[1800:]
    labeled = np.zeros(1800, dtype=bool)
    labeled[:100] = True
    model, gaps = None, []
    while True:
        idx = np.flatnonzero(labeled)
        model = fit_softmax(X_pool[idx], y_pool[idx], 3, init=model)
        ref = fit_sklearn_softmax(X_pool[idx], y_pool[idx], 3)
        ours_auc = roc_auc_score(y_test, model.predict_proba(X_test), multi_class="ovr")
        ref_auc = roc_auc_score(y_test, ref.predict_proba(X_test), multi_class="ovr")
        gaps.append(abs(ours_auc - ref_auc))
        if labeled.all():
            break
        q = QueryInput(proba=model.predict_proba(X_pool), labeled=labeled, row_ids=np.arange(1800))
        labeled[select(least_confidence(q), 100)] = True
    assert len(gaps) == 18 and max(gaps) <= AUC_TOL
