"""Labels and annotation imports (label imports and model-assisted labeling predictions)."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..errors import bad_input
from .common import Ctx, matches, page, resolve_own_file


def import_view(ctx: Ctx, imp) -> dict:
    return {
        "id": imp.id,
        "name": imp.name,
        "state": imp.state,
        "progress": "100%" if imp.state != "RUNNING" else "0%",
        "createdAt": imp.created_at,
        "inputFileUrl": ctx.file_url(imp.input_file_id),
        "statusFileUrl": ctx.file_url(imp.status_file_id),
        "errorFileUrl": ctx.file_url(imp.error_file_id),
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
        return import_view(ctx, ctx.state.find_import(kind, where["projectId"], where["name"]))
    return resolve


def project_labels(p, info, where=None, skip=0, first=None):
    st = info.context.state
    items = [st.labels[i] for ids in p.labels.values() for i in ids]
    if where and "createdBy" in where:
        items = [lab for lab in items if where["createdBy"]["id"] == st.user.id]
        where = {k: v for k, v in where.items() if k != "createdBy"}
    return page([lab for lab in items if matches(lab, where)], skip, first)


def label_field(lab, info):
    return json.dumps({"classifications": [{"title": a["name"], "answer": {"title": a["answer"]}} for a in lab.answers]})


RESOLVERS = {
    "Query": {
        "labelImport": find_import("label"),
        "modelAssistedLabelingPredictionImport": find_import("mal"),
    },
    "Mutation": {
        "createLabelImport": create_import("label"),
        "createModelAssistedLabelingPredictionImport": create_import("mal"),
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
