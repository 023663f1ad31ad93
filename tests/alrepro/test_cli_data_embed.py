"""``alrepro data`` and ``alrepro embed``: help, reports and clean error exits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from alrepro.cli import main
from alrepro.data import CANONICAL_CSV, CANONICAL_JSON, load_canonical
from alrepro.paths import data_dir
from tests.alrepro.tweets import TWEETS, needs_tweets


@pytest.fixture
def no_tweets(monkeypatch):
    monkeypatch.delenv("ALREPRO_SENTIMENT140", raising=False)


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse --help / usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["--help"], ["data", "--help"], ["embed", "--help"]])
def test_help(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0 and "usage: alrepro" in out
    if argv == ["--help"]:
        assert "data" in out and "embed" in out
    if argv[0] == "embed":
        assert "--encoder" in out and "--check" in out and "--batch-size" in out and "--tweets" in out


def test_data_without_tweets(no_tweets, capsys):
    code, out, _ = run(["data"], capsys)
    assert code == 0
    assert "committed ids only" in out and "8,000 rows" in out and "7,200 rows" in out and "800 rows" in out
    assert "checksum:  not checked" in out


def test_data_missing_file(tmp_path, capsys):
    code, _, err = run(["data", "--tweets", str(tmp_path / "missing.csv")], capsys)
    assert code == 2 and "alrepro data: error: Sentiment140 file not found" in err and "Traceback" not in err


def test_data_bad_file_names_line(tmp_path, capsys):
    p = tmp_path / "bad.csv"
    p.write_text('"0","1","d","f","u","t"\n"4","2","d","f","u"\n', encoding="latin-1")
    code, _, err = run(["data", "--tweets", str(p)], capsys)
    assert code == 2 and "bad.csv: line 2: expected 6 columns" in err


def test_data_missing_rows(tmp_path, capsys):
    p = tmp_path / "other.csv"
    p.write_text('"0","1","d","f","u","made up"\n', encoding="latin-1")
    code, _, err = run(["data", "--tweets", str(p)], capsys)
    assert code == 2 and "8000 of 8000 canonical rows not found" in err and "ids absent (e.g." in err


def test_data_build_needs_tweets(no_tweets, capsys):
    code, _, err = run(["data", "--build", "--out", "x"], capsys)
    assert code == 2 and "--build needs the 9,998-row sample" in err


def test_embed_needs_tweets(no_tweets, capsys):
    pytest.importorskip("torch")
    code, _, err = run(["embed", "--no-progress"], capsys)
    assert code == 2 and "needs the tweets" in err and "ALREPRO_SENTIMENT140" in err


def test_embed_without_torch(no_tweets, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)
    code, _, err = run(["embed", "--check"], capsys)
    assert code == 2 and "pip install 'alrepro[embed]'" in err


def test_embed_unknown_encoder(capsys, tmp_path):
    pytest.importorskip("torch")
    if not TWEETS:
        pytest.skip("needs the tweets to reach encoder loading; set ALREPRO_SENTIMENT140")
    code, _, err = run(["embed", "--encoder", "no-such-model", "--out", str(tmp_path)], capsys)
    assert code == 2 and "unknown encoder 'no-such-model'" in err


@needs_tweets
def test_data_with_tweets(capsys):
    code, out, _ = run(["data", "--tweets", TWEETS], capsys)
    assert code == 0 and "checksum:  OK" in out and TWEETS in out


@needs_tweets
def test_data_build_cli_is_byte_identical(tmp_path, capsys):
    code, out, _ = run(["data", "--build", "--tweets", TWEETS, "--out", str(tmp_path)], capsys)
    assert code == 0 and "checksum:  OK" in out
    for name in (CANONICAL_CSV, CANONICAL_JSON, "features/hashed_terms.npz", "features/hashed_terms.json"):
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes(), name
    if (Path(TWEETS).parent / "testdata.manual.2009.06.14.csv").is_file():
        for name in ("testdata_manual.csv", "testdata_manual.json", "hashed_terms.npz", "hashed_terms.json"):
            assert (tmp_path / "heldout" / name).read_bytes() == (data_dir() / "heldout" / name).read_bytes(), name


@needs_tweets
def test_embed_check_subset_ok(capsys):
    pytest.importorskip("torch")
    code, out, _ = run(["embed", "--check", "--subset", "64", "--no-progress", "--tweets", TWEETS], capsys)
    assert code == 0 and "checked 64 of 8,000 vectors" in out and "OK" in out


@needs_tweets
def test_embed_check_reports_deviation(tmp_path, capsys):
    pytest.importorskip("torch")
    from dataclasses import replace

    from alrepro import embedding_cache as C

    ids, X, manifest = C.read_cache("all-MiniLM-L6-v2")
    info = {k: v for k, v in manifest.items() if k not in ("format", "data", "vectors")}
    data = replace(load_canonical(texts=False), checksum="ok")
    X = X.copy()
    X[0] += 1e-3  # a consistent (re-checksummed) cache whose first vector is off
    C.write_cache(X, data, info, tmp_path)
    code, out, _ = run(
        ["embed", "--check", "--subset", "8", "--no-progress", "--tweets", TWEETS, "--out", str(tmp_path)], capsys
    )
    assert code == 1 and "1 over 0.0001 -> MISMATCH" in out and "max |Δ| 0.001" in out


@needs_tweets
def test_embed_check_tampered_cache(tmp_path, capsys):
    pytest.importorskip("torch")
    from alrepro import embedding_cache as C

    for p in C.cache_paths("all-MiniLM-L6-v2"):
        shutil.copy(p, tmp_path / p.name)
    ids, X, _ = C.read_cache("all-MiniLM-L6-v2")
    C._write_npz(tmp_path / "all-minilm-l6-v2.npz", {"ids": ids, "vectors": np.flipud(X)})
    code, _, err = run(["embed", "--check", "--no-progress", "--tweets", TWEETS, "--out", str(tmp_path)], capsys)
    assert code == 2 and "checksum mismatch" in err
