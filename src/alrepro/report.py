"""The numbers behind the figures: per-seed CSVs, the Markdown summary and their checksums.

CSV numbers are written with fixed precision (AUC to 6 decimals) so that reruns are byte-identical.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alrepro.experiment import Curve
from alrepro.metrics import aulc, labels_to_target, median_iqr, paired_wilcoxon

REPLICA_CSV = "replica_curves.csv"
CURVES_CSV = "per_seed_curves.csv"
SEED_SUMMARY_CSV = "per_seed_summary.csv"
SUMMARY_MD = "summary.md"
CHECKSUMS = "SHA256SUMS"
TARGETS = (0.99, 0.995)
STOP_NAMES = ("stabilizing_predictions", "overall_uncertainty")


def _fmt(x: float | int | None) -> str:
    if x is None:
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{x:.6f}"


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_fmt(v) if not isinstance(v, str) else v for v in row])
    return buf.getvalue()


def curves_csv(curves: Sequence[Curve], with_seed: bool = True) -> str:
    header = ["strategy", "seed", "labels", "auc"] if with_seed else ["strategy", "labels", "auc"]
    rows = []
    for c in curves:
        for n, a in zip(c.labels, c.auc, strict=True):
            rows.append([c.strategy, c.seed, n, a] if with_seed else [c.strategy, n, a])
    return _csv_text(header, rows)


@dataclass(frozen=True)
class SeedSummary:
    strategy: str
    seed: int
    aulc: float
    full_auc: float
    to_target: tuple[int | None, ...]  # one per TARGETS
    stops: tuple[int | None, ...]  # one per STOP_NAMES


def summarise(curves: Sequence[Curve], full_aucs: dict[tuple[str, int], float]) -> list[SeedSummary]:
    out = []
    for c in curves:
        full = full_aucs[(c.mode, c.seed)]
        labels, auc = np.array(c.labels), np.array(c.auc)
        out.append(
            SeedSummary(
                c.strategy,
                c.seed,
                aulc(labels, auc),
                full,
                tuple(labels_to_target(labels, auc, t * full) for t in TARGETS),
                tuple(c.stops.get(name) for name in STOP_NAMES),
            )
        )
    return out


def seed_summary_csv(rows: Sequence[SeedSummary]) -> str:
    header = ["strategy", "seed", "aulc", "full_auc"]
    header += [f"labels_to_{t * 100:g}pct" for t in TARGETS] + [f"stop_{n}" for n in STOP_NAMES]
    return _csv_text(header, [[r.strategy, r.seed, r.aulc, r.full_auc, *r.to_target, *r.stops] for r in rows])


def _censored(values: Sequence[int | None], cap: int) -> np.ndarray:
    """Labels-to-target with 'never reached' counted as ``cap`` (one batch past the budget) for the paired test."""
    return np.array([cap if v is None else v for v in values], dtype=float)


def _fmt_miqr(values: Sequence[float | None], digits: int) -> str:
    stats = median_iqr(list(values))
    if stats is None:
        return "never"
    med, q25, q75 = stats
    missing = sum(v is None for v in values)
    note = f" ({missing} never)" if missing else ""
    return f"{med:.{digits}f} [{q25:.{digits}f}, {q75:.{digits}f}]{note}"


def summary_markdown(
    rows: Sequence[SeedSummary],
    replica: Sequence[SeedSummary],
    *,
    baseline: str = "random",
    budget_cap: int,
    encoder: str,
) -> str:
    strategies = list(dict.fromkeys(r.strategy for r in rows))
    seeds = sorted({r.seed for r in rows})
    by = {(r.strategy, r.seed): r for r in rows}
    lines = [
        f"# Summary: {len(seeds)} paired seeds, encoder `{encoder}`",
        "",
        "AULC is the area under the ROC-AUC-vs-labels curve divided by the label range. 'Labels to X%' is the",
        "first label count whose test AUC reaches X% of that seed's full-data AUC (all 7,200 pool labels).",
        f"Values are median [IQR] over seeds. p-values: two-sided paired Wilcoxon signed-rank test against `{baseline}`",
        f"('never' counted as {budget_cap} labels).",
        "",
        "| strategy | AULC | labels to 99% | labels to 99.5% | ΔAULC vs random | p (AULC) | p (labels to 99%) |"
        " stabilizing-predictions stop |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in strategies:
        mine = [by[(s, seed)] for seed in seeds if (s, seed) in by]
        cells = [
            f"`{s}`",
            _fmt_miqr([r.aulc for r in mine], 4),
            _fmt_miqr([r.to_target[0] for r in mine], 0),
            _fmt_miqr([r.to_target[1] for r in mine], 0),
        ]
        if s != baseline and all((baseline, seed) in by for seed in seeds):
            base = [by[(baseline, seed)] for seed in seeds]
            t_aulc = paired_wilcoxon([r.aulc for r in mine], [r.aulc for r in base])
            t_lab = paired_wilcoxon(
                _censored([r.to_target[0] for r in mine], budget_cap),
                _censored([r.to_target[0] for r in base], budget_cap),
            )
            cells += [f"{t_aulc.median_difference:+.4f}", f"{t_aulc.p_value:.2g}", f"{t_lab.p_value:.2g}"]
        else:
            cells += ["—", "—", "—"]
        cells.append(_fmt_miqr([r.stops[0] for r in mine], 0))
        lines.append("| " + " | ".join(cells) + " |")
    if replica:
        lines += [
            "",
            "## Replica (the tutorial's single run, canonical split)",
            "",
            "| strategy | AULC | full-data AUC | labels to 99% | labels to 99.5% |",
            "|---|---|---|---|---|",
        ]
        for r in replica:
            cells = [f"`{r.strategy}`", f"{r.aulc:.4f}", f"{r.full_auc:.4f}"]
            cells += ["never" if v is None else str(v) for v in r.to_target]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_outputs(out: Path, files: dict[str, str]) -> dict[str, str]:
    """Write text files and a SHA256SUMS over them; returns name -> sha256."""
    out.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
        sums[name] = sha256_text(text)
    (out / CHECKSUMS).write_text("".join(f"{h}  {n}\n" for n, h in sorted(sums.items())), encoding="utf-8")
    return sums


def read_checksums(path: Path) -> dict[str, str]:
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.strip()] = digest
    return sums
