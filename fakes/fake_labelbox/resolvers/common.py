"""What every resolver module shares: the request context, field lookup, where-clauses, pages and views."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlparse

from ..errors import OverBudget, bad_input
from ..models.entities import Task
from ..models.env import parse_time
from ..models.state import State


@dataclass
class Upload:
    """A multipart file part, substituted for ``null`` in variables as the spec prescribes."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class Ctx:
    """One request's context: the organization's state, and its budget (fields resolved, milliseconds)."""

    state: State
    base_url: str  # e.g. "http://127.0.0.1:8765", used for absolute file URLs
    max_result_nodes: int = 10_000
    max_request_ms: int | None = None  # None: no time budget (mutations)
    nodes: int = 0  # fields resolved so far in this request
    checks: int = 0  # budget checks so far (fields and filtered items)
    deadline: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.deadline += math.inf if self.max_request_ms is None else self.max_request_ms / 1000

    def spend(self) -> None:
        """One more field resolved; past the request's bound the whole execution stops."""
        self.nodes += 1
        if self.nodes > self.max_result_nodes:
            raise OverBudget("max_result_nodes", self.max_result_nodes)
        self.check_time()

    def check_time(self) -> None:
        """Past the request's time budget the whole execution stops (at the same point in a journal replay)."""
        self.checks += 1
        if self.max_request_ms is not None and self.state.env.past(self.deadline, self.checks):
            raise OverBudget("max_request_ms", self.max_request_ms)

    def where(self, items: Iterable, where: dict | None) -> list:
        """The items a where-clause keeps, each one checked against the time budget."""
        out = []
        for x in items:
            self.check_time()
            if matches(x, where):
                out.append(x)
        return out

    def file_url(self, file_id: str, **params: object) -> str:
        """A signed URL for one of the organization's files, as Labelbox hands out signed storage URLs."""
        query = urlencode({**params, "sig": self.state.file_signature(file_id)})
        return f"{self.base_url}/files/{file_id}?{query}"


@cache
def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


FIELD_ALIASES = {"allowedMediaType": "media_type", "mediaType": "media_type"}


def attr(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, FIELD_ALIASES.get(name) or snake(name), None)


def datetime_input(value: Any) -> str:
    """The DateTime scalar's input: any ISO 8601 string, stored as Labelbox answers it (UTC, milliseconds, Z)."""
    if not isinstance(value, str):
        raise TypeError(f"DateTime cannot represent a non-string value: {value!r}")
    return parse_time(value)


def default_resolver(source: Any, info, **_args: Any) -> Any:
    """A field without a resolver of its own: the entity's snake_case attribute (or a view's key)."""
    return attr(source, info.field_name)


def bounded(next_, root, info, **args):
    """Middleware: count every field resolved against the request's result bound (``Ctx.spend``)."""
    info.context.spend()
    return next_(root, info, **args)


def input_errors(next_, root, info, **args):
    """Middleware: a resolver tripping over the *shape* of its input (a missing key, a wrong type) is the
    caller's error, answered like Labelbox's 400s (INTERNAL_SERVER_ERROR, status 400: InvalidQueryError)."""
    try:
        return next_(root, info, **args)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        if not args:
            raise  # no input to blame: a bug in the fake, reported as status 500
        raise bad_input(f"Invalid input for {info.field_name}: {type(e).__name__}: {e}") from e


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "": lambda h, w: h == w,
    "not": lambda h, w: h != w,
    "lt": lambda h, w: h is not None and h < w,
    "gt": lambda h, w: h is not None and h > w,
    "lte": lambda h, w: h is not None and h <= w,
    "gte": lambda h, w: h is not None and h >= w,
    "in": lambda h, w: h in w,
    "contains": lambda h, w: h is not None and w.lower() in h.lower(),
    "starts": lambda h, w: h is not None and h.startswith(w),
}


def matches(obj: Any, where: dict | None) -> bool:
    """Evaluate the ORM's where clauses: equality, AND/OR and ``_not _lt _gt _lte _gte _in _contains``."""
    for key, want in (where or {}).items():
        if key == "AND":
            if not all(matches(obj, w) for w in want):
                return False
            continue
        if key == "OR":
            if not any(matches(obj, w) for w in want):
                return False
            continue
        name, _, op = key.partition("_")
        have = attr(obj, name)
        if name == "deleted" and have is None:
            have = False
        if not _OPERATORS[op.split("_")[0]](have, want):
            return False
    return True


def page(items: list, skip: int | None = 0, first: int | None = None) -> list:
    skip = skip or 0
    return items[skip : skip + first] if first is not None else items[skip:]


def cursor_page(items: list, after: str | None, first: int | None) -> tuple[list, str | None]:
    """Index-based cursor pages: the cursor is the next item's position, None at the end."""
    start = int(after) if after else 0
    first = first or 100
    chunk = items[start : start + first]
    nxt = start + first if start + first < len(items) else None
    return chunk, None if nxt is None else str(nxt)


def list_of(fn: Callable) -> Callable:
    """A list field with ``skip``/``first``/``where`` over what ``fn(obj, info)`` returns."""
    def resolve(obj, info, skip=0, first=None, where=None, **_kw):
        return page(info.context.where(fn(obj, info), where), skip, first)
    return resolve


def derived_id(*parts: str) -> str:
    return "c" + hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def resolve_own_file(ctx: Ctx, url: str) -> bytes:
    """Bytes of a URL this fake handed out (``.../files/<id>``); other URLs cannot be fetched offline."""
    m = re.search(r"/files/([A-Za-z0-9_-]+)", urlparse(url).path)
    f = ctx.state.files.get(m.group(1)) if m else None
    if f is None:
        raise bad_input(f"Cannot fetch {url}: only files uploaded to this server can be used")
    return f.content


def task_view(state: State, t: Task, poll: bool = True) -> dict:
    """A task as the API shows it; ``poll`` counts the read as a poll (see ``State.read_task``)."""
    snap = state.read_task(t) if poll else state.peek_task(t)
    return {
        "id": t.id,
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
        "name": t.name,
        "type": t.type,
        "status": snap["status"],
        "completionPercentage": snap["completion_percentage"],
        "result": t.result,
        "errors": t.errors,
        "metadata": t.metadata,
        "_task": t,
    }
