"""Simulated labelers: they take queued rows in queue order and answer from registered ground truth.

Ground truth is registered per global key (``state.truth``). With probability ``error_rate`` a labeler
picks a different option, drawn from the workforce's own seeded RNG, so runs are reproducible. By
default they work only when stepped explicitly (``step(n)``); ``mode="per_request"`` labels ``rate``
rows per API request and ``mode="per_second"`` labels ``rate`` rows per elapsed second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .entities import QueueEntry
from .export import find_classification, find_option
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
        if cfg.mode != "manual":
            self.state.changed()  # every request moves an automatic workforce on
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
                labelers = [f"labeler-{i + 1}@fake-labelbox.test" for i in range(max(1, self.config.labelers))]
                for entry, truth in self._next_labelable(p.id, n):
                    row = st.data_rows[entry.data_row_id]
                    answers, right = self._answers(ontology.normalized, truth)
                    lab = st.add_label(p.id, row.id, answers, labelers[self.count % len(labelers)], "workforce")
                    self.count += 1
                    made.append({"project_id": p.id, "data_row_id": row.id, "global_key": row.global_key,
                                 "label_id": lab.id, "answers": answers, "correct": right})
        return made

    def _truth(self, entry: QueueEntry) -> Any:
        """The registered ground truth of a queued row, or None."""
        return self.state.truth.get(self.state.data_rows[entry.data_row_id].global_key or "")

    def _next_labelable(self, project_id: str, n: int) -> list[tuple[QueueEntry, Any]]:
        """The first ``n`` queued rows that have ground truth, in queue order, each with its truth."""
        first = [(e, self._truth(e)) for e in self.state.next_in_queue(project_id, n)]
        if all(truth is not None for _, truth in first):  # the usual case: truth for every row asked for
            return first
        labelable = ((e, self._truth(e)) for e in self.state.queue_order(project_id))
        return [(e, truth) for e, truth in labelable if truth is not None][:n]

    def _answers(self, normalized: dict, truth: Any) -> tuple[list[dict], bool]:
        """One answer per classification in ``truth`` ({name: answer}, or a bare answer for the first radio),
        and whether all are right."""
        if not isinstance(truth, dict):
            truth = {_first_radio(normalized): truth}
        out, right = [], True
        for name, want in truth.items():
            cls = find_classification(normalized, name)
            answer = _canonical(cls, want)
            given = answer
            if cls is not None and self.rng.random() < self.config.error_rate:
                others = [o for o in cls.get("options", []) if _canonical(cls, o.get("label")) != answer]
                if others:
                    given = _canonical(cls, self.rng.choice(others).get("label"))
            out.append({"name": name, "answer": given})
            right = right and given == answer
        return out, right


def _first_radio(normalized: dict) -> Any:
    radio = next((c for c in normalized.get("classifications", []) if c.get("type", "radio") == "radio"), None)
    if radio is None:
        raise ValueError("The project's ontology has no radio classification to answer")
    return radio.get("name") or radio.get("instructions")


def _canonical(cls: dict | None, answer: Any) -> Any:
    """Option label for an answer given as label, value or index."""
    opt = find_option(cls, answer) if cls else None
    return (opt.get("label") or opt.get("value")) if opt else answer
