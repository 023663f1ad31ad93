"""Scoring a pool on a Dask cluster of 2 workers: the local chunked path's bytes, a learner that asks for the same
rows, and ``alrepro loop --engine dask`` (the same run, resumable on either engine)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from alrepro import pool_scoring
from alrepro.cli import main
from alrepro.learner import fit_model, synthetic_classes, synthetic_embeddings
from alrepro.loop import ActiveLearner
from alrepro.pool_scoring import DaskScorer, FileChunk, pool_proba

pytest.importorskip("distributed", reason="the Dask engine needs alrepro[dask]")


@pytest.fixture
def client(cluster):
    from distributed import Client

    with Client(cluster) as c:
        yield c


@pytest.fixture
def mapped(tmp_path, monkeypatch):
    """600 rows of float32 on disk, memory-mapped, scored in chunks of 64: nine full chunks and a short one."""
    X, y = synthetic_embeddings(600, 32, seed=5)
    np.save(tmp_path / "pool.npy", X)
    monkeypatch.setattr(pool_scoring, "POOL_CHUNK_ROWS", 64)
    return np.load(tmp_path / "pool.npy", mmap_mode="r"), y


@pytest.mark.slow
@pytest.mark.parametrize("where", ["memory map", "slice of a memory map", "in memory"])
def test_dask_scores_the_local_chunks_bytes(where, mapped, client):
    X, y = mapped
    pool = {"memory map": X, "slice of a memory map": X[37:], "in memory": np.asarray(X, dtype=np.float64)}[where]
    _, y3 = synthetic_classes(80, 32, seed=1)
    scorer = DaskScorer(client)
    for model in (fit_model(np.asarray(X[:80]), y[:80]), fit_model(np.asarray(X[:80]), y3, 3)):
        assert scorer(model, pool).tobytes() == pool_proba(model, pool).tobytes()
    # a whole memory map is read by the workers from its file; a slice (its offset is its parent's) is scattered
    assert len(scorer.chunks) == -(-len(pool) // 64)
    assert all(isinstance(c, FileChunk) for c in scorer.chunks) == (where == "memory map")


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["least_confidence", "qbc_kl"])
def test_a_learner_scoring_on_dask_asks_for_the_local_learners_rows(strategy, mapped, client):
    """qbc_kl scores its committee's members with the learner's scorer too."""
    X, y = mapped
    local = ActiveLearner(X, strategy, seed=3)
    on_dask = ActiveLearner(X, strategy, seed=3, scorer=DaskScorer(client))
    rows = np.arange(40)
    for _ in range(4):
        local.tell(rows, y[rows])
        on_dask.tell(rows, y[rows])
        assert on_dask.proba.tobytes() == local.proba.tobytes()
        rows = local.query(25)
        np.testing.assert_array_equal(on_dask.query(25), rows)


@pytest.mark.slow
def test_a_loop_extended_on_dask_writes_the_local_loops_bytes(tmp_path: Path, monkeypatch, on_cluster):
    """Two rounds locally, the third (and the replay of the first two) scored on Dask: the run a local one writes.
    The engine is not the run's configuration, so the run resumes on another engine."""
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    monkeypatch.setattr(pool_scoring, "POOL_CHUNK_ROWS", 1000)  # the 7,200-row pool in eight chunks
    scored = []  # the pool models DaskScorer scored
    dask_call = DaskScorer.__call__
    monkeypatch.setattr(DaskScorer, "__call__", lambda self, model, X: scored.append(model) or dask_call(self, model, X))
    args = ["loop", "--batch", "50"]
    assert main([*args, "--run-dir", str(tmp_path / "whole"), "--rounds", "3"]) == 0
    assert main([*args, "--run-dir", str(tmp_path / "r"), "--rounds", "2"]) == 0
    assert main([*args, "--run-dir", str(tmp_path / "r"), "--rounds", "3", "--engine", "dask", "--workers", "2"]) == 0
    assert len(scored) == 3  # after each of the three rounds' labels: two replayed, one new
    files = sorted(p.relative_to(tmp_path / "whole") for p in (tmp_path / "whole").rglob("*") if p.is_file())
    assert Path("models/round_002.npz") in files
    for file in files:
        assert (tmp_path / "r" / file).read_bytes() == (tmp_path / "whole" / file).read_bytes(), file


def test_the_loop_refuses_a_missing_dask_in_one_line(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if alrepro[dask] were not installed
    assert main(["loop", "--run-dir", str(tmp_path / "r"), "--engine", "dask"]) == 2
    assert capsys.readouterr().err.strip() == "alrepro loop: error: --engine dask needs Dask: pip install 'alrepro[dask]'"
    assert not any(tmp_path.iterdir())  # refused before anything ran or was written
