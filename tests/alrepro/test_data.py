"""The Sentiment140 readers, the canonical 8,000 and their checks.

Synthetic files are made up here (never copies of real tweets); tests that need the real sample use
``$ALREPRO_SENTIMENT140`` and skip when it is unset.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from alrepro import data as D
from alrepro.errors import AlreproError
from alrepro.paths import data_dir
from tests.alrepro.tweets import TWEETS, needs_tweets


def write_rows(path: Path, rows: list[tuple], encoding: str = "latin-1") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for r in rows:
            w.writerow(r)
    return path


def row(target: int, tid: int, text: str) -> tuple:
    return (str(target), str(tid), "Mon Apr 06 22:19:45 PDT 2009", "NO_QUERY", f"user{tid}", text)


SYN = [
    row(0, 11, "synthetic text one is rather sad"),
    row(4, 12, "synthetic café, naïve and happy"),
    row(0, 13, "a third made-up line &quot;quoted&quot;"),
    row(4, 14, "and a fourth one"),
]


def syn_table(rows: list[tuple], order: list[int]) -> D.CanonicalTable:
    picked = [rows[i] for i in order]
    hashes = tuple(D.sha256_text(r[5]) for r in picked)
    return D.CanonicalTable(
        tweet_ids=np.array([int(r[1]) for r in picked], dtype=np.int64),
        labels=np.array([D.TARGET_TO_LABEL[r[0]] for r in picked], dtype=np.int8),
        is_test=np.array([k == 0 for k in range(len(picked))]),
        text_sha256=hashes,
        texts_sha256=D.texts_checksum(hashes),
    )


# --------------------------------------------------------------------------------------------- the draw


def test_split_matches_pandas_sample():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": np.arange(10_000, 18_000)})
    test_rows = df.sample(frac=0.1, random_state=123)
    tutorial = df.id.apply(lambda i: i in test_rows.id.values).to_numpy()
    assert np.array_equal(D.split_is_test(8000, 0.1, 123), tutorial)
    assert tutorial.sum() == 800


def test_draw_is_deterministic():
    a, b = D.draw_positions(), D.draw_positions()
    assert np.array_equal(a, b) and len(np.unique(a)) == 8000 and a.max() < 9998


def test_committed_table_is_consistent():
    t = D.read_table()
    meta = json.loads((data_dir() / D.CANONICAL_JSON).read_text())
    assert len(t) == 8000 and len(np.unique(t.tweet_ids)) == 8000
    assert t.tweet_ids.dtype == np.int64 and t.labels.dtype == np.int8
    assert set(np.unique(t.labels)) == {0, 1}
    assert np.array_equal(t.is_test, D.split_is_test())
    assert int(t.is_test.sum()) == 800
    assert meta["draw"]["seed"] == D.DRAW_SEED and meta["source"]["sha256"] == D.SAMPLE_SHA256
    assert meta["counts"]["all"] == {"rows": 8000, "negative": int((t.labels == 0).sum()),
                                     "positive": int((t.labels == 1).sum())}
    assert meta["ids_sha256"] == D.ids_checksum(t.tweet_ids)


def test_load_without_tweets(monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)
    d = D.load_canonical()
    assert d.texts is None and d.checksum == "not checked" and len(d) == 8000
    assert list(np.unique(d.split)) == ["test", "train"]
    assert np.array_equal(d.split == "test", d.is_test)
    assert len(d.train_idx) == 7200 and len(d.test_idx) == 800
    assert "not checked" in D.describe(d)


def test_committed_csv_tampering_is_detected(tmp_path):
    for name in (D.CANONICAL_CSV, D.CANONICAL_JSON):
        shutil.copy(data_dir() / name, tmp_path / name)
    p = tmp_path / D.CANONICAL_CSV
    text = p.read_text()
    first = text.splitlines()[1]
    flipped = first.replace(",train,", ",test,") if ",train," in first else first.replace(",test,", ",train,")
    p.write_text(text.replace(first, flipped, 1))
    with pytest.raises(AlreproError, match="altered"):
        D.read_table(tmp_path)


def test_missing_committed_files(tmp_path):
    with pytest.raises(AlreproError, match="committed data file missing"):
        D.read_table(tmp_path)


# --------------------------------------------------------------------------------------------- synthetic


def test_select_synthetic_and_duplicates(tmp_path):
    table = syn_table(SYN, [2, 0, 1])
    rows = SYN + [
        row(0, 12, SYN[1][5]),  # same id and text, other label: not canonical
        row(4, 12, "same id, another text"),  # same id, other text
        SYN[0],  # exact duplicate of a canonical row
    ]
    texts, stats = D.select_canonical(write_rows(tmp_path / "s.csv", rows), table)
    assert texts == [SYN[2][5], SYN[0][5], SYN[1][5]]
    assert stats["exact_duplicates"] == 1 and stats["duplicate_ids"] == 3 and stats["rows"] == 7


def test_zip_source(tmp_path):
    table = syn_table(SYN, [3, 1])
    csv_path = write_rows(tmp_path / D.ZIP_MEMBER, SYN)
    z = tmp_path / "trainingandtestdata.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, D.ZIP_MEMBER)
        zf.writestr("testdata.manual.2009.06.14.csv", "")
    texts, _ = D.select_canonical(z, table)
    assert texts == [SYN[3][5], SYN[1][5]]


def test_zip_without_member(tmp_path):
    z = tmp_path / "other.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(AlreproError, match="no training.1600000"):
        list(D.iter_sentiment140(z))


def test_missing_file(tmp_path):
    with pytest.raises(AlreproError, match=r"not found: .*nope\.csv.*ALREPRO_SENTIMENT140"):
        list(D.iter_sentiment140(tmp_path / "nope.csv"))


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(AlreproError, match="is a folder"):
        list(D.iter_sentiment140(tmp_path))


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(AlreproError, match="empty"):
        list(D.iter_sentiment140(tmp_path / "e.csv"))


def test_wrong_column_count_names_line(tmp_path):
    p = write_rows(tmp_path / "c.csv", SYN[:2] + [SYN[2][:5]] + SYN[3:])
    with pytest.raises(AlreproError, match=r"c\.csv: line 3: expected 6 columns .* found 5$"):
        list(D.iter_sentiment140(p))


def test_truncated_unterminated_quote(tmp_path):
    p = write_rows(tmp_path / "t.csv", SYN)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 8])  # cut inside the last text
    with pytest.raises(AlreproError, match=r"t\.csv: line 4: .*truncated"):
        list(D.iter_sentiment140(p))


def test_truncated_last_line_fewer_columns(tmp_path):
    p = write_rows(tmp_path / "t.csv", SYN)
    data = p.read_bytes()
    cut = data.rstrip(b"\n").rsplit(b"\n", 1)[0] + b'\n"0","15","Mon Apr'
    p.write_bytes(cut + b'"')
    with pytest.raises(AlreproError, match=r"line 4: expected 6 columns.*found 3.*truncated"):
        list(D.iter_sentiment140(p))


def test_unbalanced_quote_mid_file(tmp_path):
    p = write_rows(tmp_path / "q.csv", SYN)
    lines = p.read_bytes().split(b"\n")
    lines[1] = lines[1][:-1]  # drop the closing quote of line 2
    p.write_bytes(b"\n".join(lines))
    with pytest.raises(AlreproError, match=r"q\.csv: line [23]: "):
        list(D.iter_sentiment140(p))


def test_header_row(tmp_path):
    p = write_rows(tmp_path / "h.csv", [("target", "ids", "date", "flag", "user", "text"), *SYN])
    with pytest.raises(AlreproError, match="line 1: target 'target' is not 0 or 4 .*header"):
        list(D.iter_sentiment140(p))


def test_bad_id(tmp_path):
    p = write_rows(tmp_path / "i.csv", [SYN[0], ("0", "12x", "d", "f", "u", "t")])
    with pytest.raises(AlreproError, match="line 2: tweet id '12x'"):
        list(D.iter_sentiment140(p))


def test_missing_canonical_rows(tmp_path):
    table = syn_table(SYN, [0, 1, 2, 3])
    p = write_rows(tmp_path / "m.csv", [SYN[0], SYN[2], row(0, 99, "unrelated")])
    with pytest.raises(AlreproError, match=r"m\.csv: 2 of 4 canonical rows not found.*2 ids absent \(e\.g\. 12, 14\)"):
        D.select_canonical(p, table)


def test_utf8_reencoded_file(tmp_path):
    table = syn_table(SYN, [0, 1, 2, 3])
    p = write_rows(tmp_path / "u.csv", SYN, encoding="utf-8")
    with pytest.raises(AlreproError, match="text checksum mismatch for 1 rows .*re-encoded"):
        D.select_canonical(p, table)


def test_edited_text_and_label(tmp_path):
    table = syn_table(SYN, [0, 1, 2, 3])
    p = write_rows(tmp_path / "x.csv", [SYN[0], SYN[1], row(0, 13, "edited"), SYN[3]])
    with pytest.raises(AlreproError, match=r"text checksum mismatch for 1 rows whose id is present \(e\.g\. 13\)"):
        D.select_canonical(p, table)
    p = write_rows(tmp_path / "y.csv", [SYN[0], SYN[1], SYN[2], row(0, 14, SYN[3][5])])
    with pytest.raises(AlreproError, match=r"label mismatch for 1 rows"):
        D.select_canonical(p, table)


def double_mojibake(text: str) -> str:
    """The superseded sample's defect: UTF-8 bytes read back as latin-1, twice."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def test_double_mojibake_rows_are_mended_and_counted(tmp_path):
    table = syn_table(SYN, [0, 1, 2, 3])
    garbled = row(4, 12, double_mojibake(SYN[1][5]))
    assert garbled[5] != SYN[1][5]
    texts, stats = D.select_canonical(write_rows(tmp_path / "old.csv", [SYN[0], garbled, SYN[2], SYN[3]]), table)
    assert texts == [r[5] for r in SYN] and stats["mended"] == 1
    _, stats = D.select_canonical(write_rows(tmp_path / "new.csv", SYN), table)
    assert stats["mended"] == 0


def test_one_layer_of_mojibake_is_not_mended(tmp_path):
    table = syn_table(SYN, [0, 1, 2, 3])
    once = SYN[1][5].encode("utf-8").decode("latin-1")
    with pytest.raises(AlreproError, match="re-encoded"):
        D.select_canonical(write_rows(tmp_path / "once.csv", [SYN[0], row(4, 12, once), SYN[2], SYN[3]]), table)


# --------------------------------------------------------------------------------------------- real tweets

SUPERSEDED = Path(TWEETS).with_name(D.SUPERSEDED_NAME) if TWEETS else None
needs_superseded = pytest.mark.skipif(
    SUPERSEDED is None or not SUPERSEDED.is_file(), reason="the superseded sample is not beside the tweets"
)


@needs_tweets
@needs_superseded
def test_superseded_sample_is_read_with_one_note():
    old, new = D.load_canonical(SUPERSEDED), D.load_canonical(TWEETS)
    assert old.texts == new.texts and old.checksum == "ok" and new.note == ""
    assert old.note.startswith("78 canonical texts carried two extra layers of mojibake")
    assert D.SAMPLE_NAME in old.note and D.describe(old).count("note:") == 1


@needs_tweets
@needs_superseded
def test_build_refuses_superseded_sample(tmp_path):
    with pytest.raises(AlreproError, match=r"superseded sentiment140_random_9998\.csv.*two extra layers"):
        D.build_canonical(SUPERSEDED, tmp_path)


@needs_tweets
def test_load_real_sample():
    d = D.load_canonical(TWEETS)
    assert d.checksum == "ok" and len(d.texts) == 8000
    assert D.texts_checksum([D.sha256_text(t) for t in d.texts]) == d.texts_sha256
    assert "checksum:  OK" in D.describe(d)


@needs_tweets
def test_rebuild_is_byte_identical(tmp_path):
    D.build_canonical(TWEETS, tmp_path)
    for name in (D.CANONICAL_CSV, D.CANONICAL_JSON):
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes(), name


@needs_tweets
def test_real_zip_and_full_like_file_with_duplicates(tmp_path):
    # a "full file" stand-in: the sample plus made-up rows, including duplicated canonical ids
    t = D.read_table()
    cid = int(t.tweet_ids[0])
    extra = [row(4 if t.labels[0] == 0 else 0, cid, "made-up text under a canonical id"), row(0, 1, "x")]
    full = tmp_path / D.ZIP_MEMBER
    shutil.copy(TWEETS, full)
    with open(full, "a", encoding="latin-1", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(extra)
    a = D.load_canonical(full)
    z = tmp_path / "trainingandtestdata.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(full, D.ZIP_MEMBER)
    b = D.load_canonical(z)
    assert a.texts == b.texts and a.checksum == b.checksum == "ok"


@needs_tweets
def test_real_sample_reencoded_to_utf8(tmp_path):
    p = tmp_path / "reencoded.csv"
    p.write_bytes(Path(TWEETS).read_bytes().decode("latin-1").encode("utf-8"))
    with pytest.raises(AlreproError, match="re-encoded"):
        D.load_canonical(p)


@needs_tweets
def test_build_refuses_other_file(tmp_path):
    p = write_rows(tmp_path / "s.csv", SYN)
    with pytest.raises(AlreproError, match=r"is not the sentiment140_random_9998\.v2\.csv"):
        D.build_canonical(p, tmp_path)
