"""Hashed term counts of the tweets: the committed features of the TF-IDF + logistic regression baseline.

`alrepro reproduce` runs without the tweets, so the baseline needs features derived from them that are not a
copy of them. Each tweet becomes scikit-learn's ``HashingVectorizer`` counts (lower-cased word unigrams of two or
more characters, hashed into :data:`N_FEATURES` buckets with a sign): no order, no case, no punctuation, and
colliding words share a bucket. Someone with a word list can still tell which common words a tweet contains;
that is the information a bag-of-words baseline needs, and the reason the vocabulary stays unigram (bigrams would
give back word order). TF-IDF weights are fitted per run on the pool (:func:`tfidf`), never stored.

Cache (one per tweet set, byte-stable): ``hashed_terms.npz`` with ``ids`` (int64), ``indptr`` (int64),
``indices`` (int32) and ``counts`` (int16) of the CSR matrix, and ``hashed_terms.json``: the vectorizer's
settings, scikit-learn's version, the data it came from (ids and texts sha256) and the sha256 of the arrays.
:func:`load_terms` refuses a cache made for other tweets or whose arrays do not match their checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np
from scipy import sparse

from alrepro.data import CanonicalData, ids_checksum
from alrepro.embedding_cache import _write_npz
from alrepro.errors import AlreproError

FORMAT = "alrepro-hashed-terms/1"
N_FEATURES = 2**18
VECTORIZER = {
    "n_features": N_FEATURES,
    "alternate_sign": True,
    "norm": None,
    "lowercase": True,
    "ngram_range": [1, 1],
    "token_pattern": r"(?u)\b\w\w+\b",
}
NPZ, MANIFEST = "hashed_terms.npz", "hashed_terms.json"


def hash_counts(texts: list[str]) -> sparse.csr_matrix:
    """Signed hashed unigram counts, (len(texts), N_FEATURES), int16."""
    from sklearn.feature_extraction.text import HashingVectorizer

    settings = {**VECTORIZER, "ngram_range": tuple(VECTORIZER["ngram_range"])}
    counts = HashingVectorizer(dtype=np.float64, **settings).transform(texts)
    counts.sort_indices()
    if counts.nnz and np.abs(counts.data).max() >= 2**15:
        raise AlreproError("a hashed term count does not fit int16")
    return sparse.csr_matrix(
        (counts.data.astype(np.int16), counts.indices.astype(np.int32), counts.indptr.astype(np.int64)),
        shape=counts.shape,
    )


def _arrays_checksum(m: sparse.csr_matrix) -> str:
    h = hashlib.sha256()
    for arr, dtype in ((m.indptr, "<i8"), (m.indices, "<i4"), (m.data, "<i2")):
        h.update(np.ascontiguousarray(arr, dtype=dtype).tobytes())
    return h.hexdigest()


def write_terms(data: CanonicalData, directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Hash ``data.texts`` (verified texts only) and write the cache into ``directory``."""
    if data.texts is None or data.checksum != "ok":
        raise AlreproError("hashed term counts need the verified tweets (set ALREPRO_SENTIMENT140 or pass --tweets)")
    import sklearn

    m = hash_counts(data.texts)
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _write_npz(d / NPZ, {"ids": np.asarray(data.tweet_ids, dtype="<i8"), "indptr": m.indptr.astype("<i8"),
                         "indices": m.indices.astype("<i4"), "counts": m.data.astype("<i2")})
    manifest = {
        "format": FORMAT,
        "vectorizer": {"class": "sklearn.feature_extraction.text.HashingVectorizer", **VECTORIZER},
        "sklearn": sklearn.__version__,
        "data": {"rows": len(data), "ids_sha256": ids_checksum(data.tweet_ids), "texts_sha256": data.texts_sha256},
        "matrix": {"file": NPZ, "shape": list(m.shape), "nnz": int(m.nnz), "sha256": _arrays_checksum(m),
                   "sha256_method": "sha256 of indptr (<i8), indices (<i4) and counts (<i2) bytes, concatenated"},
    }
    (d / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return d / NPZ, d / MANIFEST


def load_terms(data: CanonicalData, directory: str | os.PathLike[str]) -> sparse.csr_matrix:
    """The cached counts of ``data``'s rows (CSR, int16), after checking they were made from these tweets."""
    d = Path(directory)
    npz, man = d / NPZ, d / MANIFEST
    if not npz.is_file() or not man.is_file():
        raise AlreproError(f"no hashed term counts in {d} ({NPZ}, {MANIFEST}); build them with alrepro data --build")
    manifest = json.loads(man.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise AlreproError(f"{man}: not a hashed-terms manifest (format {manifest.get('format')!r})")
    if manifest["data"]["texts_sha256"] != data.texts_sha256:
        raise AlreproError(f"{man}: the counts were made from other tweets (texts sha256 differs); rebuild them")
    try:
        with np.load(npz, allow_pickle=False) as z:
            ids, indptr, indices, counts = z["ids"], z["indptr"], z["indices"], z["counts"]
        m = sparse.csr_matrix((counts, indices, indptr), shape=tuple(manifest["matrix"]["shape"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise AlreproError(f"{npz}: unreadable hashed term counts ({exc}); rebuild with alrepro data --build") from None
    if _arrays_checksum(m) != manifest["matrix"]["sha256"]:
        raise AlreproError(f"{npz}: arrays do not match the checksum in {MANIFEST} (tampered or corrupted)")
    if not np.array_equal(ids, data.tweet_ids):
        raise AlreproError(f"{npz}: ids differ from the data's ids; rebuild with alrepro data --build")
    return m


def tfidf(counts: sparse.csr_matrix, fit_rows: np.ndarray) -> sparse.csr_matrix:
    """TF-IDF (scikit-learn's defaults: smooth idf, l2 rows) with the idf fitted on ``fit_rows`` only."""
    from sklearn.feature_extraction.text import TfidfTransformer

    X = counts.astype(np.float64)
    return TfidfTransformer().fit(X[fit_rows]).transform(X).tocsr()
