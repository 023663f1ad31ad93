"""Labels, and annotation imports (label imports, model-assisted labeling predictions) that become labels.

A label takes its row out of the queue once the row has its number of labels.
"""

from __future__ import annotations

import json

from ..errors import conflict, not_found
from .entities import AnnotationImport, Label


class LabelsMixin:
    """Labels from the workforce, the labelling page and NDJSON imports."""

    def add_label(self, project_id: str, data_row_id: str, answers: list[dict], created_by: str, source: str) -> Label:
        """A label on a row: it leaves the queue once it has its number of labels; LABEL_CREATED webhooks fire."""
        p = self.project(project_id)
        for a in answers:  # feature ids are fixed at creation so exports are stable
            a.setdefault("feature_id", self.new_id())
            a.setdefault("answer_feature_id", self.new_id())
        lab = self.create("labels", Label, project_id=p.id, data_row_id=data_row_id, answers=answers,
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

    def label_count(self, project_id: str) -> int:
        return sum(len(v) for v in self.project(project_id).labels.values())

    def run_import(self, kind: str, project_id: str, name: str, content: bytes) -> AnnotationImport:
        """Apply an NDJSON import synchronously (state FINISHED at creation); per-line status in a file.

        Each line is ``{"name": <classification>, "answer": {"name": <option>} | [...] | "text",
        "dataRow": {"id" | "globalKey"}, "uuid"?}``; lines for the same data row form one label.
        """
        p = self.project(project_id)
        if any(i.project_id == p.id and i.name == name and i.kind == kind for i in self.imports.values()):
            raise conflict(f"An import named {name} already exists in project {p.id}")
        statuses: list[dict] = []
        grouped: dict[str, list[tuple[dict, dict]]] = {}
        for raw in content.decode("utf-8").splitlines():
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                ref = line["dataRow"]
                row = self.data_row_by_key("GKEY", ref["globalKey"]) if "globalKey" in ref else \
                    self.data_row_by_key("ID", ref["id"])
                if row is None:
                    raise LookupError(f"Data row not found: {ref}")
                if row.id not in p.rows:
                    raise LookupError(f"Data row {row.id} is not in project {p.id}")
                grouped.setdefault(row.id, []).append((line, _answer(line)))
            except (ValueError, KeyError, LookupError, TypeError) as e:
                statuses.append({"uuid": _uuid(raw), "dataRow": _ref(raw), "status": "FAILURE",
                                 "errors": [{"name": "DataRowNotFound" if isinstance(e, LookupError) else "InvalidLine",
                                             "message": str(e), "additionalInfo": None}]})
        created_by = f"{kind}-import:{name}"
        for row_id, items in grouped.items():
            self.add_label(p.id, row_id, [a for _line, a in items], created_by, "import" if kind == "label" else "mal")
            for line, _a in items:
                statuses.append({"uuid": line.get("uuid"), "dataRow": line["dataRow"], "status": "SUCCESS", "errors": []})
        errors = [s for s in statuses if s["status"] == "FAILURE"]
        now = self.now()
        imp = AnnotationImport(
            self.new_id(), now, now, kind=kind, project_id=p.id, name=name, state="FINISHED",
            input_file_id=self.store_file(content, "application/x-ndjson").id,
            status_file_id=self.store_file(_ndjson(statuses), "application/x-ndjson").id,
            error_file_id=self.store_file(_ndjson(errors), "application/x-ndjson").id,
        )
        self.imports[imp.id] = imp
        return imp

    def find_import(self, kind: str, project_id: str, name: str) -> AnnotationImport:
        for imp in self.imports.values():
            if imp.kind == kind and imp.project_id == project_id and imp.name == name:
                return imp
        raise not_found("Import", name)


def _answer(line: dict) -> dict:
    answer = line.get("answer")
    if isinstance(answer, dict):
        answer = answer.get("name") or answer.get("value")
    elif isinstance(answer, list):
        answer = [a.get("name") if isinstance(a, dict) else a for a in answer]
    if answer is None or "name" not in line:
        raise ValueError("only classification annotations (name + answer) are supported")
    return {"name": line["name"], "answer": answer}


def _uuid(raw: str):
    try:
        return json.loads(raw).get("uuid")
    except ValueError:
        return None


def _ref(raw: str):
    try:
        return json.loads(raw).get("dataRow")
    except ValueError:
        return None


def _ndjson(items: list[dict]) -> bytes:
    return "".join(json.dumps(i) + "\n" for i in items).encode("utf-8")
