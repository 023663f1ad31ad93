"""Commands: every change to the fake's state, serialized under one lock, journaled and replayed.

A *command* is one GraphQL request (all its root fields), one admin call, one REST call or one batch of
webhook delivery results. Commands run one at a time under :attr:`Journal.lock`, so a client never sees part
of another's request. With a store (``--db``) each command is appended to the journal with the outside
readings it made (the :class:`~fake_labelbox.models.env.Env` tape) and a digest of its result, and committed
before its response is sent; on start the newest snapshot is loaded and the journal after it replayed with the
recorded readings (see :mod:`fake_labelbox.persistence`). A replay that gives another result stops the start.

Webhook deliveries a command queued are prepared inside it and handed to a background sender
(:class:`~fake_labelbox.deliveries.Courier`) after the lock is released, so no receiver delays an answer; their
results come back as ``deliveries`` commands.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from . import deliveries
from .errors import DamagedStateFile, ReplayDiverged, StateFileError
from .models.env import Env
from .models.tenancy import Tenants
from .persistence import Store


class Journal:
    """The registry of commands, the lock they run under, and (with ``db``) their durable record."""

    def __init__(self, db: str | None = None, snapshot_every: int = 1000, synchronous: str = "FULL",
                 delivery_timeout: float = 5.0) -> None:
        self.lock = threading.RLock()
        self.env = Env()
        self.store = Store(db, snapshot_every=snapshot_every, synchronous=synchronous) if db is not None else None
        self.tenants: Tenants | None = None
        self.replaying = False
        self.closed = False
        self._depth = 0
        self.commands: dict[str, Callable] = {"deliveries": self._record_deliveries}
        self.courier = deliveries.Courier(lambda org_id, records: self.command("deliveries", org_id, records),
                                          timeout=delivery_timeout)

    def register(self, name: str, fn: Callable) -> None:
        """Make ``fn`` a journaled command; register every command before :meth:`open` replays the journal."""
        self.commands[name] = fn

    def open(self, seed: int | None) -> Tenants:
        """The state to serve: fresh, or (with a store) the last snapshot with the journal after it replayed."""
        try:
            return self._open(seed)
        except StateFileError:
            if self.store is not None:
                self.store.close()  # the file is refused: let another process (or a fixed file) have it
            raise

    def _open(self, seed: int | None) -> Tenants:
        root, entries = self.store.load() if self.store is not None else (None, iter(()))
        if root is None:
            self.tenants = Tenants.create(seed, self.lock, self.env)
            if self.store is not None:
                self.store.snapshot(self.tenants)  # the starting point every replay begins from
            return self.tenants
        if not isinstance(root, Tenants):
            raise DamagedStateFile(f"{self.store.path}: the snapshot is not a fake Labelbox state; the file is damaged")
        self.tenants = root
        self.tenants.attach(self.lock, self.env)
        self.replaying = True
        try:
            for seq, entry in entries:
                self._replay(seq, *entry)
        finally:
            self.replaying = False
        self.store.snapshot(self.tenants)  # restart from here next time (and trim the journal)
        return self.tenants

    def _replay(self, seq: int, name: str, args: tuple, kwargs: dict, tape: list, want: str) -> None:
        if name not in self.commands or not isinstance(args, tuple) or not isinstance(kwargs, dict) \
                or not isinstance(tape, list):
            raise DamagedStateFile(f"{self.store.path}: journal entry {seq} is not a command of this fake Labelbox")
        self.env.replay(tape)
        try:
            outcome = self.command(name, *args, **kwargs)
        except Exception as e:
            outcome = e
        left = self.env.finish_replay()
        got = _outcome_digest(outcome)
        if got != want or left:
            raise ReplayDiverged(f"{self.store.path}: replaying journal entry {seq} ({name}) gave a different "
                                 f"result than recorded ({got} != {want}, {left} unread readings)")

    def command(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run a state change atomically; journal and commit it (with a store) before returning.

        Nested calls join the outer command.
        """
        return self._run(name, args, kwargs, read=False)

    def read(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run a command that should only read, under the lock; journal it only if it changed the state after all
        (``Tenants.changes`` moved: a polled task or import progressed), so reads cost the file nothing."""
        return self._run(name, args, kwargs, read=True)

    def _run(self, name: str, args: tuple, kwargs: dict, read: bool) -> Any:
        fn = self.commands[name]
        with self.lock:
            if self.closed:
                raise RuntimeError("the fake Labelbox server is shutting down")
            if self._depth:
                return fn(*args, **kwargs)
            recording = self.store is not None and not self.replaying
            if recording:
                self.env.begin()
            changes = self.tenants.changes() if read else None
            self._depth += 1
            outcome: Any = None
            try:
                outcome = result = fn(*args, **kwargs)
            except Exception as e:
                outcome = e
                raise
            finally:
                prepared = self._prepare_deliveries() if name != "deliveries" else []
                self._depth -= 1
                if recording:
                    tape = self.env.end()
                    if changes is None or self.tenants.changes() != changes:
                        self.store.append((name, args, kwargs, tape, _outcome_digest(outcome)), self.tenants)
        if prepared and not self.replaying:
            for org_id, items in prepared:
                self.courier.submit(org_id, items)
        return result

    def _prepare_deliveries(self) -> list[tuple[str, list]]:
        return [(org.id, deliveries.prepare(org.state)) for org in self.tenants.orgs.values() if org.state.outbox]

    def _record_deliveries(self, org_id: str, records: list[dict]) -> int:
        org = self.tenants.orgs.get(org_id)
        if org is not None:
            deliveries.record(org.state, records)
        return len(records)

    def checkpoint(self) -> None:
        """Snapshot the whole state now (with a store); done on clean shutdown."""
        if self.store is not None:
            with self.lock:
                self.store.snapshot(self.tenants)

    def close(self) -> None:
        self.courier.close()  # its last results are journaled before the final snapshot
        if self.store is not None and not self.closed:
            self.checkpoint()
            with self.lock:
                self.closed = True
                self.store.close()


def _outcome_digest(outcome: Any) -> str:
    if isinstance(outcome, BaseException):
        text = f"raise {type(outcome).__name__}: {outcome}"
    else:
        text = json.dumps(outcome, sort_keys=True, default=repr)
    return hashlib.sha1(text.encode()).hexdigest()[:16]
