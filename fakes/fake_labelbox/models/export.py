"""Project exports in Labelbox's NDJSON row format (export v2 / streamable export)."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from ..errors import bad_input
from .annotations import find_option  # noqa: F401  (the labelling page and the workforce read options here)
from .entities import Label, Project
from .state import State

WORKFLOW_FILTERS = {"Done": "DONE", "InReview": "IN_REVIEW", "InRework": "IN_REWORK", "ToLabel": "TO_LABEL"}


def find_classification(normalized: dict, name: str) -> dict | None:
    for c in normalized.get("classifications", []):
        if name in (c.get("name"), c.get("instructions")):
            return c
    return None


def row_json(state: State, p: Project, row_id: str, params: dict) -> dict:
    return Rows(state, p, params).row(row_id)


class Rows:
    """Export rows of one project with one set of params."""

    def __init__(self, state: State, p: Project | None, params: dict) -> None:
        self.state, self.p = state, p
        self.row_details = params.get("includeDataRowDetails")
        self.metadata = params.get("includeMetadata")
        self.attachments = params.get("includeAttachments")
        self.label_details = params.get("includeLabelDetails", True)
        self.performance = params.get("includePerformanceDetails")
        self.project_details = params.get("includeProjectDetails")
        self.interpolated = bool(params.get("includeInterpolatedFrames"))
        self.media_type = (p.media_type or "").upper() if p is not None else ""

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
            out["metadata_fields"] = [{"schema_id": f["schemaId"], "schema_name": f["name"], "value": f["value"],
                                       "schema_kind": f["kind"]} for f in state.metadata_view(row)]
        if self.attachments:
            out["attachments"] = [{"id": a.id, "type": a.type, "value": a.value, "name": a.name}
                                  for a in row.attachments]
        out["projects"] = {}
        if p is not None:  # a catalog row outside the projects asked for has none
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
        video = self.media_type == "VIDEO"
        out: dict = {"id": lab.id, "label_kind": "Video" if video else "Default", "version": "1.0.0"}
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
        if video:
            out["annotations"] = video_annotations(lab, self.interpolated)
        elif self.media_type == "AUDIO":  # an audio label has classifications only, and its (empty) time ranges
            out["annotations"] = {"classifications": export_annotations(lab)["classifications"], "segments": {},
                                  "timestamp": {}}
        else:
            out["annotations"] = export_annotations(lab)
        return out


def export_annotations(lab: Label) -> dict:
    """A label's annotations in the export's three lists, in the order they were made."""
    out: dict[str, list] = {"objects": [], "classifications": [], "relationships": []}
    for a in lab.annotations:
        out[a["bucket"]].append(copy.deepcopy(a["data"]))
    return out


def video_annotations(lab: Label, interpolated: bool) -> dict:
    """A video label: objects and classifications per frame, their segments and keyframes.

    Objects are drawn on their keyframes and, with ``interpolated``, on every frame between two keyframes
    of a segment (geometry interpolated linearly). Keyframe classifications lose their nested answers, as
    Labelbox's video export does."""
    frames: dict[int, dict] = {}
    segments: dict[str, list] = {}
    keyframes: dict[str, Any] = {}  # an object's {frame: True}, a classification's frames (as Labelbox has them)
    glob: list[dict] = []

    def frame(n: int) -> dict:
        return frames.setdefault(n, {"objects": {}, "classifications": []})

    for a in lab.annotations:
        data = a["data"]
        fid = data["feature_id"]
        if a["bucket"] == "objects" and "segments" in data:
            head = {k: data[k] for k in ("feature_id", "feature_schema_id", "name", "value", "annotation_kind")}
            key = {"VideoBoundingBox": "bounding_box", "VideoPoint": "point"}.get(data["annotation_kind"], "line")
            segments[fid] = [[seg[0]["frame"], seg[-1]["frame"]] for seg in data["segments"]]
            keyframes[fid] = {str(kf["frame"]): True for seg in data["segments"] for kf in seg}
            for seg in data["segments"]:
                for kf, nxt in zip(seg, seg[1:] + [None], strict=True):
                    shown = [_without_nested(c) for c in kf["classifications"]]
                    frame(kf["frame"])["objects"][fid] = {**head, "classifications": shown, key: kf["geometry"]}
                    if interpolated and nxt is not None:
                        span = nxt["frame"] - kf["frame"]
                        for n in range(kf["frame"] + 1, nxt["frame"]):
                            geometry = _between(kf["geometry"], nxt["geometry"], (n - kf["frame"]) / span)
                            frame(n)["objects"][fid] = {**head, "classifications": shown, key: geometry}
        elif a["bucket"] == "classifications" and data.get("frames"):
            entry = {k: v for k, v in data.items() if k != "frames"}
            segments[fid] = [[f["start"], f["end"]] for f in data["frames"]]
            keyframes[fid] = sorted({n for f in data["frames"] for n in (f["start"], f["end"])})
            for f in data["frames"]:
                span = range(f["start"], f["end"] + 1) if interpolated else sorted({f["start"], f["end"]})
                for n in span:
                    frame(n)["classifications"].append(copy.deepcopy(entry))
        elif a["bucket"] == "classifications":
            glob.append(copy.deepcopy(data))
    return {"frames": {str(n): frames[n] for n in sorted(frames)}, "segments": segments,
            "key_frame_feature_map": keyframes, "classifications": glob}


def _without_nested(classification: dict) -> dict:
    out = copy.deepcopy(classification)
    answers = out.get("checklist_answers") or ([out["radio_answer"]] if "radio_answer" in out else [])
    for answer in answers:
        answer["classifications"] = []
    return out


def _between(a: Any, b: Any, t: float) -> Any:
    """Linear interpolation of two geometries of the same shape (numbers, dicts of numbers, lists of points)."""
    if isinstance(a, dict):
        return {k: _between(v, b[k], t) if k in b else v for k, v in a.items()}
    if isinstance(a, list):
        return [_between(x, y, t) for x, y in zip(a, b, strict=True)] if len(a) == len(b) else a
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return round(a + (b - a) * t, 3)
    return a


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


# ---- catalog export: rows of the organization, not of one project ------------------------------------------------
def select_catalog_rows(state: State, query: list[dict]) -> list[str]:
    """Apply a catalog export's ``searchQuery.query`` filters (ANDed) to the organization's data rows."""
    rows = [r.id for r in state.data_rows.values() if not r.deleted]
    for f in query or []:
        kind, negate = f.get("type"), f.get("operator") == "is_not"
        ids = set(f.get("ids") or [])
        if kind == "dataset":
            rows = [r for r in rows if (state.data_rows[r].dataset_id in ids) != negate]
        elif kind in ("data_row_id", "global_key"):
            if kind == "global_key":
                ids = {state.global_keys.get(k) for k in ids}
            rows = [r for r in rows if (r in ids) != negate]
        elif kind == "labeled_at":
            rows = [r for r in rows if any(_in_range(lab.created_at, f["value"])
                                           for lab in state.labels.values() if lab.data_row_id == r)]
        elif kind == "data_row_last_activity_at":
            rows = [r for r in rows if _in_range(state.data_rows[r].updated_at, f["value"])]
        else:
            raise bad_input(f"Unsupported export filter type: {kind}")
    return rows


def build_catalog_export(state: State, filters: dict, params: dict | None) -> tuple[bytes, int]:
    """The NDJSON bytes of a catalog export and its line count. A row's ``projects`` holds the projects that
    ``params.projectIds`` names (all of them with ``allProjects``) and that hold the row."""
    params = dict(params or {})
    params.setdefault("includeLabelDetails", True)
    query = ((filters or {}).get("searchQuery") or {}).get("query") or []
    wanted = set(params.get("projectIds") or [])
    projects = [p for p in state.projects.values() if not p.deleted
                and (params.get("allProjects") or p.id in wanted)]
    lines = []
    for row_id in select_catalog_rows(state, query):
        out = Rows(state, None, params).row(row_id)
        for p in projects:
            if row_id in p.rows:
                out["projects"].update(Rows(state, p, params).row(row_id)["projects"])
        lines.append(json.dumps(out, separators=(",", ":")))
    body = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return body, len(lines)
