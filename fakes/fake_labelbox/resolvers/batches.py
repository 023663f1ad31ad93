"""Batches and the labeling queue: creating and deleting batches, adding rows, priorities (overrides), the
workflow's task queues and the project overview."""

from __future__ import annotations

import json

from ..errors import bad_input, malformed, not_found
from ..models.queue import TASK_QUEUES
from .common import cursor_page, derived_id, page


def _batch_priority(input: dict) -> int:
    """The input's priority: 5 when not given; an explicit null or a value outside 1..5 is refused."""
    prio = input.get("priority", 5)
    if prio is None or not 1 <= prio <= 5:
        raise bad_input(f"Batch priority must be between 1 and 5, got {prio}")
    return prio


def pm_create_batch_v2(p, info, input):
    st = info.context.state
    prio = _batch_priority(input)
    st.check_new_batch(p.id, input["name"], input.get("dataRowIds") or [], input.get("globalKeys") or [])
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
    prio = _batch_priority(input)
    st.check_batch_size(len(b.row_ids), len(input.get("dataRowIds") or []) + len(input.get("globalKeys") or []))
    _added, failed = st.add_to_batch(b.id, input.get("dataRowIds") or [], input.get("globalKeys") or [], prio)
    t = st.create_task("add-data-rows-to-batch", f"Add data rows to batch {b.name}",
                       result=json.dumps({"failedDataRowIds": failed}) if failed else None)
    return {"taskId": t.id}


def _batch_tasks(st, batches) -> dict:
    """``createBatches``' answer: one (already finished) task per batch."""
    return {"tasks": [{"batchUuid": b.id, "taskId": st.create_task("create-batches", f"Create batch {b.name}").id}
                      for b in batches]}


def pm_create_batches(p, info, input):
    st = info.context.state
    prio = _batch_priority(input)
    st.check_new_batch(p.id, f"{input['batchNamePrefix']}0000", input.get("dataRowIds") or [],
                       input.get("globalKeys") or [])
    return _batch_tasks(st, st.create_batches(p.id, input["batchNamePrefix"], input.get("dataRowIds") or [],
                                              input.get("globalKeys") or [], prio, input.get("consensusSettings")))


def pm_create_batches_from_dataset(p, info, input):
    st = info.context.state
    prio = _batch_priority(input)
    rows = st.rows_not_in_project(p.id, input["datasetId"])
    if not rows:
        raise malformed("No valid data rows to add to project")
    return _batch_tasks(st, st.create_batches(p.id, input["batchNamePrefix"], rows, [], prio,
                                              input.get("consensusSettings")))


def pm_move_to_task_queue(p, info, data):
    st = info.context.state
    queue = next((key for key in TASK_QUEUES if derived_id(p.id, key) == data.get("queueId")), None)
    if queue is None:
        raise not_found("TaskQueue", data.get("queueId"))
    ident = data["dataRowIdentifiers"]
    st.move_to_task_queue(p.id, queue, ident["idType"], ident["ids"])
    return {"taskId": st.create_task("send-to-task-queue", "Move data rows to a task queue").id}


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
    st.check_priority_update_size(len(ident["ids"]))
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


def _counted_rows(p, search_query: dict | None, batch_ids: list[str] | None = None) -> list[str]:
    """The project's rows an overview counts: all, or those of the batches a count input or ``batchIds`` names."""
    wanted = set(batch_ids or [])
    for item in (search_query or {}).get("query") or []:
        if item.get("type") == "batch":
            wanted.update(item.get("ids") or [])
    if batch_ids is None and not wanted:
        return list(p.rows)
    return [r for r, b in p.rows.items() if b in wanted]


def project_task_queues(p, info):
    return [{"id": derived_id(p.id, key), "name": name, "description": None, "queueType": queue_type,
             "project": p, "key": key} for key, (name, queue_type) in TASK_QUEUES.items()]


def task_queue_count(q, info, input=None):
    """Rows in the task queue, over the project or the batches the count input names."""
    p = q["project"]
    return sum(info.context.state.row_step(p, r) == q["key"]
               for r in _counted_rows(p, (input or {}).get("searchQuery")))


def project_workstream_counts(p, info, batchIds=None):
    """Rows per workflow state, as the project overview reads them (Labelbox's state names)."""
    st = info.context.state
    rows = _counted_rows(p, None, batchIds)
    steps = [st.row_step(p, r) for r in rows]
    labeled = sum(bool(p.labels.get(r)) for r in rows)
    counts = {"Unlabeled": steps.count("labeling"), "InReview": steps.count("review"),
              "InRework": steps.count("rework"), "Skipped": 0, "Done": steps.count("done"), "Labeled": labeled,
              "All": len(rows), "NotInTaskQueue": steps.count("removed")}
    return [{"state": state, "count": n} for state, n in counts.items()]


def project_overrides(p, info, skip=0, first=None):
    """Every row waiting in the labeling queue with its priority and number of labels, overridden or not."""
    st = info.context.state
    return page([{"id": e.override_id or derived_id(p.id, e.data_row_id), "priority": e.priority,
                  "numberOfLabels": e.number_of_labels, "dataRow": st.data_rows[e.data_row_id]}
                 for e in st.queue_order(p.id)], skip, first)


RESOLVERS = {
    "ProjectMutations": {
        "createBatchV2": pm_create_batch_v2,
        "createEmptyBatch": pm_create_empty_batch,
        "addDataRowsToBatchAsync": pm_add_rows_async,
        "setLabelingParameterOverrides": pm_set_overrides,
        "unsetLabelingParameterOverrides": pm_unset_overrides,
        "createQueuePriorityUpdateTask": pm_priority_task,
        "createBatches": pm_create_batches,
        "createBatchesFromDataset": pm_create_batches_from_dataset,
        "deleteBatch": lambda p, info, batchId: {"deletedBatchId": info.context.state.delete_batch(p.id, batchId)},
        "removeQueuedDataRowsFromBatch": lambda p, info, batchId: info.context.state.remove_queued(p.id, batchId),
        "createBulkAddRowsToQueueTask": pm_move_to_task_queue,
    },
    "Project": {
        "batches": project_batches,
        "taskQueues": project_task_queues,
        "labelingParameterOverrides": project_overrides,
        "workstreamStateCounts": project_workstream_counts,
        "issues": lambda p, info: {"totalCount": 0},  # the fake has no issues (annotation comments)
        "completedDataRowCount": lambda p, info: sum(
            info.context.state.row_step(p, r) == "done" for r in p.rows),
    },
    "TaskQueue": {
        "dataRowCount": task_queue_count,
    },
    "Batch": {
        "size": lambda b, info: len(b.row_ids),
        "consensusSettingsJson": lambda b, info: json.dumps(b.consensus_settings) if b.consensus_settings else None,
    },
}
