import dataclasses
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


FULL = {("honest", s, name): 0.86 + 0.001 * s for s in range(6) for name in ("random", "least_confidence")}


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
    rows = report.summarise(_curves(), FULL)
    lc0 = next(r for r in rows if r.strategy == "least_confidence" and r.seed == 0)
    rnd0 = next(r for r in rows if r.strategy == "random" and r.seed == 0)
    assert lc0.to_target[0] == 200  # 0.86 >= 0.99 * 0.86
    assert rnd0.to_target[0] == 400  # 0.85 < 0.8514 at 300
    assert lc0.stops == (300, None)


def test_summary_markdown_has_one_row_per_strategy_and_a_paired_test():
    md = report.summary_markdown(report.summarise(_curves(), FULL), [], budget_cap=500, encoder="x")
    table = md[: md.index("## Seeds needed")]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`random`", "`least_confidence`"]
    cells = [c.strip() for c in rows[1].split("|")[1:-1]]
    assert cells[2].startswith("+0.0")  # a positive AULC difference vs random
    assert cells[4] == "-200 [-200, -200]" and cells[5] == "50% [50%, 50%]"  # 200 vs 400 labels on every seed
    assert cells[7] == "6 of 6" and cells[8] == "0.031"  # Wilcoxon, 6 of 6 the same sign: 2 / 2**6
    assert "—" in rows[0]


def test_effects_csv_one_row_per_strategy_and_metric():
    comparisons = report.compare(report.summarise(_curves(), FULL), baseline="random", cap=500)
    rows = report.effects_csv(comparisons, "random").splitlines()
    assert rows[0].startswith("strategy,baseline,metric,seeds,mean_strategy")
    assert [r.split(",")[2] for r in rows[1:]] == ["aulc", "labels_to_99pct", "labels_to_99.5pct"]
    lab = rows[2].split(",")
    assert lab[6] == "-200.000000" and lab[9:12] == ["6", "0", "0"] and lab[13] == "0.500000"


def test_heldout_columns_and_table():
    curves = [dataclasses.replace(c, ood=((200, 0.8 + 0.01 * c.seed), (400, 0.9))) for c in _curves()]
    rows = report.summarise(curves, FULL)
    assert rows[0].ood == (None, None, None, 0.9)  # OOD_BUDGETS not reached on this 400-label curve; "all"
    comparisons = report.compare(rows, baseline="random", cap=500)
    assert report.ood_csv(comparisons).splitlines()[1] == "random,all,6,0.900000,0.900000,0.900000"


def test_write_outputs_checksums_roundtrip(tmp_path: Path):
    sums = report.write_outputs(tmp_path, {"a.csv": "x,y\n1,2\n", "b.md": "# hi\n"})
    assert report.read_checksums(tmp_path / report.CHECKSUMS) == sums
    assert sums["a.csv"] == report.sha256_text((tmp_path / "a.csv").read_text())
