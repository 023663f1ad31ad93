"""The committed figures' numbers: checksums, and a rerun that reproduces them byte for byte."""

import csv
import io
from pathlib import Path

import pytest

from alrepro import report
from alrepro.cli import main
from alrepro.figures import MULTISEED_PNG, REPLICA_PNG
from alrepro.paths import figures_dir
from alrepro.reproduce import reproduce

FIGURES = figures_dir()


def test_committed_outputs_match_their_checksums():
    sums = report.read_checksums(FIGURES / report.CHECKSUMS)
    assert set(sums) == {
        report.REPLICA_CSV, report.CURVES_CSV, report.SEED_SUMMARY_CSV, report.SUMMARY_MD, report.EFFECTS_CSV,
        report.OOD_CSV, report.POWER_CSV, report.README_RESULTS_MD,
    }
    for name, digest in sums.items():
        assert report.sha256_text((FIGURES / name).read_text(encoding="utf-8")) == digest, name


def test_committed_pngs_carry_no_software_metadata():
    for name in (REPLICA_PNG, MULTISEED_PNG):
        data = (FIGURES / name).read_bytes()
        assert data.startswith(b"\x89PNG") and b"matplotlib" not in data.lower()


def _rows(text: str, seeds: set[int]) -> list[dict]:
    return [r for r in csv.DictReader(io.StringIO(text)) if int(r["seed"]) in seeds]


@pytest.fixture(scope="module")
def rerun(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reproduce")
    reproduce(out, seeds=1, workers=2, progress=False)
    return out


def test_rerun_reproduces_the_committed_replica_byte_for_byte(rerun: Path):
    assert (rerun / report.REPLICA_CSV).read_bytes() == (FIGURES / report.REPLICA_CSV).read_bytes()


def test_rerun_reproduces_the_committed_seeds(rerun: Path):
    """Each seed's curves depend on that seed alone, so seed 0 must match the committed run exactly, every
    default strategy and the baseline included."""
    for name in (report.CURVES_CSV, report.SEED_SUMMARY_CSV):
        mine = (rerun / name).read_text(encoding="utf-8")
        committed = (FIGURES / name).read_text(encoding="utf-8")
        assert mine.splitlines()[0] == committed.splitlines()[0]
        assert _rows(mine, {0}) == _rows(committed, {0}), name


def test_two_runs_give_identical_bytes(rerun: Path, tmp_path: Path):
    reproduce(tmp_path, seeds=1, workers=1, progress=False)
    for name in (report.REPLICA_CSV, report.CURVES_CSV, report.SEED_SUMMARY_CSV, report.SUMMARY_MD, REPLICA_PNG,
                 report.EFFECTS_CSV, report.OOD_CSV, report.POWER_CSV, report.README_RESULTS_MD):
        assert (tmp_path / name).read_bytes() == (rerun / name).read_bytes(), name


def test_cli_reports_bad_options_clearly(tmp_path: Path, capsys):
    assert main(["reproduce", "--out", str(tmp_path), "--strategies", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["reproduce", "--out", str(tmp_path), "--batch-size", "0"]) == 2
    assert "--batch-size" in capsys.readouterr().err
