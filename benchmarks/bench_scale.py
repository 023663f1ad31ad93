"""One active-learning round over a 1.6M-row pool: the learner side's time and peak memory.

    .venv/bin/python benchmarks/bench_scale.py [--rows 1600000] [--labelled 1000] [--batch 100]

The pool is synthetic, built from the committed MiniLM embeddings of the canonical 8,000 (``data/embeddings``):
row i is a real embedding drawn at random (seeded) plus Gaussian noise of 1% of its dimension's spread, with that
tweet's label. It is written to a temporary ``.npy`` in chunks (float32, 2.5 GB for 1.6M x 384) and opened with
``np.load(mmap_mode="r")``, so the learner scores it chunk by chunk (``alrepro.loop.POOL_CHUNK_ROWS``).

A round, timed as a whole and in parts: ``tell`` the last batch's labels (refit on the labelled rows, score the
pool), ``query`` the next batch (least confidence's top-k, no sort of the pool), and the priority deltas
(``alrepro.labelbox.priority_changes``: only rows whose priority changes). Peak RSS is the process's high-water mark
(``ru_maxrss``), read after the round; it includes the mapped pool's pages in the page cache. For comparison, in
the same run: the same round's selection by the full ranking (a sort of the whole pool) and its time.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from alrepro.data import load_canonical
from alrepro.embedding_cache import load_embeddings
from alrepro.labelbox import priority_changes
from alrepro.loop import ActiveLearner

NOISE = 0.01  # Gaussian noise, as a share of each dimension's standard deviation over the 8,000
BUILD_CHUNK = 100_000


def build_pool(path: Path, rows: int, seed: int = 0) -> np.ndarray:
    """Write the synthetic pool to ``path`` (``.npy``, float32) chunk by chunk; return its labels."""
    canon = load_canonical(texts=False)
    E = load_embeddings(data=canon)
    y = np.asarray(canon.labels, dtype=np.int8)
    spread = (NOISE * E.std(axis=0)).astype(np.float32)
    rng = np.random.default_rng(seed)
    labels = np.empty(rows, dtype=np.int8)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": (rows, E.shape[1])}
        )
        for start in range(0, rows, BUILD_CHUNK):
            n = min(BUILD_CHUNK, rows - start)
            pick = rng.integers(0, len(E), size=n)
            chunk = E[pick] + rng.standard_normal((n, E.shape[1]), dtype=np.float32) * spread
            chunk.astype("<f4").tofile(f)
            labels[start : start + n] = y[pick]
    return labels


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux reports KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_600_000)
    ap.add_argument("--labelled", type=int, default=1000, help="rows labelled before the timed round")
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pool.npy"
        t = time.perf_counter()
        y = build_pool(path, args.rows)
        print(f"pool: {args.rows:,} x 384 float32 ({path.stat().st_size / 1e9:.2f} GB) written in "
              f"{time.perf_counter() - t:.1f} s; RSS so far {peak_rss_gb():.2f} GB")
        X = np.load(path, mmap_mode="r")
        learner = ActiveLearner(X, "least_confidence", row_ids=np.arange(args.rows, dtype=np.int64))
        seed_set = np.random.default_rng(1).choice(args.rows, size=args.labelled, replace=False)
        t = time.perf_counter()
        learner.tell(seed_set, y[seed_set])
        batch = learner.query(args.batch)
        print(f"first round (seed set of {args.labelled:,}): {time.perf_counter() - t:.2f} s")
        at_first = [str(i) for i in batch]  # global keys at priority 1, as the loop keeps them

        t0 = time.perf_counter()
        learner.tell(batch, y[batch])  # the labels came back: refit, score the pool
        t1 = time.perf_counter()
        batch = learner.query(args.batch)
        t2 = time.perf_counter()
        up, down = priority_changes([str(i) for i in batch], at_first, labeled=set(at_first))
        t3 = time.perf_counter()
        rss = peak_rss_gb()

        full = learner.ranking()  # the same selection by sorting the whole pool
        t4 = time.perf_counter()
        assert np.array_equal(full[: args.batch], batch), "top-k differs from the full ranking's prefix"
        print(f"  tell (refit on {learner.n_labeled:,} rows + score {args.rows:,}): {t1 - t0:6.2f} s")
        print(f"  query top {args.batch} (partition):                  {t2 - t1:6.3f} s")
        print(f"  priority deltas: {len(up)} up, {len(down)} down:          {t3 - t2:6.4f} s")
        print(f"  (the same batch by a full ranking: {t4 - t3:.3f} s, {(t4 - t3) / (t2 - t1):.1f}x the top-k query)")
        print(f"scale: {args.rows} rows, round {t3 - t0:.2f} s, peak RSS {rss:.2f} GB")


if __name__ == "__main__":
    main()
