"""Durable state for ``--db PATH``: a snapshot plus a journal of commands, in SQLite (WAL).

Every state change of the fake runs as a *command* (one GraphQL request, one admin call, one REST
call, one batch of webhook delivery results) under the server lock. With a store, the command is
appended to ``journal`` together with what it read from the outside world (wall clock, monotonic
clock, random tokens: the :class:`~fake_labelbox.state.Env` tape) and a digest of its result, and the
transaction commits *before* the response is sent. Every ``snapshot_every`` commands, and on a clean
shutdown, the whole state is written into ``snapshot`` in the same transaction and older journal
rows are deleted. On start the newest snapshot is loaded and the journal after it is replayed with
the recorded readings; a replayed command whose result digest differs stops the start with
:class:`ReplayDiverged`, so a restart is either exact or loud.

The file is data, never code: snapshots and journal entries are JSON (:mod:`fake_labelbox.state_codec`), each
stored with the sha256 of its text. The file records its format, format version and a fingerprint of the entity
classes. A file that is not SQLite, not a fake Labelbox state file, of another version, or whose content does not
match its checksums (damaged or edited) is refused with one line (:class:`IncompatibleStateFile`,
:class:`DamagedStateFile`) before anything in it is used.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator

from . import state_codec
from .errors import DamagedStateFile, IncompatibleStateFile, StateFileError, StateFileInUse

FORMAT = "fake-labelbox-state"
FORMAT_VERSION = 9  # 2: the entities moved to fake_labelbox.models; REST commands name their action; 3: resource
# tags, a project's MAL toggle and tags, workflow steps; 4: labels keep
# annotations of every kind (objects, classifications, relationships) and can be deleted; 5: data-row metadata
# schemas and attachments; 6: JSON snapshots and journal entries with sha256 checksums (no pickle); 7: the labelling
# page's join links and labellers; 8: a GraphQL command journals its budget (max_result_nodes, max_request_ms);
# 9: tasks answer IN_PROGRESS per type and know whether a read reported them finished (exports can be cancelled)
PICKLED_VERSIONS = range(1, 6)  # formats whose snapshots were pickles: refused unread
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def fingerprint() -> str:
    """A hash of every persisted class's fields: a change means old snapshots no longer describe the entities."""
    from .models import entities, tenancy, workforce

    parts = []
    for mod in (entities, tenancy, workforce):
        for name in sorted(vars(mod)):
            obj = getattr(mod, name)
            if isinstance(obj, type) and obj.__module__ == mod.__name__ and dataclasses.is_dataclass(obj):
                parts.append(f"{mod.__name__}.{name}:{','.join(f.name for f in dataclasses.fields(obj))}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Store:
    """One SQLite file; used only under the server lock (hence ``check_same_thread=False``)."""

    def __init__(self, path: str | os.PathLike, snapshot_every: int = 1000, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
        self.path = os.fspath(path)
        self.snapshot_every = snapshot_every
        self._lock_file = _exclusive(self.path)  # before anything is read or written
        existed = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        try:
            if existed:
                _check_header(self.path)
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            if existed:
                self._check()
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            if not existed:
                self._create()
            self.since_snapshot = self.conn.execute(
                "SELECT COUNT(*) FROM journal WHERE seq > ?", (self.snapshot_seq(),)).fetchone()[0]
        except sqlite3.DatabaseError as e:
            self._lock_file.close()
            raise IncompatibleStateFile(f"{self.path} is damaged or not a fake Labelbox state file ({e})") from None
        except StateFileError:
            self._lock_file.close()
            raise

    # ---- schema ----------------------------------------------------------------------------
    def _create(self) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        c.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, "
                  "entry TEXT NOT NULL)")
        c.execute("CREATE TABLE snapshot (seq INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, state TEXT NOT NULL)")
        c.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("version", str(FORMAT_VERSION)),
                                                         ("fingerprint", fingerprint())])
        c.execute("COMMIT")

    def _check(self) -> None:
        try:
            meta = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as e:
            raise IncompatibleStateFile(f"{self.path} is damaged or not a fake Labelbox state file ({e})") from None
        if meta.get("format") != FORMAT:
            raise IncompatibleStateFile(f"{self.path} is not a fake Labelbox state file (format {meta.get('format')!r})")
        version = meta.get("version", "")
        start_afresh = "Start with a new --db path, or delete the file to start afresh."
        if not version.isdigit():
            raise IncompatibleStateFile(f"{self.path} is not a fake Labelbox state file (version {version!r})")
        if int(version) > FORMAT_VERSION:
            raise IncompatibleStateFile(
                f"{self.path} was written by a newer fake Labelbox (state format {version}; this server reads "
                f"format {FORMAT_VERSION}): upgrade it, or start with a new --db path.")
        if int(version) in PICKLED_VERSIONS:
            raise IncompatibleStateFile(
                f"{self.path} was written by an older fake Labelbox (state format {version}, pickled snapshots, "
                f"which this server never reads; it reads format {FORMAT_VERSION}). {start_afresh}")
        if int(version) != FORMAT_VERSION or meta.get("fingerprint") != fingerprint():
            raise IncompatibleStateFile(
                f"{self.path} was written by an incompatible fake Labelbox (state format {version}, "
                f"schema {meta.get('fingerprint')}; this server reads format {FORMAT_VERSION}, schema "
                f"{fingerprint()}). {start_afresh}")

    # ---- reading ---------------------------------------------------------------------------
    def snapshot_seq(self) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM snapshot").fetchone()
        return row[0] if row and row[0] is not None else -1

    def load(self) -> tuple[object | None, Iterator[tuple[int, tuple]]]:
        """The newest snapshot (or None) and the journal entries after it, in order; each is checked against its
        checksum before it is decoded (:class:`DamagedStateFile`)."""
        row = self._read("SELECT seq, sha256, state FROM snapshot ORDER BY seq DESC LIMIT 1")
        root, seq = (self._decode("the snapshot", row[0][1], row[0][2]), row[0][0]) if row else (None, -1)

        def entries() -> Iterator[tuple[int, tuple]]:
            for s, digest, text in self._read("SELECT seq, sha256, entry FROM journal WHERE seq > ? ORDER BY seq", seq):
                entry = self._decode(f"journal entry {s}", digest, text)
                if not (isinstance(entry, tuple) and len(entry) == 5):
                    raise DamagedStateFile(f"{self.path}: journal entry {s} is not a command; the file is damaged")
                yield s, entry

        return root, entries()

    def _read(self, sql: str, *params: object) -> list[tuple]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as e:
            raise DamagedStateFile(f"{self.path} is damaged ({e}); restore a copy, or start with a new --db path"
                                   ) from None

    def _decode(self, what: str, digest: str, text: str) -> object:
        if not isinstance(text, str) or checksum(text) != digest:
            raise DamagedStateFile(f"{self.path}: {what} does not match its checksum (the file is damaged or was "
                                   f"edited); restore a copy, or start with a new --db path")
        try:
            return state_codec.loads(text)
        except ValueError as e:
            raise DamagedStateFile(f"{self.path}: {what} is not a fake Labelbox state ({e}); restore a copy, or "
                                   f"start with a new --db path") from None

    # ---- writing ---------------------------------------------------------------------------
    def append(self, entry: tuple, snapshot_root: object | None = None) -> int:
        """Journal one command (and, when due, snapshot ``snapshot_root``) in one committed transaction."""
        text = state_codec.dumps(entry)
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            seq = c.execute("INSERT INTO journal (sha256, entry) VALUES (?, ?)", (checksum(text), text)).lastrowid
            self.since_snapshot += 1
            if snapshot_root is not None and self.since_snapshot >= self.snapshot_every:
                self._snapshot(snapshot_root, seq)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return seq

    def snapshot(self, root: object) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            row = c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'journal'").fetchone()
            self._snapshot(root, max(row[0] if row else 0, self.snapshot_seq()))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _snapshot(self, root: object, seq: int) -> None:
        text = state_codec.dumps(root)
        self.conn.execute("INSERT OR REPLACE INTO snapshot (seq, sha256, state) VALUES (?, ?, ?)",
                          (seq, checksum(text), text))
        self.conn.execute("DELETE FROM snapshot WHERE seq < ?", (seq,))
        self.conn.execute("DELETE FROM journal WHERE seq <= ?", (seq,))
        self.since_snapshot = 0

    def stats(self) -> dict:
        return {"path": self.path, "snapshot_seq": self.snapshot_seq(), "journal_since_snapshot": self.since_snapshot}

    def close(self) -> None:
        self.conn.close()
        self._lock_file.close()


def _check_header(path: str) -> None:
    """Refuse a file that is not SQLite before SQLite opens it (it would write a WAL beside anything)."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head != b"SQLite format 3\x00":
        raise IncompatibleStateFile(f"{path} is not a fake Labelbox state file (not an SQLite database)")


def _exclusive(path: str):
    """Hold ``PATH.lock`` for as long as this process serves ``path`` (released when the process ends, even
    by SIGKILL): a second server on the same file refuses before it reads or writes anything."""
    lock = open(path + ".lock", "a+")  # noqa: SIM115 - held open for the store's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip()
        lock.close()
        raise StateFileInUse(f"{path} is in use by another fake Labelbox server"
                             f"{f' (pid {holder})' if holder else ''}: stop it, or start with another --db path"
                             ) from None
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    return lock
