"""The hand-labelled held-out tweets: reader, committed table, caches."""

import csv
from pathlib import Path

import numpy as np
import pytest

from alrepro import heldout as H
from alrepro.errors import AlreproError
from tests.alrepro.tweets import TWEETS, needs_tweets

SOURCE = Path(TWEETS).with_name(H.HELDOUT_NAME) if TWEETS else None
needs_source = pytest.mark.skipif(SOURCE is None or not SOURCE.is_file(), reason="the hand-labelled file is absent")


def write(path: Path, rows) -> Path:
    with open(path, "w", encoding="latin-1", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


def test_reader_keeps_targets_0_and_4_and_skips_neutral(tmp_path):
    p = write(tmp_path / "t.csv", [("4", "3", "d", "q", "u", "made-up happy"), ("2", "4", "d", "q", "u", "meh"),
                                   ("0", "5", "d", "q", "u", "made-up sad")])
    assert H.read_rows(p) == [(3, 1, "made-up happy"), (5, 0, "made-up sad")]


@pytest.mark.parametrize("row, message", [
    (("1", "3", "d", "q", "u", "x"), "target '1' is not 0, 2 or 4"),
    (("4", "x3", "d", "q", "u", "x"), "tweet id 'x3'"),
    (("4", "3", "d", "q", "x"), "expected 6 columns"),
])
def test_reader_bad_rows_are_one_clear_line(tmp_path, row, message):
    with pytest.raises(AlreproError, match=message):
        H.read_rows(write(tmp_path / "b.csv", [row]))


def test_committed_table_is_consistent():
    d = H.load_heldout()
    assert len(d) == 359 and d.texts is None and set(np.unique(d.labels)) == {0, 1}
    assert len(np.unique(d.tweet_ids)) == 359


def test_committed_caches_load():
    d, X, T = H.load_heldout_features("all-MiniLM-L6-v2")
    assert X.shape == (359, 384) and T.shape[0] == 359 and T.nnz > 0


@needs_tweets
@needs_source
def test_rebuild_is_byte_identical_and_texts_verify(tmp_path):
    H.build_heldout(SOURCE, tmp_path)
    for name in (H.HELDOUT_CSV, H.HELDOUT_JSON):
        assert (tmp_path / name).read_bytes() == (H.heldout_dir() / name).read_bytes()
    d = H.load_heldout(SOURCE)
    assert d.checksum == "ok" and len(d.texts) == 359


@needs_tweets
@needs_source
def test_edited_source_is_refused(tmp_path):
    rows = list(csv.reader(open(SOURCE, encoding="latin-1", newline="")))
    rows[0][5] = rows[0][5] + " edited"
    with pytest.raises(AlreproError, match="1 of 359 held-out rows not found"):
        H.load_heldout(write(tmp_path / "e.csv", rows))
