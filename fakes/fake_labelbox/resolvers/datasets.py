"""Datasets and data rows: creation, upserts from uploaded manifests, lookups by id, global key and external id."""

from __future__ import annotations

import json

from ..errors import bad_input, not_found
from .common import Ctx, Upload, attr, cursor_page, matches, page, resolve_own_file, snake, task_view


def q_datasets(_root, info, where=None, skip=0, first=None):
    return page([d for d in info.context.state.datasets.values() if matches(d, where)], skip, first)


def q_dataset_data_rows(_root, info, id, first=None, where=None, **kw):
    """Cursor pages; ``pageInfo.startCursor`` carries the *next* page's first id (the SDK reads that)."""
    st = info.context.state
    ds = st.get("datasets", id, "Dataset")
    rows = [st.data_rows[r] for r in ds.row_ids if not st.data_rows[r].deleted]
    if where:
        rows = [r for r in rows if all(attr(r, k) == v for k, v in where.items() if v is not None)]
    start = 0
    if kw.get("from"):
        start = next((i for i, r in enumerate(rows) if r.id == kw["from"]), len(rows))
    first = first or 100
    chunk = rows[start : start + first]
    nxt = rows[start + first].id if start + first < len(rows) else None
    return {"nodes": chunk, "pageInfo": {"hasNextPage": nxt is not None, "startCursor": nxt, "endCursor": nxt}}


def q_global_keys_job(_root, info, where):
    st = info.context.state
    job = st.new_id()
    st.global_key_jobs[job] = list(where["ids"])
    return {"jobId": job}


def q_global_keys_result(_root, info, jobId):
    st = info.context.state
    keys = st.global_key_jobs.get(jobId["id"])
    if keys is None:
        raise not_found("Job", jobId["id"])
    fetched, missing = [], []
    for k in keys:
        row = st.data_row_by_key("GKEY", k)
        fetched.append({"id": row.id if row else ""})
        if row is None:
            missing.append(k)
    return {"jobStatus": "COMPLETE",
            "data": {"fetchedDataRows": fetched, "notFoundGlobalKeys": missing, "accessDeniedGlobalKeys": []}}


def q_external_ids(_root, info, externalId_in):
    wanted = set(externalId_in)
    return [{"dataRowId": r.id, "externalId": r.external_id} for r in info.context.state.data_rows.values()
            if not r.deleted and r.external_id in wanted]


def _upsert_task_rows(info, data, field_name):
    t = info.context.state.tasks.get(data["taskId"])
    if t is None:
        raise not_found("Task", data["taskId"])
    rows = getattr(t, field_name)
    items, nxt = cursor_page(rows, data.get("from"), data.get("first"))
    return items, nxt, len(rows)


def q_failed_imports(_root, info, data):
    items, nxt, total = _upsert_task_rows(info, data, "failures")
    results = []
    for f in items:
        spec = f["spec"]
        data_ = spec.get("row_data")
        results.append({"message": f["message"], "spec": {
            "externalId": spec.get("external_id"), "globalKey": spec.get("global_key"),
            "rowData": data_ if isinstance(data_, str) else json.dumps(data_),
            "metadata": spec.get("metadata_fields") or [], "attachments": spec.get("attachments") or []}})
    return {"after": nxt, "total": total, "results": results}


def q_successful_imports(_root, info, data):
    items, nxt, total = _upsert_task_rows(info, data, "successes")
    return {"nodes": items, "after": nxt, "total": total}


def m_upload_file(_root, info, file, contentLength, sign=None):
    ctx: Ctx = info.context
    if not isinstance(file, Upload):
        raise bad_input("uploadFile expects a multipart file part")
    f = ctx.state.store_file(file.content, file.content_type or "application/octet-stream")
    return {"url": ctx.file_url(f.id), "filename": file.filename}


def m_upsert_data_rows(_root, info, data):
    ctx: Ctx = info.context
    st = ctx.state
    try:
        manifest = json.loads(resolve_own_file(ctx, data["manifestUri"]))
        specs: list = []
        for uri in manifest["chunk_uris"]:
            specs.extend(json.loads(resolve_own_file(ctx, uri)))
    except (ValueError, KeyError, TypeError) as e:
        raise bad_input(f"Invalid upsert manifest: {e}") from e
    ok, failed = st.upsert_data_rows(specs)
    t = st.create_task("adv-upsert-data-rows", "Data row upsert", successes=ok, failures=failed)
    return task_view(st, t, poll=False) | ({"status": "IN_PROGRESS", "completionPercentage": 0.0}
                                           if t.polls_left else {})


def data_row_metadata_fields(row, info):
    return [{"schemaId": m.get("schema_id") or m.get("schemaId"), "name": m.get("name"), "value": m.get("value"),
             "kind": m.get("kind", "CustomMetadataString")} for m in row.metadata_fields]


def dataset_projects(d, info, skip=0, first=None):
    st = info.context.state
    return page([p for p in st.projects.values()
                 if not p.deleted and any(st.data_rows[r].dataset_id == d.id for r in p.rows)], skip, first)


RESOLVERS = {
    "Query": {
        "dataset": lambda _r, info, where: info.context.state.get("datasets", where["id"], "Dataset"),
        "datasets": q_datasets,
        "dataRow": lambda _r, info, where: info.context.state.get("data_rows", where["id"], "DataRow"),
        "datasetDataRows": q_dataset_data_rows,
        "dataRowsForGlobalKeys": q_global_keys_job,
        "dataRowsForGlobalKeysResult": q_global_keys_result,
        "externalIdsToDataRowIds": q_external_ids,
        "queryAllDataRowsHaveBeenProcessed": lambda *_a, **_k: {"allDataRowsHaveBeenProcessed": True},
        "customMetadataOntology": lambda *_a, **_k: [],
        "failedDataRowImports": q_failed_imports,
        "successesfulDataRowImports": q_successful_imports,
    },
    "Mutation": {
        "createDataset": lambda _r, info, data: info.context.state.create_dataset(data["name"], data.get("description")),
        "updateDataset": lambda _r, info, where, data: info.context.state.update("datasets", where["id"], "Dataset",
            **{snake(k): v for k, v in data.items()}),
        "uploadFile": m_upload_file,
        "upsertDataRows": m_upsert_data_rows,
        "deleteDataRows": lambda _r, info, where: info.context.state.delete_data_rows(where["dataRowIds"]),
    },
    "Dataset": {
        "rowCount": lambda d, info: sum(1 for r in d.row_ids if not info.context.state.data_rows[r].deleted),
        "createdBy": lambda d, info: info.context.state.user,
        "organization": lambda d, info: info.context.state.organization,
        "projects": dataset_projects,
    },
    "DataRow": {
        "customMetadata": lambda r, info: [],
        "metadataFields": data_row_metadata_fields,
        "dataset": lambda r, info: info.context.state.datasets.get(r.dataset_id),
    },
}
