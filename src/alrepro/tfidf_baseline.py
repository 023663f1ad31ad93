"""The non-neural baseline: TF-IDF over hashed term counts + the tutorial's liblinear logistic regression.

Run on the same seeds, splits, seed sets and query order as the embedding runs (``random`` draws the same
permutation from the same seed, so ``tfidf_random`` labels exactly the rows ``random`` labels): the difference
between the two curves is what the transformer embeddings buy. TF-IDF weights are fitted on the seed's pool
(unlabelled text only, never the test rows); the model is scikit-learn's ``LogisticRegression(solver="liblinear",
C=1)`` on the sparse features, refitted from scratch every round.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from alrepro.hashed_terms import tfidf
from alrepro.metrics import roc_auc
from alrepro.strategies import QueryInput, get_strategy

PREFIX = "tfidf_"


def fit_sparse_logistic(X: sparse.csr_matrix, y: np.ndarray, C: float = 1.0):
    """liblinear on sparse rows; a single class gives a constant model (liblinear needs two)."""
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    if np.unique(y).size < 2:
        return DummyClassifier(strategy="prior").fit(X, y)
    return LogisticRegression(solver="liblinear", C=C).fit(X, y)


def _scores(model, X: sparse.csr_matrix) -> np.ndarray:
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return np.zeros(X.shape[0])


def _proba(model, X: sparse.csr_matrix) -> np.ndarray:
    p = model.predict_proba(X)
    if p.shape[1] == 1:  # the constant model
        return np.full((X.shape[0], 2), 0.5)
    return p


def tfidf_curve(terms, y, heldout_terms, heldout_y, task, ood_budgets):
    """One learning curve of the baseline: (labels, test AUCs, [(labels, held-out AUC)])."""
    spec = get_strategy(task.strategy)
    features = tfidf(terms, task.pool)  # idf from the pool's text, no labels
    X_pool, X_test = features[task.pool], features[task.test]
    X_out = None
    if heldout_terms is not None:
        from sklearn.feature_extraction.text import TfidfTransformer

        idf = TfidfTransformer().fit(terms[task.pool].astype(np.float64))
        X_out = idf.transform(heldout_terms.astype(np.float64)).tocsr()
    y_pool, y_test = y[task.pool], y[task.test]
    labeled = np.zeros(task.pool.size, dtype=bool)
    labeled[task.initial] = True
    labels, aucs, ood = [], [], []
    while True:
        model = fit_sparse_logistic(X_pool[labeled], y_pool[labeled])
        n = int(labeled.sum())
        labels.append(n)
        aucs.append(roc_auc(y_test, _scores(model, X_test)))
        room = min(task.batch_size, task.budget - n, task.pool.size - n)
        if X_out is not None and (n in ood_budgets or room <= 0):
            ood.append((n, roc_auc(heldout_y, _scores(model, X_out))))
        if room <= 0:
            return labels, aucs, ood
        q = QueryInput(proba=_proba(model, X_pool) if spec.needs_proba else None, labeled=labeled,
                       row_ids=task.pool, seed=task.seed)
        labeled[spec.fn(q)[:room]] = True
