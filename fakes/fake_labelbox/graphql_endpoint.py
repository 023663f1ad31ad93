"""``POST /graphql`` (and ``/_gql``): from an HTTP request to an executed GraphQL document.

Outside the lock: the API key, the body (JSON or graphql-multipart with file parts), the request limits,
parsing and validation against the served schema (once per request), and any fault. Inside one command: the
execution, whose resolvers (:mod:`fake_labelbox.resolvers`) read and change the organization's state. A mutation
is journaled; a query is journaled only if it changed the state after all (a polled task or import progressed, an
automatic workforce moved on), so reads, however large their variables, cost the state file nothing.
"""

from __future__ import annotations

import json
import threading
from dataclasses import astuple
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationType, execute, parse, validate
from werkzeug.wrappers import Request, Response

from . import faults
from .errors import MASKED_VALIDATION_MESSAGE, LimitExceeded, OverBudget, error_body, format_error
from .limits import (
    Limits,
    check_document,
    check_json,
    check_text,
    operation_name_of,
    root_fields,
    selected_operation,
)
from .resolvers import MIDDLEWARE, Ctx, Upload, default_resolver, schema
from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

CACHE_MAX_CHARS = 20_000


class GraphQLEndpoint:
    """The GraphQL route of one app; its execution is the journaled command ``graphql``."""

    def __init__(self, app: FakeLabelboxApp) -> None:
        self.app = app
        self._checked = threading.local()  # (query, document): what handle() parsed and validated, for execute()
        app.journal.register("graphql", self.execute)

    def handle(self, request: Request) -> Response:
        org = self.app.org_for(request)
        if org is None:
            return json_response(error_body("Invalid API key", "AUTHENTICATION_ERROR"), 401)
        limits = self.app.limits
        try:
            op = operation(request)  # its body is bounded by the app (limits.bound_body)
            query, variables = op.get("query"), op.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                return json_response(error_body("Request must contain a 'query' string and 'variables' object",
                                                "MALFORMED_REQUEST"), 400)
            operation_name = op.get("operationName")
            if operation_name is not None and not isinstance(operation_name, str):
                return json_response(error_body("operationName must be a string", "MALFORMED_REQUEST"), 400)
            check_json(variables, limits)
            document = checked_document(query, limits)
        except LimitExceeded as e:
            return json_response(error_body(e.message, e.code, e.limit), e.status)
        except (ValueError, RecursionError, KeyError, TypeError, IndexError) as e:
            return json_response(error_body(f"Malformed request: {e}", "MALFORMED_REQUEST"), 400)
        except GraphQLError as e:
            if e.extensions.get("phase") == "parse":
                return json_response(error_body(e.message, "GRAPHQL_PARSE_FAILED"), 400)
            return json_response(error_body(MASKED_VALIDATION_MESSAGE, "GRAPHQL_VALIDATION_FAILED",
                                            detail=e.message), 400)
        fault = self.app.faults.take(operation_name_of(document, operation_name), root_fields(document, operation_name))
        if fault is not None:
            early = faults.fire(fault, request)
            if early is not None:
                return early
        base_url = request.host_url.rstrip("/")
        chosen = selected_operation(document, operation_name)
        query_only = chosen is not None and chosen.operation == OperationType.QUERY
        run = self.app.journal.read if query_only else self.app.journal.command
        self._checked.document = (query, document)  # execute() runs in this thread: it need not parse again
        try:
            body = run("graphql", org.id, base_url, query, variables, operation_name, limits.budget(query_only))
        finally:
            self._checked.document = None
        stopped = body["data"] is None and any("limit" in e["extensions"] for e in body.get("errors", []))
        return json_response(body, 400 if stopped else 200)

    def execute(self, org_id: str, base_url: str, query: str, variables: dict, operation_name: str | None,
                budget: dict) -> dict:
        """Run a checked document against one organization's state (the ``graphql`` command). ``budget``, the
        bounds on resolving (``Limits.budget``), is journaled with the request: a replay stops where it stopped."""
        org = self.app.tenants.orgs[org_id]
        org.workforce.tick()
        checked = getattr(self._checked, "document", None)
        document = checked[1] if checked is not None and checked[0] is query else checked_document(query,
                                                                                                   self.app.limits)
        ctx = Ctx(org.state, base_url, **budget)
        try:
            result = execute(schema(), document, context_value=ctx, variable_values=variables,
                             operation_name=operation_name, field_resolver=default_resolver, middleware=MIDDLEWARE)
        except OverBudget as stop:
            e = stop.error()
            return error_body(e.message, e.code, e.limit)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            if result.data is None and all(e.path is None for e in result.errors):
                # request-level errors (variable coercion, operation selection): the caller's fault
                body["errors"] = [{"message": e.message, "locations": [], "extensions": {"code": "BAD_USER_INPUT"}}
                                  for e in result.errors]
            else:
                body["errors"] = [format_error(e) for e in result.errors]
        return body


def checked_document(query: str, limits: Limits):
    """Limit-check, parse and validate a document; errors carry ``extensions.phase``.

    Checked documents are kept (by text and limits): the SDK sends the same few documents again and again, and
    validating one costs more than executing it (see docs/design.md). Long documents (literals inlined by the
    SDK, such as labeling parameter overrides) are seldom sent twice and are not kept."""
    check = _check if len(query) > CACHE_MAX_CHARS else _cached_check
    return check(query, astuple(limits))


def _check(query: str, bounds: tuple):
    limits = Limits(*bounds)
    check_text(query, limits)
    try:
        doc = parse(query, no_location=True, max_tokens=limits.max_tokens)
    except GraphQLError as e:
        if "token limit" in e.message:
            raise LimitExceeded("Query complexity limit exceeded", "GRAPHQL_VALIDATION_FAILED", 400,
                                "max_tokens", limits.max_tokens) from e
        e.extensions = {"phase": "parse"}
        raise
    check_document(doc, limits)
    errors = validate(schema(), doc)
    if errors:
        errors = validate(schema(), parse(query))  # again with locations, for the message
        e = errors[0]
        e.extensions = {"phase": "validate"}
        raise e
    return doc


_cached_check = lru_cache(maxsize=256)(_check)


def operation(request: Request) -> dict:
    """The ``{"query", "variables"}`` payload of a JSON or graphql-multipart request."""
    if request.mimetype == "multipart/form-data":
        if "operations" not in request.form:
            raise ValueError("multipart request without an 'operations' part")
        op = json.loads(request.form["operations"])
        mapping = json.loads(request.form.get("map", "{}"))
        if not isinstance(op, dict) or not isinstance(mapping, dict):
            raise ValueError("'operations' and 'map' must be JSON objects")
        for part, paths in mapping.items():
            f = request.files.get(part)
            if f is None:
                raise ValueError(f"multipart part {part!r} is missing")
            upload = Upload(f.filename, f.mimetype, f.read())
            for dotted in paths:
                _set_path(op, dotted.split("."), upload)
        return op
    data = request.get_data()
    try:
        op = json.loads(data or b"{}")
    except ValueError as e:
        raise ValueError(f"body is not JSON ({e})") from e
    if not isinstance(op, dict):
        raise ValueError("body must be a JSON object")
    return op


def _set_path(obj: dict, path: list[str], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[int(key)] if isinstance(obj, list) else obj[key]
    last = path[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value
