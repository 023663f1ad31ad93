"""Embedding jobs: a data set's embeddings from its cache (computed there first when missing), and checks.

:mod:`alrepro.embed` computes vectors (torch, lazily) and :mod:`alrepro.embedding_cache` stores and verifies them
(numpy only); the jobs here join the two, so the imports run one way: jobs -> cache -> embed.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from alrepro.dataset import Dataset
from alrepro.defaults import ENCODER
from alrepro.embed import DEFAULT_BATCH_SIZE, _require_torch, _threads, encode_texts, load_encoder
from alrepro.embedding_cache import (
    cache_dir_for,
    cache_paths,
    embeddings_dir,
    load_embeddings,
    read_cache,
    write_cache,
)
from alrepro.engine import check_engine, map_ordered
from alrepro.errors import AlreproError

ENGINE_BLOCK = 1024  # texts per engine job: a few seconds of one core, small enough to stream


@dataclass(frozen=True)
class CheckResult:
    """Recomputed vs cached vectors: max |difference| per checked vector."""

    encoder: str
    n_checked: int
    n_total: int
    max_abs_dev: np.ndarray  # per checked vector
    tolerance: float
    seconds: float

    @property
    def worst(self) -> float:
        return float(self.max_abs_dev.max()) if self.max_abs_dev.size else 0.0

    @property
    def n_over(self) -> int:
        return int((self.max_abs_dev > self.tolerance).sum())

    @property
    def ok(self) -> bool:
        return self.n_over == 0

    def summary(self) -> str:
        dev = self.max_abs_dev
        return (
            f"checked {self.n_checked:,} of {self.n_total:,} vectors ({self.encoder}) in {self.seconds:.1f} s: "
            f"max |Δ| {self.worst:.3g}, median per-vector max |Δ| {float(np.median(dev)) if dev.size else 0.0:.3g}, "
            f"{self.n_over} over {self.tolerance:g} -> {'OK' if self.ok else 'MISMATCH'}"
        )


def subset_indices(n: int, k: int | None) -> np.ndarray:
    """A deterministic, evenly spread subset of ``k`` of ``n`` positions (all when ``k`` is None or >= n)."""
    if k is None or k >= n:
        return np.arange(n)
    if k < 1:
        raise AlreproError(f"subset size must be at least 1, got {k}")
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def with_embeddings(
    data: Dataset,
    encoder: str = ENCODER,
    *,
    progress: bool = True,
    say: Callable[[str], None] = lambda _msg: None,
) -> Dataset:
    """``data`` with its ``encoder`` embeddings from the cache (:func:`~alrepro.embedding_cache.cache_dir_for`).

    A data set other than the canonical tweets whose cache is missing is embedded first (needs
    ``alrepro[embed]``), once: later runs read the cache. The canonical tweets' committed caches are never
    written here (``alrepro embed`` does that)."""
    folder = cache_dir_for(data)
    if folder != embeddings_dir() and not cache_paths(encoder, folder)[1].is_file():
        say(f"embedding {len(data):,} texts with {encoder} (once; cached in {folder})")
        compute_cache(encoder, data, cache_dir=folder, progress=progress)
    return data.with_embeddings(load_embeddings(encoder, data, cache_dir=folder), encoder)


def _texts(data: Dataset) -> list[str]:
    from alrepro.paths import TWEETS_ENV

    if data.texts is None:
        raise AlreproError(
            f"computing embeddings needs the tweets: set {TWEETS_ENV} to a Sentiment140 file or pass --tweets PATH"
        )
    return data.texts


def compute_cache(
    encoder: str,
    data: Dataset,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    num_threads: int | None = None,
    engine: str = "local",
    workers: int | None = None,
) -> tuple[Path, Path, float]:
    """Embed a data set's texts and write its cache (default folder: :func:`cache_dir_for` it);
    returns (npz, manifest, seconds).

    ``engine="local"`` encodes in this process with ``num_threads`` torch threads. Another engine
    (:mod:`alrepro.engine`) sends blocks of :data:`ENGINE_BLOCK` texts to ``workers`` processes of one thread
    each, and writes each block's vectors to the cache as it comes back, in order: memory does not grow with the
    texts. The vectors agree with the local engine's to float32 rounding (padding differs with the batches)."""
    _require_torch()
    texts = _texts(data)
    enc = load_encoder(encoder)
    info = enc.describe()
    folder = cache_dir if cache_dir is not None else cache_dir_for(data)
    t0 = time.perf_counter()
    if engine == "local":
        vectors = encode_texts(enc, texts, batch_size=batch_size, progress=progress, num_threads=num_threads)
        info["batching"] = {"batch_size": batch_size, "num_threads": _threads(num_threads)}
    else:
        check_engine(engine)
        blocks = [texts[i : i + ENGINE_BLOCK] for i in range(0, len(texts), ENGINE_BLOCK)]
        done = map_ordered(_embed_block, (encoder, batch_size), blocks, engine=engine, workers=workers)
        vectors = tqdm(done, total=len(blocks), unit="block", file=sys.stderr, disable=not progress,
                       desc=f"embed {enc.name} on {engine}")
        info["batching"] = {"batch_size": batch_size, "num_threads": 1, "engine": engine, "block": ENGINE_BLOCK}
    npz, manifest = write_cache(vectors, data, info, folder, encoder=encoder, dim=enc.dim)
    return npz, manifest, time.perf_counter() - t0


@functools.lru_cache(maxsize=1)
def _worker_encoder(encoder: str):
    return load_encoder(encoder)


def _embed_block(spec: tuple[str, int], texts: list[str]) -> np.ndarray:
    """An engine job: one block of texts through the worker's encoder (loaded once per worker), one thread."""
    encoder, batch_size = spec
    return encode_texts(_worker_encoder(encoder), texts, batch_size=batch_size, progress=False, num_threads=1)


def check_cache(
    encoder: str,
    data: Dataset,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: str | os.PathLike[str] | None = None,
    subset: int | None = None,
    tolerance: float = 1e-4,
    progress: bool = True,
    num_threads: int | None = None,
) -> CheckResult:
    """Recompute (a deterministic subset of) the cached vectors from the texts and compare."""
    _require_torch()
    texts = _texts(data)
    folder = cache_dir if cache_dir is not None else cache_dir_for(data)
    cached = load_embeddings(encoder, data, cache_dir=folder)
    _, _, manifest = read_cache(encoder, folder)
    enc = load_encoder(encoder)
    if manifest.get("weights_sha256") != enc.weights_sha256:
        raise AlreproError(
            f"the cache for {encoder} was made with weights sha256 {str(manifest.get('weights_sha256'))[:12]}…, "
            f"the loaded encoder has {enc.weights_sha256[:12]}…"
        )
    idx = subset_indices(len(data), subset)
    t0 = time.perf_counter()
    fresh = encode_texts(
        enc, [texts[i] for i in idx], batch_size=batch_size, progress=progress, num_threads=num_threads
    )
    seconds = time.perf_counter() - t0
    dev = np.abs(fresh.astype(np.float64) - cached[idx].astype(np.float64)).max(axis=1)
    return CheckResult(encoder, len(idx), len(data), dev, tolerance, seconds)
