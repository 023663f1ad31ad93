"""Batches and the labeling queue: creating batches, adding rows, priorities (overrides) and the queue's views."""

from __future__ import annotations

import json

from ..errors import bad_input, not_found
from .common import cursor_page, derived_id, page


def _batch_priority(value) -> int:
    prio = 5 if value is None else value
    if not 1 <= prio <= 5:
        raise bad_input(f"Batch priority must be between 1 and 5, got {prio}")
    return prio


def pm_create_batch_v2(p, info, input):
    st = info.context.state
    prio = _batch_priority(input.get("priority"))
    b = st.create_batch(p.id, input["name"], input.get("consensusSettings"))
    _added, failed = st.add_to_batch(b.id, input.get("dataRowIds") or [], input.get("globalKeys") or [], prio)
    return {"batch": b, "failedDataRowIds": failed}


def pm_create_empty_batch(p, info, input):
    b = info.context.state.create_batch(p.id, input["name"], input.get("consensusSettings"))
    return {"id": b.id}


def pm_add_rows_async(p, info, input):
    st = info.context.state
    b = st.batches.get(input["batchId"])
    if b is None or b.project_id != p.id:
        raise not_found("Batch", input["batchId"])
    prio = _batch_priority(input.get("priority"))
    _added, failed = st.add_to_batch(b.id, input.get("dataRowIds") or [], input.get("globalKeys") or [], prio)
    t = st.create_task("add-data-rows-to-batch", f"Add data rows to batch {b.name}",
                       result=json.dumps({"failedDataRowIds": failed}) if failed else None)
    return {"taskId": t.id}


def pm_set_overrides(p, info, data=None, dataWithDataRowIdentifiers=None):
    items = [("ID", d["dataRow"]["id"], d.get("priority"), d.get("numLabels")) for d in data or []]
    items += [(d["dataRowIdentifier"]["idType"], d["dataRowIdentifier"]["id"], d.get("priority"), d.get("numLabels"))
              for d in dataWithDataRowIdentifiers or []]
    info.context.state.set_priorities(p.id, items)
    return {"success": True}


def pm_unset_overrides(p, info, data=None, dataWithDataRowIdentifiers=None):
    items = [("ID", d["dataRowId"]) for d in data or []]
    items += [(d["dataRowIdentifier"]["idType"], d["dataRowIdentifier"]["id"]) for d in dataWithDataRowIdentifiers or []]
    info.context.state.unset_priorities(p.id, items)
    return {"success": True}


def pm_priority_task(p, info, data):
    st = info.context.state
    ident = data.get("dataRowIdentifiers") or {"ids": [], "idType": "ID"}
    st.set_priorities(p.id, [(ident["idType"], k, data["priority"], None) for k in ident["ids"]])
    t = st.create_task("update-queue-priority", "Update queue priority")
    return {"taskId": t.id}


def project_batches(p, info, after=None, first=None, where=None):
    st = info.context.state
    items = [st.batches[b] for b in p.batch_ids]
    if where:
        items = [b for b in items if b.id == where["id"]]
    nodes, nxt = cursor_page(items, after, first)
    return {"nodes": nodes, "pageInfo": {"endCursor": nxt, "hasNextPage": nxt is not None}}


def project_task_queues(p, info):
    return [
        {"id": derived_id(p.id, "labeling"), "name": "Initial labeling task", "description": None,
         "queueType": "MANUAL_LABELING_QUEUE", "dataRowCount": len(p.queue)},
        {"id": derived_id(p.id, "done"), "name": "Done", "description": None,
         "queueType": "MANUAL_REVIEW_QUEUE", "dataRowCount": len(p.finished)},
    ]


def project_overrides(p, info, skip=0, first=None):
    st = info.context.state
    return page([{"id": e.override_id, "priority": e.priority, "numberOfLabels": e.number_of_labels,
                  "dataRow": st.data_rows[e.data_row_id]} for e in st.queue_order(p.id) if e.override_id is not None],
                skip, first)


RESOLVERS = {
    "ProjectMutations": {
        "createBatchV2": pm_create_batch_v2,
        "createEmptyBatch": pm_create_empty_batch,
        "addDataRowsToBatchAsync": pm_add_rows_async,
        "setLabelingParameterOverrides": pm_set_overrides,
        "unsetLabelingParameterOverrides": pm_unset_overrides,
        "createQueuePriorityUpdateTask": pm_priority_task,
    },
    "Project": {
        "batches": project_batches,
        "taskQueues": project_task_queues,
        "labelingParameterOverrides": project_overrides,
    },
    "Batch": {
        "size": lambda b, info: len(b.row_ids),
        "consensusSettingsJson": lambda b, info: json.dumps(b.consensus_settings) if b.consensus_settings else None,
    },
}
