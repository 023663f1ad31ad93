"""The engine switch: local worker processes and a Dask LocalCluster of 2 workers give the same results."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from alrepro import engine
from alrepro.errors import AlreproError
from alrepro.reproduce import reproduce

pytest.importorskip("distributed", reason="the Dask engine needs alrepro[dask]")


def _power(shared: int, item: int) -> int:
    return item**shared


@pytest.mark.parametrize(("name", "workers"), [("local", 1), ("local", 2), ("dask", 2)])
def test_results_come_back_in_the_items_order(name, workers, monkeypatch):
    monkeypatch.delenv(engine.SCHEDULER_ENV, raising=False)  # dask: a LocalCluster of its own
    items = list(range(12, 0, -1))
    assert list(engine.map_ordered(_power, 3, items, engine=name, workers=workers)) == [i**3 for i in items]


def test_an_unknown_engine_is_refused_with_the_valid_names():
    with pytest.raises(AlreproError, match="local, dask"):
        list(engine.map_ordered(_power, 1, [1], engine="ray"))


def test_the_cli_refuses_an_unknown_engine_and_a_missing_dask_in_one_line(tmp_path: Path, capsys, monkeypatch):
    from alrepro.cli import main

    assert main(["reproduce", "--out", str(tmp_path), "--engine", "ray"]) == 2
    assert "invalid choice: 'ray'" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if alrepro[dask] were not installed
    assert main(["reproduce", "--out", str(tmp_path), "--engine", "dask", "--seeds", "1", "--no-replica"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("--engine dask needs Dask: pip install 'alrepro[dask]'")
    assert not any(tmp_path.iterdir())  # refused before anything ran or was written


@pytest.mark.slow
def test_reproduce_on_dask_writes_the_local_runs_bytes(tmp_path: Path, on_cluster):
    """A small comparison (2 seeds, a greedy and a score strategy, budget 400) on 2 Dask worker processes."""
    runs = {}
    for name in engine.ENGINES:
        runs[name] = reproduce(
            tmp_path / name, seeds=2, strategies=["least_confidence", "coreset"], baselines=[], budget=400,
            replica=False, workers=2, engine=name, progress=False,
        )
    assert runs["dask"].checksums == runs["local"].checksums
    for file in runs["local"].checksums:
        assert (tmp_path / "dask" / file).read_bytes() == (tmp_path / "local" / file).read_bytes()


@pytest.mark.slow
def test_embedding_on_dask_matches_the_local_engine(tmp_path: Path, monkeypatch, on_cluster):
    """Blocks of texts on 2 Dask workers, streamed into the cache: the local engine's vectors within 1e-5."""
    pytest.importorskip("torch")
    from alrepro import embedding_jobs
    from alrepro.dataset import DataSource, open_dataset
    from alrepro.embedding_cache import load_embeddings
    from tests.alrepro.labelled_texts import three_class_rows, write_csv
    from tests.alrepro.tiny_encoder import save_tiny_distilbert

    encoder = str(save_tiny_distilbert(tmp_path / "tiny"))
    data = open_dataset(DataSource(dataset=str(write_csv(tmp_path / "topics.csv", three_class_rows(300)))))
    monkeypatch.setattr(embedding_jobs, "ENGINE_BLOCK", 64)  # 300 texts: five blocks, the last one short
    vectors = {}
    for name in engine.ENGINES:
        embedding_jobs.compute_cache(
            encoder, data, cache_dir=tmp_path / name, progress=False, num_threads=1, engine=name, workers=2
        )
        vectors[name] = load_embeddings(encoder, data, cache_dir=tmp_path / name)
    assert vectors["dask"].shape == vectors["local"].shape == (300, 32)
    assert np.abs(vectors["dask"] - vectors["local"]).max() <= 1e-5
