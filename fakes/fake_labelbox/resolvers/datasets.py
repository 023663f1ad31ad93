"""Datasets and data rows: creation, upserts from uploaded manifests, lookups by id, global key and external id."""

from __future__ import annotations

import json

from ..errors import bad_input, not_found
from .common import (
    Ctx,
    Upload,
    attr,
    cursor_page,
    derived_id,
    page,
    resolve_own_file,
    snake,
    task_view,
)


def q_datasets(_root, info, where=None, skip=0, first=None):
    return page(info.context.where(info.context.state.datasets.values(), where), skip, first)


def q_dataset_data_rows(_root, info, id, first=None, where=None, **kw):
    """Cursor pages: ``from`` is the row the page starts *after*; ``pageInfo.startCursor`` is the cursor of the
    next page (this page's last row), which the SDK sends back as ``from``."""
    st = info.context.state
    ds = st.get("datasets", id, "Dataset")
    rows = [st.data_rows[r] for r in ds.row_ids if not st.data_rows[r].deleted]
    if where:
        rows = [r for r in rows if all(attr(r, k) == v for k, v in where.items() if v is not None)]
    start = 0
    if kw.get("from"):
        start = next((i + 1 for i, r in enumerate(rows) if r.id == kw["from"]), len(rows))
    first = first or 100
    chunk = rows[start : start + first]
    nxt = chunk[-1].id if chunk and start + first < len(rows) else None
    return {"nodes": chunk, "pageInfo": {"hasNextPage": nxt is not None, "startCursor": nxt, "endCursor": nxt}}


def q_global_keys_job(_root, info, where):
    return {"jobId": info.context.state.start_global_key_job("lookup", list(where["ids"]))}


def q_global_keys_result(_root, info, jobId):
    st = info.context.state
    fetched, missing = [], []
    for k in st.global_key_job("lookup", jobId["id"]):
        row = st.data_row_by_key("GKEY", k)
        fetched.append({"id": row.id if row else ""})
        if row is None:
            missing.append(k)
    return {"jobStatus": "COMPLETE",
            "data": {"fetchedDataRows": fetched, "notFoundGlobalKeys": missing, "accessDeniedGlobalKeys": []}}


def m_assign_global_keys(_root, info, data):
    st = info.context.state
    return {"jobId": st.start_global_key_job("assign", st.assign_global_keys(data["assignInputs"]))}


def m_clear_global_keys(_root, info, where):
    st = info.context.state
    return {"jobId": st.start_global_key_job("clear", st.clear_global_keys(list(where["ids"])))}


def global_key_job_result(kind):
    return lambda _root, info, jobId: {"jobStatus": "COMPLETE",
                                       "data": info.context.state.global_key_job(kind, jobId["id"])}


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


def _row_data_text(data) -> str | None:
    return data if isinstance(data, str) or data is None else json.dumps(data)


def q_failed_imports(_root, info, data):
    items, nxt, total = _upsert_task_rows(info, data, "failures")
    results = [{"message": f["message"], "spec": {
        "externalId": f["spec"].get("external_id"), "globalKey": f["spec"].get("global_key"),
        "rowData": _row_data_text(f["spec"].get("row_data")), "metadata": _given_metadata(f["spec"]),
        "attachments": f["spec"].get("attachments") or []}} for f in items]
    return {"after": nxt, "total": total, "results": results}


def _given_metadata(spec: dict) -> list:
    return [*(spec.get("metadata_fields") or []), *(spec.get("metadata") or [])]


def upsert_result_file(successes: list[dict], failures: list[dict]) -> bytes:
    """The task's result file (``task.result_url``), in Labelbox's shape."""
    errors = [{"message": f["message"], "failedDataRows": [{
        "externalId": f["spec"].get("external_id"), "globalKey": f["spec"].get("global_key"),
        "rowData": _row_data_text(f["spec"].get("row_data")) or "",
        "metadataFields": _given_metadata(f["spec"]), "attachmentInputs": f["spec"].get("attachments") or []}]}
        for f in failures]
    return json.dumps({"createdDataRows": successes, "errors": errors}).encode()


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
    # the file's id derives from the task's, so that results draw no ids of their own
    t.result_file_id = st.store_file(upsert_result_file(ok, failed), "application/json",
                                     file_id=derived_id(t.id, "result")).id
    return task_view(st, t, poll=False) | ({"status": "IN_PROGRESS", "completionPercentage": 0.0}
                                           if t.polls_left else {})


def m_update_data_row(_root, info, where, data):
    return info.context.state.update_data_row(where["id"], {snake(k): v for k, v in data.items()})


def m_create_attachment(_root, info, data):
    return info.context.state.create_attachment(data["dataRowId"], data)


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
        "assignGlobalKeysToDataRowsResult": global_key_job_result("assign"),
        "clearGlobalKeysResult": global_key_job_result("clear"),
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
        "updateDataRow": m_update_data_row,
        "createDataRowAttachment": m_create_attachment,
        "updateDataRowAttachment": lambda _r, info, where, data: info.context.state.update_attachment(where["id"],
                                                                                                      data),
        "deleteDataRowAttachment": lambda _r, info, where: info.context.state.delete_attachment(where["id"]),
        "assignGlobalKeysToDataRows": m_assign_global_keys,
        "clearGlobalKeys": m_clear_global_keys,
    },
    "Dataset": {
        "rowCount": lambda d, info: sum(1 for r in d.row_ids if not info.context.state.data_rows[r].deleted),
        "createdBy": lambda d, info: info.context.state.user,
        "organization": lambda d, info: info.context.state.organization,
        "projects": dataset_projects,
    },
    "DataRow": {
        "customMetadata": lambda r, info: r.metadata_fields,
        "metadataFields": lambda r, info: info.context.state.metadata_view(r),
        "dataset": lambda r, info: info.context.state.datasets.get(r.dataset_id),
        "createdBy": lambda r, info: info.context.state.user,
        "organization": lambda r, info: info.context.state.organization,
        "attachments": lambda r, info, skip=0, first=None: page(r.attachments, skip, first),
    },
}
