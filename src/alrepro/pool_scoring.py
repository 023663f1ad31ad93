"""Scoring a pool: a model's probabilities over every pool row, :data:`POOL_CHUNK_ROWS` rows at a time, here or on
a Dask cluster (``--engine dask``).

A scorer is a function ``(model, X) -> probabilities``. :func:`pool_proba` scores in this process;
:class:`DaskScorer` sends the same chunks to the workers of a Dask cluster and concatenates their results in
chunk order. The probabilities are the same bytes either way: each chunk is the same rows scored by the same code
(a chunk's results depend on its boundaries, so both use :func:`chunk_slices`). A memory-mapped pool
(``np.load(path, mmap_mode="r")``) is never shipped: each worker maps its own chunk of the file, so the workers must
see the file at the same path (one machine, or a shared file system). An in-memory pool is scattered to the
workers once, in chunks. Per round only the model travels (a few KB).
"""

from __future__ import annotations

import dataclasses
import mmap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from alrepro import engine
from alrepro.learner import LogisticModel, SoftmaxModel

POOL_CHUNK_ROWS = 1 << 16  # rows scored at once: 65,536 x 384 float64 is 200 MB

Model = LogisticModel | SoftmaxModel
Scorer = Callable[[Model, np.ndarray], np.ndarray]


def chunk_slices(n: int) -> list[slice]:
    """The chunks a pool of ``n`` rows is scored in, in order (one chunk up to :data:`POOL_CHUNK_ROWS` rows)."""
    return [slice(start, min(start + POOL_CHUNK_ROWS, n)) for start in range(0, n, POOL_CHUNK_ROWS)]


def pool_proba(model: Model, X: np.ndarray) -> np.ndarray:
    """``model.predict_proba(X)``, :data:`POOL_CHUNK_ROWS` rows at a time (each chunk converted to float64 on its
    own): the same numbers, without a float64 copy of a large pool."""
    if X.shape[0] <= POOL_CHUNK_ROWS:
        return model.predict_proba(X)
    return np.concatenate([model.predict_proba(X[rows]) for rows in chunk_slices(X.shape[0])])


class FileChunk(NamedTuple):
    """Rows of a C-ordered array stored in a file, which a worker maps itself."""

    path: str
    offset: int  # bytes from the start of the file to the chunk's first row
    shape: tuple[int, ...]
    dtype: str

    def read(self) -> np.memmap:
        return np.memmap(self.path, dtype=np.dtype(self.dtype), mode="r", offset=self.offset, shape=self.shape)


def file_chunks(X: np.ndarray) -> list[FileChunk] | None:
    """Where each of the pool's chunks lies in its file, or None when ``X`` is not a whole C-ordered memory map (a
    slice of one keeps its parent's ``offset``, so it is not described by it)."""
    if not (isinstance(X, np.memmap) and isinstance(X.base, mmap.mmap) and X.flags.c_contiguous and X.filename):
        return None
    row_bytes = int(np.prod(X.shape[1:])) * X.itemsize
    return [
        FileChunk(str(X.filename), X.offset + rows.start * row_bytes, (rows.stop - rows.start, *X.shape[1:]), X.dtype.str)
        for rows in chunk_slices(X.shape[0])
    ]


def _score_chunk(model: Model, chunk: np.ndarray | FileChunk) -> np.ndarray:
    """A worker's job: one chunk's probabilities."""
    return model.predict_proba(chunk.read() if isinstance(chunk, FileChunk) else chunk)


class DaskScorer:
    """A scorer on a Dask cluster, created once per run with the cluster's client and reused every round.

    It places a pool on the cluster the first time it scores it (file chunks for a memory map, else scattered
    chunks) and keeps that placement while it is given the same array; another array replaces it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._pool: np.ndarray | None = None
        self.chunks: list[Any] = []  # per chunk: a FileChunk, or the future of its scattered rows

    def __call__(self, model: Model, X: np.ndarray) -> np.ndarray:
        if X is not self._pool:
            self.chunks = file_chunks(X) or self.client.scatter([np.asarray(X[rows]) for rows in chunk_slices(len(X))])
            self._pool = X
        model = dataclasses.replace(model, _newton=None)  # the solver's cached factor (d x d) is not needed here
        futures = [self.client.submit(_score_chunk, model, chunk, pure=False) for chunk in self.chunks]
        return np.concatenate(self.client.gather(futures))


@contextmanager
def open_scorer(engine_name: str = "local", workers: int | None = None) -> Iterator[Scorer]:
    """The scorer for ``engine_name``: :func:`pool_proba`, or a :class:`DaskScorer` on the cluster that
    :func:`alrepro.engine.dask_client` opens for the ``with`` block."""
    engine.check_engine(engine_name)
    if engine_name == "local":
        yield pool_proba
        return
    with engine.dask_client(workers) as client:
        yield DaskScorer(client)
