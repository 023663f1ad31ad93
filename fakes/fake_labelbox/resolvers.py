"""Resolvers: root and nested GraphQL fields mapped onto :class:`~fake_labelbox.state.State`.

graphql-core does the parsing, validation and projection onto the selection set; the functions here
only fetch or mutate state. ``Ctx`` carries the state and the base URL the request came in on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from graphql import GraphQLObjectType, GraphQLSchema, MiddlewareManager, build_schema
from graphql.pyutils import is_awaitable as _is_awaitable

from . import export as export_mod
from .errors import bad_input, not_found
from .state import DataRow, Project, State, Task

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")


@dataclass
class Upload:
    """A multipart file part, substituted for ``null`` in variables as the spec prescribes."""

    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class Ctx:
    state: State
    base_url: str  # e.g. "http://127.0.0.1:8765", used for absolute file URLs

    def file_url(self, file_id: str, query: str = "") -> str:
        return f"{self.base_url}/files/{file_id}{query}"


# ---- helpers ---------------------------------------------------------------------------------

@cache
def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


FIELD_ALIASES = {"allowedMediaType": "media_type", "mediaType": "media_type"}


def attr(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, FIELD_ALIASES.get(name) or snake(name), None)


def default_resolver(source: Any, info, **_args: Any) -> Any:
    return attr(source, info.field_name)


def default_resolver_with_args(source: Any, info, **_args: Any) -> Any:
    """``default_resolver`` for a field with arguments: a function of its own (see ``InputErrors``)."""
    return attr(source, info.field_name)


def matches(obj: Any, where: dict | None) -> bool:
    """Evaluate the ORM's where clauses: equality, AND/OR and ``_not _lt _gt _lte _gte _in _contains``."""
    for key, want in (where or {}).items():
        if key == "AND":
            if not all(matches(obj, w) for w in want):
                return False
            continue
        if key == "OR":
            if not any(matches(obj, w) for w in want):
                return False
            continue
        name, _, op = key.partition("_")
        have = attr(obj, name)
        if name == "deleted" and have is None:
            have = False
        ok = {
            "": lambda h, w: h == w,
            "not": lambda h, w: h != w,
            "lt": lambda h, w: h is not None and h < w,
            "gt": lambda h, w: h is not None and h > w,
            "lte": lambda h, w: h is not None and h <= w,
            "gte": lambda h, w: h is not None and h >= w,
            "in": lambda h, w: h in w,
            "contains": lambda h, w: h is not None and w.lower() in h.lower(),
            "starts": lambda h, w: h is not None and h.startswith(w),
        }[op.split("_")[0]](have, want)
        if not ok:
            return False
    return True


def page(items: list, skip: int | None = 0, first: int | None = None) -> list:
    skip = skip or 0
    return items[skip : skip + first] if first is not None else items[skip:]


def cursor_page(items: list, after: str | None, first: int | None) -> tuple[list, str | None]:
    """Index-based cursor pages: the cursor is the next item's position, None at the end."""
    start = int(after) if after else 0
    first = first or 100
    chunk = items[start : start + first]
    nxt = start + first if start + first < len(items) else None
    return chunk, None if nxt is None else str(nxt)


def derived_id(*parts: str) -> str:
    return "c" + hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def resolve_own_file(ctx: Ctx, url: str) -> bytes:
    """Bytes of a URL this fake handed out (``.../files/<id>``); other URLs cannot be fetched offline."""
    m = re.search(r"/files/([A-Za-z0-9_-]+)", urlparse(url).path)
    f = ctx.state.files.get(m.group(1)) if m else None
    if f is None:
        raise bad_input(f"Cannot fetch {url}: only files uploaded to this server can be used")
    return f.content


# ---- views (dict projections for computed types) ------------------------------------------------

def task_view(state: State, t: Task, poll: bool = True) -> dict:
    snap = state.read_task(t) if poll else {"status": t.status, "completion_percentage": t.completion_percentage}
    return {
        "id": t.id,
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
        "name": t.name,
        "type": t.type,
        "status": snap["status"],
        "completionPercentage": snap["completion_percentage"],
        "result": t.result,
        "errors": t.errors,
        "metadata": t.metadata,
        "_task": t,
    }


def lpo_view(state: State, e) -> dict:
    return {"id": e.override_id, "priority": e.priority, "numberOfLabels": e.number_of_labels,
            "dataRow": state.data_rows[e.data_row_id]}


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


# ---- Query -------------------------------------------------------------------------------------

def q_user(_root, info, where=None):
    st: State = info.context.state
    if where and where["id"] != st.user.id:
        raise not_found("User", where["id"])
    return st.user


def q_project(_root, info, where):
    return info.context.state.project(where["id"])


def q_projects(_root, info, where=None, skip=0, first=None):
    st: State = info.context.state
    return page([p for p in st.projects.values() if matches(p, where)], skip, first)


def q_dataset(_root, info, where):
    return info.context.state.get("datasets", where["id"], "Dataset")


def q_datasets(_root, info, where=None, skip=0, first=None):
    st: State = info.context.state
    return page([d for d in st.datasets.values() if matches(d, where)], skip, first)


def q_data_row(_root, info, where):
    return info.context.state.get("data_rows", where["id"], "DataRow")


def q_dataset_data_rows(_root, info, id, first=None, where=None, **kw):
    """Cursor pages; ``pageInfo.startCursor`` carries the *next* page's first id (the SDK reads that)."""
    st: State = info.context.state
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
    st: State = info.context.state
    job = st.new_id()
    st.global_key_jobs[job] = list(where["ids"])
    return {"jobId": job}


def q_global_keys_result(_root, info, jobId):
    st: State = info.context.state
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
    st: State = info.context.state
    wanted = set(externalId_in)
    return [{"dataRowId": r.id, "externalId": r.external_id} for r in st.data_rows.values()
            if not r.deleted and r.external_id in wanted]


def q_labeling_frontends(_root, info, where=None, skip=0, first=None):
    st: State = info.context.state
    return page([f for f in st.frontends.values() if matches(f, where)], skip, first)


def q_ontologies(_root, info, where=None, after=None, first=None):
    st: State = info.context.state
    search = ((where or {}).get("search") or "").lower()
    items = [o for o in st.ontologies.values() if not o.deleted and search in o.name.lower()]
    nodes, nxt = cursor_page(items, after, first)
    return {"nodes": nodes, "nextCursor": nxt}


def q_root_schema_nodes(_root, info, where=None, after=None, first=None):
    st: State = info.context.state
    search = ((where or {}).get("search") or "").lower()
    items = [f for f in st.feature_schemas.values() if not f.deleted and search in f.name.lower()]
    nodes, nxt = cursor_page(items, after, first)
    return {"nodes": nodes, "nextCursor": nxt}


def q_task(_root, info, where=None):
    st: State = info.context.state
    t = st.tasks.get((where or {}).get("id", ""))
    if t is None:
        raise not_found("Task", (where or {}).get("id"))
    return task_view(st, t, poll=False)


def _import_rows(info, data, attr_name):
    st: State = info.context.state
    t = st.tasks.get(data["taskId"])
    if t is None:
        raise not_found("Task", data["taskId"])
    items, nxt = cursor_page(getattr(t, attr_name), data.get("from"), data.get("first"))
    return items, nxt, len(getattr(t, attr_name))


def q_failed_imports(_root, info, data):
    items, nxt, total = _import_rows(info, data, "failures")
    results = []
    for f in items:
        spec = f["spec"]
        results.append({"message": f["message"], "spec": {
            "externalId": spec.get("external_id"), "globalKey": spec.get("global_key"),
            "rowData": spec.get("row_data") if isinstance(spec.get("row_data"), str) else json.dumps(spec.get("row_data")),
            "metadata": spec.get("metadata_fields") or [], "attachments": spec.get("attachments") or []}})
    return {"after": nxt, "total": total, "results": results}


def q_successful_imports(_root, info, data):
    items, nxt, total = _import_rows(info, data, "successes")
    return {"nodes": items, "after": nxt, "total": total}


def _find_import(info, where, kind):
    ctx: Ctx = info.context
    for imp in ctx.state.imports.values():
        if imp.kind == kind and imp.project_id == where["projectId"] and imp.name == where["name"]:
            return import_view(ctx, imp)
    raise not_found("Import", where["name"])


# ---- nested fields -----------------------------------------------------------------------------

def user_created_tasks(u, info, where=None, skip=0, first=None):
    """Tasks read as polls (each one listed counts down its IN_PROGRESS reads)."""
    st: State = info.context.state
    if where is not None and where.keys() == {"id"}:  # the SDK's get_task and refresh: one dict lookup
        t = st.tasks.get(where["id"])
        tasks = [t] if t is not None and t.user_id == u.id else []
    else:
        tasks = [t for t in st.tasks.values() if t.user_id == u.id and matches(t, where)]
    return page([task_view(st, t) for t in tasks], skip, first)


def project_batches(p: Project, info, after=None, first=None, where=None):
    st: State = info.context.state
    items = [st.batches[b] for b in p.batch_ids]
    if where:
        items = [b for b in items if b.id == where["id"]]
    nodes, nxt = cursor_page(items, after, first)
    return {"nodes": nodes, "pageInfo": {"endCursor": nxt, "hasNextPage": nxt is not None}}


def project_task_queues(p: Project, info):
    return [
        {"id": derived_id(p.id, "labeling"), "name": "Initial labeling task", "description": None,
         "queueType": "MANUAL_LABELING_QUEUE", "dataRowCount": len(p.queue)},
        {"id": derived_id(p.id, "done"), "name": "Done", "description": None,
         "queueType": "MANUAL_REVIEW_QUEUE", "dataRowCount": len(p.finished)},
    ]


def project_labels(p: Project, info, where=None, skip=0, first=None):
    st: State = info.context.state
    items = [st.labels[i] for ids in p.labels.values() for i in ids]
    if where and "createdBy" in where:
        items = [lab for lab in items if where["createdBy"]["id"] == st.user.id]
        where = {k: v for k, v in where.items() if k != "createdBy"}
    return page([lab for lab in items if matches(lab, where)], skip, first)


def label_field(lab, info):
    return json.dumps({"classifications": [{"title": a["name"], "answer": {"title": a["answer"]}} for a in lab.answers]})


def data_row_metadata_fields(row: DataRow, info):
    return [{"schemaId": m.get("schema_id") or m.get("schemaId"), "name": m.get("name"), "value": m.get("value"),
             "kind": m.get("kind", "CustomMetadataString")} for m in row.metadata_fields]


def ontology_counts(kind):
    def resolve(o, info):
        return len(o.normalized.get(kind, []))
    return resolve


def task_export_header(view, info, streamType):
    t: Task = view["_task"]
    if streamType != "RESULT" or t.result_file_id is None:
        return None
    size = len(info.context.state.files[t.result_file_id].content)
    return {"totalSize": size, "totalLines": t.total_lines} if size else None


EXPORT_CHUNK = 4 * 1024 * 1024


def task_export_chunk(view, info, streamType, offset):
    """A byte range of the export file, cut at a line end, served from ``/files/<id>?start=&end=``."""
    ctx: Ctx = info.context
    t: Task = view["_task"]
    if streamType != "RESULT" or t.result_file_id is None:
        return None
    body = ctx.state.files[t.result_file_id].content
    start = int(offset)
    if start >= len(body):
        raise bad_input(f"offset {start} is beyond the end of the export ({len(body)} bytes)")
    end = body.find(b"\n", min(start + EXPORT_CHUNK, len(body)) - 1)
    end = len(body) - 1 if end < 0 else end
    first_line = body.count(b"\n", 0, start)
    return {"offsets": {"start": start, "end": end},
            "lines": {"start": first_line, "end": first_line + body.count(b"\n", start, end + 1) - 1},
            "file": ctx.file_url(t.result_file_id, f"?start={start}&end={end}")}


# ---- Mutation ----------------------------------------------------------------------------------

def m_create_project(_root, info, data):
    st: State = info.context.state
    if not data.get("name", "").strip():
        raise bad_input("Project name must not be empty")
    return st.create_project(
        name=data["name"], description=data.get("description"),
        media_type=data.get("allowedMediaType") or data.get("mediaType"),
        auto_audit_percentage=data.get("autoAuditPercentage", 0),
        auto_audit_number_of_labels=data.get("autoAuditNumberOfLabels", 1),
        is_benchmark_enabled=bool(data.get("isBenchmarkEnabled")),
        is_consensus_enabled=bool(data.get("isConsensusEnabled")),
        editor_task_type=data.get("editorTaskType"),
    )


def m_update_project(_root, info, where, data):
    st: State = info.context.state
    fields: dict[str, Any] = {}
    for key, name in (("name", "name"), ("description", "description"), ("deleted", "deleted"),
                      ("setupComplete", "setup_complete"), ("allowedMediaType", "media_type")):
        if key in data:
            fields[name] = data[key]
    if data.get("labelingFrontend"):
        fid = data["labelingFrontend"]["connect"]["id"]
        st.get("frontends", fid, "LabelingFrontend")
        fields["labeling_frontend_id"] = fid
    return st.update_project(where["id"], **fields)


def m_project(_root, info, where):
    return info.context.state.project(where["id"])


def m_create_dataset(_root, info, data):
    return info.context.state.create_dataset(data["name"], data.get("description"))


def m_update_dataset(_root, info, where, data):
    return info.context.state.update_dataset(where["id"], **{snake(k): v for k, v in data.items()})


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


def m_delete_data_rows(_root, info, where):
    return info.context.state.delete_data_rows(where["dataRowIds"])


def _fill_schema_ids(st: State, node: dict, root: bool) -> None:
    node["featureSchemaId"] = node.get("featureSchemaId") or st.new_id()
    node["schemaNodeId"] = node.get("schemaNodeId") or st.new_id()
    for key in ("options", "classifications"):
        for child in node.get(key) or []:
            _fill_schema_ids(st, child, False)
    if root:
        now = st.now()
        from .state import FeatureSchema

        st.feature_schemas[node["featureSchemaId"]] = FeatureSchema(
            node["featureSchemaId"], now, now, name=node.get("name") or node.get("instructions") or "",
            normalized=node)


def m_upsert_ontology(_root, info, data):
    st: State = info.context.state
    normalized = data["normalized"]
    if isinstance(normalized, str):
        try:
            normalized = json.loads(normalized)
        except ValueError as e:
            raise bad_input(f"normalized is not valid JSON: {e}") from e
    for node in normalized.get("tools", []) + normalized.get("classifications", []):
        _fill_schema_ids(st, node, True)
    from .state import Ontology

    now = st.now()
    o = st.ontologies.get(data.get("id") or "")
    if o is None:
        o = Ontology(st.new_id(), now, now)
        st.ontologies[o.id] = o
    o.name, o.normalized, o.updated_at = data["name"], normalized, now
    o.media_type, o.description = data.get("mediaType"), data.get("description")
    return o


def m_create_labeling_frontend(_root, info, data):
    from .state import LabelingFrontend

    st: State = info.context.state
    now = st.now()
    f = LabelingFrontend(st.new_id(), now, now, name=data["name"], description=data.get("description"),
                         iframe_url_path=data.get("iframeUrlPath") or data.get("iframe_url_path"))
    st.frontends[f.id] = f
    return f


def m_create_frontend_options(_root, info, data):
    """Attach editor options; as on Labelbox (2020 ``project.setup``), an ontology JSON becomes the project's ontology."""
    st: State = info.context.state
    p = st.project(data["project"]["connect"]["id"])
    opts = {"id": st.new_id(), "customizationOptions": data["customizationOptions"]}
    p.frontend_options.append(opts)
    try:
        normalized = json.loads(data["customizationOptions"])
    except ValueError:
        normalized = None
    if isinstance(normalized, dict) and (normalized.get("classifications") or normalized.get("tools")):
        o = m_upsert_ontology(None, info, {"name": f"{p.name} ontology", "normalized": normalized,
                                           "mediaType": p.media_type})
        p.ontology_id = o.id
    return opts


def m_export(_root, info, input):
    st: State = info.context.state
    p = st.project(input["filters"]["projectId"])
    body, lines = export_mod.build_export(st, p, input["filters"], input.get("params"))
    f = st.store_file(body, "application/x-ndjson")
    t = st.create_task("export-data-rows", input.get("taskName") or f"Export v2: {p.name}",
                       result_file_id=f.id, total_lines=lines)
    return {"taskId": t.id, "isStreamable": True, "errors": []}


def _topics(data) -> list[str]:
    return list((data.get("topics") or {}).get("set") or [])


def m_create_webhook(_root, info, data):
    from .state import Webhook

    st: State = info.context.state
    project_id = (data.get("project") or {}).get("id")
    if project_id:
        st.project(project_id)
    _webhook_url(data["url"])
    now = st.now()
    w = Webhook(st.new_id(), now, now, url=data["url"], secret=data["secret"], topics=_topics(data),
                project_id=project_id)
    st.webhooks[w.id] = w
    return w


def _webhook_url(url: str) -> str:
    if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
        raise bad_input(f"Webhook URL must be an http(s) URL, got {url[:200]!r}")
    return url


def m_update_webhook(_root, info, where, data):
    st: State = info.context.state
    w = st.get("webhooks", where["id"], "Webhook")
    if "url" in data:
        w.url = _webhook_url(data["url"])
    if "topics" in data:
        w.topics = _topics(data)
    if "status" in data:
        w.status = data["status"]
    w.updated_at = st.now()
    return w


def make_import(kind: str) -> Callable:
    def resolve(_root, info, data):
        from .imports import run_import

        ctx: Ctx = info.context
        if data.get("filePayload"):
            content = data["filePayload"]["file"].content
        elif data.get("fileUrl"):
            content = resolve_own_file(ctx, data["fileUrl"])
        else:
            raise bad_input("Either filePayload or fileUrl is required")
        return import_view(ctx, run_import(ctx.state, kind, data["projectId"], data["name"], content))
    return resolve


# ---- nested project mutations ------------------------------------------------------------------

def pm_connect_ontology(p: Project, info, ontologyId):
    st: State = info.context.state
    st.get("ontologies", ontologyId, "Ontology")
    p.ontology_id = ontologyId
    p.updated_at = st.now()
    return p


def _priority(value) -> int:
    prio = 5 if value is None else value
    if not 1 <= prio <= 5:
        raise bad_input(f"Batch priority must be between 1 and 5, got {prio}")
    return prio


def pm_create_batch_v2(p: Project, info, input):
    st: State = info.context.state
    prio = _priority(input.get("priority"))
    b = st.create_batch(p.id, input["name"], input.get("consensusSettings"))
    _added, failed = st.add_to_batch(b.id, input.get("dataRowIds") or [], input.get("globalKeys") or [], prio)
    return {"batch": b, "failedDataRowIds": failed}


def pm_create_empty_batch(p: Project, info, input):
    b = info.context.state.create_batch(p.id, input["name"], input.get("consensusSettings"))
    return {"id": b.id}


def pm_add_rows_async(p: Project, info, input):
    st: State = info.context.state
    b = st.batches.get(input["batchId"])
    if b is None or b.project_id != p.id:
        raise not_found("Batch", input["batchId"])
    prio = _priority(input.get("priority"))
    _added, failed = st.add_to_batch(b.id, input.get("dataRowIds") or [], input.get("globalKeys") or [], prio)
    t = st.create_task("add-data-rows-to-batch", f"Add data rows to batch {b.name}",
                       result=json.dumps({"failedDataRowIds": failed}) if failed else None)
    return {"taskId": t.id}


def pm_set_overrides(p: Project, info, data=None, dataWithDataRowIdentifiers=None):
    st: State = info.context.state
    items = [("ID", d["dataRow"]["id"], d.get("priority"), d.get("numLabels")) for d in data or []]
    items += [(d["dataRowIdentifier"]["idType"], d["dataRowIdentifier"]["id"], d.get("priority"), d.get("numLabels"))
              for d in dataWithDataRowIdentifiers or []]
    st.set_priorities(p.id, items)
    return {"success": True}


def pm_unset_overrides(p: Project, info, data=None, dataWithDataRowIdentifiers=None):
    st: State = info.context.state
    items = [("ID", d["dataRowId"]) for d in data or []]
    items += [(d["dataRowIdentifier"]["idType"], d["dataRowIdentifier"]["id"]) for d in dataWithDataRowIdentifiers or []]
    st.unset_priorities(p.id, items)
    return {"success": True}


def pm_priority_task(p: Project, info, data):
    st: State = info.context.state
    ident = data.get("dataRowIdentifiers") or {"ids": [], "idType": "ID"}
    st.set_priorities(p.id, [(ident["idType"], k, data["priority"], None) for k in ident["ids"]])
    t = st.create_task("update-queue-priority", "Update queue priority")
    return {"taskId": t.id}


# ---- wiring ------------------------------------------------------------------------------------

def _list_of(fn: Callable) -> Callable:
    def resolve(obj, info, skip=0, first=None, where=None, **_kw):
        return page([x for x in fn(obj, info) if matches(x, where)], skip, first)
    return resolve


RESOLVERS: dict[str, dict[str, Callable]] = {
    "Query": {
        "user": q_user,
        "organization": lambda _r, info: info.context.state.organization,
        "project": q_project,
        "projects": q_projects,
        "dataset": q_dataset,
        "datasets": q_datasets,
        "dataRow": q_data_row,
        "datasetDataRows": q_dataset_data_rows,
        "dataRowsForGlobalKeys": q_global_keys_job,
        "dataRowsForGlobalKeysResult": q_global_keys_result,
        "externalIdsToDataRowIds": q_external_ids,
        "queryAllDataRowsHaveBeenProcessed": lambda *_a, **_k: {"allDataRowsHaveBeenProcessed": True},
        "customMetadataOntology": lambda *_a, **_k: [],
        "iamIntegrations": lambda *_a, **_k: [],
        "labelingFrontend": lambda _r, info, where: info.context.state.get("frontends", where["id"], "LabelingFrontend"),
        "labelingFrontends": q_labeling_frontends,
        "ontology": lambda _r, info, where: info.context.state.get("ontologies", where["id"], "Ontology"),
        "ontologies": q_ontologies,
        "rootSchemaNode": lambda _r, info, where: info.context.state.get(
            "feature_schemas", where["featureSchemaId"], "FeatureSchema"),
        "rootSchemaNodes": q_root_schema_nodes,
        "task": q_task,
        "failedDataRowImports": q_failed_imports,
        "successesfulDataRowImports": q_successful_imports,
        "labelImport": lambda _r, info, where: _find_import(info, where, "label"),
        "modelAssistedLabelingPredictionImport": lambda _r, info, where: _find_import(info, where, "mal"),
        "webhook": lambda _r, info, where: info.context.state.get("webhooks", where["id"], "Webhook"),
    },
    "Mutation": {
        "createProject": m_create_project,
        "updateProject": m_update_project,
        "project": m_project,
        "createDataset": m_create_dataset,
        "updateDataset": m_update_dataset,
        "uploadFile": m_upload_file,
        "upsertDataRows": m_upsert_data_rows,
        "deleteDataRows": m_delete_data_rows,
        "upsertOntology": m_upsert_ontology,
        "createLabelingFrontend": m_create_labeling_frontend,
        "createLabelingFrontendOptions": m_create_frontend_options,
        "exportDataRowsInProject": m_export,
        "createWebhook": m_create_webhook,
        "updateWebhook": m_update_webhook,
        "createLabelImport": make_import("label"),
        "createModelAssistedLabelingPredictionImport": make_import("mal"),
    },
    "ProjectMutations": {
        "connectOntology": pm_connect_ontology,
        "createBatchV2": pm_create_batch_v2,
        "createEmptyBatch": pm_create_empty_batch,
        "addDataRowsToBatchAsync": pm_add_rows_async,
        "setLabelingParameterOverrides": pm_set_overrides,
        "unsetLabelingParameterOverrides": pm_unset_overrides,
        "createQueuePriorityUpdateTask": pm_priority_task,
    },
    "User": {
        "createdTasks": user_created_tasks,
        "organization": lambda _u, info: info.context.state.organization,
        "projects": _list_of(lambda _u, info: [p for p in info.context.state.projects.values() if not p.deleted]),
    },
    "Organization": {
        "webhooks": _list_of(lambda _o, info: list(info.context.state.webhooks.values())),
        "projects": _list_of(lambda _o, info: [p for p in info.context.state.projects.values() if not p.deleted]),
        "users": lambda _o, info, skip=0, first=None: page([info.context.state.user], skip, first),
    },
    "Project": {
        "dataRowCount": lambda p, info: len(p.rows),
        "labelCount": lambda p, info: info.context.state.label_count(p.id),
        "modelSetupComplete": lambda p, info: False,
        "queueMode": lambda p, info: "BATCH",
        "createdBy": lambda p, info: info.context.state.user,
        "organization": lambda p, info: info.context.state.organization,
        "ontology": lambda p, info: info.context.state.ontologies.get(p.ontology_id or ""),
        "labelingFrontend": lambda p, info: info.context.state.frontends.get(p.labeling_frontend_id or ""),
        "labelingFrontendOptions": lambda p, info, skip=0, first=None: page(p.frontend_options, skip, first),
        "labelingParameterOverrides": lambda p, info, skip=0, first=None: page(
            [lpo_view(info.context.state, e) for e in info.context.state.overrides(p.id)], skip, first),
        "batches": project_batches,
        "taskQueues": project_task_queues,
        "webhooks": _list_of(lambda p, info: [w for w in info.context.state.webhooks.values() if w.project_id == p.id]),
        "labels": project_labels,
        "benchmarks": lambda p, info, skip=0, first=None: [],
    },
    "Dataset": {
        "rowCount": lambda d, info: sum(1 for r in d.row_ids if not info.context.state.data_rows[r].deleted),
        "createdBy": lambda d, info: info.context.state.user,
        "organization": lambda d, info: info.context.state.organization,
        "projects": lambda d, info, skip=0, first=None: page(
            [p for p in info.context.state.projects.values()
             if not p.deleted and any(info.context.state.data_rows[r].dataset_id == d.id for r in p.rows)],
            skip, first),
    },
    "DataRow": {
        "customMetadata": lambda r, info: [],
        "metadataFields": data_row_metadata_fields,
        "dataset": lambda r, info: info.context.state.datasets.get(r.dataset_id),
    },
    "Batch": {
        "size": lambda b, info: len(b.row_ids),
        "consensusSettingsJson": lambda b, info: json.dumps(b.consensus_settings) if b.consensus_settings else None,
    },
    "Ontology": {
        "classificationSchemaCount": ontology_counts("classifications"),
        "objectSchemaCount": ontology_counts("tools"),
        "projects": lambda o, info, skip=0, first=None: page(
            [p for p in info.context.state.projects.values() if p.ontology_id == o.id and not p.deleted], skip, first),
    },
    "LabelingFrontend": {
        "projects": lambda f, info, skip=0, first=None: page(
            [p for p in info.context.state.projects.values() if p.labeling_frontend_id == f.id], skip, first),
    },
    "Task": {
        "exportMetadataHeader": task_export_header,
        "exportFileFromOffset": task_export_chunk,
        "createdBy": lambda t, info: info.context.state.user,
    },
    "Label": {
        "label": label_field,
        "createdBy": lambda lab, info: info.context.state.user,
        "dataRow": lambda lab, info: info.context.state.data_rows.get(lab.data_row_id),
        "project": lambda lab, info: info.context.state.projects.get(lab.project_id),
        "secondsToLabel": lambda lab, info: 0.0,
        "isBenchmarkReference": lambda lab, info: False,
    },
    "Webhook": {
        "project": lambda w, info: info.context.state.projects.get(w.project_id or ""),
    },
}


def input_errors(next_, root, info, **args):
    """Middleware: a resolver tripping over the *shape* of its input (a missing key, a wrong type) is the
    caller's error, answered like Labelbox's 400s (INTERNAL_SERVER_ERROR, status 400: InvalidQueryError)."""
    try:
        return next_(root, info, **args)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        if not args:
            raise  # no input to blame: a bug in the fake, reported as status 500
        raise bad_input(f"Invalid input for {info.field_name}: {type(e).__name__}: {e}") from e


class InputErrors(MiddlewareManager):
    """``input_errors`` around every resolver but ``default_resolver``, which ``schema()`` leaves to fields
    without arguments only: there the middleware could only re-raise. One is shared (it keeps the wrapped
    resolvers)."""

    def __init__(self) -> None:
        super().__init__(input_errors)

    def get_field_resolver(self, field_resolver: Callable) -> Callable:
        if field_resolver is default_resolver:
            return field_resolver
        return super().get_field_resolver(field_resolver)


INPUT_ERRORS = InputErrors()
_PLAIN = frozenset({str, int, float, bool, type(None), dict, list, tuple})


def is_awaitable(value: Any) -> bool:
    """graphql-core's test, answered at once for the plain values most resolvers return."""
    return type(value) not in _PLAIN and _is_awaitable(value)


@cache
def schema() -> GraphQLSchema:
    """The served schema with resolvers attached (built once per process)."""
    s = build_schema(SCHEMA_PATH.read_text())
    for type_name, fields in RESOLVERS.items():
        gql_type = s.type_map[type_name]
        for field_name, fn in fields.items():
            gql_type.fields[field_name].resolve = fn  # type: ignore[union-attr]
    for type_name, gql_type in s.type_map.items():
        if isinstance(gql_type, GraphQLObjectType) and not type_name.startswith("__"):
            for field in gql_type.fields.values():
                if field.args and field.resolve is None:
                    field.resolve = default_resolver_with_args
    s.type_map["IamIntegrationSettings"].resolve_type = lambda *_a: None  # type: ignore[union-attr]
    return s

