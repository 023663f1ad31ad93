"""Labelbox's error shapes: every GraphQL error carries ``extensions.code`` (the SDK keys on it)."""

from __future__ import annotations

from graphql import GraphQLError

RATE_LIMIT_MESSAGE = "You have exceeded the rate limit. Please wait and try again."


class FakeError(GraphQLError):
    """A resolver failure that reaches the client as ``{"message", "extensions": {"code"}}``."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        ext: dict = {"code": code or self.code}
        if status is not None:
            ext["exception"] = {"status": status, "message": message}
        super().__init__(message, extensions=ext)


def not_found(kind: str, ident: object) -> FakeError:
    return FakeError(f"Resource not found: no {kind} with id {ident}", "RESOURCE_NOT_FOUND")


def conflict(message: str) -> FakeError:
    return FakeError(message, "RESOURCE_CONFLICT")


def malformed(message: str) -> FakeError:
    return FakeError(message, "MALFORMED_REQUEST")


def bad_input(message: str) -> FakeError:
    """A user error Labelbox reports as INTERNAL_SERVER_ERROR with status 400 (SDK: InvalidQueryError)."""
    return FakeError(message, "INTERNAL_SERVER_ERROR", status=400)


def error_body(message: str, code: str) -> dict:
    return {"data": None, "errors": [{"message": message, "locations": [], "extensions": {"code": code}}]}


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
