"""One organization's Labelbox: its entity tables, and every change to them (moto's backend).

:class:`State` holds the tables, the ids and the clock; the changes are grouped by Labelbox domain in the
mixins it is made of (``projects``, ``data_rows``, ``metadata``, ``ontologies``, ``queue``, ``labels``, ``webhooks``,
``labeling``: the labelling page's join links and labellers).
Resolvers, REST handlers, the admin API and the labelling page change the state only through these methods;
a method does one plain create, read, update or delete and raises :mod:`fake_labelbox.errors` on bad input.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Any

from ..errors import bad_input, not_found
from .data_rows import DataRowsMixin
from .entities import (
    EDITOR_ID,
    ORG_ID,
    USER_ID,
    AnnotationImport,
    Attachment,
    Batch,
    DataRow,
    Dataset,
    FeatureSchema,
    JoinLink,
    Label,
    Labeler,
    LabelingFrontend,
    MetadataSchema,
    Ontology,
    Organization,
    Project,
    ResourceTag,
    StoredFile,
    Task,
    User,
    Webhook,
)
from .env import LIVE_ENV, Clock, Env, Ids
from .labeling import LabelingMixin
from .labels import LabelsMixin
from .metadata import MetadataMixin
from .ontologies import OntologiesMixin
from .projects import ProjectsMixin
from .queue import QueueMixin
from .webhooks import WebhooksMixin

# The task types Labelbox cancels, of the fake's: type -> the name ``cancelableTaskTypes`` answers (the SDK
# kebab-cases it back to the type).
CANCELABLE = {"export-data-rows": "exportDataRows"}


class State(ProjectsMixin, DataRowsMixin, MetadataMixin, OntologiesMixin, QueueMixin, LabelsMixin, WebhooksMixin,
            LabelingMixin):
    """One fake Labelbox organization. Use ``with state.lock:`` around compound operations.

    The lock and the :class:`Env` are shared by every organization of one server and are not part
    of the persisted state (see ``attach``).

    ``changes`` counts what a read may change as a side effect (a clock reading, a drawn id, a task or import
    that progresses when polled, the workforce in its automatic modes): a GraphQL query that leaves it alone is not
    journaled. It is not part of the state.
    """

    TRANSIENT = ("lock", "env", "changes")

    def __init__(self, seed: int | None = None, *, lock=None, env: Env | None = None, org_id: str = ORG_ID,
                 org_name: str = "Fake Organization", user_id: str = USER_ID) -> None:
        self.lock = lock or threading.RLock()
        self.env = env or LIVE_ENV
        self.org_id, self.org_name, self.user_id = org_id, org_name, user_id
        self.changes = 0
        self.reset(seed)

    def attach(self, lock, env: Env) -> None:
        """Bind to a server's lock and environment (after construction or loading from a state file)."""
        self.lock = lock
        self.env = env
        self.clock.env = env

    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k not in self.TRANSIENT}

    def __setstate__(self, d: dict) -> None:
        vars(self).update(d)
        self.lock = threading.RLock()
        self.env = LIVE_ENV
        self.changes = 0

    def changed(self) -> None:
        """Count a change made outside the generic helpers (``now``, ``new_id``)."""
        self.changes += 1

    # ---- lifecycle -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        with self.lock:
            self.seed = seed
            self.ids = Ids(seed, salt=None if self.org_id == ORG_ID else self.org_id)
            if seed is None:  # entropy through the env, so that a journal replay draws the same ids
                self.ids.rng.seed(self.env.token())
            # signs the organization's file URLs; a seeded fake's is reproducible, as everything else in it
            self.file_secret = (hashlib.sha256(f"{seed}/{self.org_id}/files".encode()).hexdigest()
                                if seed is not None else self.env.token())
            self.clock = Clock(seed is not None, self.env)
            now = self.clock.stamp()
            self.organization = Organization(self.org_id, now, now, name=self.org_name)
            self.user = User(self.user_id, now, now, last_login_at=now)
            self.projects: dict[str, Project] = {}
            self.datasets: dict[str, Dataset] = {}
            self.data_rows: dict[str, DataRow] = {}
            self.global_keys: dict[str, str] = {}
            self.attachments: dict[str, Attachment] = {}
            self.metadata_schemas: dict[str, MetadataSchema] = self.reserved_metadata(now)
            self.ontologies: dict[str, Ontology] = {}
            self.feature_schemas: dict[str, FeatureSchema] = {}
            self.frontends: dict[str, LabelingFrontend] = {}
            self.batches: dict[str, Batch] = {}
            self.tasks: dict[str, Task] = {}
            self.labels: dict[str, Label] = {}
            self.webhooks: dict[str, Webhook] = {}
            self.resource_tags: dict[str, ResourceTag] = {}
            self.imports: dict[str, AnnotationImport] = {}
            self.files: dict[str, StoredFile] = {}
            self.join_links: dict[str, JoinLink] = {}  # the labelling page's join links, by code
            self.labelers: dict[str, Labeler] = {}  # who joined the labelling page
            self.global_key_jobs: dict[str, tuple[str, Any]] = {}  # job id -> (kind, what its result reads)
            self.truth: dict[str, Any] = {}
            self.outbox: list[tuple[str, str, dict]] = []  # (webhook id, topic, payload) to deliver
            self.deliveries: list[dict] = []
            self.task_polls = 0  # default polls_left for new tasks (0 = COMPLETE at creation)
            self.task_polls_by_type: dict[str, int] = {}  # the same for one type of task (export-data-rows)
            editor = LabelingFrontend(EDITOR_ID, now, now, name="Editor", description="Labelbox editor",
                                      iframe_url_path="https://editor.labelbox.com")
            self.frontends[editor.id] = editor
            self.editor_id = editor.id

    def new_id(self) -> str:
        self.changes += 1
        return self.ids.new()

    def now(self) -> str:
        self.changes += 1
        return self.clock.stamp()

    # ---- generic lookup ----------------------------------------------------------------------
    def get(self, table: str, entity_id: str, kind: str):
        obj = getattr(self, table).get(entity_id)
        if obj is None or getattr(obj, "deleted", False):
            raise not_found(kind, entity_id)
        return obj

    def project(self, project_id: str) -> Project:
        return self.get("projects", project_id, "Project")

    def create(self, table: str, entity_type: type, **fields: Any):
        """A new entity with a fresh id and creation time, filed in ``table``."""
        now = self.now()
        obj = entity_type(self.new_id(), now, now, **fields)
        getattr(self, table)[obj.id] = obj
        return obj

    def update(self, table: str, entity_id: str, kind: str, **fields: Any):
        """Set fields of an entity (a deleted one too: ``deleted=False`` restores it) and its update time."""
        obj = getattr(self, table).get(entity_id)
        if obj is None:
            raise not_found(kind, entity_id)
        for k, v in fields.items():
            setattr(obj, k, v)
        obj.updated_at = self.now()
        return obj

    # ---- files -------------------------------------------------------------------------------
    def file_signature(self, file_id: str) -> str:
        return hmac.new(self.file_secret.encode(), file_id.encode(), hashlib.sha256).hexdigest()[:32]

    def store_file(self, content: bytes, content_type: str = "application/octet-stream",
                   file_id: str | None = None) -> StoredFile:
        f = StoredFile(file_id or self.new_id(), content, content_type)
        self.files[f.id] = f
        return f

    # ---- projects ----------------------------------------------------------------------------
    # ---- tasks -------------------------------------------------------------------------------
    def create_task(self, type_: str, name: str, **fields: Any) -> Task:
        polls = self.task_polls_by_type.get(type_, self.task_polls)
        return self.create("tasks", Task, type=type_, name=name, user_id=self.user.id, polls_left=polls,
                           reported_final=polls == 0, **fields)

    def peek_task(self, task: Task) -> dict:
        """What the next poll of the task will answer, without counting it."""
        if task.polls_left > 0:
            return {"status": "IN_PROGRESS", "completion_percentage": 0.0}
        return {"status": task.status, "completion_percentage": task.completion_percentage}

    def read_task(self, task: Task) -> dict:
        """The task as a poll sees it; counts down the configured IN_PROGRESS reads. The read that first reports
        the outcome ends the task's cancel window."""
        snap = self.peek_task(task)
        if task.polls_left > 0:
            task.polls_left -= 1
            self.changed()
        elif not task.reported_final:
            task.reported_final = True
            self.changed()
        return snap

    def cancel_task(self, task_id: str) -> Task:
        """Cancel a task that no read has reported finished yet: it answers CANCELED from then on."""
        t = self.tasks.get(task_id)
        if t is None:
            raise not_found("Task", task_id)
        if t.type not in CANCELABLE:
            raise bad_input(f"Task type '{t.type}' cannot be cancelled")
        if t.reported_final or t.status == "CANCELED":
            raise bad_input(f"Task cannot be cancelled because it is not in progress. Current status: {t.status}")
        t.polls_left, t.status, t.completion_percentage = 0, "CANCELED", 0.0
        return t
