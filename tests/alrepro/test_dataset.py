"""One object for a run's data: where it comes from, its split, its keys and its content hash."""

import numpy as np
import pytest

from alrepro import defaults
from alrepro.data import N_CANONICAL, draw_sample, load_canonical, split_is_test
from alrepro.dataset import Dataset, DataSource, describe_dataset, open_dataset
from alrepro.errors import AlreproError
from tests.alrepro.labelled_texts import three_class_rows, write_csv, write_jsonl
from tests.alrepro.tweets import TWEETS, needs_tweets


def test_the_default_is_the_canonical_tweets(monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    data = open_dataset()
    canon = load_canonical(texts=False)
    assert data.texts is None and data.classes == ("Negative", "Positive") and data.name == defaults.PROJECT_NAME
    assert np.array_equal(data.ids, canon.tweet_ids) and np.array_equal(data.is_test, canon.is_test)
    assert data.keys[:3] == [str(int(i)) for i in canon.tweet_ids[:3]]  # Labelbox global keys: the tweet ids
    assert data.pool.size == 7200 and data.test.size == 800 and data.texts_sha256 == canon.texts_sha256


def test_a_csv_data_set(tmp_path):
    rows = three_class_rows(300)
    data = open_dataset(DataSource(dataset=str(write_csv(tmp_path / "topics.csv", rows))))
    assert data.classes == ("cooking", "sport", "weather") and data.n_classes == 3 and len(data) == 300
    assert [data.classes[k] for k in data.y] == [y for _, y in rows]
    assert data.texts == [t for t, _ in rows]
    assert np.array_equal(data.is_test, split_is_test(300)) and data.test.size == 30  # the tutorial's split rule
    assert data.name == "alrepro_topics" and len(set(data.keys)) == 300
    assert all(k.startswith(f"topics-{data.texts_sha256[:8]}-") for k in data.keys)
    assert "cooking" in describe_dataset(data) and "270 pool, 30 test" in describe_dataset(data)


def test_the_content_hash_follows_the_texts_not_the_format_or_labels(tmp_path):
    rows = three_class_rows(120, seed=1)
    a = open_dataset(DataSource(dataset=str(write_csv(tmp_path / "a.csv", rows))))
    b = open_dataset(DataSource(dataset=str(write_jsonl(tmp_path / "b.jsonl", rows))))
    relabelled = [(t, "x" if y == "sport" else y) for t, y in rows]
    c = open_dataset(DataSource(dataset=str(write_csv(tmp_path / "c.csv", relabelled))))
    edited = [(t + "!", y) if i == 5 else (t, y) for i, (t, y) in enumerate(rows)]
    d = open_dataset(DataSource(dataset=str(write_csv(tmp_path / "d.csv", edited))))
    assert a.texts_sha256 == b.texts_sha256 == c.texts_sha256 != d.texts_sha256


def test_settable_columns(tmp_path):
    p = write_csv(tmp_path / "d.csv", three_class_rows(100), columns=("body", "topic"))
    data = open_dataset(DataSource(dataset=str(p), text_column="body", label_column="topic"))
    assert data.n_classes == 3


def test_a_class_missing_from_the_test_split_is_one_clear_line(tmp_path):
    rows = three_class_rows(200) + [("a rare one", "rare")]
    p = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(AlreproError, match="has no row labelled 'rare'"):
        open_dataset(DataSource(dataset=str(p)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dataset": "d.csv", "tweets": "t.csv"}, "two data sets"),
        ({"dataset": "d.csv", "draw_seed": 1}, "not --dataset"),
        ({"tweets": "t.csv", "draw_size": 10}, "needs --draw-seed"),
        ({"draw_seed": 1, "draw_size": 0}, "must be positive"),
    ],
)
def test_a_source_is_checked_before_any_work(kwargs, match):
    with pytest.raises(AlreproError, match=match):
        DataSource(**kwargs)


def test_a_draw_needs_a_tweet_file(monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    with pytest.raises(AlreproError, match="--draw-seed draws from a Sentiment140 file"):
        open_dataset(DataSource(draw_seed=3))


def test_a_dataset_checks_its_parts():
    with pytest.raises(AlreproError, match="disagree in length"):
        Dataset(X=np.zeros((3, 2)), y=np.zeros(4, dtype=np.int8), is_test=np.zeros(4, bool))
    with pytest.raises(AlreproError, match="class indices 0..1"):
        Dataset(X=None, y=np.array([0, 2]), is_test=np.zeros(2, bool))
    with pytest.raises(AlreproError, match="at least 2 classes"):
        Dataset(X=None, y=np.zeros(2, dtype=np.int8), is_test=np.zeros(2, bool), classes=("only",))


@needs_tweets
def test_the_canonical_seed_draws_the_canonical_tweets():
    """The canonical 8,000 are the draw with seed 20200601 from the sample: one draw rule for every sample."""
    draw = draw_sample(TWEETS, 20200601)
    canon = load_canonical(TWEETS)
    assert np.array_equal(draw.tweet_ids, canon.tweet_ids) and draw.texts == canon.texts
    assert np.array_equal(draw.labels, canon.labels) and len(draw.texts) == N_CANONICAL


@needs_tweets
def test_another_seed_draws_another_sample_reproducibly():
    a = open_dataset(DataSource(tweets=TWEETS, draw_seed=7, draw_size=500))
    b = open_dataset(DataSource(tweets=TWEETS, draw_seed=7, draw_size=500))
    c = open_dataset(DataSource(tweets=TWEETS, draw_seed=8, draw_size=500))
    assert np.array_equal(a.ids, b.ids) and a.texts == b.texts and a.texts_sha256 == b.texts_sha256
    assert not np.array_equal(a.ids, c.ids) and len(a) == 500 and a.test.size == 50
    assert a.name == "alrepro_sentiment140_seed7_500" and "seed 7" in a.source
    with pytest.raises(AlreproError, match="cannot draw 20,000 rows|cannot draw 20000 rows"):
        draw_sample(TWEETS, 7, 20_000)


def test_a_draw_leaves_out_repeated_ids(tmp_path):
    lines = [f'"{t}","{i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","u","text {i}"' for i, t in
             [(1, 0), (2, 4), (3, 0), (3, 4), (4, 4), (5, 0)]]
    p = tmp_path / "s140.csv"
    p.write_text("\n".join(lines) + "\n", encoding="latin-1")
    draw = draw_sample(p, 0)
    assert sorted(draw.tweet_ids.tolist()) == [1, 2, 4, 5] and draw.ambiguous_ids == 1 and draw.rows_read == 6
    assert {int(i): t for i, t in zip(draw.tweet_ids, draw.texts, strict=True)}[4] == "text 4"
