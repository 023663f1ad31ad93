"""Labels, and annotation imports (label imports, model-assisted labeling predictions) that become labels.

A label takes its row out of the queue once the row has its number of labels.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import bad_input, conflict, not_found
from .annotations import Annotator, LineError, find_feature, link_relationships
from .entities import AnnotationImport, Label


class LabelsMixin:
    """Labels from the workforce, the labelling page and NDJSON imports."""

    def add_label(self, project_id: str, data_row_id: str, annotations: list[dict], created_by: str,
                  source: str) -> Label:
        """A label on a row: it leaves the queue once it has its number of labels; LABEL_CREATED webhooks fire.

        ``annotations`` are stored annotations (:mod:`.annotations`) or plain answers ``{"name", "answer"}``
        to the ontology's classifications (the simulated workforce and the labelling page give those).
        """
        p = self.project(project_id)
        annotator = self._annotator(p, data_row_id)
        stored = [a if "bucket" in a else _plain_answer(annotator, a) for a in annotations]
        lab = self.create("labels", Label, project_id=p.id, data_row_id=data_row_id, annotations=stored,
                          created_by=created_by, source=source)
        row_labels = p.labels.setdefault(data_row_id, [])
        row_labels.append(lab.id)
        entry = p.queue.get(data_row_id)
        if entry is not None and len(row_labels) >= entry.number_of_labels:
            p.finished[data_row_id] = p.queue.pop(data_row_id)
        p.last_activity_time = lab.created_at
        for hook in self.webhooks.values():
            if hook.status == "ACTIVE" and "LABEL_CREATED" in hook.topics and hook.project_id in (None, p.id):
                self.outbox.append((hook.id, "LABEL_CREATED", {"label_id": lab.id}))
        return lab

    def delete_labels(self, label_ids: list[str]) -> list[Label]:
        """Delete labels (unknown or already deleted ids are skipped); a row short of labels is queued again."""
        out = []
        for label_id in label_ids:
            lab = self.labels.get(label_id)
            if lab is None or lab.deleted:
                continue
            lab.deleted = True
            p = self.projects[lab.project_id]
            row_labels = p.labels.get(lab.data_row_id, [])
            if lab.id in row_labels:
                row_labels.remove(lab.id)
            if not row_labels:
                p.labels.pop(lab.data_row_id, None)
            entry = p.finished.get(lab.data_row_id)
            if entry is not None and len(row_labels) < entry.number_of_labels:
                p.queue[lab.data_row_id] = p.finished.pop(lab.data_row_id)
            p.last_activity_time = self.now()
            out.append(lab)
        return out

    def set_label_feedback(self, label_id: str, feedback: str, scores: dict) -> Label:
        """Free-text feedback and named numeric scores on a label (a score name keeps its id)."""
        lab = self.get("labels", label_id, "Label")
        if not isinstance(scores, dict) or not all(isinstance(v, (int, float)) for v in scores.values()):
            raise bad_input("scores must be an object of numbers, e.g. {\"overall\": 5}")
        ids = {s["name"]: s["id"] for s in lab.scores}
        lab.feedback = feedback
        lab.scores = [{"id": ids.get(name) or self.new_id(), "name": name, "score": float(v)}
                      for name, v in scores.items()]
        lab.updated_at = self.now()
        return lab

    def label_count(self, project_id: str) -> int:
        return sum(len(v) for v in self.project(project_id).labels.values())

    def run_import(self, kind: str, project_id: str, name: str, content: bytes) -> AnnotationImport:
        """Apply an NDJSON import; per-line status in a file. The import answers RUNNING until first read.

        Each line is checked against the project's ontology (:mod:`.annotations`): a refused line (unknown
        feature, a kind that does not fit it, a row outside the project) gets a FAILURE status and the rest
        are imported. The accepted lines for one data row form one label.
        """
        p = self.project(project_id)
        if any(i.project_id == p.id and i.name == name and i.kind == kind for i in self.imports.values()):
            raise conflict(f"An import named {name} already exists in project {p.id}")
        statuses: list[tuple[int, dict]] = []  # (line number, status): the status file follows the input
        grouped: dict[str, list[tuple[int, dict, dict]]] = {}  # row id -> (line number, line, stored annotation)
        annotators: dict[str, Annotator] = {}
        for number, raw in enumerate(content.decode("utf-8").splitlines()):
            if not raw.strip():
                continue
            line: Any = {}
            try:
                line = json.loads(raw)
                if not isinstance(line, dict):
                    raise LineError("InvalidLine", "Each line must be a JSON object")
                row = self._import_row(p, line.get("dataRow"))
                if row.id not in annotators:
                    annotators[row.id] = self._annotator(p, row.id)
                grouped.setdefault(row.id, []).append((number, line, annotators[row.id].line(line)))
            except LineError as e:
                statuses.append((number, _status(line, e)))
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                statuses.append((number, _status(line, LineError("InvalidLine", f"Invalid annotation: {e}"))))
        created_by = f"{kind}-import:{name}"
        for row_id, items in grouped.items():
            errors = link_relationships([stored for _n, _line, stored in items])
            for (number, line, _stored), error in zip(items, errors, strict=True):
                statuses.append((number, _status(line, error)))
            accepted = [stored for (_n, _line, stored), error in zip(items, errors, strict=True) if error is None]
            if accepted:
                self.add_label(p.id, row_id, accepted, created_by, "import" if kind == "label" else "mal")
        ordered = [s for _n, s in sorted(statuses, key=lambda t: t[0])]
        failures = [s for s in ordered if s["status"] == "FAILURE"]
        now = self.now()
        imp = AnnotationImport(
            self.new_id(), now, now, kind=kind, project_id=p.id, name=name, state="RUNNING",
            input_file_id=self.store_file(content, "application/x-ndjson").id,
            status_file_id=self.store_file(_ndjson(ordered), "application/x-ndjson").id,
            error_file_id=self.store_file(_ndjson(failures), "application/x-ndjson").id,
        )
        self.imports[imp.id] = imp
        return imp

    def find_import(self, kind: str, project_id: str, name: str) -> AnnotationImport:
        for imp in self.imports.values():
            if imp.kind == kind and imp.project_id == project_id and imp.name == name:
                return imp
        raise not_found("Import", name)

    def read_import(self, imp: AnnotationImport) -> AnnotationImport:
        """The import as a poll sees it: like Labelbox, RUNNING when created and FINISHED when next read."""
        if imp.state == "RUNNING":
            imp.state, imp.updated_at = "FINISHED", self.now()
        return imp

    def _import_row(self, p, ref: Any):
        if not isinstance(ref, dict) or ("id" in ref) == ("globalKey" in ref):
            raise LineError("InvalidLine", "dataRow needs exactly one of id and globalKey")
        row = self.data_row_by_key("GKEY", ref["globalKey"]) if "globalKey" in ref else \
            self.data_row_by_key("ID", ref["id"])
        if row is None:
            raise LineError("DataRowNotFound", f"Data row not found: {json.dumps(ref)}")
        if row.id not in p.rows:
            raise LineError("DataRowNotFound", f"Data row {row.id} is not in project {p.id}")
        return row

    def _annotator(self, p, data_row_id: str) -> Annotator:
        ontology = self.ontologies.get(p.ontology_id or "")
        return Annotator(ontology.normalized if ontology else {}, self.new_id, self._row_text(data_row_id))

    def _row_text(self, data_row_id: str) -> str | None:
        """The text a text entity's ``token`` is cut from: inline row data, or a file uploaded here."""
        row = self.data_rows.get(data_row_id)
        if row is None:
            return None
        data = row.row_data
        if not data.startswith(("http://", "https://", "gs://", "s3://")):
            return data
        m = re.search(r"/files/([A-Za-z0-9_-]+)$", data.split("?")[0])
        f = self.files.get(m.group(1)) if m else None
        return f.content.decode("utf-8", "replace") if f is not None else None


def _plain_answer(annotator: Annotator, answer: dict) -> dict:
    """A stored classification for ``{"name", "answer"}`` (an option label, value or index, or text)."""
    node = find_feature(annotator.classifications, {"name": answer["name"]})
    if node is None:
        raise LineError("ValidationError", f"Ontology does not contain name: {answer['name']}.")
    return {"bucket": "classifications", "uuid": None,
            "data": annotator.classification(node, {"answer": answer["answer"]})}


def _status(line: Any, error: LineError | None) -> dict:
    ref = line.get("dataRow") if isinstance(line, dict) else None
    out = {"uuid": line.get("uuid") if isinstance(line, dict) else None, "dataRow": ref,
           "status": "SUCCESS" if error is None else "FAILURE", "errors": []}
    if error is not None:
        out["errors"] = [{"name": error.name, "message": error.message, "additionalInfo": None}]
    return out


def _ndjson(items: list[dict]) -> bytes:
    return "".join(json.dumps(i) + "\n" for i in items).encode("utf-8")
