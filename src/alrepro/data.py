"""Sentiment140 readers, the canonical 8,000 tweets, their train/test split and checksums.

The tutorial took "a random 8,000" of Sentiment140 (``sort -R`` then ``head -8000``) and split them with
``df.sample(frac=0.1, random_state=123)``. This module fixes one such draw for good and commits only what
identifies it, never the tweets themselves:

``data/canonical_8000.csv``
    one row per canonical tweet, in canonical order (the draw order, which plays the role of the tutorial's
    shuffled file order; ``train[:100]`` etc. follow it): ``position,tweet_id,sentiment,split,text_sha256``.
    ``sentiment`` is 0 (negative, target 0) or 1 (positive, target 4); ``split`` is ``train`` or ``test``;
    ``text_sha256`` is the sha256 of the tweet text's UTF-8 bytes, the text being the ``text`` column decoded
    from latin-1 exactly as the tutorial's ``pd.read_csv(..., encoding="ISO-8859-1")`` reads it.
``data/canonical_8000.json``
    provenance and checksums: the seed, the source file's name and sha256, counts, the sha256 of the CSV above
    and ``texts_sha256``, one checksum over all 8,000 texts in canonical order (see :func:`texts_checksum`).

How the 8,000 were drawn (once, by :func:`build_canonical`; ``alrepro data --build`` reruns it)
    from ``sentiment140_random_9998.v2.csv`` (a uniform random sample of the 1.6M-row file, sorted by
    (target, id)): row positions ``numpy.random.default_rng(DRAW_SEED).permutation(9998)[:8000]`` with
    ``DRAW_SEED = 20200601``, in that order. The split is pandas'
    ``DataFrame.sample(frac=0.1, random_state=123)``, i.e. ``numpy.random.RandomState(123).choice(8000, 800,
    replace=False)`` over canonical positions (verified against pandas in the tests): 800 test, 7,200 train.
    The draw was first made on the superseded ``sentiment140_random_9998.csv``, which holds the same rows in
    the same order; only the text checksums of the 78 canonical rows whose text is not ASCII changed with v2.

The superseded sample
    ``sentiment140_random_9998.csv`` carries two extra layers of mojibake (UTF-8 read back as latin-1, twice)
    on its 101 non-ASCII rows, 78 of them canonical. It is still read: such a row is mended by undoing the
    two layers, accepted only if the mended text matches the committed checksum, and the result says so in
    :attr:`CanonicalData.note`.

Why ids *and* text hashes
    Sentiment140 has duplicated tweet ids: the full 1.6M-row file holds some tweets twice, often once with
    each label. A tweet id alone therefore does not name a row. A canonical row is the source row whose
    (tweet id, sentiment, text sha256) all match; exact duplicates of such a row are identical in everything
    we use and the first one is taken. The text hashes also catch files that were altered, for example
    re-encoded to UTF-8 (latin-1 decodes any byte, so a re-encoded file reads "fine" but its non-ASCII texts
    hash differently; the loader notices and says so).

Sources accepted by :func:`load_canonical` (all read with the ``csv`` module, latin-1, 6 columns, no header)
    (a) the official ``trainingandtestdata.zip`` (member ``training.1600000.processed.noemoticon.csv``),
    (b) that 1.6M-row CSV itself, (c) any CSV in the same format holding the canonical rows, e.g. the
    9,998-row sample.

Public API (stable; the experiment runner relies on it)::

    load_canonical(tweets=None, *, texts=True) -> CanonicalData
    CanonicalData.tweet_ids  int64[8000]   canonical order
    CanonicalData.labels     int8[8000]    0 negative / 1 positive
    CanonicalData.is_test    bool[8000]    True for the 800 test rows
    CanonicalData.split      str[8000]     "train" / "test" (same information)
    CanonicalData.texts      list[str] | None   None when no tweet file is available
    CanonicalData.source     str           the tweet file used, or a note that none was
    CanonicalData.checksum   "ok" | "not checked"
    CanonicalData.texts_sha256  str        the committed checksum over all texts

Without a tweet file (``tweets=None`` and ``$ALREPRO_SENTIMENT140`` unset) it still returns ids, labels and
split from the committed CSV (``texts=None``, ``checksum="not checked"``). Any mismatch is an
:class:`~alrepro.errors.AlreproError` that names the file and, where it applies, the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from alrepro.errors import AlreproError
from alrepro.paths import DATA_ENV, TWEETS_ENV, data_dir, data_dir_search, tweets_path

DRAW_SEED = 20200601
SPLIT_SEED = 123  # the tutorial's RANDOM_SEED
TEST_FRAC = 0.1
N_CANONICAL = 8000
SAMPLE_NAME = "sentiment140_random_9998.v2.csv"
SAMPLE_ROWS = 9998
SAMPLE_SHA256 = "7c72f8f96f0d1733dcf571da2f4cf3c9208f7b5547d06a3b45155a9ef09e3c75"
# The superseded sample: the same rows, but its 101 non-ASCII texts carry two extra layers of mojibake.
SUPERSEDED_NAME = "sentiment140_random_9998.csv"
SUPERSEDED_SHA256 = "9ccca38a998973464f36ec49a97a87338e5ca177b895da6a9e2b8c469988fc89"
ZIP_MEMBER = "training.1600000.processed.noemoticon.csv"
CANONICAL_CSV = "canonical_8000.csv"
CANONICAL_JSON = "canonical_8000.json"
CSV_COLUMNS = ("position", "tweet_id", "sentiment", "split", "text_sha256")
N_COLUMNS = 6
TARGET_TO_LABEL = {"0": 0, "4": 1}
CLASSES = ("Negative", "Positive")  # label 0 and 1 by name, as the Labelbox ontology offers them
NO_TWEETS = "committed ids only (no tweet file: set ALREPRO_SENTIMENT140 or pass --tweets)"


class Row(NamedTuple):
    """One Sentiment140 row. ``line`` is the 1-based line on which the record starts."""

    line: int
    target: str
    tweet_id: int
    date: str
    flag: str
    user: str
    text: str


@dataclass(frozen=True)
class CanonicalTable:
    """What is committed about the canonical rows (no text). Tests build small synthetic ones."""

    tweet_ids: np.ndarray
    labels: np.ndarray
    is_test: np.ndarray
    text_sha256: tuple[str, ...]
    texts_sha256: str

    def __len__(self) -> int:
        return len(self.tweet_ids)


@dataclass(frozen=True)
class CanonicalData:
    """The canonical tweets in canonical order. See the module docstring."""

    tweet_ids: np.ndarray
    labels: np.ndarray
    is_test: np.ndarray
    texts: list[str] | None
    source: str
    checksum: str
    texts_sha256: str
    text_sha256: tuple[str, ...] = field(repr=False, default=())
    note: str = ""  # what differed in the tweet file, e.g. rows mended from the superseded sample

    def __len__(self) -> int:
        return len(self.tweet_ids)

    @property
    def ids(self) -> np.ndarray:
        """The row ids an embedding cache records (the tweet ids)."""
        return self.tweet_ids

    @property
    def split(self) -> np.ndarray:
        return np.where(self.is_test, "test", "train")

    @property
    def train_idx(self) -> np.ndarray:
        return np.flatnonzero(~self.is_test)

    @property
    def test_idx(self) -> np.ndarray:
        return np.flatnonzero(self.is_test)


# --------------------------------------------------------------------------------------------- checksums


def sha256_text(text: str) -> str:
    """sha256 (hex) of a tweet text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def texts_checksum(text_hashes: list[str] | tuple[str, ...]) -> str:
    """One checksum over all texts in order: sha256 of the concatenated binary per-text sha256 digests."""
    h = hashlib.sha256()
    for hexdigest in text_hashes:
        h.update(bytes.fromhex(hexdigest))
    return h.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ids_checksum(tweet_ids: np.ndarray) -> str:
    """sha256 of the ids as little-endian int64 bytes, in order."""
    return hashlib.sha256(np.ascontiguousarray(tweet_ids, dtype="<i8").tobytes()).hexdigest()


# --------------------------------------------------------------------------------------------- the draw


def draw_positions(n_rows: int = SAMPLE_ROWS, n: int = N_CANONICAL, seed: int = DRAW_SEED) -> np.ndarray:
    """Positions (into the sample's rows in file order) of the canonical rows, in canonical order."""
    return np.random.default_rng(seed).permutation(n_rows)[:n]


def split_is_test(n: int = N_CANONICAL, frac: float = TEST_FRAC, seed: int = SPLIT_SEED) -> np.ndarray:
    """The tutorial's ``df.sample(frac, random_state=seed)`` as a boolean mask over positions.

    pandas computes ``n_test = round(frac * n)`` and draws ``RandomState(seed).choice(n, n_test,
    replace=False)``; the tutorial then marks rows whose id is among those drawn, which is the same thing
    when ids are unique (they are in the canonical 8,000).
    """
    n_test = int(round(frac * n))
    chosen = np.random.RandomState(seed).choice(n, size=n_test, replace=False)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    return mask


# --------------------------------------------------------------------------------------------- reading


def _open_text(path: Path) -> tuple[io.TextIOBase, str]:
    """Open a Sentiment140 CSV or the official zip for reading as latin-1 text; return (stream, label)."""
    if not path.exists():
        raise AlreproError(f"Sentiment140 file not found: {path} (set {TWEETS_ENV} or pass --tweets PATH)")
    if path.is_dir():
        raise AlreproError(f"{path} is a folder; expected a Sentiment140 CSV file or trainingandtestdata.zip")
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        names = [n for n in zf.namelist() if Path(n).name == ZIP_MEMBER]
        if not names:
            listed = ", ".join(zf.namelist()[:5]) or "nothing"
            zf.close()
            raise AlreproError(f"{path}: the archive has no {ZIP_MEMBER} (it holds: {listed})")
        raw = zf.open(names[0])
        return io.TextIOWrapper(raw, encoding="latin-1", newline=""), f"{path}:{names[0]}"
    return open(path, encoding="latin-1", newline=""), str(path)


def iter_sentiment140(path: str | os.PathLike[str]) -> Iterator[Row]:
    """Yield the rows of a Sentiment140 file (zip or CSV), checking the format as it goes.

    Raises :class:`AlreproError` naming the file and line for: a missing file, an empty file, a wrong number
    of columns, a target other than 0/4 (e.g. a header row), a non-numeric id, and an unterminated quote or
    other broken quoting (typically a truncated file).
    """
    path = Path(path)
    stream, label = _open_text(path)
    with stream:
        reader = csv.reader(stream, strict=True)
        line = 1
        n = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                where = reader.line_num
                hint = (
                    "the file ends inside a quoted field: truncated?"
                    if "unexpected end of data" in str(exc)
                    else "broken quoting (truncated line or not Sentiment140 format?)"
                )
                raise AlreproError(f"{label}: line {where}: {hint} ({exc})") from None
            start, line = line, reader.line_num + 1
            n += 1
            if len(record) != N_COLUMNS:
                hint = ""
                if len(record) < N_COLUMNS:
                    hint = " (last line cut short? the file may be truncated)"
                    try:
                        nxt = next(reader, None)
                    except csv.Error:
                        nxt = None
                    if nxt is not None:
                        hint = ""
                raise AlreproError(
                    f"{label}: line {start}: expected {N_COLUMNS} columns "
                    f"(target,ids,date,flag,user,text), found {len(record)}{hint}"
                )
            target, ids, date, flag, user, text = record
            if target not in TARGET_TO_LABEL:
                hint = " (a header row? Sentiment140 files have none)" if start == 1 else ""
                raise AlreproError(f"{label}: line {start}: target {target[:20]!r} is not 0 or 4{hint}")
            if not ids.isdigit():
                raise AlreproError(f"{label}: line {start}: tweet id {ids[:20]!r} is not a number")
            if "\n" in text or "\r" in text:
                raise AlreproError(
                    f"{label}: line {start}: a text spans several lines, so a quote is unbalanced "
                    "(a truncated or hand-edited line?)"
                )
            yield Row(start, target, int(ids), date, flag, user, text)
        if n == 0:
            raise AlreproError(f"{label}: the file is empty")


def undo_double_mojibake(text: str) -> str | None:
    """The text before two rounds of "encode UTF-8, decode latin-1" (the superseded sample's defect), or None
    when the text cannot be such a result."""
    try:
        return text.encode("latin-1").decode("utf-8").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None


def select_canonical(
    path: str | os.PathLike[str], table: CanonicalTable
) -> tuple[list[str], dict[str, int]]:
    """Pick the canonical rows out of a Sentiment140 file; return their texts in canonical order and stats.

    A canonical row matches a source row when tweet id, sentiment and text sha256 all agree. Duplicated ids
    in the source are handled by that key; exact duplicate rows are counted and the first one is used. A row
    whose text matches only after :func:`undo_double_mojibake` is taken mended and counted in ``mended``.
    """
    wanted_ids = {int(i) for i in table.tweet_ids}
    key_to_pos = {
        (int(i), int(y), h): p
        for p, (i, y, h) in enumerate(zip(table.tweet_ids, table.labels, table.text_sha256, strict=True))
    }
    texts: list[str | None] = [None] * len(table)
    near: dict[int, list[tuple[int, str]]] = {}  # id seen, key not matched: (label, text)
    stats = {"rows": 0, "duplicate_ids": 0, "exact_duplicates": 0, "mended": 0}
    seen_ids: set[int] = set()
    label = str(path)
    for row in iter_sentiment140(path):
        stats["rows"] += 1
        if row.tweet_id not in wanted_ids:
            continue
        if row.tweet_id in seen_ids:
            stats["duplicate_ids"] += 1
        seen_ids.add(row.tweet_id)
        y = TARGET_TO_LABEL[row.target]
        text = row.text
        pos = key_to_pos.get((row.tweet_id, y, sha256_text(text)))
        mended = undo_double_mojibake(text) if pos is None and not text.isascii() else None
        if mended is not None and (row.tweet_id, y, sha256_text(mended)) in key_to_pos:
            pos, text = key_to_pos[(row.tweet_id, y, sha256_text(mended))], mended
            stats["mended"] += 1
        if pos is None:
            near.setdefault(row.tweet_id, []).append((y, row.text))
        elif texts[pos] is None:
            texts[pos] = text
        else:
            stats["exact_duplicates"] += 1

    missing = [p for p, t in enumerate(texts) if t is None]
    if missing:
        raise AlreproError(_explain_missing(label, table, missing, near))
    done = [t for t in texts if t is not None]
    got = texts_checksum([sha256_text(t) for t in done])
    if got != table.texts_sha256:  # cannot happen unless the committed files disagree with each other
        raise AlreproError(f"{label}: text checksum mismatch over all canonical rows ({got[:12]}…)")
    return done, stats


def _explain_missing(
    label: str, table: CanonicalTable, missing: list[int], near: dict[int, list[tuple[int, str]]]
) -> str:
    n = len(missing)
    ids = [int(table.tweet_ids[p]) for p in missing]
    absent = [i for i in ids if i not in near]
    present = [p for p in missing if int(table.tweet_ids[p]) in near]
    reencoded = relabelled = 0
    for p in present:
        want_h, want_y = table.text_sha256[p], int(table.labels[p])
        for y, text in near[int(table.tweet_ids[p])]:
            h = sha256_text(text)
            if h == want_h and y != want_y:
                relabelled += 1
                break
            try:
                fixed = text.encode("latin-1").decode("utf-8")
            except UnicodeError:
                continue
            if sha256_text(fixed) == want_h:
                reencoded += 1
                break
    parts = [f"{label}: {n} of {len(table)} canonical rows not found"]
    if reencoded:
        parts.append(
            f"text checksum mismatch for {reencoded} rows whose text reads correctly as UTF-8: "
            "is the file re-encoded? Sentiment140 is latin-1; convert it back "
            "(e.g. iconv -f utf-8 -t latin1) or use the original file"
        )
    elif present:
        eg = ", ".join(str(int(table.tweet_ids[p])) for p in present[:5])
        what = "label mismatch" if relabelled == len(present) else "text checksum mismatch"
        parts.append(
            f"{what} for {len(present)} rows whose id is present (e.g. {eg}): is the file re-encoded or edited?"
        )
    if absent:
        eg = ", ".join(str(i) for i in absent[:5])
        parts.append(
            f"{len(absent)} ids absent (e.g. {eg}); is this the Sentiment140 training file "
            "(trainingandtestdata.zip, the 1.6M-row CSV or the 9,998-row sample)?"
        )
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------- committed


def read_checked_manifest(csv_path: Path, json_path: Path, sha_key: str, what: str) -> dict:
    """A committed table's JSON manifest, once both files exist and the CSV's sha256 is the one it records."""
    for p in (csv_path, json_path):
        if not p.is_file():
            raise AlreproError(f"committed {what} file missing: {p} (regenerate with: alrepro data --build)")
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    if sha256_file(csv_path) != meta[sha_key]:
        raise AlreproError(f"{csv_path}: sha256 differs from {json_path.name}; the committed ids were altered")
    return meta


def read_table(directory: str | os.PathLike[str] | None = None) -> CanonicalTable:
    """Read and check the committed ``canonical_8000.csv`` against ``canonical_8000.json``."""
    directory = Path(directory) if directory is not None else data_dir()
    if not directory.is_dir():
        raise AlreproError(
            f"alrepro's data folder {directory} does not exist (it looks in {data_dir_search()}): run alrepro "
            f"from its clone, or set {DATA_ENV} to the clone's data/ folder"
        )
    csv_path, json_path = directory / CANONICAL_CSV, directory / CANONICAL_JSON
    meta = read_checked_manifest(csv_path, json_path, "canonical_csv_sha256", "data")
    ids, labels, is_test, hashes = [], [], [], []
    with open(csv_path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header) != CSV_COLUMNS:
            raise AlreproError(f"{csv_path}: unexpected header {header}")
        for k, (pos, tid, sentiment, split, h) in enumerate(reader):
            if int(pos) != k:
                raise AlreproError(f"{csv_path}: line {k + 2}: position {pos}, expected {k}")
            ids.append(int(tid))
            labels.append(int(sentiment))
            is_test.append(split == "test")
            hashes.append(h)
    table = CanonicalTable(
        tweet_ids=np.array(ids, dtype=np.int64),
        labels=np.array(labels, dtype=np.int8),
        is_test=np.array(is_test, dtype=bool),
        text_sha256=tuple(hashes),
        texts_sha256=meta["texts_sha256"],
    )
    if texts_checksum(table.text_sha256) != table.texts_sha256:
        raise AlreproError(f"{csv_path}: text hashes disagree with texts_sha256 in {json_path.name}")
    return table


def load_canonical(
    tweets: str | os.PathLike[str] | None = None,
    *,
    texts: bool = True,
    data: str | os.PathLike[str] | None = None,
) -> CanonicalData:
    """The canonical 8,000 in canonical order.

    ``tweets``: a Sentiment140 file (zip, full CSV or sample); default ``$ALREPRO_SENTIMENT140``. With no
    file, or with ``texts=False``, returns the committed ids, labels and split only (``texts=None``).
    ``data``: the folder holding the committed files (default ``data/``).
    """
    table = read_table(data)
    path = tweets_path(tweets) if texts else None
    if path is None:
        return CanonicalData(
            table.tweet_ids, table.labels, table.is_test, None, NO_TWEETS, "not checked",
            table.texts_sha256, table.text_sha256,
        )
    selected, stats = select_canonical(path, table)
    note = ""
    if stats["mended"]:
        note = (
            f"{stats['mended']} canonical texts carried two extra layers of mojibake (UTF-8 read as latin-1 twice), "
            f"as in the superseded {SUPERSEDED_NAME}; they were mended and match the committed checksums. "
            f"Use {SAMPLE_NAME}, which holds them as the original Sentiment140 file does"
        )
    return CanonicalData(
        table.tweet_ids, table.labels, table.is_test, selected, str(path), "ok",
        table.texts_sha256, table.text_sha256, note,
    )


# --------------------------------------------------------------------------------------------- building


def build_canonical(
    sample: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None
) -> tuple[Path, Path]:
    """Draw the canonical 8,000 from the 9,998-row sample and write the CSV and JSON (no text) to ``out_dir``.

    Deterministic: the same sample gives byte-identical files. Refuses any other file than the sample.
    """
    sample = Path(sample)
    if not sample.is_file():
        raise AlreproError(f"Sentiment140 sample not found: {sample}")
    digest = sha256_file(sample)
    if digest == SUPERSEDED_SHA256:
        raise AlreproError(
            f"{sample} is the superseded {SUPERSEDED_NAME}: its 101 non-ASCII texts carry two extra layers of "
            f"mojibake; --build is defined on {SAMPLE_NAME} (sha256 {SAMPLE_SHA256[:12]}…)"
        )
    if digest != SAMPLE_SHA256:
        raise AlreproError(
            f"{sample}: sha256 {digest[:12]}… is not the {SAMPLE_NAME} the canonical draw is defined on "
            f"({SAMPLE_SHA256[:12]}…); --build needs exactly that file"
        )
    rows = list(iter_sentiment140(sample))
    if len(rows) != SAMPLE_ROWS:
        raise AlreproError(f"{sample}: {len(rows)} rows, expected {SAMPLE_ROWS}")
    picked = [rows[i] for i in draw_positions(len(rows))]
    if len({r.tweet_id for r in picked}) != N_CANONICAL:
        raise AlreproError(f"{sample}: the draw contains duplicated tweet ids")
    is_test = split_is_test(N_CANONICAL)
    hashes = [sha256_text(r.text) for r in picked]
    labels = [TARGET_TO_LABEL[r.target] for r in picked]

    out = Path(out_dir) if out_dir is not None else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out / CANONICAL_CSV, out / CANONICAL_JSON
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for k, (r, y, t, h) in enumerate(zip(picked, labels, is_test, hashes, strict=True)):
        w.writerow([k, r.tweet_id, y, "test" if t else "train", h])
    csv_path.write_bytes(buf.getvalue().encode("utf-8"))

    y_arr, t_arr = np.array(labels), is_test

    def counts(mask: np.ndarray) -> dict[str, int]:
        return {"rows": int(mask.sum()), "negative": int((mask & (y_arr == 0)).sum()),
                "positive": int((mask & (y_arr == 1)).sum())}

    meta = {
        "format": "alrepro-canonical/1",
        "description": "The canonical 8,000 Sentiment140 tweets: ids, labels, split and checksums (no text).",
        "source": {"file": SAMPLE_NAME, "sha256": SAMPLE_SHA256, "rows": SAMPLE_ROWS,
                   "format": "headerless CSV, latin-1, columns target,ids,date,flag,user,text"},
        "draw": {"seed": DRAW_SEED, "n": N_CANONICAL,
                 "method": f"numpy.random.default_rng({DRAW_SEED}).permutation({SAMPLE_ROWS})[:{N_CANONICAL}] "
                           "over the sample's rows in file order; canonical order = draw order"},
        "split": {"seed": SPLIT_SEED, "test_frac": TEST_FRAC,
                  "method": f"pandas DataFrame.sample(frac={TEST_FRAC}, random_state={SPLIT_SEED}) == "
                            f"numpy.random.RandomState({SPLIT_SEED}).choice({N_CANONICAL}, "
                            f"{int(is_test.sum())}, replace=False) over canonical positions"},
        "labels": "sentiment = 0 for target 0 (negative), 1 for target 4 (positive)",
        "counts": {"all": counts(np.ones_like(t_arr)), "train": counts(~t_arr), "test": counts(t_arr)},
        "text_sha256": "sha256 of the text's UTF-8 bytes, text decoded from latin-1",
        "texts_sha256": texts_checksum(hashes),
        "texts_sha256_method": "sha256 over the concatenated binary per-text sha256 digests, canonical order",
        "ids_sha256": ids_checksum(np.array([r.tweet_id for r in picked], dtype=np.int64)),
        "canonical_csv": CANONICAL_CSV,
        "canonical_csv_sha256": sha256_file(csv_path),
    }
    json_path.write_bytes((json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return csv_path, json_path


# --------------------------------------------------------------------------------------------- other samples


@dataclass(frozen=True)
class Draw:
    """Rows drawn from a Sentiment140 file other than the canonical 8,000, in draw order (see :func:`draw_sample`)."""

    tweet_ids: np.ndarray
    labels: np.ndarray
    texts: list[str]
    source: str
    seed: int
    rows_read: int
    ambiguous_ids: int  # ids that the file holds more than once, left out of the draw


def draw_sample(path: str | os.PathLike[str], seed: int, size: int | None = None) -> Draw:
    """A reproducible random ``size`` rows (default: 8,000, or all when fewer) of any Sentiment140 file.

    Rows whose tweet id occurs more than once in the file are left out first (Sentiment140 repeats some tweets,
    often once with each label, so such an id names no single row); of the rest, in file order, the draw takes
    positions ``numpy.random.default_rng(seed).permutation(n)[:size]``, in that order, as the canonical draw
    does. The file is read twice (ids, then the drawn rows), so the 1.6M-row file fits in little memory.
    """
    path = Path(path)
    counts: dict[int, int] = {}
    for row in iter_sentiment140(path):
        counts[row.tweet_id] = counts.get(row.tweet_id, 0) + 1
    unique = sum(1 for c in counts.values() if c == 1)
    n = min(N_CANONICAL, unique) if size is None else size
    if not 1 <= n <= unique:
        raise AlreproError(
            f"{path}: cannot draw {n} rows: the file has {unique:,} rows with a unique tweet id"
        )
    picked = draw_positions(unique, n, seed)
    slot = {int(p): k for k, p in enumerate(picked)}  # position among the unique rows -> place in the draw
    rows: list[Row | None] = [None] * n
    k = 0
    for row in iter_sentiment140(path):
        if counts[row.tweet_id] != 1:
            continue
        if k in slot:
            rows[slot[k]] = row
        k += 1
    done = [r for r in rows if r is not None]
    return Draw(
        tweet_ids=np.array([r.tweet_id for r in done], dtype=np.int64),
        labels=np.array([TARGET_TO_LABEL[r.target] for r in done], dtype=np.int8),
        texts=[r.text for r in done],
        source=str(path),
        seed=seed,
        rows_read=sum(counts.values()),
        ambiguous_ids=len(counts) - unique,
    )


# --------------------------------------------------------------------------------------------- reporting


def describe(d: CanonicalData) -> str:
    """A short human-readable report: source, counts, class balance, split, checksum status."""
    n = len(d)
    pos = int(d.labels.sum())
    lines = [f"source:    {d.source}"]
    lines.append(f"canonical: {CANONICAL_CSV} ({n:,} rows, draw seed {DRAW_SEED}, split seed {SPLIT_SEED})")
    lines.append(f"classes:   negative (0) {n - pos:,} ({(n - pos) / n:.1%}), positive (1) {pos:,} ({pos / n:.1%})")
    for name, mask in (("train", ~d.is_test), ("test", d.is_test)):
        m = int(mask.sum())
        p = int(d.labels[mask].sum())
        lines.append(f"{name + ':':<10} {m:,} rows (negative {m - p:,}, positive {p:,})")
    if d.checksum == "ok":
        lines.append(f"checksum:  OK (all {n:,} texts match, texts sha256 {d.texts_sha256[:16]}…)")
    else:
        lines.append("checksum:  not checked (no tweet file)")
    if d.note:
        lines.append(f"note:      {d.note}")
    return "\n".join(lines)
