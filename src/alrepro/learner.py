"""The tutorial's model, L2 logistic regression as liblinear defines it, solved exactly and fast.

The tutorial trains ``LogisticRegression(solver="liblinear")`` with C=1. liblinear appends a constant
feature 1 (``intercept_scaling=1``) whose weight *is* the intercept and is regularised like the rest, so it
minimises over ``w~ = [w, b]``::

    f(w~) = 0.5 * ||w~||^2 + C * sum_i log(1 + exp(-y_i * (w . x_i + b))),   y_i in {-1, +1}.

``f`` is strongly convex (the ridge term), so it has a unique minimiser for any data, single-class included.

Solver (``fit_logistic``): damped Newton with a *lagged* Hessian, in float64.

- Gradients, losses and the iterate are float64, so the fixed point is the exact optimum of ``f`` (to ``tol``).
- The Hessian ``I + C X~' D X~`` only steers the steps, so it is formed in float32 (``syrk``, half the cost
  of float64; its relative error ~1e-6 only slows convergence negligibly), Cholesky-factored in float64, and
  *reused* across iterations while the gradient keeps shrinking fast (ratio < ``_REUSE_RATE``). Warm-started
  from the previous active-learning round, the Hessian at ``init`` is already close to the one at the optimum,
  so a fit typically costs one Hessian plus a few matrix-vector products. A model also carries its last
  Cholesky factor (``LogisticModel._newton``, not part of its value) for the next warm start; a stale or
  unrelated factor only changes the path, never the optimum.
- Each step is safeguarded by an Armijo backtracking line search; ``X~ s`` is computed once per step, so the
  trials cost O(n).
- Stop when ``||grad f||_2 <= tol`` (default 1e-6). ``f`` is 1-strongly convex (the ridge term), so this
  *guarantees* ``||[w, b] - optimum||_2 <= tol``; liblinear's own stop (``tol=1e-4`` relative to the
  gradient at zero) leaves its coefficients ~1e-5..1e-4 from the optimum.
- The BLAS calls (scipy's ``dgemv``/``ssyrk``/``dpotrf``) run with one thread (threadpoolctl): they are
  memory-bound and small, and on 2 cores numpy's and scipy's two OpenBLAS pools busy-waiting against each
  other made threaded fits 2-3x slower. Run experiments as processes, not BLAS threads.

More than two classes (``fit_softmax``): multinomial (softmax) logistic regression with the same convention,
the intercepts regularised with the weights (a constant feature 1 per class), over ``Theta = [W, b]`` (k rows)::

    f(Theta) = 0.5 * ||Theta||_F^2 + C * sum_i (logsumexp_c(z_ic) - z_i,y_i),   z_ic = w_c . x_i + b_c.

Also 1-strongly convex, so a unique optimum for any labels, classes that no row has yet included. Solved by damped
Newton on all ``k (d + 1)`` parameters with the binary solver's lagged Hessian (kept while the gradient shrinks
fast, carried to the next warm start; built in float64 from ``k (k + 1) / 2`` blocks), Armijo backtracking, the
same ``||grad f||_2 <= tol`` stop and guarantee; its reference is scikit-learn's multinomial ``lbfgs`` on ``[X, 1]``
without a separate intercept, which minimises this same ``f``. ``fit_model`` picks the binary model for two
classes (the tutorial's) and the softmax one for more; ``synthetic_classes`` makes k-class test data.

``fit_liblinear`` is the reference (scikit-learn's liblinear, as the tutorial); tests hold the two to ROC AUC
agreement within 1e-4 at every round of the tutorial's protocol (observed: <= 3.2e-5 on synthetic data,
1.9e-5 over all 72 rounds on the committed MiniLM embeddings). The gap is liblinear's stopping tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import blas, cho_factor, cho_solve, lapack
from scipy.special import expit, logsumexp, softmax

from alrepro.errors import AlreproError

__all__ = [
    "LogisticModel",
    "SoftmaxModel",
    "fit_logistic",
    "fit_softmax",
    "fit_model",
    "fit_liblinear",
    "fit_sklearn_softmax",
    "bootstrap_committee",
    "synthetic_embeddings",
    "synthetic_classes",
]

_REUSE_RATE = 0.1  # refresh the Hessian when ||g_new|| > _REUSE_RATE * ||g_old||
_MAX_ITER = 100


@dataclass(frozen=True, eq=False)
class LogisticModel:
    """A fitted binary logistic model: ``P(y=1 | x) = sigmoid(coef . x + intercept)``."""

    coef: np.ndarray  # (d,) float64
    intercept: float
    # Cholesky factor of the last Newton matrix, reused by a warm start; not part of the model's value
    _newton: np.ndarray | None = field(default=None, repr=False, compare=False)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """``X @ coef + intercept`` in float64, shape (n,)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.coef.shape[0]:
            raise AlreproError(f"expected X of shape (n, {self.coef.shape[0]}), got {X.shape}")
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        with _one_blas_thread():
            return _xv(X64.T, self.coef) + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, 2) probabilities, columns = class 0, class 1 (``expit`` is stable for large |z|)."""
        z = self.decision_function(X)
        return np.column_stack([expit(-z), expit(z)])


def _check_xy(X: np.ndarray, y: np.ndarray, n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise AlreproError(f"X must be 2-D (n, d), got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise AlreproError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if X.shape[0] == 0:
        raise AlreproError("cannot fit a model on zero rows")
    if n_classes == 2 and not np.isin(y, (0, 1)).all():
        raise AlreproError("y must contain only the labels 0 and 1")
    if not np.isin(y, np.arange(n_classes)).all():
        raise AlreproError(f"y must contain only the class indices 0..{n_classes - 1}")
    return X, y


def _xv(XT: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``X @ v`` for ``XT = X.T`` (Fortran-ordered view of a C-ordered X), via scipy's BLAS."""
    return blas.dgemv(1.0, XT, v, trans=1)


def _xtv(XT: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``X.T @ v`` via scipy's BLAS."""
    return blas.dgemv(1.0, XT, v, trans=0)


def _objective(margin: np.ndarray, w: np.ndarray, b: float, C: float) -> float:
    # log(1 + exp(-m)) computed stably
    return 0.5 * (w @ w + b * b) + C * float(np.logaddexp(0.0, -margin).sum())


def _one_blas_thread():
    """Context: every BLAS pool at one thread (see the module docstring)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    *,
    C: float = 1.0,
    init: LogisticModel | None = None,
    tol: float = 1e-6,
    max_iter: int = _MAX_ITER,
) -> LogisticModel:
    """Minimise liblinear's L2 logistic objective (regularised intercept) to high precision.

    ``X``: (n, d) float32/float64; ``y``: (n,) in {0, 1} (one class is fine). ``init`` warm-starts from a
    previous solution of the same dimension (e.g. the previous active-learning round). Raises
    ``AlreproError`` on malformed input or if Newton fails to converge in ``max_iter`` iterations.
    """
    X, y = _check_xy(X, y)
    if not C > 0:
        raise AlreproError(f"C must be positive, got {C}")
    with _one_blas_thread():
        return _newton(X, y, C, init, tol, max_iter)


def _newton(
    X: np.ndarray, y: np.ndarray, C: float, init: LogisticModel | None, tol: float, max_iter: int
) -> LogisticModel:
    n, d = X.shape
    X64 = np.ascontiguousarray(X, dtype=np.float64)
    X32 = X if X.dtype == np.float32 else None
    ys = np.where(y == 1, 1.0, -1.0)

    if init is not None:
        if init.coef.shape != (d,):
            raise AlreproError(f"init has {init.coef.shape[0]} features, X has {d}")
        w = np.array(init.coef, dtype=np.float64)
        b = float(init.intercept)
    else:
        w = np.zeros(d)
        b = 0.0

    XT = X64.T
    z = _xv(XT, w) + b
    if not np.isfinite(z).all():  # a NaN/inf in X propagates into X @ w, even for w = 0 (0 * inf = nan)
        raise AlreproError("X contains NaN or infinite values")
    margin = ys * z
    f = _objective(margin, w, b, C)
    # the previous fit's Newton matrix is a fine preconditioner for this one (a warm start changes the
    # Hessian a little); it only steers steps, so a stale or even unrelated one cannot change the optimum
    factor = init._newton if init is not None and init._newton is not None else None
    refresh = factor is None
    g_prev_norm = np.inf
    for _ in range(max_iter):
        # r_i = d loss / d z_i = -y_i * sigmoid(-m_i)
        sig_neg = expit(-margin)
        r = -ys * sig_neg
        g = np.empty(d + 1)
        g[:d] = w + C * _xtv(XT, r)
        g[d] = b + C * r.sum()
        g_norm = float(np.sqrt(g @ g))
        if not np.isfinite(g_norm):
            raise AlreproError("X contains NaN or infinite values (or C is too large for float64)")
        if g_norm <= tol:
            return LogisticModel(coef=w, intercept=b, _newton=factor)
        if refresh or g_norm > _REUSE_RATE * g_prev_norm:
            factor = _hessian_factor(X64, X32, sig_neg, C)
        g_prev_norm = g_norm
        s = -lapack.dpotrs(factor, g)[0]
        dm = ys * (_xv(XT, s[:d]) + s[d])
        slope = float(g @ s)  # < 0: the Newton matrix is positive definite
        if -slope <= 1e-13 * abs(f):
            # the predicted decrease is below the float64 resolution of f, so Armijo cannot judge the step:
            # take the full step (we are deep in Newton's convergence region) and let the gradient decide
            w, b, margin = w + s[:d], b + s[d], margin + dm
            f = _objective(margin, w, b, C)
            refresh = False
            continue
        t = 1.0
        while True:
            m_t = margin + t * dm
            f_t = _objective(m_t, w + t * s[:d], b + t * s[d], C)
            if f_t <= f + 1e-4 * t * slope or t < 1e-10:
                break
            t *= 0.5
        if f_t > f:  # no progress possible at float64 resolution
            return LogisticModel(coef=w, intercept=b, _newton=factor)
        w, b, margin, f = w + t * s[:d], b + t * s[d], m_t, f_t
        refresh = t < 1.0  # a damped step means the Newton matrix is off: rebuild it
    raise AlreproError(f"logistic regression did not converge in {max_iter} Newton iterations")


def _hessian_factor(X64: np.ndarray, X32: np.ndarray | None, sig_neg: np.ndarray, C: float) -> np.ndarray:
    """Upper Cholesky factor of ``I + C X~' D X~``, ``D = p(1-p)``; the X' D X block via float32 ``ssyrk``."""
    d = X64.shape[1]
    dvec = sig_neg * (1.0 - sig_neg) * C
    src = X32 if X32 is not None else X64
    A = src * np.sqrt(dvec).astype(src.dtype)[:, None]
    A32 = A if A.dtype == np.float32 else A.astype(np.float32)
    H = np.zeros((d + 1, d + 1), order="F")
    H[:d, :d] = blas.ssyrk(1.0, A32.T, trans=0, lower=0)  # upper triangle of A' A
    H[:d, d] = _xtv(X64.T, dvec)
    H[d, d] = dvec.sum()
    H[np.diag_indices(d + 1)] += 1.0
    factor, info = lapack.dpotrf(H, lower=0, clean=0, overwrite_a=1)
    if info != 0:
        # I + PSD is positive definite; only float32 rounding in a pathological case could get here
        H = np.zeros((d + 1, d + 1), order="F")
        H[:d, :d] = blas.dsyrk(1.0, (X64 * np.sqrt(dvec)[:, None]).T, trans=0, lower=0)
        H[:d, d] = _xtv(X64.T, dvec)
        H[d, d] = dvec.sum()
        H[np.diag_indices(d + 1)] += 1.0
        factor, info = lapack.dpotrf(H, lower=0, clean=0, overwrite_a=1)
        if info != 0:
            raise AlreproError("Hessian factorisation failed")
    return factor


# --------------------------------------------------------------------------------------------- k classes


@dataclass(frozen=True, eq=False)
class SoftmaxModel:
    """A fitted multinomial logistic model: ``P(y=c | x) = softmax(coef @ x + intercept)_c`` over k classes."""

    coef: np.ndarray  # (k, d) float64
    intercept: np.ndarray  # (k,) float64
    # Cholesky factor of the last Newton matrix, reused by a warm start; not part of the model's value
    _newton: tuple[np.ndarray, bool] | None = field(default=None, repr=False, compare=False)

    @property
    def n_classes(self) -> int:
        return self.coef.shape[0]

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """(n, k) class scores ``X @ coef.T + intercept`` in float64."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.coef.shape[1]:
            raise AlreproError(f"expected X of shape (n, {self.coef.shape[1]}), got {X.shape}")
        with _one_blas_thread():
            return np.asarray(X, dtype=np.float64) @ self.coef.T + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, k) probabilities (``softmax`` is stable for large scores)."""
        return softmax(self.decision_function(X), axis=1)


def _softmax_objective(Z: np.ndarray, Y: np.ndarray, theta: np.ndarray, C: float) -> float:
    return 0.5 * float((theta * theta).sum()) + C * float((logsumexp(Z, axis=1) - (Z * Y).sum(axis=1)).sum())


def fit_softmax(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    C: float = 1.0,
    init: SoftmaxModel | None = None,
    tol: float = 1e-6,
    max_iter: int = _MAX_ITER,
) -> SoftmaxModel:
    """Minimise the regularised-intercept multinomial objective (module docstring) to ``||grad|| <= tol``.

    ``y``: (n,) class indices in ``0..n_classes-1``; classes absent from ``y`` are fine. ``init`` warm-starts."""
    if n_classes < 2:
        raise AlreproError(f"a model needs at least 2 classes, got {n_classes}")
    X, y = _check_xy(X, y, n_classes)
    if not C > 0:
        raise AlreproError(f"C must be positive, got {C}")
    n, d = X.shape
    Xt = np.hstack([np.asarray(X, dtype=np.float64), np.ones((n, 1))])  # the constant feature: intercepts
    Y = np.zeros((n, n_classes))
    Y[np.arange(n), y] = 1.0
    if init is not None:
        if init.coef.shape != (n_classes, d):
            raise AlreproError(f"init has shape {init.coef.shape}, expected ({n_classes}, {d})")
        theta = np.column_stack([init.coef, init.intercept])
    else:
        theta = np.zeros((n_classes, d + 1))
    size = n_classes * (d + 1)
    # as in the binary solver: a warm start's previous Newton matrix steers the first steps, refreshed as needed
    factor = init._newton if init is not None and init._newton is not None else None
    refresh = factor is None or factor[0].shape != (size, size)
    g_prev_norm = np.inf
    with _one_blas_thread():
        Z = Xt @ theta.T
        if not np.isfinite(Z).all():
            raise AlreproError("X contains NaN or infinite values")
        f = _softmax_objective(Z, Y, theta, C)
        for _ in range(max_iter):
            P = softmax(Z, axis=1)
            g = theta + C * (P - Y).T @ Xt  # (k, d + 1)
            g_norm = float(np.sqrt((g * g).sum()))
            if g_norm <= tol:
                return SoftmaxModel(coef=theta[:, :d].copy(), intercept=theta[:, d].copy(), _newton=factor)
            if refresh or g_norm > _REUSE_RATE * g_prev_norm:
                factor = _softmax_hessian_factor(Xt, P, C)
            g_prev_norm = g_norm
            step = -cho_solve(factor, g.reshape(-1)).reshape(g.shape)
            dZ = Xt @ step.T
            slope = float((g * step).sum())
            if -slope <= 1e-13 * abs(f):  # below f's float64 resolution: the full step, the gradient decides
                theta, Z = theta + step, Z + dZ
                f = _softmax_objective(Z, Y, theta, C)
                refresh = False
                continue
            t = 1.0
            while True:
                f_t = _softmax_objective(Z + t * dZ, Y, theta + t * step, C)
                if f_t <= f + 1e-4 * t * slope or t < 1e-10:
                    break
                t *= 0.5
            if f_t > f:  # no progress possible at float64 resolution
                return SoftmaxModel(coef=theta[:, :d].copy(), intercept=theta[:, d].copy(), _newton=factor)
            theta, Z, f = theta + t * step, Z + t * dZ, f_t
            refresh = t < 1.0  # a damped step means the Newton matrix is off: rebuild it
    raise AlreproError(f"multinomial logistic regression did not converge in {max_iter} Newton iterations")


def _softmax_hessian_factor(Xt: np.ndarray, P: np.ndarray, C: float) -> tuple[np.ndarray, bool]:
    """Cholesky factor of the Hessian ``I + C sum_i (diag(p_i) - p_i p_i') (x) x~_i x~_i'`` (class-major)."""
    k, m = P.shape[1], Xt.shape[1]
    H = np.eye(k * m)
    for a in range(k):
        for b in range(a, k):
            w = P[:, a] * ((a == b) - P[:, b]) * C
            block = Xt.T @ (Xt * w[:, None])
            H[a * m : (a + 1) * m, b * m : (b + 1) * m] += block
            if b != a:
                H[b * m : (b + 1) * m, a * m : (a + 1) * m] += block.T
    return cho_factor(H)


def fit_model(
    X: np.ndarray, y: np.ndarray, n_classes: int = 2, *, C: float = 1.0, init=None
) -> LogisticModel | SoftmaxModel:
    """The tutorial's binary model for two classes, the multinomial one for more."""
    if n_classes == 2:
        return fit_logistic(X, y, C=C, init=init)
    return fit_softmax(X, y, n_classes, C=C, init=init)


def fit_sklearn_softmax(X: np.ndarray, y: np.ndarray, n_classes: int, C: float = 1.0) -> SoftmaxModel:
    """The k-class reference: scikit-learn's multinomial ``lbfgs`` on ``[X, 1]`` (the same regularised intercept).

    Needs every class in ``y`` (scikit-learn fits only the classes it sees)."""
    from sklearn.linear_model import LogisticRegression

    X, y = _check_xy(X, y, n_classes)
    if np.unique(y).size != n_classes:
        raise AlreproError("the scikit-learn reference needs every class in y")
    Xt = np.hstack([np.asarray(X, dtype=np.float64), np.ones((X.shape[0], 1))])
    clf = LogisticRegression(solver="lbfgs", C=C, fit_intercept=False, tol=1e-12, max_iter=100_000)
    clf.fit(Xt, y)
    return SoftmaxModel(coef=clf.coef_[:, :-1].astype(np.float64), intercept=clf.coef_[:, -1].astype(np.float64))


def fit_liblinear(X: np.ndarray, y: np.ndarray, C: float = 1.0) -> LogisticModel:
    """The reference: scikit-learn's ``LogisticRegression(solver="liblinear")``, as the tutorial trains it.

    liblinear needs both classes; a single-class ``y`` raises ``AlreproError`` (use ``fit_logistic``).
    """
    from sklearn.linear_model import LogisticRegression

    X, y = _check_xy(X, y)
    if np.unique(y).size < 2:
        raise AlreproError("liblinear needs both classes in y; fit_logistic handles a single class")
    clf = LogisticRegression(solver="liblinear", C=C)
    clf.fit(X, y)
    return LogisticModel(coef=clf.coef_[0].astype(np.float64), intercept=float(clf.intercept_[0]))


def bootstrap_committee(
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_members: int = 5,
    seed: int,
    C: float = 1.0,
    init: LogisticModel | SoftmaxModel | None = None,
    n_classes: int = 2,
) -> list[LogisticModel | SoftmaxModel]:
    """A query-by-committee ensemble: ``n_members`` models, each fit on a bootstrap resample of (X, y).

    The bootstrap is *stratified*: each class's rows are resampled with replacement within the class, so
    every member sees the same class counts as the data and hence both classes whenever the data has both
    (no member degenerates to a constant predictor). Randomness comes only from
    ``numpy.random.default_rng(seed)``; members are drawn in order, so the same seed gives the same
    committee. ``init`` (e.g. this round's main model) warm-starts every member.
    """
    X, y = _check_xy(X, y, n_classes)
    if n_members < 1:
        raise AlreproError(f"n_members must be at least 1, got {n_members}")
    rng = np.random.default_rng(seed)
    X64 = np.ascontiguousarray(X, dtype=np.float64)
    groups = [np.flatnonzero(y == c) for c in range(n_classes)]
    groups = [g for g in groups if g.size]
    members = []
    for _ in range(n_members):
        idx = np.concatenate([g[rng.integers(0, g.size, size=g.size)] for g in groups])
        idx.sort()  # row order does not change the optimum; sorted keeps memory access regular
        members.append(fit_model(X64[idx], y[idx], n_classes, C=C, init=init))
    return members


def synthetic_embeddings(
    n: int = 3000, d: int = 384, *, seed: int = 0, separation: float = 0.5, label_noise: float = 0.12
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic stand-in for sentence embeddings, for tests and benchmarks: ``(X float32 (n, d), y int64)``.

    Two overlapping anisotropic Gaussian classes (power-law spectrum in a random basis, a shared offset, so
    entries are ~0.05 in size and rows have norm ~1, like MiniLM vectors) with ``label_noise`` of the labels
    flipped; a linear model reaches ROC AUC ~0.8-0.9, i.e. not separable, like the tweet task.
    """
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    spectrum = 1.0 / np.sqrt(np.arange(1, d + 1))  # anisotropic: a few directions dominate
    y = rng.integers(0, 2, size=n)
    direction = q @ (rng.standard_normal(d) * spectrum)
    direction /= np.linalg.norm(direction)
    latent = rng.standard_normal((n, d)) * spectrum
    X = latent @ q.T + separation * np.where(y == 1, 0.5, -0.5)[:, None] * direction
    offset = rng.standard_normal(d)
    X = X + 1.5 * offset / np.linalg.norm(offset) * np.sqrt((spectrum**2).sum())
    X /= np.sqrt((spectrum**2).sum() * 2.0)
    flip = rng.random(n) < label_noise
    y = np.where(flip, 1 - y, y)
    return X.astype(np.float32), y.astype(np.int64)


def synthetic_classes(
    n: int = 1500, d: int = 64, n_classes: int = 3, *, seed: int = 0, separation: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """k overlapping Gaussian classes for k-class tests: ``(X float32 (n, d), y int64 in 0..k-1)``.

    Class means lie along random directions at norm ``separation``, rows have noise of unit norm on average: with
    the defaults a linear model reaches a one-vs-rest ROC AUC near 0.9, like the binary ``synthetic_embeddings``."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((n_classes, d))
    means *= separation / np.linalg.norm(means, axis=1, keepdims=True)
    y = rng.integers(0, n_classes, size=n)
    X = means[y] + rng.standard_normal((n, d)) / np.sqrt(d)
    return X.astype(np.float32), y.astype(np.int64)
