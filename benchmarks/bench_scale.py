"""One active-learning round over a 1.6M-row pool: the learner side's time and peak memory; embedding throughput
local vs Dask; a fake Labelbox holding a large project.

    .venv/bin/python benchmarks/bench_scale.py [--rows 1600000] [--labelled 1000] [--batch 100]
                                               [--embed-texts 2048] [--fake-rows 50000]

Each part runs in a process of its own. **Embedding** (skipped without torch): MiniLM over the first ``--embed-texts`` canonical tweets (synthetic
sentences without ``$ALREPRO_SENTIMENT140``), texts/s per CPU core: the local engine (one process, 2 torch threads)
against ``--engine dask`` (a LocalCluster of 2 one-thread workers, each warmed up with the encoder loaded, blocks of
``ENGINE_BLOCK`` texts), and the hours 1.6M texts would take at each rate.

**The fake** (in a child process, so its memory is its own): ``--fake-rows`` rows uploaded through the SDK into an
in-process fake, queued in batches of at most 100,000 (``SentimentProject.setup``), then one round's priority
deltas pushed (``prioritize``: a batch of ``--batch`` up, the previous one back). Reports the setup's time, the
push's time and the fake's memory per row, extrapolated (linearly, and said so) to ``--rows``.

The pool is synthetic, built from the committed MiniLM embeddings of the canonical 8,000 (``data/embeddings``):
row i is a real embedding drawn at random (seeded) plus Gaussian noise of 1% of its dimension's spread, with that
tweet's label. It is written to a temporary ``.npy`` in chunks (float32, 2.5 GB for 1.6M x 384) and opened with
``np.load(mmap_mode="r")``, so the learner scores it chunk by chunk (``alrepro.loop.POOL_CHUNK_ROWS``).

A round, timed as a whole and in parts: ``tell`` the last batch's labels (refit on the labelled rows, score the
pool), ``query`` the next batch (least confidence's top-k, no sort of the pool), and the priority deltas
(``alrepro.labelbox.priority_changes``: only rows whose priority changes). Peak RSS is the process's high-water mark
(``ru_maxrss``), read after the round; it includes the mapped pool's pages in the page cache. For comparison, in
the same run: the same round's selection by the full ranking (a sort of the whole pool) and its time.

**Scoring on Dask** (skipped without distributed), after the round's peak RSS is read: the round's scoring alone
(the model's probabilities over the pool, ``alrepro.pool_scoring``) in this process, then on ``--engine dask``'s
scorer (a LocalCluster of 2 one-thread workers, each mapping its chunks of the pool's file: only the model is sent),
twice (the second call is what every later round pays), and whether its probabilities are the round's to the byte.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.util import find_spec
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from alrepro.data import load_canonical
from alrepro.embedding_cache import load_embeddings
from alrepro.labelbox import priority_changes
from alrepro.loop import ActiveLearner
from alrepro.pool_scoring import pool_proba

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


def rss_gb() -> float:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def embedding_throughput(n: int) -> tuple[str, dict[str, float]]:
    """In a child process: texts/s of the local engine and of Dask, on the same texts."""
    from bench_embed import synthetic_sentences
    from distributed import Client, LocalCluster

    from alrepro import engine
    from alrepro.embed import MINILM, encode_texts, load_encoder
    from alrepro.embedding_jobs import ENGINE_BLOCK, _embed_block
    from alrepro.errors import AlreproError

    try:
        texts, what = load_canonical().texts[:n], "canonical tweets"
    except (AlreproError, TypeError):
        texts, what = synthetic_sentences(n), "synthetic sentences (ALREPRO_SENTIMENT140 not set)"
    enc = load_encoder(MINILM)
    encode_texts(enc, texts[:64], progress=False, num_threads=2)  # warm-up
    t = time.perf_counter()
    encode_texts(enc, texts, progress=False, num_threads=2)
    local = len(texts) / (time.perf_counter() - t)
    blocks = [texts[i : i + ENGINE_BLOCK] for i in range(0, len(texts), ENGINE_BLOCK)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        os.environ[engine.SCHEDULER_ENV] = cluster.scheduler_address
        try:
            with Client(cluster) as client:  # every worker loads the encoder and embeds a few texts first
                client.run(_embed_block, (MINILM, 32), texts[:64])
            t = time.perf_counter()
            list(engine.map_ordered(_embed_block, (MINILM, 32), blocks, engine="dask"))
            dask = len(texts) / (time.perf_counter() - t)
        finally:
            del os.environ[engine.SCHEDULER_ENV]
    return f"{len(texts):,} {what} with {MINILM} on 2 cores", {"local, 2 threads": local, "dask, 2 workers x 1 thread": dask}


def embedding_side(n: int) -> None:
    missing = [name for name in ("torch", "distributed") if find_spec(name) is None]
    if missing:
        print(f"embedding: skipped ({missing[0]} is not installed: pip install -e '.[embed,dask]')")
        return
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
        what, rates = child.submit(embedding_throughput, n).result()
    print(f"embedding {what}:")
    for name, rate in rates.items():
        print(f"  {name:<27} {rate:6.1f} texts/s = {rate / 2:6.1f} per core; 1.6M texts in {1.6e6 / rate / 3600:4.1f} h")


def fake_project(rows: int, batch: int) -> dict:
    """In a child process: a fake holding ``rows`` queued rows, and one round's priority deltas pushed to it."""
    import warnings

    from fake_labelbox.testing import FakeLabelbox

    from alrepro.labelbox import PoolRow, SentimentProject

    warnings.filterwarnings("ignore")
    pool = [PoolRow(str(10_000_000 + i), None) for i in range(rows)]
    with FakeLabelbox.running(api_key="bench", seed=0) as fake:
        before = rss_gb()
        t = time.perf_counter()
        project = SentimentProject.setup(fake.client(), pool, name="scale")
        setup = time.perf_counter() - t
        held = rss_gb() - before
        keys = [r.global_key for r in pool]
        project.prioritize(keys[:batch])
        t = time.perf_counter()
        sent = project.prioritize(keys[batch : 2 * batch])
        push = time.perf_counter() - t
    return {"setup": setup, "held": held, "push": push, "sent": sent, "peak": peak_rss_gb()}


def fake_side(rows: int, target: int, batch: int) -> None:
    missing = [name for name in ("fake_labelbox", "labelbox") if find_spec(name) is None]
    if missing:
        print(f"fake: skipped ({missing[0]} is not installed: pip install -e '.[loop]')")
        return
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
        r = child.submit(fake_project, rows, batch).result()
    print(f"fake Labelbox with {rows:,} queued rows: setup (upload, batches of <= 100,000) {r['setup']:.1f} s, "
          f"holds {r['held']:.2f} GB ({r['held'] * 1e9 / rows:,.0f} bytes a row; child's peak RSS {r['peak']:.2f} GB)")
    print(f"  one round's priority deltas ({r['sent']} rows) pushed in {r['push']:.3f} s")
    if rows < target:
        print(f"  extrapolated linearly (not measured) to {target:,} rows: holds {r['held'] * target / rows:.1f} GB, "
              f"setup {r['setup'] * target / rows / 60:.0f} min")


def scoring_side(model, X: np.ndarray, proba: np.ndarray) -> None:
    """The round's scoring alone: here, then on a Dask cluster of 2 workers; the probabilities must be ``proba``."""
    t = time.perf_counter()
    local = pool_proba(model, X)
    print(f"  scoring alone, local (this process, 1 BLAS thread):   {time.perf_counter() - t:6.2f} s")
    if find_spec("distributed") is None:
        print("  scoring on dask: skipped (distributed is not installed: pip install -e '.[dask]')")
        return
    from alrepro.engine import dask_client
    from alrepro.pool_scoring import DaskScorer

    t = time.perf_counter()
    with dask_client(2) as client:
        started = time.perf_counter() - t
        scorer = DaskScorer(client)
        times = []
        for _ in range(2):  # the first call places the pool (its chunks' places in the file); later rounds reuse it
            t = time.perf_counter()
            on_dask = scorer(model, X)
            times.append(time.perf_counter() - t)
    same = on_dask.tobytes() == local.tobytes() == proba.tobytes()
    print(f"  scoring on dask, 2 workers x 1 thread:               {times[0]:6.2f} s (again {times[1]:.2f} s; "
          f"cluster started in {started:.1f} s); probabilities identical to the local ones: {same}")
    assert same, "the Dask engine's probabilities differ from the local ones"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_600_000)
    ap.add_argument("--labelled", type=int, default=1000, help="rows labelled before the timed round")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--embed-texts", type=int, default=2 * 1024, help="texts for the throughput (0: skip)")
    ap.add_argument("--fake-rows", type=int, default=50_000, help="rows the fake holds (0: skip)")
    args = ap.parse_args()

    # each part in a child process of its own, so the round's peak RSS is the learner's alone
    if args.embed_texts:
        embedding_side(args.embed_texts)
    if args.fake_rows:
        fake_side(args.fake_rows, args.rows, args.batch)

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
        scoring_side(learner.model, X, learner.proba)
        print(f"scale: {args.rows} rows, round {t3 - t0:.2f} s, peak RSS {rss:.2f} GB")


if __name__ == "__main__":
    main()
