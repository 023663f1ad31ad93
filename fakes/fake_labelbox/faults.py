"""Faults on demand: count-limited rules that make matching GraphQL requests fail the way Labelbox fails.

A rule is ``{"kind", "count", "operation"?, "status"?, "latency_ms"?}``. ``operation`` names a root field
(``exportDataRowsInProject``) or the request's operation name (the SDK's ``operationName``); omitted,
``"*"`` or ``"any"`` matches every request. Rules fire on authenticated, well-formed GraphQL requests
(after parsing and validation, before execution), oldest rule first; each firing is logged.

=====================  ===========================================================================
kind                   what the client gets
=====================  ===========================================================================
``http_500`` ...       HTTP 500/502/503/504 with a JSON body (the SDK retries: InternalServerError)
``http_error``         HTTP ``status`` (default 503)
``server_error``       alias of ``http_503`` (the original fault kind)
``graphql_503``        HTTP 200, ``INTERNAL_SERVER_ERROR`` with ``extensions.exception.status`` 503
                       (the SDK retries)
``graphql_500``        the same with status 500 (the SDK raises ``LabelboxError``, no retry)
``graphql_error``      the same with ``status`` (default 503)
``rate_limit``         HTTP 429 ``{"message": "You have exceeded ..."}`` (the SDK raises ``ApiLimitError``)
``latency``            the request is answered normally after ``latency_ms`` (default 1000) ms
``drop``               server mode: the socket is shut down with no response (the SDK raises
                       ``NetworkError`` and does not retry); ``responses`` mode: a ConnectionError
=====================  ===========================================================================
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from http import HTTPStatus

from werkzeug.wrappers import Request, Response

from .errors import RATE_LIMIT_MESSAGE, DroppedConnection
from .web import json_response

HTTP_KINDS = {"http_500": 500, "http_502": 502, "http_503": 503, "http_504": 504, "server_error": 503}
GRAPHQL_KINDS = {"graphql_503": 503, "graphql_500": 500}
KINDS = (*HTTP_KINDS, "http_error", *GRAPHQL_KINDS, "graphql_error", "rate_limit", "latency", "drop")
ANY = (None, "", "*", "any")
MAX_COUNT = 1_000_000
MAX_LATENCY_MS = 600_000
FIRED_LOG = 10_000  # fired entries kept


@dataclass
class Fault:
    id: int
    kind: str
    count: int = 1
    operation: str | None = None
    status: int | None = None
    latency_ms: int | None = None
    fired: int = 0
    created_at: float = field(default_factory=time.time)

    def matches(self, operation_name: str | None, root_fields: tuple[str, ...]) -> bool:
        return self.operation in ANY or self.operation == operation_name or self.operation in root_fields

    def view(self) -> dict:
        d = asdict(self)
        d["remaining"] = self.count - self.fired
        return d


def make_rule(rule_id: int, kind: str, count: int = 1, operation: str | None = None, status: int | None = None,
              latency_ms: int | None = None) -> Fault:
    """Validate a rule; raises ``ValueError`` with a readable message."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be an integer in [1, {MAX_COUNT}], got {count!r}")
    if operation is not None and not isinstance(operation, str):
        raise ValueError("operation must be a string (a root field or operation name)")
    if kind in HTTP_KINDS:
        status = HTTP_KINDS[kind]
    elif kind in GRAPHQL_KINDS:
        status = GRAPHQL_KINDS[kind]
    elif kind in ("http_error", "graphql_error"):
        status = 503 if status is None else status
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
    if kind == "latency":
        latency_ms = 1000 if latency_ms is None else latency_ms
        if isinstance(latency_ms, bool) or not isinstance(latency_ms, int | float) or \
                not 0 <= latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be a number in [0, {MAX_LATENCY_MS}], got {latency_ms!r}")
    return Fault(rule_id, kind, count, None if operation in ANY else operation, status, latency_ms)


class Faults:
    """Pending rules and the log of fired faults; thread-safe. Not persisted (faults are test controls)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.pending: list[Fault] = []
        self.fired: list[dict] = []
        self.total_fired = 0

    def add(self, kind: str, count: int = 1, operation: str | None = None, status: int | None = None,
            latency_ms: int | None = None) -> dict:
        with self._lock:
            rule = make_rule(next(self._ids), kind, count, operation, status, latency_ms)
            self.pending.append(rule)
            return rule.view()

    def take(self, operation_name: str | None, root_fields: tuple[str, ...]) -> Fault | None:
        """The first pending rule matching this request, counted as fired (or None)."""
        with self._lock:
            for rule in self.pending:
                if rule.matches(operation_name, root_fields):
                    rule.fired += 1
                    if rule.fired >= rule.count:
                        self.pending.remove(rule)
                    self.total_fired += 1
                    self.fired.append({"rule": rule.id, "kind": rule.kind, "status": rule.status,
                                       "latency_ms": rule.latency_ms, "rule_operation": rule.operation,
                                       "operation_name": operation_name, "root_fields": list(root_fields),
                                       "at": time.time()})
                    del self.fired[:-FIRED_LOG]
                    return rule
            return None

    def view(self) -> dict:
        with self._lock:
            return {"pending": [r.view() for r in self.pending], "fired": list(self.fired),
                    "total_fired": self.total_fired}

    def clear(self) -> dict:
        """Forget pending rules and the log; returns how many of each were dropped."""
        with self._lock:
            out = {"cleared_pending": len(self.pending), "cleared_fired": len(self.fired)}
            self.pending.clear()
            self.fired.clear()
            return out


def fire(fault: Fault, request: Request) -> Response | None:
    """What a fired fault does to the request: a response to send instead, or None to go on (after any latency)."""
    kind = fault.kind
    if kind == "latency":
        time.sleep((fault.latency_ms or 0) / 1000)
        return None
    if kind == "rate_limit":
        return json_response({"message": RATE_LIMIT_MESSAGE}, 429)
    if kind.startswith("graphql"):
        msg = f"Internal server error (injected fault, status {fault.status})"
        return json_response({"data": None, "errors": [{"message": msg, "locations": [], "extensions": {
            "code": "INTERNAL_SERVER_ERROR", "exception": {"status": fault.status, "message": msg}}}]})
    if kind == "drop":
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise DroppedConnection("injected fault: connection dropped without a response")
    return json_response({"message": f"{_reason(fault.status)} (injected fault)"}, fault.status or 503)


def _reason(status: int | None) -> str:
    try:
        return HTTPStatus(status or 503).phrase
    except ValueError:
        return "Error"
