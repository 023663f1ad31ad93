"""Count the SDK calls that a test makes and that return normally.

``Tracer(classes)`` wraps, while installed, every public method and property of the given classes (and the
relationship managers and paginated collections of the SDK), in memory only: the labelbox package on disk is
untouched, and ``uninstall()`` puts the originals back.

What counts as one call of ``Class.member``:
- only a call made from outside the SDK (a test, a fixture, alrepro's code): the calls the SDK makes to itself
  inside ``project.create_batch(...)`` are part of that call, not calls a test drove, and so are the calls
  its worker threads make (a thread pool's frames lead back to no test);
- *returned* when it returned normally, *raised* when it raised (a refusal the test expected, or a failure);
- a call that answers a lazy ``PaginatedCollection`` (``project.batches()``, ``client.get_projects()``) has not
  asked the server anything yet: it counts when the collection's first page has been fetched (returned) or
  when that fetch raised (raised); a collection never iterated does not count.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field

from labelbox.orm.db_object import RelationshipManager
from labelbox.pagination import PaginatedCollection

from .surface import members

# Callers whose calls are not a test's: the SDK (lbox: its request client, package lbox-clients) and this
# package's own reading of the surface. Frames of the tracer's wrappers and of the standard library (thread
# pools, functools) pass the question on to their caller.
INTERNAL = ("labelbox", "lbox", "sdk_coverage")
TRANSPARENT = (__name__,)


@dataclass
class Calls:
    """``Class.member`` -> number of calls that returned normally, and that raised."""

    returned: Counter = field(default_factory=Counter)
    raised: Counter = field(default_factory=Counter)

    def add(self, other: Calls) -> None:
        self.returned.update(other.returned)
        self.raised.update(other.raised)


def _by_test(frame) -> bool:
    """Whether the code that made a call (``frame``) is a test's: the nearest caller that is neither the
    standard library nor a tracer's wrapper decides; none (a worker thread) is not a test."""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module not in TRANSPARENT and module.split(".", 1)[0] not in sys.stdlib_module_names:
            return module.split(".", 1)[0] not in INTERNAL
        frame = frame.f_back
    return False


class Tracer:
    def __init__(self, classes: dict[str, type]) -> None:
        self.classes = classes
        self._names = {cls: name for name, cls in classes.items()}
        self.calls = Calls()
        self._lock = threading.Lock()
        self._pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # collection -> key
        self._saved: list[tuple[type, str, object]] = []  # (class, name, what its own __dict__ held or _ABSENT)

    # -- results --------------------------------------------------------------------------------------------
    def take(self) -> Calls:
        """The calls counted since the last ``take()``, and start counting afresh."""
        with self._lock:
            calls, self.calls = self.calls, Calls()
        return calls

    def _count(self, key: str, returned: bool) -> None:
        with self._lock:
            (self.calls.returned if returned else self.calls.raised)[key] += 1

    # -- installing -----------------------------------------------------------------------------------------
    def install(self) -> Tracer:
        # Every replacement wraps what the class held before any was installed: a subclass's member must wrap
        # the original, not the wrapper installed on its base class.
        replacements = [(cls, name, self._wrap_member(inspect.getattr_static(cls, name), f"{cls_name}.{name}"))
                        for cls_name, cls in self.classes.items()
                        for name, kind in members(cls).items() if kind != "relationship"]
        replacements.append((RelationshipManager, "__call__",
                             self._relationship_call(vars(RelationshipManager)["__call__"])))
        replacements.append((PaginatedCollection, "__next__",
                             self._collection_next(vars(PaginatedCollection)["__next__"])))
        for cls, name, replacement in replacements:
            self._saved.append((cls, name, vars(cls).get(name, _ABSENT)))
            setattr(cls, name, replacement)
        return self

    def uninstall(self) -> None:
        for cls, name, held in reversed(self._saved):
            if held is _ABSENT:
                delattr(cls, name)
            else:
                setattr(cls, name, held)
        self._saved.clear()

    def __enter__(self) -> Tracer:
        return self.install()

    def __exit__(self, *exc) -> None:
        self.uninstall()

    # -- wrappers ---------------------------------------------------------------------------------------------
    def _wrap_member(self, original, key: str):
        if isinstance(original, property):
            return property(self._wrap_function(original.fget, key), original.fset, original.fdel, original.__doc__)
        if isinstance(original, (classmethod, staticmethod)):
            return type(original)(self._wrap_function(original.__func__, key))
        return self._wrap_function(original, key)

    def _wrap_function(self, fn, key: str):
        @functools.wraps(fn)
        def traced(*args, **kwargs):
            if not _by_test(sys._getframe(1)):
                return fn(*args, **kwargs)
            return self._observe(key, fn, args, kwargs)

        return traced

    def _relationship_call(self, original):
        """``project.labels()``: counted as ``Project.labels`` (the nearest traced class of the source)."""
        tracer = self

        @functools.wraps(original)
        def __call__(manager, *args, **kwargs):
            cls_name = tracer._class_name(type(manager.source))
            if cls_name is None or not _by_test(sys._getframe(1)):
                return original(manager, *args, **kwargs)
            key = f"{cls_name}.{manager.relationship.name}"
            return tracer._observe(key, original, (manager, *args), kwargs)

        return __call__

    def _observe(self, key: str, fn, args, kwargs):
        """Call ``fn`` for a test and count how it ended (a lazy collection: when its first page is fetched)."""
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            self._count(key, returned=False)
            raise
        if isinstance(result, PaginatedCollection):
            self._pending[result] = key
        else:
            self._count(key, returned=True)
        return result

    def _collection_next(self, original):
        tracer = self

        @functools.wraps(original)
        def __next__(collection):
            key = tracer._pending.pop(collection, None)
            if key is None:
                return original(collection)
            try:
                value = original(collection)
            except StopIteration:  # the first page was fetched, and empty
                tracer._count(key, returned=True)
                raise
            except BaseException:
                tracer._count(key, returned=False)
                raise
            tracer._count(key, returned=True)
            return value

        return __next__

    def _class_name(self, cls: type) -> str | None:
        return next((self._names[c] for c in cls.__mro__ if c in self._names), None)


_ABSENT = object()
