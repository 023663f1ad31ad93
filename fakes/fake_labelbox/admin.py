"""The admin API (moto's ``/moto-api`` analogue): Python methods, also served under ``/_fake/``.

HTTP routes (JSON in, JSON out; no API key needed):

=======  ==============================  =================================================
GET      /_fake/health                   ``{"status": "ok", ...}``
POST     /_fake/reset                    ``{"seed": 42}`` (optional) - wipe everything
POST     /_fake/seed                     ``{"seed": 42}`` - reset with deterministic ids/clock
POST     /_fake/truth                    ``{"truth": {"<global key>": "Positive", ...}}``
POST     /_fake/workforce/config         ``{"error_rate": 0.1, "seed": 0, "mode": "manual", ...}``
POST     /_fake/workforce/step           ``{"n": 10, "project_id": "..."}`` - returns the labels made
GET      /_fake/queue/<project_id>       queued rows in labeling order
POST     /_fake/tasks                    ``{"polls_in_progress": 1}`` - tasks report IN_PROGRESS first
POST     /_fake/faults                   ``{"kind": "rate_limit"|"server_error", "count": 1}``
GET      /_fake/deliveries               webhook deliveries so far
=======  ==============================  =================================================
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .state import State
from .webhooks import deliver_pending
from .workforce import Workforce

FAULT_KINDS = ("rate_limit", "server_error")


class Admin:
    """Control the fake from Python; the HTTP routes below call exactly these methods."""

    def __init__(self, state: State, workforce: Workforce) -> None:
        self.state = state
        self.workforce = workforce
        self.faults: list[str] = []

    def health(self) -> dict:
        st = self.state
        with st.lock:
            return {"status": "ok", "seed": st.seed, "projects": len(st.projects), "data_rows": len(st.data_rows),
                    "labels": len(st.labels)}

    def reset(self, seed: int | None = None) -> None:
        """Forget everything (projects, rows, truth, labels, webhooks, faults); optionally seed ids/clock."""
        with self.state.lock:
            self.state.reset(seed)
            self.workforce.configure()
            self.faults.clear()

    def seed(self, seed: int) -> None:
        """Reset with a seed: ids come from ``random.Random(seed)`` and timestamps from a 1 ms/tick clock."""
        self.reset(seed)

    def register_truth(self, truth: dict[str, Any]) -> int:
        """Ground truth per global key: an option label/value (first radio classification) or {name: answer}."""
        with self.state.lock:
            self.state.truth.update(truth)
            return len(self.state.truth)

    def configure_workforce(self, **config: Any) -> dict:
        with self.state.lock:
            return vars(self.workforce.configure(**config))

    def step(self, n: int = 1, project_id: str | None = None) -> list[dict]:
        """Let the labelers label ``n`` more rows (per project, or in ``project_id``), in queue order."""
        made = self.workforce.step(n, project_id)
        deliver_pending(self.state)
        return made

    def queue(self, project_id: str) -> list[dict]:
        """The project's queue in labeling order: ``[{data_row_id, global_key, priority, batch_id}]``."""
        st = self.state
        with st.lock:
            return [{"data_row_id": e.data_row_id, "global_key": st.data_rows[e.data_row_id].global_key,
                     "priority": e.priority, "batch_id": e.batch_id, "number_of_labels": e.number_of_labels}
                    for e in st.queue_order(project_id)]

    def set_task_polls(self, polls_in_progress: int) -> None:
        """New tasks answer IN_PROGRESS this many times before COMPLETE (0, the default, is synchronous)."""
        with self.state.lock:
            self.state.task_polls = int(polls_in_progress)

    def inject_fault(self, kind: str, count: int = 1) -> None:
        """The next ``count`` GraphQL requests fail: ``rate_limit`` (429) or ``server_error`` (503)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        with self.state.lock:
            self.faults.extend([kind] * count)

    def take_fault(self) -> str | None:
        with self.state.lock:
            return self.faults.pop(0) if self.faults else None

    def deliveries(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.deliveries)

    # ---- HTTP -------------------------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        try:
            body = request.get_json(silent=True) or {}
            if request.method == "GET" and path == "health":
                return _json(self.health())
            if request.method == "GET" and path.startswith("queue/"):
                return _json({"queue": self.queue(path.split("/", 1)[1])})
            if request.method == "GET" and path == "deliveries":
                return _json({"deliveries": self.deliveries()})
            if request.method != "POST":
                return _json({"message": f"No admin route {request.method} /_fake/{path}"}, 404)
            if path == "reset":
                self.reset(body.get("seed", _int_arg(request, "seed")))
                return _json({"status": "ok"})
            if path == "seed":
                self.seed(int(body.get("seed", _int_arg(request, "seed") or 0)))
                return _json({"status": "ok"})
            if path == "truth":
                return _json({"registered": self.register_truth(body.get("truth", body))})
            if path == "workforce/config":
                return _json({"config": self.configure_workforce(**body)})
            if path == "workforce/step":
                return _json({"labels": self.step(int(body.get("n", 1)), body.get("project_id"))})
            if path == "tasks":
                self.set_task_polls(int(body.get("polls_in_progress", 0)))
                return _json({"status": "ok"})
            if path == "faults":
                self.inject_fault(body["kind"], int(body.get("count", 1)))
                return _json({"status": "ok"})
            return _json({"message": f"No admin route POST /_fake/{path}"}, 404)
        except (ValueError, KeyError, TypeError) as e:
            return _json({"message": str(e)}, 400)
        except Exception as e:  # a GraphQL-style error from state (e.g. unknown project)
            return _json({"message": str(e)}, 404 if "not found" in str(e).lower() else 500)


def _int_arg(request: Request, name: str) -> int | None:
    v = request.args.get(name)
    return int(v) if v is not None else None


def _json(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj), status=status, mimetype="application/json")
