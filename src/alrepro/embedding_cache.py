"""Embedding caches: read, write and verify (numpy only; no torch, no transformers).

A cache is one folder per data set, chosen by the data set's content hash (``texts_sha256``, see
:mod:`alrepro.dataset`): the canonical tweets' caches are committed under ``data/embeddings/``; any other data
set's go to ``<cache>/embeddings/<first 16 hex digits of its content hash>/`` (``<cache>`` is
:func:`alrepro.paths.cache_dir`). In a folder, one pair of files per encoder:

``<slug>.npz``
    ``ids`` (int64, row order: tweet ids, or row numbers for a file) and ``vectors`` (float32, ``rows x dim``); written byte-stably
    (fixed zip timestamps, no compression), so recomputing identical vectors rewrites identical bytes.
``<slug>.json``
    the manifest: encoder name and source, weights sha256, model type and size, pooling, tokenization,
    library versions, batch size and threads, the data it was computed from (rows, ids sha256, canonical
    texts sha256) and the vectors (file, shape, dtype, sha256 of the little-endian float32 bytes).

``slug`` is the lower-cased encoder name (``all-minilm-l6-v2``), ``org--name`` for other hub ids, and
``local-<folder>-<sha12>`` for a local model folder.

:func:`load_embeddings` refuses, with a clear :class:`AlreproError`, a cache that is missing, was made by
another encoder (name or weights sha256), for other data (ids, texts checksum), or whose vectors do not match
their checksum: a cache is never silently reused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from alrepro.data import CANONICAL_JSON, CanonicalData, ids_checksum, load_canonical, sha256_file
from alrepro.defaults import ENCODER as DEFAULT_ENCODER
from alrepro.embed import KNOWN_ENCODERS, MINILM, MINILM_SHA256, weights_file
from alrepro.errors import AlreproError
from alrepro.paths import cache_dir as user_cache_dir
from alrepro.paths import data_dir

FORMAT = "alrepro-embeddings/1"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def embeddings_dir() -> Path:
    return data_dir() / "embeddings"


def cache_dir_for(data) -> Path:
    """The cache folder of a data set (anything with ``texts_sha256``): the committed one for the canonical
    tweets, else one named by the content hash in the user's cache."""
    if _is_canonical(data):
        return embeddings_dir()
    return user_cache_dir() / "embeddings" / data.texts_sha256[:16]


def _canonical_texts_sha256() -> str | None:
    try:
        return json.loads((data_dir() / CANONICAL_JSON).read_text(encoding="utf-8"))["texts_sha256"]
    except (OSError, ValueError, KeyError):
        return None


def _is_folder(encoder: str) -> bool:
    return encoder not in KNOWN_ENCODERS and Path(encoder).expanduser().is_dir()


def cache_slug(encoder: str) -> str:
    """File stem of an encoder's cache."""
    if _is_folder(encoder):
        folder = Path(encoder).expanduser().resolve()
        digest = sha256_file(weights_file(folder))
        return f"local-{folder.name.lower()}-{digest[:12]}"
    return encoder.lower().replace("/", "--")


def cache_paths(encoder: str = DEFAULT_ENCODER, cache_dir: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """(npz, manifest) paths of an encoder's cache."""
    d = Path(cache_dir) if cache_dir is not None else embeddings_dir()
    slug = cache_slug(encoder)
    return d / f"{slug}.npz", d / f"{slug}.json"


def vectors_checksum(vectors: np.ndarray) -> str:
    """sha256 of the vectors as C-ordered little-endian float32 bytes."""
    return hashlib.sha256(np.ascontiguousarray(vectors, dtype="<f4").tobytes()).hexdigest()


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an npz, byte-stably (fixed timestamps, no compression)."""
    _write_npz_streamed(path, [(name, [a], a.shape, np.lib.format.dtype_to_descr(a.dtype)) for name, a in arrays.items()])


def _write_npz_streamed(path: Path, members: list[tuple[str, Iterable[np.ndarray], tuple, str]]) -> list[str]:
    """Write an npz whose members (name, blocks of rows, shape, dtype) arrive block by block: each block is
    written as it arrives, so memory does not grow with the rows. Returns each member's data sha256."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        digests = [_write_member(zf, *member) for member in members]
    tmp.replace(path)
    return digests


def _write_member(zf: zipfile.ZipFile, name: str, blocks: Iterable[np.ndarray], shape, dtype: str) -> str:
    """One ``.npy`` member (the header ``np.save`` writes, then the blocks' bytes); its size is set before the
    first byte, as ``ZipFile.writestr`` does, so the bytes do not depend on how the data was cut into blocks."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
    info.file_size = header.tell() + int(np.prod(shape)) * np.dtype(dtype).itemsize
    digest = hashlib.sha256()
    rows = 0
    with zf.open(info, "w") as member:
        member.write(header.getvalue())
        for block in blocks:
            data = np.ascontiguousarray(block, dtype=dtype)
            if data.shape[1:] != tuple(shape[1:]):
                raise AlreproError(f"{name}: a block of shape {data.shape} in an array of shape {tuple(shape)}")
            rows += data.shape[0]
            digest.update(data.tobytes())
            member.write(data.tobytes())
    if rows != shape[0]:
        raise AlreproError(f"{name}: {rows} rows written, expected {shape[0]}")
    return digest.hexdigest()


def write_cache(
    vectors: np.ndarray | Iterable[np.ndarray],
    data,
    encoder_info: dict[str, Any],
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    encoder: str | None = None,
    dim: int | None = None,
) -> tuple[Path, Path]:
    """Write ``vectors`` (row order) and their manifest. ``data`` is a :class:`~alrepro.dataset.Dataset` or
    :class:`~alrepro.data.CanonicalData` (``ids``, ``texts_sha256``, ``checksum``); ``encoder_info`` is
    ``Encoder.describe()`` plus anything else worth recording (batch size, threads). ``vectors`` may also arrive
    as consecutive blocks of rows (then give ``dim``): each is written as it arrives, never held all at once."""
    name = encoder or encoder_info["encoder"]
    if isinstance(vectors, np.ndarray):
        if vectors.ndim != 2 or vectors.shape[0] != len(data):
            raise AlreproError(f"vectors have shape {vectors.shape}, expected ({len(data)}, dim)")
        dim, vectors = vectors.shape[1], [vectors]
    if data.checksum != "ok":
        raise AlreproError("refusing to write an embedding cache from data whose texts were not verified")
    npz_path, json_path = cache_paths(name, cache_dir)
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    shape = (len(data), int(dim))
    ids = np.asarray(data.ids, dtype="<i8")
    digest = _write_npz_streamed(npz_path, [("ids", [ids], ids.shape, "<i8"), ("vectors", vectors, shape, "<f4")])[1]
    manifest = {
        "format": FORMAT,
        **encoder_info,
        "data": {
            "rows": len(data),
            "ids_sha256": ids_checksum(data.ids),
            "texts_sha256": data.texts_sha256,
            "order": "canonical (data/canonical_8000.csv)" if _is_canonical(data) else f"as read from {data.source}",
        },
        "vectors": {
            "file": npz_path.name,
            "shape": list(shape),
            "dtype": "float32",
            "sha256": digest,
            "sha256_method": "sha256 of the C-ordered little-endian float32 bytes",
        },
    }
    json_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return npz_path, json_path


def _is_canonical(data) -> bool:
    return data.texts_sha256 == _canonical_texts_sha256()


def read_cache(
    encoder: str = DEFAULT_ENCODER, cache_dir: str | os.PathLike[str] | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """(ids, vectors, manifest) of an encoder's cache, after checking it belongs to that encoder and that the
    vectors match their checksum. Does not check the data; :func:`load_embeddings` does."""
    npz_path, json_path = cache_paths(encoder, cache_dir)
    if not json_path.is_file() or not npz_path.is_file():
        missing = json_path if not json_path.is_file() else npz_path
        raise AlreproError(
            f"no embedding cache for encoder {encoder!r} ({missing} is missing); compute it with "
            f"`alrepro embed --encoder {encoder}` (needs the tweets and alrepro[embed])"
        )
    try:
        manifest = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AlreproError(f"{json_path}: unreadable manifest ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise AlreproError(f"{json_path}: not an alrepro embedding manifest (format {manifest.get('format')!r})")
    _check_encoder(encoder, manifest, json_path)
    try:
        with np.load(npz_path, allow_pickle=False) as z:
            ids, vectors = z["ids"], z["vectors"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise AlreproError(f"{npz_path}: unreadable embedding cache ({exc})") from None
    vm = manifest["vectors"]
    if list(vectors.shape) != vm["shape"] or vectors.dtype != np.float32:
        raise AlreproError(
            f"{npz_path}: vectors are {vectors.dtype} {list(vectors.shape)}, manifest says {vm['dtype']} {vm['shape']}"
        )
    if vectors_checksum(vectors) != vm["sha256"]:
        raise AlreproError(
            f"{npz_path}: vectors checksum mismatch with {json_path.name} (tampered or corrupted cache); "
            f"recompute with `alrepro embed --encoder {encoder}`"
        )
    if ids_checksum(ids) != manifest["data"]["ids_sha256"]:
        raise AlreproError(f"{npz_path}: ids checksum mismatch with {json_path.name} (tampered or corrupted cache)")
    return ids.astype(np.int64), vectors, manifest


def _check_encoder(encoder: str, manifest: dict[str, Any], json_path: Path) -> None:
    got_name, got_sha = manifest.get("encoder"), manifest.get("weights_sha256")
    if _is_folder(encoder):
        want_sha = sha256_file(weights_file(Path(encoder).expanduser()))
        if got_sha != want_sha:
            raise AlreproError(
                f"{json_path}: cache was made with weights sha256 {str(got_sha)[:12]}…, "
                f"the folder {encoder} has {want_sha[:12]}…; recompute with `alrepro embed --encoder {encoder}`"
            )
        return
    if got_name != encoder:
        raise AlreproError(f"{json_path}: cache was made by encoder {got_name!r}, not {encoder!r}")
    if encoder == MINILM and got_sha != MINILM_SHA256:
        raise AlreproError(
            f"{json_path}: cache was made with {MINILM} weights sha256 {str(got_sha)[:12]}…, "
            f"expected {MINILM_SHA256[:12]}…"
        )


def load_embeddings(
    encoder: str = DEFAULT_ENCODER,
    data: CanonicalData | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """The cached embeddings (float32, ``len(data) x dim``) in row order.

    ``data`` (a :class:`~alrepro.dataset.Dataset` or :class:`~alrepro.data.CanonicalData`) defaults to the
    committed canonical ids (``load_canonical(texts=False)``); ``cache_dir`` to :func:`cache_dir_for` it. The cache must match
    the encoder (name, and weights sha256 for MiniLM and folders), the data (ids in order and the canonical
    texts checksum) and its own vectors checksum; otherwise :class:`AlreproError`.
    """
    if data is None:
        data = load_canonical(texts=False)
    if cache_dir is None:
        cache_dir = cache_dir_for(data)
    ids, vectors, manifest = read_cache(encoder, cache_dir)
    _, json_path = cache_paths(encoder, cache_dir)
    md = manifest["data"]
    if md["texts_sha256"] != data.texts_sha256:
        raise AlreproError(
            f"{json_path}: cache was computed from other tweets/texts (texts sha256 {md['texts_sha256'][:12]}…, "
            f"the data has {data.texts_sha256[:12]}…); recompute with `alrepro embed --encoder {encoder}`"
        )
    if ids.shape != data.ids.shape or not np.array_equal(ids, data.ids):
        n_diff = int((ids != data.ids).sum()) if ids.shape == data.ids.shape else "all"
        raise AlreproError(
            f"{json_path}: cache ids differ from the {'canonical' if _is_canonical(data) else 'data set'} ids ({n_diff} of {len(data)} positions); "
            f"recompute with `alrepro embed --encoder {encoder}`"
        )
    return vectors
