"""Project exports in Labelbox's NDJSON row format (export v2 / streamable export)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..errors import bad_input
from .entities import Label, Project
from .state import State

WORKFLOW_FILTERS = {"Done": "DONE", "InReview": "IN_REVIEW", "InRework": "IN_REWORK", "ToLabel": "TO_LABEL"}


def find_classification(normalized: dict, name: str) -> dict | None:
    for c in normalized.get("classifications", []):
        if name in (c.get("name"), c.get("instructions")):
            return c
    return None


def find_option(classification: dict, answer: Any) -> dict | None:
    options = classification.get("options", [])
    if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options):
        return options[answer]
    for o in options:
        if str(answer) in (str(o.get("label")), str(o.get("value"))):
            return o
    return None


def _value(node: dict) -> str:
    v = node.get("value")
    return str(v) if v is not None else str(node.get("name") or node.get("label", "")).lower().replace(" ", "_")


def classification_json(normalized: dict, ann: dict) -> dict:
    """One export classification entry (radio / checklist / text) for a stored answer."""
    cls = find_classification(normalized, ann["name"]) or {"name": ann["name"]}
    out = {
        "feature_id": ann.get("feature_id"),
        "feature_schema_id": cls.get("featureSchemaId"),
        "name": cls.get("name") or cls.get("instructions"),
        "value": _value({"name": cls.get("name") or cls.get("instructions"), "value": cls.get("value")}),
    }
    answer = ann.get("answer")
    kind = cls.get("type", "radio")
    if kind == "text":
        out["text_answer"] = {"content": str(answer)}
        return out

    def opt_json(a: Any, fid: str | None) -> dict:
        opt = find_option(cls, a) or {"label": str(a), "value": str(a)}
        return {
            "feature_id": fid,
            "feature_schema_id": opt.get("featureSchemaId"),
            "name": opt.get("label") or str(opt.get("value")),
            "value": _value(opt),
            "classifications": [],
        }

    if kind == "checklist":
        answers = answer if isinstance(answer, list) else [answer]
        out["checklist_answers"] = [opt_json(a, ann.get("answer_feature_id")) for a in answers]
    else:
        out["radio_answer"] = opt_json(answer, ann.get("answer_feature_id"))
    return out


def label_json(state: State, lab: Label, normalized: dict, params: dict) -> dict:
    return Rows(state, None, params, normalized).label(lab)


def row_json(state: State, p: Project, row_id: str, params: dict) -> dict:
    return Rows(state, p, params).row(row_id)


class Rows:
    """Export rows of one project with one set of params."""

    def __init__(self, state: State, p: Project | None, params: dict, normalized: dict | None = None) -> None:
        self.state, self.p = state, p
        if normalized is None:
            ontology = state.ontologies.get(p.ontology_id or "") if p else None
            normalized = ontology.normalized if ontology else {}
        self.normalized = normalized
        self.row_details = params.get("includeDataRowDetails")
        self.metadata = params.get("includeMetadata")
        self.attachments = params.get("includeAttachments")
        self.label_details = params.get("includeLabelDetails", True)
        self.performance = params.get("includePerformanceDetails")
        self.project_details = params.get("includeProjectDetails")

    def row(self, row_id: str) -> dict:
        state, p = self.state, self.p
        row = state.data_rows[row_id]
        dr: dict = {"id": row.id, "global_key": row.global_key, "external_id": row.external_id,
                    "row_data": row.row_data}
        if self.row_details:
            dr["details"] = self._details(row)
        attrs = {_snake(k): v for k, v in row.media_attributes.items()}
        out: dict = {"data_row": dr, "media_attributes": attrs}
        if self.metadata:
            out["metadata_fields"] = row.metadata_fields
        if self.attachments:
            out["attachments"] = row.attachments
        labels = state.labels
        proj: dict = {"name": p.name, "labels": [self.label(labels[i]) for i in p.labels.get(row_id, [])]}
        if self.project_details:
            proj["project_details"] = self._project_details(row_id)
        out["projects"] = {p.id: proj}
        return out

    def _details(self, row) -> dict:
        state = self.state
        ds = state.datasets.get(row.dataset_id)
        return {
            "dataset_id": row.dataset_id,
            "dataset_name": ds.name if ds else None,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "last_activity_at": row.updated_at,
            "created_by": state.user.email,
        }

    def _project_details(self, row_id: str) -> dict:
        p = self.p
        entry = p.queue.get(row_id) or p.finished.get(row_id)
        batch = self.state.batches.get(p.rows[row_id])
        return {
            "ontology_id": p.ontology_id,
            "task_id": "",
            "task_name": "",
            "batch_id": batch.id if batch else None,
            "batch_name": batch.name if batch else None,
            "workflow_status": workflow_status(p, row_id),
            "priority": entry.priority if entry else None,
            "consensus_expected_label_count": entry.number_of_labels if entry else 1,
            "workflow_history": [],
        }

    def label(self, lab: Label) -> dict:
        out: dict = {"id": lab.id, "label_kind": "Default", "version": "1.0.0"}
        if self.label_details:
            out["label_details"] = {
                "created_at": lab.created_at,
                "updated_at": lab.updated_at,
                "created_by": lab.created_by,
                "content_last_updated_at": lab.updated_at,
                "reviews": [],
            }
        if self.performance:
            out["performance_details"] = {"seconds_to_create": 0, "seconds_to_review": 0, "skipped": False}
        out["annotations"] = {
            "objects": [],
            "classifications": [classification_json(self.normalized, a) for a in lab.answers],
            "relationships": [],
        }
        return out


def workflow_status(p: Project, row_id: str) -> str:
    if row_id in p.queue:
        return "TO_LABEL"
    return {"review": "IN_REVIEW", "rework": "IN_REWORK"}.get(p.steps.get(row_id, ""), "DONE")


@cache
def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _day(v: Any) -> str:
    return str(v).replace(" ", "T")[:19]


def _in_range(stamp: str | None, value: dict) -> bool:
    if stamp is None:
        return False
    op, v, s = value.get("operator"), value.get("value"), stamp[:19]
    if op == "BETWEEN":
        return _day(v["min"]) <= s <= _day(v["max"])
    if op == "GREATER_THAN_OR_EQUAL":
        return s >= _day(v)
    if op == "LESS_THAN_OR_EQUAL":
        return s <= _day(v)
    raise bad_input(f"Unsupported date operator {op}")


def select_rows(state: State, p: Project, query: list[dict]) -> list[str]:
    """Apply the export's ``searchQuery.query`` filters (ANDed) to the project's rows."""
    rows: list[str] | None = None
    for f in query or []:
        kind = f.get("type")
        if rows is None:
            rows = list(p.rows)
        if kind in ("data_row_id", "global_key", "batch"):
            ids = set(f.get("ids") or [])
            if kind == "global_key":
                ids = {state.global_keys.get(k) for k in ids}
            negate = f.get("operator") == "is_not"
            if kind == "batch":
                rows = [r for r in rows if (p.rows[r] in ids) != negate]
            else:
                rows = [r for r in rows if (r in ids) != negate]
        elif kind == "task_queue_not_exist":
            rows = [r for r in rows if r in p.queue]
        elif kind == "task_queue_status":
            want = WORKFLOW_FILTERS.get(f.get("status"), f.get("status"))
            rows = [r for r in rows if workflow_status(p, r) == want]
        elif kind == "labeled_at":
            rows = [r for r in rows if any(_in_range(state.labels[i].created_at, f["value"]) for i in p.labels.get(r, []))]
        elif kind == "data_row_last_activity_at":
            rows = [r for r in rows if _in_range(state.data_rows[r].updated_at, f["value"])]
        else:
            raise bad_input(f"Unsupported export filter type: {kind}")
    return list(p.rows) if rows is None else rows


def build_export(state: State, p: Project, filters: dict, params: dict | None) -> tuple[bytes, int]:
    """The NDJSON bytes of a project export and its line count."""
    params = dict(params or {})
    params.setdefault("includeLabelDetails", True)
    query = ((filters or {}).get("searchQuery") or {}).get("query") or []
    rows = select_rows(state, p, query)
    render = Rows(state, p, params).row
    lines = [json.dumps(render(r), separators=(",", ":")) for r in rows]
    body = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return body, len(lines)
