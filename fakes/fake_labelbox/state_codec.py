"""What a ``--db`` file holds, as plain data: the state tree and journal entries written as JSON.

Only the types listed here can come out of a state file: JSON's own values, and tagged objects
``{"~": TAG, "v": ...}`` for tuples, bytes, datetimes, random generators, sets, dicts JSON cannot key, and
the fake's own classes (every dataclass of :mod:`fake_labelbox.models`, the few plain classes named below and
the GraphQL :class:`Upload`). An instance is rebuilt from its fields without calling its constructor, so reading a
file runs no code of the file's choosing. A mutable value met a second time is written as ``{"~": "ref"}`` to its
first occurrence (numbered in the order they are met), so objects shared in memory stay shared after a restart, as
a journal replay needs.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import json
import random
from typing import Any

from .models import entities, tenancy, workforce
from .models.env import Clock, Ids
from .models.state import State
from .resolvers.common import Upload

TAG = "~"


class DecodeError(ValueError):
    """The text is JSON but not a state this fake wrote (an unknown tag, a wrong shape)."""


def _classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for mod in (entities, tenancy, workforce):
        for obj in vars(mod).values():
            if isinstance(obj, type) and obj.__module__ == mod.__name__ and dataclasses.is_dataclass(obj):
                found[obj.__name__] = obj
    for cls in (State, workforce.Workforce, Clock, Ids, Upload):
        found[cls.__name__] = cls
    return found


CLASSES = _classes()
_PLAIN_TAGS = ("tuple", "bytes", "datetime")  # immutable: never shared, never numbered


def _own(cls: type, name: str) -> bool:
    """Whether ``cls`` defines ``name`` itself (not object's default)."""
    return getattr(cls, name, None) is not getattr(object, name, None)


def dumps(value: Any) -> str:
    """``value`` as JSON text (ASCII); TypeError for a type a state file cannot hold."""
    seen: dict[int, int] = {}  # id of a mutable value met -> its number

    def first(obj: Any) -> dict | None:
        n = seen.get(id(obj))
        if n is not None:
            return {TAG: "ref", "v": n}
        seen[id(obj)] = len(seen)
        return None

    def enc(v: Any) -> Any:
        if v is None or isinstance(v, str | bool | int | float):
            return v
        if isinstance(v, tuple):
            return {TAG: "tuple", "v": [enc(x) for x in v]}
        if isinstance(v, bytes):
            return {TAG: "bytes", "v": base64.b64encode(v).decode()}
        if isinstance(v, _dt.datetime):
            return {TAG: "datetime", "v": v.isoformat()}
        ref = first(v)
        if ref is not None:
            return ref
        if isinstance(v, list):
            return [enc(x) for x in v]
        if isinstance(v, dict):
            if all(isinstance(k, str) for k in v) and TAG not in v:
                return {k: enc(x) for k, x in v.items()}
            return {TAG: "dict", "v": [[enc(k), enc(x)] for k, x in v.items()]}
        if isinstance(v, set | frozenset):
            return {TAG: type(v).__name__, "v": [enc(x) for x in v]}
        if type(v) is random.Random:
            version, internal, gauss = v.getstate()
            return {TAG: "Random", "v": [version, list(internal), gauss]}
        cls = type(v)
        if CLASSES.get(cls.__name__) is not cls:
            raise TypeError(f"a state file cannot hold a {cls.__module__}.{cls.__qualname__}")
        fields = v.__getstate__() if _own(cls, "__getstate__") else vars(v)
        return {TAG: cls.__name__, "v": {k: enc(x) for k, x in fields.items()}}

    return json.dumps(enc(value), separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """The value :func:`dumps` wrote; ValueError (``DecodeError`` or json's) for anything else."""
    # Over 60 lines on purpose: one closure over ``table``, which every level of the recursion shares, with one
    # branch per kind of value in the order :func:`dumps` writes them.
    table: list[Any] = []  # mutable values in the order met, for refs

    def dec(v: Any) -> Any:
        if isinstance(v, list):
            out: list = []
            table.append(out)
            out.extend(dec(x) for x in v)
            return out
        if not isinstance(v, dict):
            return v
        tag = v.get(TAG)
        if tag is None:
            d: dict = {}
            table.append(d)
            for k, x in v.items():
                d[k] = dec(x)
            return d
        body = v.get("v")
        if tag in _PLAIN_TAGS:
            return _plain(tag, body, dec)
        if tag == "ref":
            if not isinstance(body, int) or not 0 <= body < len(table):
                raise DecodeError(f"a reference to value {body!r}, which is not there")
            return table[body]
        if tag == "dict":
            d = {}
            table.append(d)
            for k, x in _list(body):
                d[dec(k)] = dec(x)
            return d
        if tag in ("set", "frozenset"):
            at = len(table)
            table.append(None)
            s = (set if tag == "set" else frozenset)(dec(x) for x in _list(body))
            table[at] = s
            return s
        if tag == "Random":
            version, internal, gauss = _list(body)
            rng = random.Random()
            rng.setstate((version, tuple(internal), gauss))
            table.append(rng)
            return rng
        cls = CLASSES.get(tag)
        if cls is None or not isinstance(body, dict):
            raise DecodeError(f"an object of unknown kind {tag!r}")
        obj = cls.__new__(cls)
        table.append(obj)
        fields = {k: dec(x) for k, x in body.items()}
        if _own(cls, "__setstate__"):
            obj.__setstate__(fields)
        else:
            vars(obj).update(fields)
        return obj

    try:
        return dec(json.loads(text))
    except DecodeError:
        raise
    except (TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as e:
        raise DecodeError(f"{type(e).__name__}: {e}") from e


def _plain(tag: str, body: Any, dec) -> Any:
    if tag == "tuple":
        return tuple(dec(x) for x in _list(body))
    if tag == "bytes":
        return base64.b64decode(body, validate=True)
    return _dt.datetime.fromisoformat(body)


def _list(body: Any) -> list:
    if not isinstance(body, list):
        raise DecodeError(f"expected a list, found {type(body).__name__}")
    return body
