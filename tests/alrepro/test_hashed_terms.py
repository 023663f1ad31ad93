"""Hashed term counts: what they hold, their cache and its checks, TF-IDF fitted on given rows only."""

import numpy as np
import pytest

from alrepro import hashed_terms as T
from alrepro.data import CanonicalData, load_canonical, sha256_text, texts_checksum
from alrepro.errors import AlreproError
from alrepro.paths import data_dir

TEXTS = ["Made-up tweet, GOOD good day", "another made up line", "bad bad bad"]


def fake_data(texts=TEXTS) -> CanonicalData:
    hashes = tuple(sha256_text(t) for t in texts)
    n = len(texts)
    return CanonicalData(np.arange(10, 10 + n, dtype=np.int64), np.zeros(n, np.int8), np.zeros(n, bool), list(texts),
                         "test", "ok", texts_checksum(hashes), hashes)


def test_counts_ignore_case_and_order():
    m = T.hash_counts(["Good day good", "day GOOD good"])
    assert m.dtype == np.int16 and m.shape == (2, T.N_FEATURES)
    assert (m[0] != m[1]).nnz == 0 and np.abs(m[0].data).sum() == 3


def test_cache_roundtrip_and_refusals(tmp_path):
    d = fake_data()
    T.write_terms(d, tmp_path)
    first = (tmp_path / T.NPZ).read_bytes()
    T.write_terms(d, tmp_path)
    assert (tmp_path / T.NPZ).read_bytes() == first  # byte-stable
    assert (T.load_terms(d, tmp_path) != T.hash_counts(TEXTS)).nnz == 0
    with pytest.raises(AlreproError, match="other tweets"):
        T.load_terms(fake_data(["x", "y", "z"]), tmp_path)
    for where in (len(first) // 2, len(first) - 30):  # inside the arrays; inside the zip directory
        raw = bytearray(first)
        raw[where] ^= 1
        (tmp_path / T.NPZ).write_bytes(bytes(raw))
        with pytest.raises(AlreproError, match="checksum|unreadable"):
            T.load_terms(d, tmp_path)


def test_unverified_texts_are_refused(tmp_path):
    d = fake_data()
    with pytest.raises(AlreproError, match="verified tweets"):
        T.write_terms(CanonicalData(d.tweet_ids, d.labels, d.is_test, None, "x", "not checked", d.texts_sha256),
                      tmp_path)


def test_tfidf_idf_comes_from_the_given_rows_only():
    m = T.hash_counts(["alpha beta", "alpha gamma", "delta"])
    a = T.tfidf(m, np.array([0, 1]))
    b = T.tfidf(m, np.array([0, 1, 2]))
    assert (a[0] != b[0]).nnz > 0  # delta's row changes the idf of the others
    np.testing.assert_allclose(np.asarray(a.multiply(a).sum(axis=1)).ravel()[:2], 1.0)


def test_committed_cache_matches_the_canonical_ids():
    m = T.load_terms(load_canonical(texts=False), data_dir() / "features")
    assert m.shape == (8000, T.N_FEATURES) and m.nnz > 8000
