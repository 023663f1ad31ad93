"""`alrepro reproduce`'s cost: the default run's wall time, and the time of one curve per strategy and seed.

Issue 17: the default run (every default strategy and the TF-IDF baseline over the default seeds, plus the
replica) must take <= 180 s on 2 cores. This prints, in one run: the CPU seconds of one curve of each strategy on
seed 0 (one process, one BLAS thread, as the workers run them), their sum (the cost of one more seed), and the
default run's wall time with its worker count.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from alrepro import defaults
from alrepro import experiment as ex
from alrepro.dataset import Dataset
from alrepro.reproduce import BASELINES, DEFAULT_SEEDS, reproduce
from alrepro.strategies import get_strategy


def curve_seconds(data: Dataset, seed: int = 0) -> dict[str, float]:
    """CPU seconds of one curve per strategy (and baseline) on ``seed``; the shared inner products once, apart."""
    tasks = ex.honest_tasks(data, defaults.STRATEGIES, [seed], baselines=BASELINES)
    out = {}
    t = time.process_time()
    extras = ex.load_extras(data)
    pairwise = [task for task in tasks if task.features == "embeddings" and get_strategy(task.strategy).pairwise]
    X32 = data.X.astype(np.float32)
    extras = dataclasses.replace(extras, gram=X32 @ X32.T) if pairwise else extras
    out["(inner products, once)"] = time.process_time() - t
    for task in tasks:
        t = time.process_time()
        ex.run_tasks(data, [task], workers=1, extras=extras)
        out[task.name] = time.process_time() - t
    return out


def main() -> None:
    data = ex.load_experiment_data()
    per = curve_seconds(data)
    print("one curve per strategy, seed 0 (CPU seconds, 1 process, 1 BLAS thread):")
    for name, seconds in per.items():
        print(f"  {name:<18} {seconds:6.1f} s")
    print(f"  {'one seed, all':<18} {sum(per.values()):6.1f} s")
    if "--per-curve-only" in sys.argv:
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        reproduce(Path(tmp), progress=False)
        wall = time.perf_counter() - t
    print(f"default `alrepro reproduce` ({DEFAULT_SEEDS} seeds x {len(defaults.STRATEGIES)} strategies + "
          f"{len(BASELINES)} baseline + replica, {os.cpu_count()} workers): {wall:6.1f} s wall (budget 180 s)")
    print(f"  per curve and seed: {wall * (os.cpu_count() or 1) / (DEFAULT_SEEDS * len(per) + 2):5.1f} s of a core")


if __name__ == "__main__":
    main()
