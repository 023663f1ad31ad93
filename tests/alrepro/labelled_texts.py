"""Made-up labelled texts for tests: short sentences about three topics, written as CSV or JSON Lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

TOPICS = {
    "sport": ["the striker scored", "a late goal", "the referee whistled", "our team won the match",
              "the coach praised the defence", "fans cheered in the stadium", "a penalty kick", "the league table"],
    "cooking": ["simmer the sauce", "chop two onions", "bake the bread", "a pinch of salt",
                "the soup needs garlic", "roast the vegetables", "whisk the eggs", "fresh basil and tomato"],
    "weather": ["heavy rain tonight", "a sunny afternoon", "strong winds from the north", "snow on the hills",
                "the forecast says fog", "thunder and lightning", "a mild breeze", "frost before dawn"],
}
FILLER = ["today", "again", "I think", "honestly", "this week", "as usual", "finally", "once more"]


def three_class_rows(n: int = 300, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` (text, label) rows over three topics, in random order; every text distinct."""
    rng = np.random.default_rng(seed)
    labels = list(TOPICS)
    rows = []
    for i in range(n):
        label = labels[int(rng.integers(3))]
        words = TOPICS[label]
        a, b = rng.choice(len(words), 2, replace=False)
        rows.append((f"{words[a]}, {FILLER[int(rng.integers(len(FILLER)))]}: {words[b]} (#{i})", label))
    return rows


def write_csv(path: Path, rows: list[tuple[str, str]], columns=("text", "label")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows), encoding="utf-8")
    return path
