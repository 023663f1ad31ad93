"""Sentiment140's hand-labelled test file as an out-of-distribution test set: ids, labels, checksums.

``testdata.manual.2009.06.14.csv`` (in the official ``trainingandtestdata.zip`` and beside the shared sample)
holds 498 tweets labelled by hand, from other dates and queries than the training file; its 359 rows with target 0
or 4 form a small binary test set unlike the training tweets' emoticon labels. The project commits what identifies
them, never the text:

``data/heldout/testdata_manual.csv``
    ``position,tweet_id,sentiment,text_sha256`` in file order (sentiment 0 = target 0, 1 = target 4).
``data/heldout/testdata_manual.json``
    the source file's name and sha256, counts, ``texts_sha256`` over all texts and the CSV's sha256.
``data/heldout/embeddings/<encoder>.npz`` and ``data/heldout/hashed_terms.npz``
    their embeddings and hashed term counts, in the same caches as the canonical tweets'.

The rows are read with the same format checks as the training file (latin-1, six quoted columns); target 2
(neutral) rows are skipped. :func:`load_heldout` returns a :class:`~alrepro.data.CanonicalData` so the embedding
and term caches serve both sets alike.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
from scipy import sparse

from alrepro.data import (
    CanonicalData,
    ids_checksum,
    read_checked_manifest,
    sha256_file,
    sha256_text,
    texts_checksum,
)
from alrepro.errors import AlreproError
from alrepro.paths import data_dir, tweets_path

HELDOUT_NAME = "testdata.manual.2009.06.14.csv"
HELDOUT_SHA256 = "c77669cc86ae85d3807d65fc13fed0c395266db518d4eaa0ff1f19bf6efbbdd3"
HELDOUT_CSV = "testdata_manual.csv"
HELDOUT_JSON = "testdata_manual.json"
COLUMNS = ("position", "tweet_id", "sentiment", "text_sha256")
TARGETS = {"0": 0, "4": 1}
SKIPPED_TARGETS = {"2"}


def heldout_dir() -> Path:
    return data_dir() / "heldout"


def default_source(tweets: str | os.PathLike[str] | None = None) -> Path | None:
    """The hand-labelled file: inside the official zip, else beside the tweet file; None when not found."""
    path = tweets_path(tweets)
    if path is None:
        return None
    if zipfile.is_zipfile(path) if path.is_file() else False:
        return path
    sibling = path.with_name(HELDOUT_NAME)
    return sibling if sibling.is_file() else None


def _open(path: Path) -> tuple[io.TextIOBase, str]:
    if not path.is_file():
        raise AlreproError(f"hand-labelled test file not found: {path}")
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        names = [n for n in zf.namelist() if Path(n).name == HELDOUT_NAME]
        if not names:
            zf.close()
            raise AlreproError(f"{path}: the archive has no {HELDOUT_NAME}")
        return io.TextIOWrapper(zf.open(names[0]), encoding="latin-1", newline=""), f"{path}:{names[0]}"
    return open(path, encoding="latin-1", newline=""), str(path)


def read_rows(path: str | os.PathLike[str]) -> list[tuple[int, int, str]]:
    """(tweet id, sentiment, text) of the rows with target 0 or 4, in file order; one clear error otherwise."""
    stream, label = _open(Path(path))
    rows = []
    with stream:
        reader = csv.reader(stream, strict=True)
        try:
            for record in reader:
                line = reader.line_num
                if len(record) != 6:
                    raise AlreproError(f"{label}: line {line}: expected 6 columns, found {len(record)}")
                target, ids, text = record[0], record[1], record[5]
                if target in SKIPPED_TARGETS:
                    continue
                if target not in TARGETS:
                    raise AlreproError(f"{label}: line {line}: target {target[:20]!r} is not 0, 2 or 4")
                if not ids.isdigit():
                    raise AlreproError(f"{label}: line {line}: tweet id {ids[:20]!r} is not a number")
                rows.append((int(ids), TARGETS[target], text))
        except csv.Error as exc:
            raise AlreproError(f"{label}: line {reader.line_num}: broken quoting ({exc})") from None
    if not rows:
        raise AlreproError(f"{label}: no rows with target 0 or 4")
    return rows


def build_heldout(source: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """Write the committed table and manifest (no text) from the hand-labelled file; byte-identical reruns."""
    source = Path(source)
    if not zipfile.is_zipfile(source):
        digest = sha256_file(source)
        if digest != HELDOUT_SHA256:
            raise AlreproError(f"{source}: sha256 {digest[:12]}… is not {HELDOUT_NAME} ({HELDOUT_SHA256[:12]}…)")
    rows = read_rows(source)
    hashes = [sha256_text(t) for _, _, t in rows]
    out = Path(out_dir) if out_dir is not None else heldout_dir()
    out.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for k, ((tid, y, _), h) in enumerate(zip(rows, hashes, strict=True)):
        w.writerow([k, tid, y, h])
    csv_path, json_path = out / HELDOUT_CSV, out / HELDOUT_JSON
    csv_path.write_bytes(buf.getvalue().encode("utf-8"))
    labels = np.array([y for _, y, _ in rows])
    meta = {
        "format": "alrepro-heldout/1",
        "description": "Sentiment140's hand-labelled test tweets with target 0 or 4: ids, labels, checksums (no text).",
        "source": {"file": HELDOUT_NAME, "sha256": HELDOUT_SHA256, "rows_kept": len(rows),
                   "skipped": "target 2 (neutral)"},
        "labels": "sentiment = 0 for target 0 (negative), 1 for target 4 (positive)",
        "counts": {"rows": len(rows), "negative": int((labels == 0).sum()), "positive": int((labels == 1).sum())},
        "texts_sha256": texts_checksum(hashes),
        "ids_sha256": ids_checksum(np.array([r[0] for r in rows], dtype=np.int64)),
        "csv": HELDOUT_CSV,
        "csv_sha256": sha256_file(csv_path),
    }
    json_path.write_bytes((json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return csv_path, json_path


def load_heldout(
    source: str | os.PathLike[str] | None = None, *, directory: str | os.PathLike[str] | None = None
) -> CanonicalData:
    """The committed held-out rows (ids, labels; ``texts`` only when ``source`` is given, checked against the
    committed checksums)."""
    d = Path(directory) if directory is not None else heldout_dir()
    csv_path, json_path = d / HELDOUT_CSV, d / HELDOUT_JSON
    meta = read_checked_manifest(csv_path, json_path, "csv_sha256", "held-out")
    with open(csv_path, encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    ids = np.array([int(r["tweet_id"]) for r in table], dtype=np.int64)
    labels = np.array([int(r["sentiment"]) for r in table], dtype=np.int8)
    hashes = tuple(r["text_sha256"] for r in table)
    if texts_checksum(hashes) != meta["texts_sha256"]:
        raise AlreproError(f"{csv_path}: text hashes disagree with texts_sha256 in {json_path.name}")
    texts, where, checked = None, "committed ids only", "not checked"
    if source is not None:
        rows = read_rows(source)
        got = {(tid, y, sha256_text(t)): t for tid, y, t in rows}
        texts = [got.get((int(i), int(y), h)) for i, y, h in zip(ids, labels, hashes, strict=True)]
        missing = sum(t is None for t in texts)
        if missing:
            raise AlreproError(f"{source}: {missing} of {len(ids)} held-out rows not found (id, label, text sha256)")
        where, checked = str(source), "ok"
    return CanonicalData(ids, labels, np.zeros(ids.size, dtype=bool), texts, where, checked, meta["texts_sha256"],
                         hashes)


def heldout_embeddings_dir() -> Path:
    return heldout_dir() / "embeddings"


def compute_heldout_embeddings(
    encoder: str, source: str | os.PathLike[str], *, batch_size: int = 32, progress: bool = False
) -> tuple[Path, Path]:
    """Embed the held-out texts exactly as the canonical ones (same encoder, pooling, batching) and cache them."""
    from alrepro.embed import encode_texts, load_encoder
    from alrepro.embedding_cache import write_cache

    data = load_heldout(source)
    enc = load_encoder(encoder)
    vectors = encode_texts(enc, data.texts, batch_size=batch_size, progress=progress)
    info = enc.describe()
    info["batching"] = {"batch_size": batch_size}
    return write_cache(vectors, data, info, heldout_embeddings_dir(), encoder=encoder)


def load_heldout_features(encoder: str) -> tuple[CanonicalData, np.ndarray, sparse.csr_matrix]:
    """(rows, embeddings, hashed term counts) of the held-out set, from the committed caches."""
    from alrepro.embedding_cache import load_embeddings
    from alrepro.hashed_terms import load_terms

    data = load_heldout()
    return data, load_embeddings(encoder, data, cache_dir=heldout_embeddings_dir()), load_terms(data, heldout_dir())
