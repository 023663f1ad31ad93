"""The fake's entities: plain dataclasses, one per Labelbox object, held by :class:`~fake_labelbox.models.state.State`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ORG_ID = "c" + "organization".ljust(24, "0")
USER_ID = "c" + "user".ljust(24, "0")
EDITOR_ID = "c" + "editor".ljust(24, "0")


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
    show_predictions_to_labelers: bool = False  # model-assisted labeling: labellers see imported predictions
    resource_tag_ids: list[str] = field(default_factory=list)
    labeling_frontend_id: str | None = None
    ontology_id: str | None = None
    frontend_options: list[dict] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)  # data row id -> batch id, in batching order
    queue: dict[str, QueueEntry] = field(default_factory=dict)  # rows waiting for labels
    finished: dict[str, QueueEntry] = field(default_factory=dict)  # rows that left the queue
    steps: dict[str, str] = field(default_factory=dict)  # rows out of the queue not done: "review" | "rework" | "removed"
    labels: dict[str, list[str]] = field(default_factory=dict)  # data row id -> label ids


@dataclass
class ResourceTag(Entity):
    """An organization's tag for projects; ``color`` is hex without the ``#``, as Labelbox answers it."""

    text: str = ""
    color: str = ""


@dataclass
class Dataset(Entity):
    name: str = ""
    description: str | None = None
    deleted: bool = False
    row_ids: list[str] = field(default_factory=list)


@dataclass
class Attachment(Entity):
    """An asset attachment: extra context shown next to a data row while labelling."""

    data_row_id: str = ""
    type: str = ""
    value: str = ""
    name: str | None = None


@dataclass
class DataRow(Entity):
    dataset_id: str = ""
    row_data: str = ""
    global_key: str | None = None
    external_id: str | None = None
    media_type: str | None = None
    media_attributes: dict = field(default_factory=dict)
    metadata_fields: list[dict] = field(default_factory=list)  # as Labelbox stores them: [{"schemaId", "value"}]
    attachments: list[Attachment] = field(default_factory=list)
    deleted: bool = False


@dataclass
class MetadataSchema(Entity):
    """A field of the organization's data-row metadata ontology (an enum's options are schemas too)."""

    name: str = ""
    kind: str = "CustomMetadataString"
    reserved: bool = False
    options: list[MetadataSchema] = field(default_factory=list)
    parent_id: str | None = None  # an enum option's enum


@dataclass
class Ontology(Entity):
    name: str = ""
    description: str | None = None
    media_type: str | None = None
    normalized: dict = field(default_factory=dict)
    archived: list[str] = field(default_factory=list)  # feature schema ids removed while labels use them
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
    reported_final: bool = True  # a read has answered its final status (or it had no IN_PROGRESS reads to give)
    successes: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    result_file_id: str | None = None
    total_lines: int = 0


@dataclass
class Label(Entity):
    project_id: str = ""
    data_row_id: str = ""
    annotations: list[dict] = field(default_factory=list)  # stored annotations, see models/annotations.py
    created_by: str = ""
    source: str = "workforce"  # workforce | import | mal
    deleted: bool = False
    feedback: str | None = None
    scores: list[dict] = field(default_factory=list)  # [{"id", "name", "score"}]


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
    state: str = "RUNNING"  # FINISHED once read (see LabelsMixin.read_import)
    input_file_id: str = ""
    status_file_id: str = ""
    error_file_id: str = ""


@dataclass
class StoredFile:
    id: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class JoinLink:
    """The labelling page's shared link for a project: whoever opens it joins as a new :class:`Labeler`, limited
    to rows at ``max_priority`` or better (None: any row)."""

    code: str
    project_id: str
    max_priority: int | None
    created_at: str
    revoked: bool = False


@dataclass
class Labeler(Entity):
    """A person labelling through the page: their token is drawn at random when they join and only its SHA-256
    is kept, so the state file holds no usable token."""

    project_id: str = ""
    token_sha256: str = ""
    max_priority: int | None = None  # copied from the link they joined by; the server enforces it
    name: str = ""
    revoked: bool = False
