"""The data a run uses, as one object: row ids, texts where available, labels, class names, the split, embeddings.

A command turns what the user named (a :class:`DataSource`) into a :class:`Dataset` once, where its data enters
(:func:`open_dataset`, then :func:`alrepro.embedding_jobs.with_embeddings`), and hands that object whole to the
experiment, the Labelbox loop and the workshop. Three sources:

- **the canonical 8,000** Sentiment140 tweets (the default): committed ids, labels and split; texts only from a
  tweet file (``--tweets`` or ``$ALREPRO_SENTIMENT140``), checked against the committed checksums;
- **a draw from any Sentiment140 file** (``--tweets PATH --draw-seed S [--draw-size N]``): the rows of
  :func:`alrepro.data.draw_sample`;
- **your own labelled texts** (``--dataset PATH``, :mod:`alrepro.labelled_file`), rows in file order.

The split lives here, in ``is_test``: the canonical one is committed; every other data set gets the tutorial's
rule (:func:`alrepro.data.split_is_test`: ``round(0.1 n)`` test rows drawn with ``RandomState(123)``). The pool is
the rest, in row order.

``texts_sha256`` is the data set's content hash: one sha256 over its texts in order
(:func:`alrepro.data.texts_checksum`), all that embeddings depend on; embedding caches are keyed by it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from alrepro import defaults
from alrepro.errors import AlreproError


@dataclass(frozen=True)
class DataSource:
    """What the user named: nothing (the canonical tweets), ``tweets`` (+ ``draw_seed``), or ``dataset``."""

    dataset: str | None = None  # a CSV / JSON Lines file of labelled texts
    text_column: str = "text"
    label_column: str = "label"
    tweets: str | None = None  # a Sentiment140 file (default: $ALREPRO_SENTIMENT140)
    draw_seed: int | None = None  # draw from ``tweets`` instead of selecting the canonical 8,000
    draw_size: int | None = None

    def __post_init__(self) -> None:
        if self.dataset is not None and self.tweets is not None:
            raise AlreproError("--dataset and --tweets name two data sets: pass one")
        if self.dataset is not None and (self.draw_seed is not None or self.draw_size is not None):
            raise AlreproError("--draw-seed and --draw-size draw from a Sentiment140 file (--tweets), not --dataset")
        if self.draw_size is not None and self.draw_seed is None:
            raise AlreproError("--draw-size needs --draw-seed (the seed of the draw)")
        if self.draw_size is not None and self.draw_size < 1:
            raise AlreproError(f"--draw-size must be positive, got {self.draw_size}")

    @property
    def canonical(self) -> bool:
        return self.dataset is None and self.draw_seed is None

    @property
    def name(self) -> str:
        """The data set's name, also its Labelbox project's: known before any row is read."""
        if self.dataset is not None:
            return f"alrepro_{Path(self.dataset).stem}"
        if self.draw_seed is not None:
            return f"alrepro_sentiment140_seed{self.draw_seed}" + (f"_{self.draw_size}" if self.draw_size else "")
        return defaults.PROJECT_NAME


@dataclass(frozen=True, eq=False)
class Dataset:
    """Rows in order: ``X`` (embeddings, or None before embedding), ``y`` (class indices into ``classes``), the
    split ``is_test``, ``ids`` (tweet ids; row numbers for a file), ``texts`` (None when not available)."""

    X: np.ndarray | None
    y: np.ndarray
    is_test: np.ndarray
    encoder: str = ""
    classes: tuple[str, ...] = ("Negative", "Positive")
    ids: np.ndarray | None = None
    texts: list[str] | None = None
    texts_sha256: str = ""
    name: str = defaults.PROJECT_NAME  # also the Labelbox project and dataset name
    key_prefix: str = ""  # Labelbox global key = key_prefix + id
    source: str = ""  # where the rows came from, for people

    def __post_init__(self) -> None:
        n = len(self.y)
        if self.ids is None:
            object.__setattr__(self, "ids", np.arange(n, dtype=np.int64))
        lengths = {"labels": n, "split": len(self.is_test), "ids": len(self.ids)}
        if self.X is not None:
            lengths["embeddings"] = self.X.shape[0]
        if self.texts is not None:
            lengths["texts"] = len(self.texts)
        if len(set(lengths.values())) != 1:
            raise AlreproError(f"embeddings, labels and split disagree in length ({lengths})")
        if len(self.classes) < 2:
            raise AlreproError(f"a data set needs at least 2 classes, got {list(self.classes)}")
        if n and not np.isin(self.y, np.arange(len(self.classes))).all():
            raise AlreproError(f"labels must be class indices 0..{len(self.classes) - 1}")

    def __len__(self) -> int:
        return len(self.y)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def pool(self) -> np.ndarray:
        """Indices of the rows a learner may ask about, in row order."""
        return np.flatnonzero(~self.is_test)

    @property
    def test(self) -> np.ndarray:
        """Indices of the held-out rows the model is scored on."""
        return np.flatnonzero(self.is_test)

    @property
    def checksum(self) -> str:
        """``ok`` when the texts are here (checked against the committed checksums, for the canonical tweets)."""
        return "ok" if self.texts is not None else "not checked"

    @property
    def keys(self) -> list[str]:
        """One Labelbox global key per row."""
        return [f"{self.key_prefix}{int(i)}" for i in self.ids]

    def with_embeddings(self, X: np.ndarray, encoder: str) -> Dataset:
        return replace(self, X=X, encoder=encoder)


def open_dataset(source: DataSource | None = None, *, texts: bool = True) -> Dataset:
    """The rows ``source`` names (default: the canonical tweets), without embeddings. ``texts=False`` skips
    reading the canonical tweets' texts."""
    source = source or DataSource()
    if source.dataset is not None:
        return _from_file(source)
    if source.draw_seed is not None:
        return _from_draw(source)
    return _canonical(source, texts)


def _canonical(source: DataSource, texts: bool) -> Dataset:
    from alrepro.data import CLASSES, load_canonical

    d = load_canonical(source.tweets, texts=texts)
    return Dataset(
        X=None, y=np.asarray(d.labels, dtype=np.int8), is_test=d.is_test, classes=CLASSES, ids=d.tweet_ids,
        texts=d.texts, texts_sha256=d.texts_sha256, source=f"the canonical 8,000 Sentiment140 tweets ({d.source})",
    )


def _from_draw(source: DataSource) -> Dataset:
    from alrepro.data import CLASSES, draw_sample, sha256_text, split_is_test, texts_checksum
    from alrepro.paths import TWEETS_ENV, tweets_path

    path = tweets_path(source.tweets)
    if path is None:
        raise AlreproError(f"--draw-seed draws from a Sentiment140 file: pass --tweets PATH or set {TWEETS_ENV}")
    draw = draw_sample(path, source.draw_seed, source.draw_size)
    n = len(draw.texts)
    return Dataset(
        X=None, y=draw.labels, is_test=split_is_test(n), classes=CLASSES, ids=draw.tweet_ids, texts=draw.texts,
        texts_sha256=texts_checksum([sha256_text(t) for t in draw.texts]),
        name=source.name,
        source=f"{n:,} rows drawn with seed {source.draw_seed} from {path}",
    )


def _from_file(source: DataSource) -> Dataset:
    from alrepro.data import sha256_text, split_is_test, texts_checksum
    from alrepro.labelled_file import read_labelled_file

    path = Path(os.path.expanduser(source.dataset))
    read = read_labelled_file(path, source.text_column, source.label_column)
    index = {c: k for k, c in enumerate(read.classes)}
    n = len(read.texts)
    digest = texts_checksum([sha256_text(t) for t in read.texts])
    data = Dataset(
        X=None, y=np.array([index[y] for y in read.labels], dtype=np.int8), is_test=split_is_test(n),
        classes=read.classes, texts=read.texts, texts_sha256=digest,
        name=source.name, key_prefix=f"{path.stem}-{digest[:8]}-", source=str(path),
    )
    _check_split(data, path)
    return data


def _check_split(data: Dataset, path: Path) -> None:
    """Every class needs rows in the pool and in the test split, or the test AUC is undefined."""
    for part, rows in (("test split", data.test), ("pool", data.pool)):
        have = set(np.unique(data.y[rows]).tolist())
        missing = [c for k, c in enumerate(data.classes) if k not in have]
        if missing:
            raise AlreproError(
                f"{path}: the {part} ({rows.size} of {len(data)} rows) has no row labelled {missing[0]!r}: "
                "too few rows of that class; add rows or merge rare classes"
            )


def describe_dataset(data: Dataset) -> str:
    """A short report: source, rows, classes with their counts, split, content hash."""
    n = len(data)
    lines = [f"source:    {data.source}", f"rows:      {n:,} ({data.n_classes} classes)"]
    for k, name in enumerate(data.classes):
        c = int((data.y == k).sum())
        lines.append(f"  {name}: {c:,} ({c / n:.1%})")
    lines.append(f"split:     {data.pool.size:,} pool, {data.test.size:,} test (the tutorial's 90/10, seed 123)")
    lines.append(f"content:   texts sha256 {data.texts_sha256[:16]}… (keys the embedding cache)")
    return "\n".join(lines)
