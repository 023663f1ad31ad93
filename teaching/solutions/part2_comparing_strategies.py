# Solutions to the exercises of part2_comparing_strategies.ipynb: each "# %% <tag>" section replaces the exercise
# cell with that tag (tests/teaching runs the notebook that way). Names such as auc, labels come from the notebook.
# ruff: noqa: F821

# %% ex-band
from scipy import stats

j1000 = int(np.flatnonzero(labels == 1000)[0])
at_1000 = auc["random"][:, j1000]
half_1000 = at_1000.std(ddof=1) / np.sqrt(at_1000.size) * stats.t.ppf(0.975, at_1000.size - 1)

# %% ex-wins
j500 = int(np.flatnonzero(labels == 500)[0])
wins_500 = int((auc["least_confidence"][:, j500] > auc["random"][:, j500]).sum())
