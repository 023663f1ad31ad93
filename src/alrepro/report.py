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

from alrepro.effects import (
    N_BOOT,
    POWER_PRECISION,
    PairedEffect,
    bootstrap_mean_ci,
    interval_half_width,
    paired_effect,
    seeds_needed,
)
from alrepro.experiment import OOD_BUDGETS, Curve
from alrepro.metrics import aulc, labels_to_target

REPLICA_CSV = "replica_curves.csv"
CURVES_CSV = "per_seed_curves.csv"
SEED_SUMMARY_CSV = "per_seed_summary.csv"
SUMMARY_MD = "summary.md"
EFFECTS_CSV = "effects.csv"
OOD_CSV = "heldout_auc.csv"
POWER_CSV = "power.csv"
README_RESULTS_MD = "readme_results.md"  # the README's Results block, verbatim (a test holds them equal)
CHECKSUMS = "SHA256SUMS"
TARGETS = (0.99, 0.995)
LABEL_METRICS = ("labels_to_99pct", "labels_to_99.5pct")  # one per TARGETS
STOP_NAMES = ("stabilizing_predictions", "overall_uncertainty")
OOD_COLUMNS = (*(str(b) for b in OOD_BUDGETS), "all")
POWER_MAX_SEEDS = 40


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
    ood: tuple[float | None, ...] = ()  # held-out AUC at OOD_COLUMNS


def summarise(curves: Sequence[Curve], full_aucs: dict[tuple[str, int, str], float]) -> list[SeedSummary]:
    """Per curve: AULC, its learner's full-data AUC, labels to each target share of it, stops, held-out AUCs."""
    out = []
    for c in curves:
        full = full_aucs[(c.mode, c.seed, c.strategy)]
        labels, auc = np.array(c.labels), np.array(c.auc)
        ood = dict(c.ood)
        out.append(
            SeedSummary(
                c.strategy,
                c.seed,
                aulc(labels, auc),
                full,
                tuple(labels_to_target(labels, auc, t * full) for t in TARGETS),
                tuple(c.stops.get(name) for name in STOP_NAMES),
                tuple(ood.get(b) for b in OOD_BUDGETS) + ((ood.get(c.labels[-1]),) if c.ood else (None,)),
            )
        )
    return out


def seed_summary_csv(rows: Sequence[SeedSummary]) -> str:
    header = ["strategy", "seed", "aulc", "full_auc"]
    header += [f"labels_to_{t * 100:g}pct" for t in TARGETS] + [f"stop_{n}" for n in STOP_NAMES]
    header += [f"ood_auc_{c}" for c in OOD_COLUMNS]
    return _csv_text(
        header, [[r.strategy, r.seed, r.aulc, r.full_auc, *r.to_target, *r.stops, *r.ood] for r in rows]
    )


def _censored(values: Sequence[int | None], cap: int) -> np.ndarray:
    """Labels-to-target with 'never reached' counted as ``cap`` (one batch past the budget)."""
    return np.array([cap if v is None else v for v in values], dtype=float)


# ---------------------------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Comparison:
    """One strategy against the baseline: its effects per metric and its held-out AUCs."""

    strategy: str
    n_seeds: int
    aulc: tuple[float, float, float]  # mean, low, high of the strategy's own AULC
    to_99: tuple[float, float, float]  # mean, low, high of its labels to 99% (censored)
    never_99: int
    effects: dict[str, PairedEffect | None]  # metric -> effect vs baseline (None for the baseline itself)
    ood: dict[str, tuple[float, float, float]]  # OOD column -> mean, low, high


def compare(rows: Sequence[SeedSummary], *, baseline: str, cap: int) -> list[Comparison]:
    """Per strategy, in first-seen order: paired effects against ``baseline`` on the seeds both ran."""
    strategies = list(dict.fromkeys(r.strategy for r in rows))
    by = {(r.strategy, r.seed): r for r in rows}
    out = []
    for s in strategies:
        seeds = sorted(seed for (name, seed) in by if name == s and (baseline, seed) in by)
        mine = [by[(s, seed)] for seed in seeds]
        base = [by[(baseline, seed)] for seed in seeds]
        values = {
            "aulc": ([r.aulc for r in mine], [r.aulc for r in base]),
            **{m: (_censored([r.to_target[i] for r in mine], cap), _censored([r.to_target[i] for r in base], cap))
               for i, m in enumerate(LABEL_METRICS)},
        }
        effects: dict[str, PairedEffect | None] = {}
        for metric, (a, b) in values.items():
            effects[metric] = None if s == baseline else paired_effect(
                a, b, higher_is_better=metric == "aulc", saving=metric != "aulc"
            )
        ood = {}
        for i, col in enumerate(OOD_COLUMNS):
            vals = [r.ood[i] for r in mine if r.ood and r.ood[i] is not None]
            if vals:
                ood[col] = bootstrap_mean_ci(np.array(vals))
        out.append(Comparison(
            s, len(seeds), bootstrap_mean_ci(values["aulc"][0]), bootstrap_mean_ci(values[LABEL_METRICS[0]][0]),
            sum(r.to_target[0] is None for r in mine), effects, ood,
        ))
    return out


def effects_csv(comparisons: Sequence[Comparison], baseline: str) -> str:
    header = ["strategy", "baseline", "metric", "seeds", "mean_strategy", "mean_baseline", "mean_difference",
              "ci_low", "ci_high", "seeds_favouring_strategy", "seeds_favouring_baseline", "ties", "wilcoxon_p",
              "relative_saving", "saving_ci_low", "saving_ci_high"]
    rows = []
    for c in comparisons:
        for metric, e in c.effects.items():
            if e is None:
                continue
            rows.append([c.strategy, baseline, metric, e.n, e.mean_strategy, e.mean_baseline, e.difference,
                         e.ci_low, e.ci_high, e.favour_strategy, e.favour_baseline, e.ties, e.p_value,
                         e.saving, e.saving_low, e.saving_high])
    return _csv_text(header, rows)


def ood_csv(comparisons: Sequence[Comparison]) -> str:
    rows = [[c.strategy, col, c.n_seeds, *c.ood[col]] for c in comparisons for col in OOD_COLUMNS if col in c.ood]
    return _csv_text(["strategy", "labels", "seeds", "mean_auc", "ci_low", "ci_high"], rows)


def power_rows(rows: Sequence[SeedSummary], *, baseline: str, cap: int, max_seeds: int = POWER_MAX_SEEDS):
    """(strategy, metric, seeds, expected half-width, |mean difference|) for 2..max_seeds seeds, and the seeds
    each (strategy, metric) needs (None when more than max_seeds)."""
    by = {(r.strategy, r.seed): r for r in rows}
    table, needed = [], {}
    for s in dict.fromkeys(r.strategy for r in rows):
        if s == baseline:
            continue
        seeds = sorted(seed for (name, seed) in by if name == s and (baseline, seed) in by)
        pairs = {"aulc": [by[(s, x)].aulc - by[(baseline, x)].aulc for x in seeds]}
        pairs[LABEL_METRICS[0]] = list(
            _censored([by[(s, x)].to_target[0] for x in seeds], cap)
            - _censored([by[(baseline, x)].to_target[0] for x in seeds], cap)
        )
        for metric, d in pairs.items():
            d = np.array(d)
            needed[(s, metric)] = seeds_needed(d, max_seeds=max_seeds)
            for n in range(2, max_seeds + 1):
                table.append([s, metric, n, interval_half_width(d, n), abs(float(d.mean()))])
    return table, needed


def power_csv(table) -> str:
    return _csv_text(["strategy", "metric", "seeds", "expected_ci_half_width", "abs_mean_difference"], table)


# ---------------------------------------------------------------------------------------------- Markdown


def _ci(t: tuple[float, float, float], digits: int, signed: bool = False, thousands: bool = False) -> str:
    fmt = (lambda x: f"{x:+,.{digits}f}") if signed else (lambda x: f"{x:,.{digits}f}")
    if not thousands:
        fmt = (lambda x: f"{x:+.{digits}f}") if signed else (lambda x: f"{x:.{digits}f}")
    return f"{fmt(t[0])} [{fmt(t[1])}, {fmt(t[2])}]"


def _pct(e: PairedEffect) -> str:
    return f"{e.saving:.0%} [{e.saving_low:.0%}, {e.saving_high:.0%}]"


def results_table(comparisons: Sequence[Comparison], baseline: str) -> list[str]:
    """The headline table: one row per strategy, every cell a mean with its 95% bootstrap interval."""
    lines = [
        f"| strategy | AULC | ΔAULC vs {baseline} | labels to 99% | Δ labels to 99% | label saving at 99% |"
        " Δ labels to 99.5% | seeds favouring (AULC) | p (AULC) | p (labels to 99%) | held-out AUC at 1,000 labels |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        never = f" ({c.never_99} never)" if c.never_99 else ""
        cells = [f"`{c.strategy}`", _ci(c.aulc, 4), "", _ci(c.to_99, 0, thousands=True) + never]
        e_aulc, e99, e995 = (c.effects.get(m) for m in ("aulc", *LABEL_METRICS))
        if e_aulc is None:
            cells[2] = "—"
            cells += ["—", "—", "—", "—", "—", "—"]
        else:
            cells[2] = _ci((e_aulc.difference, e_aulc.ci_low, e_aulc.ci_high), 4, signed=True)
            cells += [
                _ci((e99.difference, e99.ci_low, e99.ci_high), 0, signed=True, thousands=True),
                _pct(e99),
                _ci((e995.difference, e995.ci_low, e995.ci_high), 0, signed=True, thousands=True),
                f"{e_aulc.favour_strategy} of {e_aulc.n}",
                f"{e_aulc.p_value:.2g}",
                f"{e99.p_value:.2g}",
            ]
        cells.append(_ci(c.ood["1000"], 3) if "1000" in c.ood else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary_markdown(
    rows: Sequence[SeedSummary],
    replica: Sequence[SeedSummary],
    *,
    baseline: str = "random",
    budget_cap: int,
    encoder: str,
) -> str:
    comparisons = compare(rows, baseline=baseline, cap=budget_cap)
    seeds = sorted({r.seed for r in rows})
    lines = [
        f"# Summary: {len(seeds)} paired seeds, encoder `{encoder}`",
        "",
        "AULC is the area under the ROC-AUC-vs-labels curve divided by the label range. 'Labels to X%' is the",
        "first label count whose test AUC reaches X% of that seed's full-data AUC (the same learner on all",
        f"7,200 pool labels; 'never' counted as {budget_cap:,} labels). Every cell is a mean over seeds with its 95%",
        f"percentile-bootstrap interval over seeds ({N_BOOT:,} resamples); Δ is the paired difference against",
        f"`{baseline}` on the same seeds, and the label saving is 1 - mean labels / mean labels of `{baseline}`.",
        "p: two-sided paired Wilcoxon signed-rank test. `tfidf_random` is the TF-IDF + logistic regression",
        f"baseline labelling the same rows as `{baseline}`. Held-out AUC: the models scored on Sentiment140's",
        "hand-labelled test tweets (359 rows, targets 0 and 4).",
        "",
        *results_table(comparisons, baseline),
    ]
    if any(c.ood for c in comparisons):
        lines += ["", "## Held-out (out-of-distribution) ROC AUC, mean [95% CI]", "",
                  "| strategy | " + " | ".join(f"{c} labels" if c != "all" else "all labels" for c in OOD_COLUMNS)
                  + " |", "|---|" + "---|" * len(OOD_COLUMNS)]
        for c in comparisons:
            lines.append(f"| `{c.strategy}` | " + " | ".join(
                _ci(c.ood[col], 3) if col in c.ood else "—" for col in OOD_COLUMNS) + " |")
    table, needed = power_rows(rows, baseline=baseline, cap=budget_cap)
    if needed:
        lines += [
            "",
            "## Seeds needed (power)",
            "",
            "The fewest seeds at which a paired test (alpha 0.05) detects the observed mean difference with 80%",
            f"power: the expected 95% interval half-width, from the observed spread, is at most {POWER_PRECISION:.2f} x",
            "the difference. `power.csv` has the width at every seed count.",
            "",
            "| strategy | ΔAULC | Δ labels to 99% |",
            "|---|---|---|",
        ]
        for s in dict.fromkeys(k[0] for k in needed):
            cells = [needed[(s, m)] for m in ("aulc", LABEL_METRICS[0])]
            lines.append(f"| `{s}` | " + " | ".join(f"> {POWER_MAX_SEEDS}" if v is None else str(v) for v in cells)
                         + " |")
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


def readme_results(comparisons: Sequence[Comparison], replica: Sequence[SeedSummary], *, baseline: str) -> str:
    """The README's Results block: the headline sentences and the table, every number from this run."""
    from alrepro.defaults import STRATEGY

    by = {c.strategy: c for c in comparisons}
    lines = []
    if STRATEGY in by and by[STRATEGY].effects.get("aulc") is not None:
        c, base = by[STRATEGY], by[baseline]
        e_aulc, e99, e995 = (c.effects[m] for m in ("aulc", *LABEL_METRICS))
        lines += [
            f"Over {c.n_seeds} paired seeds, `{STRATEGY}` (the tutorial's uncertainty sampling) reaches 99% of the",
            f"full-data test AUC after {_ci(c.to_99, 0, thousands=True)} labels against"
            f" {_ci(base.to_99, 0, thousands=True)} for `{baseline}`",
            f"(mean [95% bootstrap interval over seeds]): **{_pct(e99)} fewer labels**. At 99.5% the saving is"
            f" {_pct(e995)}.",
            f"{e_aulc.favour_strategy} of {e_aulc.n} seeds favour it on AULC (ΔAULC {e_aulc.difference:+.4f}"
            f" [{e_aulc.ci_low:+.4f}, {e_aulc.ci_high:+.4f}], Wilcoxon p = {e_aulc.p_value:.2g}); on labels to 99%,"
            f" {e99.favour_strategy} of {e99.n} (p = {e99.p_value:.2g}).",
        ]
        if "1000" in c.ood and "1000" in base.ood:
            lines.append(
                f"On the hand-labelled held-out tweets its models score {_ci(c.ood['1000'], 3)} ROC AUC at 1,000"
                f" labels, `{baseline}`'s {_ci(base.ood['1000'], 3)}."
            )
        lines.append("")
    lines += results_table(comparisons, baseline)
    for r in replica:
        if r.strategy == STRATEGY:
            others = [x for x in replica if x.strategy != STRATEGY]
            lines += ["", f"Replica (the tutorial's protocol, canonical split, one run): `{STRATEGY}` reaches 99% of"
                      f" its asymptote at {r.to_target[0]:,} labels"
                      + "".join(f", `{o.strategy}` (file order) at {o.to_target[0]:,}" for o in others
                                if o.to_target[0] is not None) + "."]
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
