"""Bounds on what one request may ask of the fake, checked before any expensive work.

Past a bound the client gets a Labelbox-shaped error, never a hang or a crash:

* on every route but the labelling page (which bounds its own): a body larger than ``max_body_bytes`` (by its
  Content-Length, before it is read; a chunked one as it is read), or a multipart body of more than
  ``max_form_parts`` parts: HTTP 413, ``MALFORMED_REQUEST``, the message naming the bound;
* variables nested deeper than ``max_json_depth`` or a list longer than ``max_list_length``
  (in variables or in the document's literals): HTTP 400, ``MALFORMED_REQUEST``;
* a document longer than ``max_query_chars``, with more than ``max_tokens`` tokens, brackets nested
  deeper than ``max_nesting``, selections deeper than ``max_depth`` or more than ``max_fields`` fields:
  HTTP 400, ``GRAPHQL_VALIDATION_FAILED`` "Query complexity limit exceeded" (the SDK raises
  ``ValidationFailedError``), with ``extensions.limit`` naming the bound.

* a result of more than ``max_result_nodes`` fields (counted while resolving, so a small document that
  fans out over lists is stopped too), or a query resolving for longer than ``max_request_ms`` under the server
  lock (checked at every field and every item a where-clause filters): HTTP 400, ``GRAPHQL_VALIDATION_FAILED``
  "Query complexity limit exceeded" with ``extensions.limit``; the server lock is released at once, and a
  journal replay stops the request at the same point.

The checks on a document run before graphql-core's validation (some of its rules are quadratic in
the number of same-named fields), and their results are cached with the parsed document.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    Node,
    OperationDefinitionNode,
)
from werkzeug.wrappers import Request

from .errors import COMPLEXITY_MESSAGE, LimitExceeded


@dataclass
class Limits:
    max_body_bytes: int = 64 * 1024 * 1024
    max_query_chars: int = 8 * 1024 * 1024
    max_tokens: int = 1_000_000
    max_nesting: int = 64
    max_depth: int = 20
    max_fields: int = 1_000
    max_list_length: int = 1_000_000  # Labelbox takes a million ids in one bulk priority update
    max_json_depth: int = 32
    max_result_nodes: int = 10_000  # the SDK's largest pages are under 5,000 (100 data rows: 4,505)
    max_request_ms: int = 1_000  # the SDK's reads resolve within 200 ms on a 2-core machine at a load of 6
    max_form_parts: int = 1_000

    def update(self, **changes: Any) -> Limits:
        for k, v in changes.items():
            if k not in asdict(self):
                raise ValueError(f"unknown limit {k!r}; known: {sorted(asdict(self))}")
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"limit {k} must be a positive integer, got {v!r}")
            setattr(self, k, v)
        return self

    def view(self) -> dict:
        return asdict(self)

    def budget(self, query: bool) -> dict:
        """The bounds checked while a document is resolved (``resolvers.common.Ctx``). Only a query has a time
        budget: stopping one loses nothing, while a mutation stopped by the clock after its work would answer an
        error for a change it made (a mutation's work is bounded by its input's limits)."""
        return {"max_result_nodes": self.max_result_nodes, "max_request_ms": self.max_request_ms if query else None}


def complexity(limit: str, value: int, actual: int | None = None) -> LimitExceeded:
    return LimitExceeded(COMPLEXITY_MESSAGE, "GRAPHQL_VALIDATION_FAILED", 400, limit, value, actual)


def malformed(message: str, limit: str, value: int, actual: int | None = None, status: int = 400) -> LimitExceeded:
    return LimitExceeded(message, "MALFORMED_REQUEST", status, limit, value, actual)


# ---- request body and variables -------------------------------------------------------------------

def bound_body(request: Request, limits: Limits) -> None:
    """Bound reading ``request``'s body, before anything reads it: a body past ``max_body_bytes`` raises
    :class:`LimitExceeded`, by its Content-Length before a byte is read, or, chunked, after reading at most one byte
    more than the bound (the body is kept for the handler). A multipart body of more parts than ``max_form_parts``
    raises werkzeug's ``RequestEntityTooLarge`` when the handler reads it (see :func:`body_too_large`)."""
    request.max_content_length = limits.max_body_bytes
    request.max_form_memory_size = limits.max_body_bytes  # a multipart text part: bounded by the body alone
    request.max_form_parts = limits.max_form_parts
    if (request.content_length or 0) > limits.max_body_bytes:
        raise _body_bytes(limits, request.content_length)
    if request.content_length is None and "wsgi.input_terminated" in request.environ:  # chunked
        request.max_content_length = limits.max_body_bytes + 1
        if len(request.get_data(cache=True)) > limits.max_body_bytes:
            raise _body_bytes(limits, None)


def body_too_large(request: Request, limits: Limits) -> LimitExceeded:
    """The bound a ``RequestEntityTooLarge`` raised by a handler reading a bounded body stands for."""
    if request.mimetype == "multipart/form-data":
        return malformed(f"Multipart request with more than {limits.max_form_parts} parts", "max_form_parts",
                         limits.max_form_parts, status=413)
    return _body_bytes(limits, request.content_length)


def _body_bytes(limits: Limits, actual: int | None) -> LimitExceeded:
    return malformed(f"Request body larger than {limits.max_body_bytes} bytes", "max_body_bytes",
                     limits.max_body_bytes, actual, status=413)


def check_json(value: Any, limits: Limits, what: str = "variables") -> None:
    """Depth and list lengths of a decoded JSON value (iterative: safe on any nesting json accepted)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            if len(v) > limits.max_list_length:
                raise malformed(f"A list in {what} has {len(v)} items, more than the limit of "
                                f"{limits.max_list_length}", "max_list_length", limits.max_list_length, len(v))
            children = v
        else:
            continue
        if depth > limits.max_json_depth:
            raise malformed(f"The {what} are nested deeper than the limit of {limits.max_json_depth}",
                            "max_json_depth", limits.max_json_depth, depth)
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


# ---- documents -----------------------------------------------------------------------------------

_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_BRACKETS = re.compile(r"[{}\[\]()]")


def check_text(query: str, limits: Limits) -> None:
    """Length and bracket nesting of a document's text, before the (recursive) parser sees it."""
    if len(query) > limits.max_query_chars:
        raise complexity("max_query_chars", limits.max_query_chars, len(query))
    depth = deepest = 0
    for m in _BRACKETS.finditer(_SKIP.sub("", query)):
        if m.group() in "{[(":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_nesting:
                    raise complexity("max_nesting", limits.max_nesting, None)
        else:
            depth -= 1


def check_document(doc: DocumentNode, limits: Limits) -> None:
    """Selection depth (through fragments), field count and literal list lengths of a parsed document."""
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    fields = 0
    # literal lists and field count: every node once
    stack: list[Node] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            fields += 1
            if fields > limits.max_fields:
                raise complexity("max_fields", limits.max_fields, None)
        elif isinstance(node, ListValueNode) and len(node.values) > limits.max_list_length:
            raise malformed(f"A list in the document has {len(node.values)} items, more than the limit of "
                            f"{limits.max_list_length}", "max_list_length", limits.max_list_length,
                            len(node.values))
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(c for c in child if isinstance(c, Node))
    memo: dict[str, int] = {}

    def depth(selection_set, seen: frozenset) -> int:
        if selection_set is None:
            return 0
        best = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                d = 1 + depth(sel.selection_set, seen) if sel.selection_set else 1
            elif isinstance(sel, InlineFragmentNode):
                d = depth(sel.selection_set, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in seen or name not in fragments:
                    continue  # cycles and unknown fragments are left to validation
                if name not in memo:
                    memo[name] = depth(fragments[name].selection_set, seen | {name})
                d = memo[name]
            else:
                continue
            best = max(best, d)
            if best > limits.max_depth:
                raise complexity("max_depth", limits.max_depth, None)
        return best

    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode):
            depth(d.selection_set, frozenset())


def selected_operation(doc: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation that would run: the one named ``operation_name``, else the first."""
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    return next((o for o in ops if o.name and o.name.value == operation_name), ops[0] if ops else None)


def root_fields(doc: DocumentNode, operation_name: str | None) -> tuple[str, ...]:
    """The root field names of the operation that would run (fragments on the root included)."""
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    op = selected_operation(doc, operation_name)
    out: list[str] = []
    seen: set[str] = set()

    def walk(selection_set) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                out.append(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments and sel.name.value not in seen:
                seen.add(sel.name.value)
                walk(fragments[sel.name.value].selection_set)

    if op is not None:
        walk(op.selection_set)
    return tuple(out)


def operation_name_of(doc: DocumentNode, operation_name: str | None) -> str | None:
    if operation_name:
        return operation_name
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    return ops[0].name.value if len(ops) == 1 and ops[0].name else None

