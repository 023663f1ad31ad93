"""Every error the fake raises or answers with, in one place.

GraphQL errors carry Labelbox's ``extensions.code`` (the SDK keys on it); the other routes answer
``{"message": ...}`` with an HTTP status. The exception classes below are what the modules raise.
"""

from __future__ import annotations

from graphql import GraphQLError

RATE_LIMIT_MESSAGE = "You have exceeded the rate limit. Please wait and try again."
COMPLEXITY_MESSAGE = "Query complexity limit exceeded"
# Deployed Labelbox replaces the message of every GraphQL validation error with this string (its own tests say
# so); the fake does the same and keeps graphql-core's message in ``extensions.detail``.
MASKED_VALIDATION_MESSAGE = "GraphQL validation error"


class FakeError(GraphQLError):
    """A resolver failure that reaches the client as ``{"message", "extensions": {"code"}}``."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        ext: dict = {"code": code or self.code}
        if status is not None:
            ext["exception"] = {"status": status, "message": message}
        super().__init__(message, extensions=ext)

    @property
    def http_status(self) -> int:
        """The status a plain-HTTP route (REST, admin) answers this error with."""
        return {"RESOURCE_NOT_FOUND": 404, "RESOURCE_CONFLICT": 409}.get(self.extensions.get("code"), 400)


def not_found(kind: str, ident: object) -> FakeError:
    return FakeError(f"Resource not found: no {kind} with id {ident}", "RESOURCE_NOT_FOUND")


def conflict(message: str) -> FakeError:
    return FakeError(message, "RESOURCE_CONFLICT")


def malformed(message: str) -> FakeError:
    return FakeError(message, "MALFORMED_REQUEST")


def bad_input(message: str) -> FakeError:
    """A user error Labelbox reports as INTERNAL_SERVER_ERROR with status 400 (SDK: InvalidQueryError)."""
    return FakeError(message, "INTERNAL_SERVER_ERROR", status=400)


class Missing(LookupError):
    """An unknown organization or key (the admin API answers 404)."""


class Refused(Exception):
    """The labelling page refuses a request: ``status`` and a message for the person at the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LimitExceeded(Exception):
    """A request past a bound: ``code`` is the Labelbox error code, ``status`` the HTTP status, ``limit`` what
    was exceeded."""

    def __init__(self, message: str, code: str, status: int, limit: str, value: int, actual: int | None = None):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status
        self.limit = {"name": limit, "value": value, "actual": actual}


class OverBudget(BaseException):
    """Raised while resolving past a request's budget (``max_result_nodes`` fields, ``max_request_ms`` under the
    lock). A BaseException, so graphql-core does not turn it into one field's error and go on resolving the rest:
    the whole execution stops."""

    def __init__(self, limit: str, value: int) -> None:
        super().__init__(limit, value)
        self.limit, self.value = limit, value

    def error(self) -> LimitExceeded:
        return LimitExceeded(COMPLEXITY_MESSAGE, "GRAPHQL_VALIDATION_FAILED", 400, self.limit, self.value)


class DroppedConnection(ConnectionResetError):
    """Raised by the app for a ``drop`` fault; werkzeug's server treats it as a dropped connection."""


class StateFileError(RuntimeError):
    """The ``--db`` file cannot be served; the message is one line for the person who started the server."""


class IncompatibleStateFile(StateFileError):
    """The ``--db`` file was not written by this version of the fake (or is not a state file at all)."""


class DamagedStateFile(StateFileError):
    """Part of the ``--db`` file does not match its checksum or is not a state this fake wrote."""


class ReplayDiverged(StateFileError):
    """Replaying the journal produced a different result than the one recorded."""


class StateFileInUse(StateFileError):
    """Another process serves the same ``--db`` file."""


def error_body(message: str, code: str, limit: dict | None = None, detail: str | None = None) -> dict:
    """A request-level GraphQL error (``data: null``); ``limit`` names an exceeded bound, ``detail`` says what
    a masked message hides."""
    ext: dict = {"code": code}
    if limit is not None:
        ext["limit"] = limit
    if detail is not None:
        ext["detail"] = detail
    return {"data": None, "errors": [{"message": message, "locations": [], "extensions": ext}]}


def format_error(err: GraphQLError) -> dict:
    """Serialize a graphql-core error, guaranteeing ``extensions.code`` is present."""
    out = err.formatted
    ext = dict(out.get("extensions") or {})
    orig = err.original_error
    if "code" not in ext:
        if isinstance(orig, GraphQLError) and orig.extensions and "code" in orig.extensions:
            ext.update(orig.extensions)
        elif orig is not None:
            # Unexpected bug in the fake: status 500 makes the SDK raise LabelboxError without retrying.
            ext.update({"code": "INTERNAL_SERVER_ERROR", "exception": {"status": 500, "message": str(orig)}})
        else:
            ext["code"] = "BAD_USER_INPUT"
    out["extensions"] = ext
    return out
