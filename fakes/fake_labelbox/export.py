"""Project exports in Labelbox's NDJSON row format (export v2 / streamable export)."""

from __future__ import annotations

import json
from functools import cache
from itertools import filterfalse
from json.encoder import encode_basestring_ascii as _string
from typing import Any

from .errors import bad_input
from .state import Label, Project, State

# json.dumps(..., separators=(",", ":")) without building an encoder per row; rows have no cycles to check for
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
FID = '"feature_id":'
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
    """Export rows of one project with one set of params: the per-export work is done once, and each
    distinct (classification, answer) pair is rendered once (only the feature ids differ between labels)."""

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
        self.answers: dict[tuple, dict] = {}
        self.texts: dict[tuple, list[str] | None] = {}

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
            "classifications": [self.classification(a) for a in lab.answers],
            "relationships": [],
        }
        return out

    def classification(self, ann: dict) -> dict:
        """``classification_json`` from a rendering per distinct (name, answer), with this answer's feature ids."""
        name, answer = ann["name"], ann.get("answer")
        if type(name) is not str or type(answer) not in (str, int):  # others may be unhashable, or equal
            return classification_json(self.normalized, ann)  # yet print differently (1 and True, -0.0 and 0.0)
        key = (name, type(answer), answer)
        shape = self.answers.get(key)
        if shape is None:
            shape = self.answers[key] = classification_json(self.normalized, {"name": name, "answer": answer})
        out = dict(shape)
        out["feature_id"] = ann.get("feature_id")
        fid = ann.get("answer_feature_id")
        if "radio_answer" in out:
            out["radio_answer"] = dict(out["radio_answer"], feature_id=fid)
        elif "checklist_answers" in out:
            out["checklist_answers"] = [dict(o, feature_id=fid) for o in out["checklist_answers"]]
        return out


    # ---- the same rows as JSON text, written directly: _encode(self.row(r)) == self.line(r) ----
    def line(self, row_id: str) -> str:
        state, p = self.state, self.p
        row = state.data_rows[row_id]
        if type(p.id) is not str:  # a key json.dumps would convert
            return _encode(self.row(row_id))
        out = ['{"data_row":{"id":', _json(row.id), ',"global_key":', _json(row.global_key), ',"external_id":',
               _json(row.external_id), ',"row_data":', _json(row.row_data)]
        if self.row_details:
            out += [',"details":', _encode(self._details(row))]
        out += ['},"media_attributes":', _attrs(row.media_attributes)]
        if self.metadata:
            out += [',"metadata_fields":', _encode(row.metadata_fields)]
        if self.attachments:
            out += [',"attachments":', _encode(row.attachments)]
        labels = state.labels
        out += [',"projects":{', _string(p.id), ':{"name":', _json(p.name), ',"labels":[',
                ",".join([self.label_line(labels[i]) for i in p.labels.get(row_id, [])]), "]"]
        if self.project_details:
            out += [',"project_details":', _encode(self._project_details(row_id))]
        out.append("}}}")
        return "".join(out)

    def label_line(self, lab: Label) -> str:
        out = ['{"id":', _json(lab.id), ',"label_kind":"Default","version":"1.0.0"']
        if self.label_details:
            updated = _json(lab.updated_at)
            out += [',"label_details":{"created_at":', _json(lab.created_at), ',"updated_at":', updated,
                    ',"created_by":', _json(lab.created_by), ',"content_last_updated_at":', updated, ',"reviews":[]}']
        if self.performance:
            out.append(',"performance_details":{"seconds_to_create":0,"seconds_to_review":0,"skipped":false}')
        out += [',"annotations":{"objects":[],"classifications":[',
                ",".join([self.classification_line(a) for a in lab.answers]), '],"relationships":[]}}']
        return "".join(out)

    def classification_line(self, ann: dict) -> str:
        """The rendering's text cut where its feature ids go (the only ``"feature_id":null`` in it)."""
        name, answer = ann["name"], ann.get("answer")
        if type(name) is not str or type(answer) not in (str, int):
            return _encode(self.classification(ann))
        key = (name, type(answer), answer)
        pieces = self.texts.get(key)
        if pieces is None:
            shape = self.classification({"name": name, "answer": answer})  # feature ids None
            pieces = _encode(shape).split(FID + "null")
            wanted = 2 + len(shape.get("checklist_answers", ())) + ("radio_answer" in shape)
            pieces = self.texts[key] = [piece + FID for piece in pieces[:-1]] + pieces[-1:] \
                if len(pieces) == wanted else None
        if pieces is None:  # another "feature_id": null in the ontology's own values
            return _encode(self.classification(ann))
        fid, answer_fid = _json(ann.get("feature_id")), _json(ann.get("answer_feature_id"))
        if len(pieces) == 3:  # a radio answer
            return pieces[0] + fid + pieces[1] + answer_fid + pieces[2]
        return pieces[0] + fid + "".join([piece + answer_fid for piece in pieces[1:-1]]) + pieces[-1]


def _json(v: Any) -> str:
    """``_encode(v)``, without the encoder for the common cases."""
    if type(v) is str:
        return _string(v)
    if v is None:
        return "null"
    return _encode(v)


def _attrs(attrs: dict) -> str:
    if len(attrs) == 2 and type(mime := attrs.get("mimeType")) is str and type(size := attrs.get("contentLength")) is int \
            and next(iter(attrs)) == "mimeType":
        return '{"mime_type":' + _string(mime) + ',"content_length":' + int.__repr__(size) + "}"
    return _encode({_snake(k): v for k, v in attrs.items()})


def workflow_status(p: Project, row_id: str) -> str:
    return "TO_LABEL" if row_id in p.queue else "DONE"


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
        if rows is None and kind in ("data_row_id", "global_key") and f.get("operator") != "is_not":
            ids = set(f.get("ids") or [])  # a first "is" filter: its rows looked up, not the project's scanned
            if kind == "global_key":
                ids = {state.global_keys.get(k) for k in ids}
            order, positions = state.project_rows(p)
            rows = [order[i] for i in sorted([positions[r] for r in ids if r in positions])]
            continue
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
                rows = list((filterfalse if negate else filter)(ids.__contains__, rows))
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
    render = Rows(state, p, params).line
    lines = [render(r) for r in rows]
    body = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return body, len(lines)
