"""The committed expectations (``expectations.json``) and how a run's outcomes compare with them.

The file maps each test id of the sdist to what the fake achieves today (``passed``, ``failed`` or
``skipped``), and lists the tests that cannot run here, each with its reason (``excluded``: the test needs
the internet or a real second person). A *regression* is a test expected to pass that did not; a test that
now passes and was not expected to is *newly passing*, and ``--update`` records it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

EXPECTATIONS = Path(__file__).with_name("expectations.json")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
# A run's outcomes (see sdk_suite.outcomes) reduced to what the expectations record. A test the sdist marks
# skip or xfail does not pass against Labelbox either: it is not counted (shown apart, as "skipped").
KIND = {"passed": PASSED, "failed": FAILED, "error": FAILED, "xfailed": SKIPPED, "skipped": SKIPPED}


@dataclass
class Expectations:
    expected: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = EXPECTATIONS) -> Expectations:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(expected=dict(data.get("expected", {})), excluded=dict(data.get("excluded", {})))

    def save(self, path: Path = EXPECTATIONS) -> None:
        data = {"excluded": dict(sorted(self.excluded.items())), "expected": dict(sorted(self.expected.items()))}
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


@dataclass
class Comparison:
    regressions: list[str] = field(default_factory=list)  # expected to pass, did not (or did not run)
    newly_passing: list[str] = field(default_factory=list)  # expected to fail or unknown, passed
    changed: list[str] = field(default_factory=list)  # other changes (failed <-> skipped, new non-passing tests)

    @property
    def ok(self) -> bool:
        return not self.regressions


def in_scope(test_id: str, paths: list[str]) -> bool:
    """Whether a test id lies under one of the run's paths (files or folders, relative to the sdist root)."""
    file = test_id.split("::", 1)[0]
    return any(file == p or file.startswith(p.rstrip("/") + "/") for p in paths)


def compare(outcomes: dict[str, str], expectations: Expectations, paths: list[str]) -> Comparison:
    """Compare a run's outcomes (test id -> outcome) with the expectations for the tests under ``paths``."""
    result = Comparison()
    for test_id, outcome in sorted(outcomes.items()):
        kind, expected = KIND[outcome], expectations.expected.get(test_id)
        if expected == PASSED and kind != PASSED:
            result.regressions.append(test_id)
        elif kind == PASSED and expected != PASSED:
            result.newly_passing.append(test_id)
        elif kind != expected:
            result.changed.append(test_id)
    for test_id, expected in sorted(expectations.expected.items()):
        if expected == PASSED and test_id not in outcomes and test_id not in expectations.excluded \
                and in_scope(test_id, paths):
            result.regressions.append(test_id)
    return result


def updated(expectations: Expectations, outcomes: dict[str, str]) -> Expectations:
    """The expectations with this run's outcomes recorded (exclusions kept as they are)."""
    expected = dict(expectations.expected)
    expected.update({test_id: KIND[outcome] for test_id, outcome in outcomes.items()})
    return Expectations(expected=expected, excluded=dict(expectations.excluded))


@dataclass
class Count:
    passed: int = 0
    total: int = 0  # tests that ran, not counting the sdist's own skip and xfail marks
    skipped: int = 0
    excluded: int = 0


def counts(outcomes: dict[str, str], excluded: list[str]) -> dict[str, Count]:
    """``P passed of N`` per file, and over all (key ``""``)."""
    by_file: dict[str, Count] = defaultdict(Count)
    for test_id, outcome in outcomes.items():
        for key in (test_id.split("::", 1)[0], ""):
            c = by_file[key]
            if KIND[outcome] == SKIPPED:
                c.skipped += 1
            else:
                c.total += 1
                c.passed += KIND[outcome] == PASSED
    for test_id in excluded:
        for key in (test_id.split("::", 1)[0], ""):
            by_file[key].excluded += 1
    return dict(by_file)


def format_counts(by_file: dict[str, Count]) -> str:
    """One line per file, then the overall line: ``P passed of N`` (plus skips and exclusions when any)."""

    def line(name: str, c: Count) -> str:
        extra = [f"{n} {what}" for n, what in ((c.skipped, "skip/xfail by the sdist"), (c.excluded, "excluded"))
                 if n]
        pct = f" ({100 * c.passed / c.total:.1f}%)" if c.total else ""
        return f"{c.passed:4d} passed of {c.total:<4d}{pct:9s} {name}" + (f"  [{', '.join(extra)}]" if extra else "")

    files = [line(name, c) for name, c in sorted(by_file.items()) if name]
    return "\n".join([*files, line("overall", by_file.get("", Count()))])
