"""Exports (export v2, streamable): the export task and the byte ranges of its NDJSON result."""

from __future__ import annotations

from ..errors import bad_input
from ..models import export
from .common import Ctx

EXPORT_CHUNK = 4 * 1024 * 1024


def m_export(_root, info, input):
    st = info.context.state
    p = st.project(input["filters"]["projectId"])
    body, lines = export.build_export(st, p, input["filters"], input.get("params"))
    f = st.store_file(body, "application/x-ndjson")
    t = st.create_task("export-data-rows", input.get("taskName") or f"Export v2: {p.name}",
                       result_file_id=f.id, total_lines=lines)
    return {"taskId": t.id, "isStreamable": True, "errors": []}


def m_export_catalog(_root, info, input):
    """Dataset, DataRow and Catalog export: the organization's rows the search query selects."""
    st = info.context.state
    body, lines = export.build_catalog_export(st, input["filters"], input.get("params"))
    f = st.store_file(body, "application/x-ndjson")
    t = st.create_task("export-data-rows", input.get("taskName") or "Export v2: catalog",
                       result_file_id=f.id, total_lines=lines)
    return {"taskId": t.id, "isStreamable": True, "errors": []}


def task_export_header(view, info, streamType):
    t = view["_task"]
    if streamType != "RESULT" or t.result_file_id is None:
        return None
    size = len(info.context.state.files[t.result_file_id].content)
    return {"totalSize": size, "totalLines": t.total_lines} if size else None


def task_export_chunk(view, info, streamType, offset):
    """A byte range of the export file, cut at a line end, served from ``/files/<id>?start=&end=``."""
    ctx: Ctx = info.context
    t = view["_task"]
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
            "file": ctx.file_url(t.result_file_id, start=start, end=end)}


RESOLVERS = {
    "Mutation": {
        "exportDataRowsInProject": m_export,
        "exportDataRowsInCatalog": m_export_catalog,
    },
    "Task": {
        "exportMetadataHeader": task_export_header,
        "exportFileFromOffset": task_export_chunk,
    },
}
