# Solutions to the exercises of part1_uncertainty_sampling.ipynb: each "# %% <tag>" section replaces the exercise
# cell with that tag (tests/teaching runs the notebook that way). Names such as X, pool, p come from the notebook.
# ruff: noqa: F821

# %% ex-cosine
def cosine(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


similarity = np.array([cosine(X[pool[1]], X[i]) for i in pool])
similarity[1] = -np.inf  # not the tweet itself
most_similar = int(np.argmax(similarity))

# %% ex-auc
pos = scores[y[test] == 1]
neg = scores[y[test] == 0]
higher = (pos[:, None] > neg[None, :]).sum()
ties = (pos[:, None] == neg[None, :]).sum()
my_auc = (higher + 0.5 * ties) / (pos.size * neg.size)

# %% ex-uncertainty
u = 1 - np.maximum(p, 1 - p)
my_batch = np.argsort(-np.where(learner.labeled, -1.0, u), kind="stable")[:10]

# %% ex-noise
noisy_test = int((p_own[test] < 0.05).sum())
