from pathlib import Path

import numpy as np

from alrepro import report
from alrepro.experiment import Curve


def _curves():
    labels = (100, 200, 300, 400)
    out = []
    for seed in range(6):
        base = np.array([0.70, 0.80, 0.85, 0.86]) + 0.001 * seed
        out.append(Curve("honest", "random", seed, labels, tuple(base), {"stabilizing_predictions": None}))
        out.append(
            Curve("honest", "least_confidence", seed, labels, tuple(base + [0, 0.06, 0.01, 0]), {"stabilizing_predictions": 300})
        )
    return out


def test_curves_csv_fixed_precision_and_order():
    text = report.curves_csv(_curves()[:1])
    assert text.splitlines() == [
        "strategy,seed,labels,auc",
        "random,0,100,0.700000",
        "random,0,200,0.800000",
        "random,0,300,0.850000",
        "random,0,400,0.860000",
    ]


def test_summarise_labels_to_target_relative_to_full_auc():
    full = {("honest", s): 0.86 + 0.001 * s for s in range(6)}
    rows = report.summarise(_curves(), full)
    lc0 = next(r for r in rows if r.strategy == "least_confidence" and r.seed == 0)
    rnd0 = next(r for r in rows if r.strategy == "random" and r.seed == 0)
    assert lc0.to_target[0] == 200  # 0.86 >= 0.99 * 0.86
    assert rnd0.to_target[0] == 400  # 0.85 < 0.8514 at 300
    assert lc0.stops == (300, None)


def test_summary_markdown_has_one_row_per_strategy_and_a_paired_test():
    full = {("honest", s): 0.86 + 0.001 * s for s in range(6)}
    md = report.summary_markdown(report.summarise(_curves(), full), [], budget_cap=500, encoder="x")
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`random`", "`least_confidence`"]
    assert "+0.0" in rows[1]  # a positive AULC difference vs random
    assert "—" in rows[0]


def test_write_outputs_checksums_roundtrip(tmp_path: Path):
    sums = report.write_outputs(tmp_path, {"a.csv": "x,y\n1,2\n", "b.md": "# hi\n"})
    assert report.read_checksums(tmp_path / report.CHECKSUMS) == sums
    assert sums["a.csv"] == report.sha256_text((tmp_path / "a.csv").read_text())
