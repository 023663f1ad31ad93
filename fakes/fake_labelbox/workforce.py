"""Simulated labelers: they take queued rows in queue order and answer from registered ground truth.

Ground truth is registered per global key (``state.truth``). With probability ``error_rate`` a labeler
picks a different option, drawn from the workforce's own seeded RNG, so runs are reproducible. By
default they work only when stepped explicitly (``step(n)``); ``mode="per_request"`` labels ``rate``
rows per API request and ``mode="per_second"`` labels ``rate`` rows per elapsed second.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .export import find_classification
from .state import State

MODES = ("manual", "per_request", "per_second")


@dataclass
class WorkforceConfig:
    error_rate: float = 0.0
    seed: int | None = 0
    labelers: int = 1
    mode: str = "manual"
    rate: float = 1.0


class Workforce:
    def __init__(self, state: State) -> None:
        self.state = state
        self.configure()

    def configure(self, **changes: Any) -> WorkforceConfig:
        """Replace the configuration (unspecified fields take defaults) and restart the RNG."""
        cfg = WorkforceConfig(**changes)
        if cfg.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {cfg.mode!r}")
        if not 0.0 <= cfg.error_rate <= 1.0:
            raise ValueError("error_rate must be within [0, 1]")
        self.config = cfg
        self.rng = random.Random(cfg.seed if cfg.seed is not None else self.state.env.token())
        self.count = 0
        self.started = self.state.env.monotonic()
        self.credit = 0.0
        return cfg

    # ---- automatic modes -------------------------------------------------------------------
    def tick(self) -> None:
        """Called once per API request: advances the workforce in the automatic modes."""
        cfg = self.config
        if cfg.mode == "per_request":
            self.credit += cfg.rate
        elif cfg.mode == "per_second":
            self.credit = (self.state.env.monotonic() - self.started) * cfg.rate - self.count
        else:
            return
        n = int(self.credit)
        if n > 0:
            self.step(n)
            if cfg.mode == "per_request":
                self.credit -= n

    # ---- explicit stepping -----------------------------------------------------------------
    def step(self, n: int = 1, project_id: str | None = None) -> list[dict]:
        """Label up to ``n`` queued rows per project (or in ``project_id`` only); returns what was labeled.

        Rows whose global key has no registered truth are skipped and stay queued.
        """
        st = self.state
        made: list[dict] = []
        with st.lock:
            projects = [st.project(project_id)] if project_id else [p for p in st.projects.values() if not p.deleted]
            for p in projects:
                ontology = st.ontologies.get(p.ontology_id or "")
                if ontology is None or n <= 0:
                    continue
                lookup = _Lookup(ontology.normalized)
                labelers = [f"labeler-{i + 1}@fake-labelbox.test" for i in range(max(1, self.config.labelers))]
                rows: list = []  # labeled together, in this order, with their answers, labelers and correctness
                given: list[list[dict]] = []
                by: list[str] = []
                correct: list[bool] = []
                try:
                    for entry in st.queued(p.id):
                        row = st.data_rows[entry.data_row_id]
                        truth = st.truth.get(row.global_key or "")
                        if truth is None:
                            continue
                        answers, right = self._answers(lookup, truth)
                        by.append(labelers[(self.count + len(rows)) % len(labelers)])
                        rows.append(row)
                        given.append(answers)
                        correct.append(right)
                        if len(rows) >= n:
                            break  # before asking for the next row: the rest of the queue may never need sorting
                finally:  # also when a row's answers failed: the rows before it are labeled, as one by one
                    labels = st.add_labels(p.id, [row.id for row in rows], given, by, "workforce")
                    self.count += len(rows)
                made += [{"project_id": p.id, "data_row_id": row.id, "global_key": row.global_key, "label_id": lab.id,
                          "answers": answers, "correct": right}
                         for row, lab, answers, right in zip(rows, labels, given, correct, strict=True)]
        return made

    def _answers(self, lookup: _Lookup, truth: Any) -> tuple[list[dict], bool]:
        """One answer per classification in ``truth`` ({name: answer}, or a bare answer for the first radio),
        and whether all are right."""
        if type(truth) in (str, int):
            resolved = lookup.bare(truth)
        else:
            if not isinstance(truth, dict):
                truth = {lookup.first_radio(): truth}
            resolved = lookup.resolve(truth)  # lazily: each classification's lookups after the one before's draw
        out, right = [], True
        for name, cls, answer in resolved:
            given = answer
            if cls is not None and self.rng.random() < self.config.error_rate:
                others = [o for o in cls.get("options", []) if self._canonical(cls, o.get("label")) != answer]
                if others:
                    given = self._canonical(cls, self.rng.choice(others).get("label"))
            out.append({"name": name, "answer": given})
            if right and not given == answer:
                right = False
        return out, right

    @staticmethod
    def _canonical(cls: dict | None, answer: Any) -> Any:
        """Option label for an answer given as label, value or index."""
        from .export import find_option

        opt = find_option(cls, answer) if cls else None
        return (opt.get("label") or opt.get("value")) if opt else answer


class _Lookup:
    """One step's lookups in an ontology (it cannot change during the step), memoized."""

    def __init__(self, normalized: dict) -> None:
        self.normalized = normalized
        self.memo: dict[tuple, Any] = {}  # ("first",), ("cls", ...), ("opt", ...) -> result

    def first_radio(self) -> Any:
        if ("first",) not in self.memo:
            radios = (c for c in self.normalized.get("classifications", []) if c.get("type", "radio") == "radio")
            self.memo[("first",)] = next(radios, None)
        first = self.memo[("first",)]
        if first is None:
            raise ValueError("The project's ontology has no radio classification to answer")
        return first.get("name") or first.get("instructions")

    def resolve(self, truth: dict) -> Iterator[tuple[Any, dict | None, Any]]:
        """``(name, classification, canonical answer)`` per item of ``truth``."""
        for name, want in truth.items():
            cls = self.classification(name)
            yield name, cls, self.canonical(cls, want)

    def bare(self, truth: str | int) -> list[tuple[Any, dict | None, Any]]:
        """``resolve`` for a bare answer (to the first radio), once per answer."""
        key = ("bare", type(truth), truth)
        if key not in self.memo:
            self.memo[key] = list(self.resolve({self.first_radio(): truth}))
        return self.memo[key]

    def classification(self, name: Any) -> dict | None:
        key = ("cls", type(name), name)
        if key not in self.memo:
            self.memo[key] = find_classification(self.normalized, name)
        return self.memo[key]

    def canonical(self, cls: dict | None, answer: Any) -> Any:
        if type(answer) not in (str, int):  # others may be unhashable, or equal yet print differently
            return Workforce._canonical(cls, answer)
        key = ("opt", id(cls), type(answer), answer)
        if key not in self.memo:
            self.memo[key] = Workforce._canonical(cls, answer)
        return self.memo[key]
