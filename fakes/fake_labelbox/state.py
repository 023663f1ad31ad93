"""All of the fake's state: entities, ids, clock, files, tasks and the labeling queue.

Everything lives behind one :class:`State` with one re-entrant lock; every mutation is a method, so
persistence, multi-tenancy or fault injection can later wrap this object without touching resolvers.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import heapq
import operator
import random
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, islice, repeat
from math import floor
from typing import Any

from .errors import not_found

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE36_PAIRS = [ID_ALPHABET[i % 36] + ID_ALPHABET[i // 36] for i in range(36 * 36)]  # two digits, the low one first
EPOCH = _dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc)
TO_ALPHABET = bytes.maketrans(bytes(range(36)), ID_ALPHABET.encode())
SCALE = 36.0 / 9007199254740992.0  # floor(random() * 36.0) == floor(x * SCALE), x the 53-bit integer behind random()
BASE36_TRIPLES = [a + b + c for c in ID_ALPHABET for b in ID_ALPHABET for a in ID_ALPHABET]  # low digit first
MILLIS = [f"{ms:03d}Z" for ms in range(1000)]


def fmt_time(t: _dt.datetime) -> str:
    """Labelbox's DateTime format, ``%Y-%m-%dT%H:%M:%S.%fZ`` with milliseconds."""
    if t.year >= 1000:  # isoformat is much faster than strftime and agrees for 4-digit years
        return t.isoformat(timespec="milliseconds")[:23] + "Z"
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Ids:
    """cuid-looking ids (25 chars, leading 'c') drawn from one RNG: seeded means reproducible."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    def new(self) -> str:
        return self.many(1)[0]

    def many(self, k: int) -> list[str]:
        """``[new() for _ in range(k)]`` (each ``rng.choices(ID_ALPHABET, k=24)``): the same draws, in bulk.

        ``random()`` is made of two 32-bit words (``a >> 5``, ``b >> 6``); ``getrandbits`` hands out the
        same words, the first in the lowest bits. A character's digit is ``floor(x * SCALE)``; it is
        ``(h * 36) >> 16`` with ``h`` the top 16 bits of ``a``, unless a digit boundary falls inside
        ``h``'s range (``(h * 36) & 0xFFFF >= 0xFFDD``): those few are computed from the whole ``x``.
        """
        n = 24 * k
        if n <= 0:
            return []
        words = self.rng.getrandbits(64 * n)  # one 64-bit lane per character
        lanes = ((words & _lanes(n)) * 36).to_bytes(8 * n, "little")  # lane: (h * 36) << 16
        digits, top = lanes[4::8], lanes[3::8]  # bytes 4 and 3 of each lane: the digit, the fraction's top
        i = top.find(255)
        if i >= 0:
            fixed = bytearray(digits)
            while i >= 0:
                if lanes[8 * i + 2] >= 0xDD:
                    lane = (words >> (64 * i)) & 0xFFFFFFFFFFFFFFFF
                    fixed[i] = floor((((lane & 0xFFFFFFFF) >> 5) * 67108864 + (lane >> 38)) * SCALE)
                i = top.find(255, i + 1)
            digits = bytes(fixed)
        text = digits.translate(TO_ALPHABET).decode("ascii")
        return ["c" + text[i : i + 24] for i in range(0, n, 24)]

    def keyed(self, *parts: str) -> str:
        """Seeded: an id derived from the seed and ``parts`` (independent of arrival order); else random."""
        if self.seed is None:
            return self.new()
        n = int.from_bytes(hashlib.sha256(repr((self.seed, *parts)).encode()).digest(), "big")
        chars = []
        for _ in range(12):  # the 24 lowest base-36 digits of n, lowest first
            n, r = divmod(n, 1296)
            chars.append(BASE36_PAIRS[r])
        return "c" + "".join(chars)

    def keyed_many(self, kind: str, keys: list[str]) -> list[str]:
        """``[keyed(kind, k) for k in keys]`` for a seeded generator, an int seed and str keys (asserted).

        ``keyed`` writes the 24 lowest base-36 digits of a hash ``n``: those of ``m = n % 36**24``. Here every
        ``m`` becomes ``y = ceil(m * 2**128 / 36**24)`` in a 17-byte lane of one integer; multiplying the lanes'
        low 128 bits by 36 puts the next digit (highest first) in each lane's top byte. ``y`` errs by less than
        ``2**128 / 36**24`` (above 1), too little to move any of the 24 digits.
        """
        seed, sha, from_bytes = self.seed, hashlib.sha256, int.from_bytes
        assert type(seed) is int and type(kind) is str and all(type(k) is str for k in keys)
        head = repr((seed, kind))[:-1] + ", "  # repr((seed, kind, k)) is head + repr(k) + ")"
        k, d = len(keys), 36**24
        lanes = from_bytes(b"".join([(-((-(from_bytes(sha(f"{head}{key!r})".encode()).digest(), "big") % d) << 128)
                                        // d)).to_bytes(17, "little") for key in keys]), "little")
        low = from_bytes((b"\xff" * 16 + b"\x00") * k, "little")
        digits = bytearray(24 * k)
        for r in range(24):
            lanes = (lanes & low) * 36
            digits[23 - r :: 24] = lanes.to_bytes(17 * k + 1, "little")[16::17][:k]
        text = digits.translate(TO_ALPHABET).decode("ascii")
        return ["c" + text[i : i + 24] for i in range(0, 24 * k, 24)]


@lru_cache(maxsize=64)
def _lanes(n: int) -> int:
    """For ``n`` 64-bit lanes, a mask of bits 16..31 of each."""
    return int.from_bytes(b"\x00\x00\xff\xff\x00\x00\x00\x00" * n, "little")


class Env:
    """Where the fake reads the outside world (wall clock, monotonic clock, secrets).

    A durable server records every reading made inside a journaled command (``begin``/``end``) and
    feeds the same readings back when the journal is replayed, so a replay is exact.
    """

    def __init__(self) -> None:
        self._tape: list | None = None  # recording: readings so far
        self._replay: list | None = None  # replaying: readings still to hand out

    def begin(self) -> None:
        self._tape = []

    def end(self) -> list:
        tape, self._tape = self._tape or [], None
        return tape

    def replay(self, tape: list) -> None:
        self._replay = list(reversed(tape))

    def finish_replay(self) -> int:
        left, self._replay = len(self._replay or []), None
        return left

    def _read(self, kind: str, live):
        if self._replay is not None:
            if not self._replay:
                raise RuntimeError(f"journal replay diverged: no recorded {kind} reading left")
            got_kind, value = self._replay.pop()
            if got_kind != kind:
                raise RuntimeError(f"journal replay diverged: expected a {got_kind} reading, code asked for {kind}")
            return value
        value = live()
        if self._tape is not None:
            self._tape.append((kind, value))
        return value

    def wall(self) -> _dt.datetime:
        return self._read("wall", lambda: _dt.datetime.now(_dt.timezone.utc))

    def monotonic(self) -> float:
        return self._read("monotonic", time.monotonic)

    def token(self, nbytes: int = 16) -> str:
        return self._read("token", lambda: secrets.token_hex(nbytes))


LIVE_ENV = Env()


class Clock:
    """Wall clock, or (when seeded) a deterministic clock that ticks 1 ms per reading."""

    def __init__(self, seeded: bool, env: Env | None = None) -> None:
        self.seeded = seeded
        self.ticks = 0
        self.env = env or LIVE_ENV
        self._second: tuple[int, str] = (-1, "")  # seeded: (second, its formatted prefix), a cache

    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k not in ("env", "_second")}

    def __setstate__(self, d: dict) -> None:
        vars(self).update(d)
        self.env = LIVE_ENV
        self._second = (-1, "")

    def now(self) -> _dt.datetime:
        if not self.seeded:
            return self.env.wall()
        self.ticks += 1
        return EPOCH + _dt.timedelta(milliseconds=self.ticks)

    def stamp(self) -> str:
        if not self.seeded:
            return fmt_time(self.now())
        self.ticks += 1
        second, ms = divmod(self.ticks, 1000)
        if self._second[0] != second:  # "YYYY-MM-DDTHH:MM:SS." changes once per 1,000 ticks
            self._second = (second, fmt_time(EPOCH + _dt.timedelta(seconds=second))[:20])
        return f"{self._second[1]}{ms:03d}Z"

    def stamps(self, k: int) -> list[str]:
        """``[stamp() for _ in range(k)]``, the seeded ones made a second at a time."""
        if not self.seeded:
            return [self.stamp() for _ in range(k)]
        out: list[str] = []
        tick, end = self.ticks + 1, self.ticks + k
        while tick <= end:
            second, ms = divmod(tick, 1000)
            if self._second[0] != second:
                self._second = (second, fmt_time(EPOCH + _dt.timedelta(seconds=second))[:20])
            last = min(end, second * 1000 + 999)
            out += map(self._second[1].__add__, MILLIS[ms : ms + last - tick + 1])
            tick = last + 1
        self.ticks = end
        return out


@dataclass
class Entity:
    id: str
    created_at: str
    updated_at: str


@dataclass
class Organization(Entity):
    name: str = "Fake Organization"


@dataclass
class User(Entity):
    email: str = "fake-user@example.com"
    name: str = "Fake User"
    nickname: str = "fake"
    is_external_user: bool = False
    is_viewer: bool = False
    last_login_at: str | None = None
    picture: str | None = None
    timezone: str = "UTC"


@dataclass
class LabelingFrontend(Entity):
    name: str = "Editor"
    description: str | None = None
    iframe_url_path: str | None = None


@dataclass
class QueueEntry:
    data_row_id: str
    priority: int
    batch_id: str
    number_of_labels: int = 1
    override_id: str | None = None  # set once a labeling parameter override touched it


@dataclass
class Project(Entity):
    name: str = ""
    description: str | None = None
    media_type: str | None = None
    deleted: bool = False
    auto_audit_percentage: float = 0
    auto_audit_number_of_labels: int = 1
    is_benchmark_enabled: bool = False
    is_consensus_enabled: bool = False
    editor_task_type: str | None = None
    setup_complete: str | None = None
    last_activity_time: str | None = None
    labeling_frontend_id: str | None = None
    ontology_id: str | None = None
    frontend_options: list[dict] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)  # data row id -> batch id, in batching order
    queue: dict[str, QueueEntry] = field(default_factory=dict)  # rows waiting for labels
    finished: dict[str, QueueEntry] = field(default_factory=dict)  # rows that left the queue
    labels: dict[str, list[str]] = field(default_factory=dict)  # data row id -> label ids


@dataclass
class Dataset(Entity):
    name: str = ""
    description: str | None = None
    deleted: bool = False
    row_ids: list[str] = field(default_factory=list)


@dataclass
class DataRow(Entity):
    dataset_id: str = ""
    row_data: str = ""
    global_key: str | None = None
    external_id: str | None = None
    media_type: str | None = None
    media_attributes: dict = field(default_factory=dict)
    metadata_fields: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Ontology(Entity):
    name: str = ""
    description: str | None = None
    media_type: str | None = None
    normalized: dict = field(default_factory=dict)
    deleted: bool = False


@dataclass
class FeatureSchema(Entity):
    name: str = ""
    normalized: dict = field(default_factory=dict)
    deleted: bool = False


@dataclass
class Batch(Entity):
    project_id: str = ""
    name: str = ""
    priority: int = 5
    consensus_settings: dict | None = None
    row_ids: list[str] = field(default_factory=list)


@dataclass
class Task(Entity):
    type: str = ""
    name: str = ""
    user_id: str = ""
    status: str = "COMPLETE"
    completion_percentage: float = 1.0
    result: Any = None
    errors: Any = None
    metadata: Any = None
    polls_left: int = 0  # reads answered IN_PROGRESS before the task reports its final status
    successes: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    result_file_id: str | None = None
    total_lines: int = 0


@dataclass
class Label(Entity):
    project_id: str = ""
    data_row_id: str = ""
    answers: list[dict] = field(default_factory=list)  # [{"name": classification, "answer": option}]
    created_by: str = ""
    source: str = "workforce"  # workforce | import | mal


@dataclass
class Webhook(Entity):
    url: str = ""
    secret: str = ""
    topics: list[str] = field(default_factory=list)
    status: str = "ACTIVE"
    project_id: str | None = None


@dataclass
class AnnotationImport(Entity):
    kind: str = "label"  # label | mal
    project_id: str = ""
    name: str = ""
    state: str = "FINISHED"
    input_file_id: str = ""
    status_file_id: str = ""
    error_file_id: str = ""


@dataclass
class StoredFile:
    id: str
    content: bytes
    content_type: str = "application/octet-stream"


ORG_ID = "c" + "organization".ljust(24, "0")
USER_ID = "c" + "user".ljust(24, "0")


class State:
    """One fake Labelbox organization. Use ``with state.lock:`` around compound operations.

    The lock and the :class:`Env` are shared by every organization of one server and are not part
    of the pickled state (see ``attach``).
    """

    def __init__(self, seed: int | None = None, *, lock=None, env: Env | None = None, org_id: str = ORG_ID,
                 org_name: str = "Fake Organization", user_id: str = USER_ID) -> None:
        self.lock = lock or threading.RLock()
        self.env = env or LIVE_ENV
        self.org_id, self.org_name, self.user_id = org_id, org_name, user_id
        self.reset(seed)

    def attach(self, lock, env: Env) -> None:
        """Bind to a server's lock and environment (after construction or unpickling)."""
        self.lock = lock
        self.env = env
        self.clock.env = env

    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k not in ("lock", "env", "_row_index")}

    def __setstate__(self, d: dict) -> None:
        vars(self).update(d)
        self.lock = threading.RLock()
        self.env = LIVE_ENV
        self._row_index: dict[str, tuple[dict, list[str], dict[str, int]]] = {}

    # ---- lifecycle -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        with self.lock:
            self._row_index = {}  # project id -> (its rows dict, those rows in order, their positions): not state
            self.seed = seed
            self.ids = Ids(seed)
            if seed is None:  # entropy through the env, so that a journal replay draws the same ids
                self.ids.rng.seed(self.env.token())
            self.clock = Clock(seed is not None, self.env)
            now = self.clock.stamp()
            self.organization = Organization(self.org_id, now, now, name=self.org_name)
            self.user = User(self.user_id, now, now, last_login_at=now)
            self.projects: dict[str, Project] = {}
            self.datasets: dict[str, Dataset] = {}
            self.data_rows: dict[str, DataRow] = {}
            self.global_keys: dict[str, str] = {}
            self.ontologies: dict[str, Ontology] = {}
            self.feature_schemas: dict[str, FeatureSchema] = {}
            self.frontends: dict[str, LabelingFrontend] = {}
            self.batches: dict[str, Batch] = {}
            self.tasks: dict[str, Task] = {}
            self.labels: dict[str, Label] = {}
            self.webhooks: dict[str, Webhook] = {}
            self.imports: dict[str, AnnotationImport] = {}
            self.files: dict[str, StoredFile] = {}
            self.global_key_jobs: dict[str, list[str]] = {}
            self.truth: dict[str, Any] = {}
            self.outbox: list[tuple[str, str, dict]] = []  # (webhook id, topic, payload) to deliver
            self.deliveries: list[dict] = []
            self.task_polls = 0  # default polls_left for new tasks (0 = COMPLETE at creation)
            editor = LabelingFrontend(
                "c" + "editor".ljust(24, "0"),
                now,
                now,
                name="Editor",
                description="Labelbox editor",
                iframe_url_path="https://editor.labelbox.com",
            )
            self.frontends[editor.id] = editor
            self.editor_id = editor.id

    def new_id(self) -> str:
        return self.ids.new()

    def now(self) -> str:
        return self.clock.stamp()

    # ---- generic lookup ----------------------------------------------------------------------
    def get(self, table: str, entity_id: str, kind: str):
        obj = getattr(self, table).get(entity_id)
        if obj is None or getattr(obj, "deleted", False):
            raise not_found(kind, entity_id)
        return obj

    def project(self, project_id: str) -> Project:
        return self.get("projects", project_id, "Project")

    # ---- files -------------------------------------------------------------------------------
    def store_file(self, content: bytes, content_type: str = "application/octet-stream") -> StoredFile:
        f = StoredFile(self.new_id(), content, content_type)
        self.files[f.id] = f
        return f

    # ---- projects ----------------------------------------------------------------------------
    def create_project(self, **fields: Any) -> Project:
        now = self.now()
        p = Project(self.new_id(), now, now, labeling_frontend_id=self.editor_id, **fields)
        self.projects[p.id] = p
        return p

    def update_project(self, project_id: str, **fields: Any) -> Project:
        p = self.projects.get(project_id)
        if p is None:
            raise not_found("Project", project_id)
        for k, v in fields.items():
            setattr(p, k, v)
        p.updated_at = self.now()
        return p

    # ---- datasets and data rows --------------------------------------------------------------
    def create_dataset(self, name: str, description: str | None = None) -> Dataset:
        now = self.now()
        d = Dataset(self.new_id(), now, now, name=name, description=description)
        self.datasets[d.id] = d
        return d

    def update_dataset(self, dataset_id: str, **fields: Any) -> Dataset:
        d = self.datasets.get(dataset_id)
        if d is None:
            raise not_found("Dataset", dataset_id)
        for k, v in fields.items():
            setattr(d, k, v)
        d.updated_at = self.now()
        return d

    def upsert_data_rows(self, specs: list[dict]) -> tuple[list[dict], list[dict]]:
        """Apply upsert specs ``{"id": {"type", "value"}, "payload": {...}}``; returns (successes, failures)."""
        made = self._new_rows(specs)
        if made is not None:
            return made, []
        ok: list[dict] = []
        failed: list[dict] = []
        for spec in specs:
            key = spec.get("id") or {"type": "AUTO", "value": ""}
            payload = dict(spec.get("payload") or {})
            try:
                row = self._upsert_one(key.get("type", "AUTO"), key.get("value"), payload)
            except ValueError as e:
                failed.append({"message": str(e), "spec": payload})
                continue
            ok.append({"id": row.id, "externalId": row.external_id, "globalKey": row.global_key, "rowData": row.row_data})
        return ok, failed

    def _new_rows(self, specs: list[dict]) -> list[dict] | None:
        """``upsert_data_rows`` done together, when every spec makes a new row (seeded; no id or GKEY key; a str
        row_data and global key, no key taken or repeated; an existing dataset; str media type; no metadata or
        attachments; no keyed id taken): the same rows, stamps and successes. None: not such a batch."""
        if type(self.seed) is not int or type(specs) is not list or not specs:
            return None
        datasets: dict[str, Dataset] = {}
        taken, keys, todo = self.global_keys, [], []
        for spec in specs:
            key = spec.get("id") if type(spec) is dict else None
            payload = spec.get("payload") if type(spec) is dict else None
            if type(payload) is not dict or not payload.keys() <= _NEW_ROW_FIELDS or (key and not (
                    type(key) is dict and type(key.get("type", "AUTO")) is str and key.get("type", "AUTO") not in
                    ("ID", "GKEY"))):
                return None
            gk, data, dataset_id = payload.get("global_key"), payload.get("row_data"), payload.get("dataset_id")
            media = payload.get("media_type")
            if type(gk) is not str or type(data) is not str or type(dataset_id) is not str or gk in taken or \
                    (media is not None and type(media) is not str):
                return None
            ds = datasets.get(dataset_id)
            if ds is None:
                ds = self.datasets.get(dataset_id)
                if ds is None or ds.deleted:
                    return None
                datasets[dataset_id] = ds
            keys.append(gk)
            todo.append((ds, data, payload.get("external_id"), media))
        ids = self.ids.keyed_many("data_row", keys)
        if len(set(keys)) < len(keys) or len(set(ids)) < len(ids) or not self.data_rows.keys().isdisjoint(ids):
            return None
        stamps = self.clock.stamps(2 * len(ids))  # a row's creation, then its payload's update
        rows, ok = self.data_rows, []
        for rid, gk, (ds, data, external_id, media), created, updated in zip(ids, keys, todo, stamps[::2],
                                                                             stamps[1::2], strict=True):
            rows[rid] = DataRow(rid, created, updated, dataset_id=ds.id, row_data=data, global_key=gk,
                                external_id=external_id, media_type=media,
                                media_attributes=_text_attributes(data, media))
            ds.row_ids.append(rid)
            taken[gk] = rid
            ok.append({"id": rid, "externalId": external_id, "globalKey": gk, "rowData": data})
        return ok

    def _upsert_one(self, key_type: str, key_value: str | None, payload: dict) -> DataRow:
        gk = payload.get("global_key")
        row: DataRow | None = None
        if key_type == "ID":
            row = self.data_rows.get(key_value or "")
            if row is None or row.deleted:
                raise ValueError(f"Data row with id {key_value} not found")
        elif key_type == "GKEY":
            rid = self.global_keys.get(key_value or "")
            row = self.data_rows.get(rid) if rid else None
            gk = gk or key_value
        if row is None:
            dataset_id = payload.get("dataset_id")
            ds = self.datasets.get(dataset_id or "")
            if ds is None or ds.deleted:
                raise ValueError(f"Dataset {dataset_id} not found")
            if "row_data" not in payload:
                raise ValueError("row_data is required")
            if gk is not None and gk in self.global_keys:
                raise ValueError(f"Duplicate global key: '{gk}'")
            now = self.now()
            # Rows with a global key get order-independent ids: the SDK uploads chunks in varying order.
            rid = self.ids.keyed("data_row", gk) if gk is not None else self.new_id()
            if rid in self.data_rows:
                rid = self.new_id()
            row = DataRow(rid, now, now, dataset_id=ds.id, row_data="", global_key=gk)
            self.data_rows[row.id] = row
            ds.row_ids.append(row.id)
            if gk is not None:
                self.global_keys[gk] = row.id
        elif gk is not None and gk != row.global_key:
            if gk in self.global_keys:
                raise ValueError(f"Duplicate global key: '{gk}'")
            self.global_keys.pop(row.global_key or "", None)
            self.global_keys[gk] = row.id
            row.global_key = gk
        self._apply_payload(row, payload)
        return row

    def _apply_payload(self, row: DataRow, payload: dict) -> None:
        if "row_data" in payload:
            data = payload["row_data"]
            row.row_data = data if isinstance(data, str) else _json_dumps(data)
        if "external_id" in payload:
            row.external_id = payload["external_id"]
        if "media_type" in payload:
            row.media_type = payload["media_type"]
        if "metadata_fields" in payload:
            row.metadata_fields = list(payload["metadata_fields"] or [])
        if "attachments" in payload:
            row.attachments = list(payload["attachments"] or [])
        row.media_attributes = media_attributes(row)
        row.updated_at = self.now()

    def data_row_by_key(self, id_type: str, key: str) -> DataRow | None:
        rid = self.global_keys.get(key) if id_type == "GKEY" else key
        row = self.data_rows.get(rid) if rid else None
        return None if row is None or row.deleted else row

    def delete_data_rows(self, ids: list[str]) -> list[DataRow]:
        out = []
        for rid in ids:
            row = self.data_rows.get(rid)
            if row is None or row.deleted:
                continue
            row.deleted = True
            self.global_keys.pop(row.global_key or "", None)
            for p in self.projects.values():
                p.queue.pop(rid, None)
            out.append(row)
        return out

    # ---- tasks -------------------------------------------------------------------------------
    def create_task(self, type_: str, name: str, **fields: Any) -> Task:
        now = self.now()
        t = Task(self.new_id(), now, now, type=type_, name=name, user_id=self.user.id, **fields)
        t.polls_left = self.task_polls
        self.tasks[t.id] = t
        return t

    def read_task(self, task: Task) -> dict:
        """The task as a poll sees it; counts down the configured IN_PROGRESS reads."""
        if task.polls_left > 0:
            task.polls_left -= 1
            return {"status": "IN_PROGRESS", "completion_percentage": 0.0}
        return {"status": task.status, "completion_percentage": task.completion_percentage}

    # ---- batches and the queue ---------------------------------------------------------------
    def create_batch(self, project_id: str, name: str, consensus: dict | None = None) -> Batch:
        p = self.project(project_id)
        if any(self.batches[b].name == name for b in p.batch_ids):
            from .errors import conflict

            raise conflict(f"Batch with name {name} already exists in project")
        now = self.now()
        b = Batch(self.new_id(), now, now, project_id=p.id, name=name, consensus_settings=consensus)
        self.batches[b.id] = b
        p.batch_ids.append(b.id)
        return b

    def add_to_batch(self, batch_id: str, row_ids: list[str], global_keys: list[str], priority: int | None):
        """Enqueue rows; returns (added ids, failed ids-or-keys). A row already in the project fails."""
        b = self.batches[batch_id]
        p = self.project(b.project_id)
        if priority is not None:
            b.priority = priority
        rows, keys = self.data_rows, self.global_keys
        ids = [*(row_ids or [])]
        refs = [*ids, *(global_keys or [])]  # what a failure reports; wanted: the row ids they name
        wanted = [*ids, *map(keys.get, islice(refs, len(ids), None))]
        added, failed = [], []
        n = (b.consensus_settings or {}).get("numberOfLabels") or 1
        in_project, queue, batch_rows, batch_id, priority = p.rows, p.queue, b.row_ids, b.id, b.priority
        for ref, rid in zip(refs, wanted, strict=True):
            row = rows.get(rid) if rid else None
            if row is None or row.deleted or row.id in in_project:
                failed.append(ref)
                continue
            rid = row.id
            in_project[rid] = batch_id
            batch_rows.append(rid)
            queue[rid] = QueueEntry(rid, priority, batch_id, n)
            added.append(rid)
        b.updated_at = p.updated_at = self.now()
        return added, failed

    def project_rows(self, p: Project) -> tuple[list[str], dict[str, int]]:
        """``p.rows`` in order and each one's position: an index kept up to date (rows are only ever added)."""
        rows = p.rows
        cached = self._row_index.get(p.id)
        if cached is None or cached[0] is not rows or len(cached[1]) > len(rows):
            cached = self._row_index[p.id] = (rows, [], {})
        _rows, order, positions = cached
        if len(order) < len(rows):
            for r in islice(rows, len(order), None):
                positions[r] = len(order)
                order.append(r)
        return order, positions

    def set_priorities(self, project_id: str, items: list[tuple[str, str, int | None, int | None]]) -> int:
        """Overrides ``(id_type, key, priority, num_labels)``; only queued rows change. Returns count."""
        p = self.project(project_id)
        queue = p.queue
        changed = 0
        fresh: list[QueueEntry] = []  # entries getting an override id, in order: their ids are drawn together
        try:
            for id_type, key, priority, num_labels in items:
                row = self.data_row_by_key(id_type, key)
                entry = queue.get(row.id) if row else None
                if entry is None:
                    continue
                if priority is not None:
                    entry.priority = int(priority)
                if num_labels is not None:
                    entry.number_of_labels = int(num_labels)
                if entry.override_id is None:
                    entry.override_id = ""  # taken: a repeated row gets no second id
                    fresh.append(entry)
                changed += 1
        finally:  # also when an item failed: the entries before it have their ids, as one by one
            for entry, override_id in zip(fresh, self.ids.many(len(fresh)), strict=True):
                entry.override_id = override_id
        return changed

    def unset_priorities(self, project_id: str, items: list[tuple[str, str]]) -> None:
        p = self.project(project_id)
        for id_type, key in items:
            row = self.data_row_by_key(id_type, key)
            entry = p.queue.get(row.id) if row else None
            if entry is not None and entry.override_id is not None:
                entry.override_id = None
                entry.priority = self.batches[entry.batch_id].priority

    def queue_order(self, project_id: str, limit: int | None = None) -> list[QueueEntry]:
        """Queued rows, lowest priority number first, ties by data row id (lexicographic)."""
        p = self.project(project_id)
        if limit is not None:
            return heapq.nsmallest(limit, p.queue.values(), key=_queue_key)
        return _sorted_queue(p.queue.values())

    def queued(self, project_id: str) -> Iterator[QueueEntry]:
        """``queue_order`` as it is now, lazily: the lowest priority's rows first, the others sorted if reached.

        Consume it under the lock, before any priority changes (labeling rows meanwhile is fine).
        """
        entries = list(self.project(project_id).queue.values())
        return _queued(entries) if entries else iter(())

    def overrides(self, project_id: str) -> list[QueueEntry]:
        return [e for e in self.queue_order(project_id) if e.override_id is not None]

    # ---- labels ------------------------------------------------------------------------------
    def add_label(self, project_id: str, data_row_id: str, answers: list[dict], created_by: str, source: str) -> Label:
        p = self.project(project_id)
        now = self.now()
        for a in answers:  # feature ids are fixed at creation so exports are stable
            a.setdefault("feature_id", self.new_id())
            a.setdefault("answer_feature_id", self.new_id())
        return self._file_label(p, Label(self.new_id(), now, now, project_id=p.id, data_row_id=data_row_id,
                                         answers=answers, created_by=created_by, source=source), self._label_hooks(p))

    def add_labels(self, project_id: str, row_ids: list[str], answers: list[list[dict]], created_by: list[str],
                   source: str) -> list[Label]:
        """``add_label`` for each row in turn, the ids drawn in one go (so every answer must be a dict:
        ``add_label`` draws nothing for an answer it then fails on)."""
        p = self.project(project_id)
        ids = iter(self.ids.many(sum(2 * len(a) + 1 for a in answers)))
        hooks = self._label_hooks(p)
        out = []
        for data_row_id, row_answers, by in zip(row_ids, answers, created_by, strict=True):
            now = self.now()
            for a in row_answers:  # add_label's order: feature id, answer feature id, ..., then the label's id
                a.setdefault("feature_id", next(ids))
                a.setdefault("answer_feature_id", next(ids))
            out.append(self._file_label(p, Label(next(ids), now, now, project_id=p.id, data_row_id=data_row_id,
                                                 answers=row_answers, created_by=by, source=source), hooks))
        return out

    def _label_hooks(self, p: Project) -> list[Webhook]:
        return [hook for hook in self.webhooks.values()
                if hook.status == "ACTIVE" and "LABEL_CREATED" in hook.topics and hook.project_id in (None, p.id)]

    def _file_label(self, p: Project, lab: Label, hooks: list[Webhook]) -> Label:
        data_row_id = lab.data_row_id
        self.labels[lab.id] = lab
        row_labels = p.labels.get(data_row_id)
        if row_labels is None:
            row_labels = p.labels[data_row_id] = []
        row_labels.append(lab.id)
        entry = p.queue.get(data_row_id)
        if entry is not None and len(row_labels) >= entry.number_of_labels:
            p.finished[data_row_id] = p.queue.pop(data_row_id)  # a labeled row leaves the queue
        p.last_activity_time = lab.created_at
        for hook in hooks:
            self.outbox.append((hook.id, "LABEL_CREATED", {"label_id": lab.id}))
        return lab

    def label_count(self, project_id: str) -> int:
        return sum(len(v) for v in self.project(project_id).labels.values())


def _queue_key(e: QueueEntry) -> tuple[int, str]:
    return (e.priority, e.data_row_id)


_priority = operator.attrgetter("priority")
_row_id = operator.attrgetter("data_row_id")


def _sorted_queue(entries) -> list[QueueEntry]:
    """Sorted by ``_queue_key``: two stable sorts (ids, then priorities) beat one sort on tuples."""
    out = sorted(entries, key=_row_id)
    out.sort(key=_priority)
    return out


def _queued(entries: list[QueueEntry]) -> Iterator[QueueEntry]:
    prios = list(map(_priority, entries))
    lowest = min(prios)
    yield from sorted(compress(entries, map(operator.eq, prios, repeat(lowest))), key=_row_id)
    yield from _sorted_queue(compress(entries, map(operator.ne, prios, repeat(lowest))))


_NEW_ROW_FIELDS = frozenset({"dataset_id", "row_data", "global_key", "external_id", "media_type"})


def _json_dumps(v: Any) -> str:
    import json

    return json.dumps(v)


_MIME_TYPES = {"TEXT": "text/plain", "HTML": "text/html", "CONVERSATIONAL": "application/json"}


def media_attributes(row: DataRow) -> dict:
    """What Labelbox reports about a row's asset: inline text is text/plain; URLs by extension."""
    data = row.row_data
    if data.startswith(("http://", "https://", "gs://", "s3://")):
        import mimetypes

        mime = mimetypes.guess_type(data.split("?")[0])[0] or "application/octet-stream"
        return {"mimeType": mime}
    return _text_attributes(data, row.media_type)


def _text_attributes(data: str, media_type: str | None) -> dict:
    """``media_attributes`` of a row with this data and media type."""
    if data.startswith(("http://", "https://", "gs://", "s3://")):
        return media_attributes(DataRow("", "", "", row_data=data, media_type=media_type))
    return {"mimeType": _MIME_TYPES.get((media_type or "TEXT").upper(), "text/plain"),
            "contentLength": len(data.encode("utf-8"))}
