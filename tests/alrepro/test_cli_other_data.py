"""Other data end to end: ``--dataset`` (your own labelled texts, k classes) and ``--tweets --draw-seed``."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest

from alrepro import defaults
from alrepro import experiment as ex
from alrepro.cli import main
from alrepro.dataset import DataSource, open_dataset
from alrepro.embedding_cache import cache_dir_for, cache_paths
from alrepro.embedding_jobs import with_embeddings
from alrepro.heldout import heldout_embeddings_dir
from tests.alrepro.labelled_texts import three_class_rows, write_csv
from tests.alrepro.tweets import TWEETS, needs_tweets


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Embeddings of other data sets go to a cache of the test's own."""
    monkeypatch.setenv("ALREPRO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def topics(tmp_path):
    return write_csv(tmp_path / "topics.csv", three_class_rows(300))


def run(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_reproduce_on_a_three_class_csv(cache, topics, tmp_path, capsys):
    pytest.importorskip("torch")
    code, out, err = run(["reproduce", "--dataset", topics, "--seeds", "2", "--batch-size", "30", "--workers", "1",
                          "--no-progress", "--out", tmp_path / "a"], capsys)
    assert code == 0, err
    assert "embedding 300 texts with all-MiniLM-L6-v2" in err and f"data: {topics}" in err
    data = open_dataset(DataSource(dataset=str(topics)))
    npz, _ = cache_paths("all-MiniLM-L6-v2", cache_dir_for(data))
    assert npz.is_file() and npz.parent == cache / "embeddings" / data.texts_sha256[:16]  # keyed by content
    curves = read_csv(tmp_path / "a" / "per_seed_curves.csv")
    assert {r["strategy"] for r in curves} == set(defaults.STRATEGIES)  # the default comparison
    assert max(float(r["auc"]) for r in curves) > 0.9  # three easy topics, one-vs-rest AUC
    replica = read_csv(tmp_path / "a" / "replica_curves.csv")
    assert replica and (tmp_path / "a" / "summary.md").is_file()

    said = []
    again = with_embeddings(data, say=said.append)  # the next run reads the cache
    assert said == [] and again.X.shape == (300, 384)


def test_loop_on_a_three_class_csv_through_the_fake(cache, topics, tmp_path, capsys):
    """Through the in-process fake, whose ontology offers the three labels: the offline curve, round for round."""
    pytest.importorskip("torch")
    code, out, err = run(["loop", "--dataset", topics, "--run-dir", tmp_path / "run", "--rounds", "3",
                          "--batch", "20"], capsys)
    assert code == 0, err
    metrics = read_csv(tmp_path / "run" / "metrics.csv")
    assert [int(r["labels"]) for r in metrics] == [20, 40, 60]
    assert {int(r["label"]) for r in read_csv(tmp_path / "run" / "labels.csv")} == {0, 1, 2}
    data = with_embeddings(open_dataset(DataSource(dataset=str(topics))))
    task = ex.replica_tasks(data, ["least_confidence"], batch_size=20)[0]
    offline = ex.run_curve(data, dataclasses.replace(task, budget=60))
    assert [r["auc"] for r in metrics] == [f"{a:.6f}" for a in offline.auc]


def test_embed_and_describe_a_data_set(cache, topics, capsys):
    code, out, _ = run(["data", "--dataset", topics], capsys)
    assert code == 0 and "3 classes" in out and "sport" in out
    pytest.importorskip("torch")
    heldout = {p: p.read_bytes() for p in heldout_embeddings_dir().iterdir()}
    code, out, err = run(["embed", "--dataset", topics, "--no-progress"], capsys)
    assert code == 0, err
    assert f"embedded {topics}" in out and str(cache) in out
    assert {p: p.read_bytes() for p in heldout_embeddings_dir().iterdir()} == heldout  # the committed cache is not touched
    code, out, err = run(["embed", "--dataset", topics, "--check", "--subset", "5", "--no-progress"], capsys)
    assert code == 0 and "OK" in out


@pytest.mark.parametrize("command", ["reproduce", "loop", "embed", "data"])
def test_a_missing_data_set_is_one_clear_line(command, tmp_path, capsys):
    argv = [command, "--dataset", tmp_path / "missing.csv"]
    if command == "loop":
        argv += ["--run-dir", tmp_path / "run"]
    if command == "reproduce":
        argv += ["--out", tmp_path / "out"]
    code, out, err = run(argv, capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "data set file not found" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "run").exists()


def test_reproduce_with_a_missing_tweet_file_is_one_clear_line(tmp_path, capsys):
    """It no longer ignores --tweets and prints the project's own results."""
    code, out, err = run(["reproduce", "--tweets", tmp_path / "nope.csv", "--out", tmp_path / "out"], capsys)
    assert code == 2 and "Sentiment140 file not found" in err and out == ""
    assert not (tmp_path / "out").exists()


@needs_tweets
def test_reproduce_with_the_tweets_reads_and_names_them(tmp_path, capsys):
    code, _, err = run(["reproduce", "--tweets", TWEETS, "--out", tmp_path, "--seeds", "1", "--no-replica",
                        "--budget", "200", "--strategies", "random", "--workers", "1", "--no-progress"], capsys)
    assert code == 0 and f"data: the canonical 8,000 Sentiment140 tweets ({TWEETS})" in err


@needs_tweets
def test_reproduce_on_another_sentiment140_draw(cache, tmp_path, capsys):
    """A different seeded draw from the sample: its own rows, embeddings and results."""
    pytest.importorskip("torch")
    code, _, err = run(["reproduce", "--tweets", TWEETS, "--draw-seed", "7", "--draw-size", "600", "--out",
                        tmp_path / "o", "--seeds", "2", "--batch-size", "50", "--workers", "1", "--no-progress"],
                       capsys)
    assert code == 0, err
    assert "600 rows drawn with seed 7" in err and "embedding 600 texts" in err
    summary = read_csv(tmp_path / "o" / "per_seed_summary.csv")
    assert len(summary) == 2 * len(defaults.STRATEGIES)  # 2 seeds x the default comparison
    curves = read_csv(tmp_path / "o" / "per_seed_curves.csv")
    assert max(int(r["labels"]) for r in curves) == 540  # the draw's own pool, not the canonical 7,200
    data = open_dataset(DataSource(tweets=TWEETS, draw_seed=7, draw_size=600))
    assert np.isin(data.test, np.arange(600)).all() and data.test.size == 60
