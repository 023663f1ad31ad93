"""Labels and annotation imports (label imports and model-assisted labeling predictions)."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..errors import bad_input
from ..models.export import export_annotations
from .common import Ctx, page, resolve_own_file


def import_view(ctx: Ctx, imp) -> dict:
    """An import as Labelbox shows it: the status and error files only once it has finished."""
    done = imp.state != "RUNNING"
    return {
        "id": imp.id,
        "name": imp.name,
        "state": imp.state,
        "progress": "100%" if done else "0%",
        "createdAt": imp.created_at,
        "inputFileUrl": ctx.file_url(imp.input_file_id),
        "statusFileUrl": ctx.file_url(imp.status_file_id) if done else None,
        "errorFileUrl": ctx.file_url(imp.error_file_id) if done else None,
        "project": ctx.state.project(imp.project_id),
    }


def create_import(kind: str) -> Callable:
    def resolve(_root, info, data):
        ctx: Ctx = info.context
        if data.get("filePayload"):
            content = data["filePayload"]["file"].content
        elif data.get("fileUrl"):
            content = resolve_own_file(ctx, data["fileUrl"])
        else:
            raise bad_input("Either filePayload or fileUrl is required")
        return import_view(ctx, ctx.state.run_import(kind, data["projectId"], data["name"], content))
    return resolve


def find_import(kind: str) -> Callable:
    def resolve(_root, info, where):
        ctx: Ctx = info.context
        st = ctx.state
        return import_view(ctx, st.read_import(st.find_import(kind, where["projectId"], where["name"])))
    return resolve


def project_labels(p, info, where=None, skip=0, first=None):
    st = info.context.state
    items = [st.labels[i] for ids in p.labels.values() for i in ids]
    if where and "createdBy" in where:
        items = [lab for lab in items if where["createdBy"]["id"] == st.user.id]
        where = {k: v for k, v in where.items() if k != "createdBy"}
    return page(info.context.where(items, where), skip, first)


def row_labels(row, info, where=None, skip=0, first=None):
    st = info.context.state
    items = [lab for lab in st.labels.values() if lab.data_row_id == row.id and not lab.deleted]
    return page(info.context.where(items, where), skip, first)


def label_feedback(_root, info, input):
    return info.context.state.set_label_feedback(input["labelId"], input["feedback"], input["scores"])


def label_field(lab, info):
    """The label's annotations as JSON text (objects, classifications, relationships, as the export has them)."""
    return json.dumps(export_annotations(lab))


def delete_labels(_root, info, labelIds):
    return info.context.state.delete_labels(labelIds)


RESOLVERS = {
    "Query": {
        "label": lambda _root, info, where: info.context.state.get("labels", where["id"], "Label"),
        "labelImport": find_import("label"),
        "modelAssistedLabelingPredictionImport": find_import("mal"),
    },
    "Mutation": {
        "createLabelImport": create_import("label"),
        "createModelAssistedLabelingPredictionImport": create_import("mal"),
        "deleteLabels": delete_labels,
        "upsertAutoQaLabelFeedback": label_feedback,
    },
    "DataRow": {
        "labels": row_labels,
    },
    "Project": {
        "labels": project_labels,
    },
    "Label": {
        "label": label_field,
        "createdBy": lambda lab, info: info.context.state.user,
        "dataRow": lambda lab, info: info.context.state.data_rows.get(lab.data_row_id),
        "project": lambda lab, info: info.context.state.projects.get(lab.project_id),
        "secondsToLabel": lambda lab, info: 0.0,
        "isBenchmarkReference": lambda lab, info: False,
    },
}
