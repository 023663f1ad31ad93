"""Batches, priorities and labeling parameter overrides: queue semantics as Labelbox documents them."""

from __future__ import annotations

import warnings

import pytest
from labelbox.schema.identifiable import GlobalKey, UniqueId
from labelbox.schema.identifiables import GlobalKeys, UniqueIds
from lbox.exceptions import LabelboxError, MalformedQueryException, ResourceConflict

from .conftest import make_pool, truth_for

warnings.filterwarnings("ignore", category=DeprecationWarning)


def _order(fake, project):
    return [(e["global_key"], e["priority"]) for e in fake.queue(project.uid)]


def test_sync_batch_enters_queue_in_priority_then_id_order(client, fake):
    project, dataset, keys = make_pool(client, 30, batch=False)
    b1 = project.create_batch("low", global_keys=keys[:10], priority=5)
    b2 = project.create_batch("high", global_keys=keys[10:20], priority=1)
    assert (b1.size, b2.size) == (10, 10)
    queue = fake.queue(project.uid)
    assert len(queue) == 20  # un-batched rows are not queued
    assert [e["priority"] for e in queue] == [1] * 10 + [5] * 10
    ids = [e["data_row_id"] for e in queue]
    assert ids[:10] == sorted(ids[:10]) and ids[10:] == sorted(ids[10:])
    assert {b.name for b in project.batches()} == {"low", "high"}


def test_async_batch_path_1000_rows(client, fake):
    project, dataset, keys = make_pool(client, 1000, batch=False)
    batch = project.create_batch("big", global_keys=keys, priority=2)
    assert batch.size == 1000
    assert {e["priority"] for e in fake.queue(project.uid)} == {2}


@pytest.mark.parametrize("priority", [0, 6])
def test_batch_priority_out_of_range(client, priority):
    project, _ds, keys = make_pool(client, 3, batch=False)
    with pytest.raises(LabelboxError):
        project.create_batch("bad", global_keys=keys, priority=priority)


def test_overrides_global_key_and_unique_id(client, fake):
    project, dataset, keys = make_pool(client, 20)
    row = client.get_data_row_by_global_key(keys[5])
    assert project.set_labeling_parameter_overrides([(GlobalKey(keys[7]), 1), (UniqueId(row.uid), 2)])
    assert _order(fake, project)[:2] == [(keys[7], 1), (keys[5], 2)]
    # as on Labelbox, every queued row is listed, at its batch's priority unless overridden
    overrides = {o.data_row().global_key: o.priority for o in project.labeling_parameter_overrides()}
    assert overrides == {**{k: 5 for k in keys}, keys[7]: 1, keys[5]: 2}


def test_update_data_row_labeling_priority(client, fake):
    project, dataset, keys = make_pool(client, 10)
    project.update_data_row_labeling_priority(GlobalKeys(keys[8:]), 1)
    assert [k for k, _ in _order(fake, project)[:2]] == sorted(keys[8:], key=lambda k: fake.state.global_keys[k])
    ids = [client.get_data_row_by_global_key(keys[0]).uid]
    project.update_data_row_labeling_priority(UniqueIds(ids), 3)
    assert _order(fake, project)[2] == (keys[0], 3)


def test_overrides_change_only_queued_rows_and_labeled_rows_leave(client, fake):
    project, dataset, keys = make_pool(client, 12, batch=False)
    project.create_batch("b", global_keys=keys[:10], priority=4)
    fake.register_truth(truth_for(keys))
    labeled = fake.step(2, project.uid)
    done = {x["global_key"] for x in labeled}
    assert len(done) == 2 and all(k not in done for k, _ in _order(fake, project))
    # an override on a labeled row and on an un-batched row changes nothing
    project.set_labeling_parameter_overrides([(GlobalKey(k), 1) for k in done] + [(GlobalKey(keys[11]), 1)])
    assert len(fake.queue(project.uid)) == 8 and {p for _, p in _order(fake, project)} == {4}
    listed = {o.data_row().global_key: o.priority for o in project.labeling_parameter_overrides()}
    assert listed == {k: 4 for k in keys[:10] if k not in done}
    # re-prioritising the remaining rows reorders the queue for the next labels
    last = _order(fake, project)[-1][0]
    project.set_labeling_parameter_overrides([(GlobalKey(last), 1)])
    assert fake.step(1, project.uid)[0]["global_key"] == last


def test_task_queues_and_counts(client, fake):
    project, dataset, keys = make_pool(client, 5)
    fake.register_truth(truth_for(keys))
    fake.step(2, project.uid)
    queues = {q.name: q.data_row_count for q in project.task_queues()}
    assert queues == {"Initial labeling task": 3, "Initial review task": 0, "Rework": 0}
    overview = project.get_overview()
    assert (overview.to_label, overview.done, overview.labeled, overview.total_data_rows) == (3, 2, 2, 5)
    assert client.get_project(project.uid).data_row_count == 5


# ---- Labelbox's refusals when a batch cannot add anything ------------------------------------------------------
def test_batch_of_unknown_rows_or_keys_is_refused_and_not_made(client):
    project, _dataset, keys = make_pool(client, 3, batch=False)
    with pytest.raises(MalformedQueryException, match="No valid data rows to be added from the list provided!"):
        project.create_batch("ids", data_rows=["a" * 25, "b" * 25])
    with pytest.raises(MalformedQueryException,
                       match=r"Data rows with the following global keys do not exist: key1\."):
        project.create_batch("keys", global_keys=[keys[0], "key1"])
    project.create_batch("first", global_keys=keys)
    with pytest.raises(MalformedQueryException, match="No valid data rows to add to project"):
        project.create_batch("again", global_keys=keys)
    with pytest.raises(ResourceConflict):  # the name is checked first
        project.create_batch("first", global_keys=keys)
    with pytest.raises(LabelboxError, match="priority"):  # an explicit null priority is refused
        project.create_batch("null", global_keys=keys, priority=None)
    assert [b.name for b in project.batches()] == ["first"]


def test_rows_whose_media_cannot_be_read_fail_in_a_batch(client):
    project, dataset, keys = make_pool(client, 2, batch=False)
    task = dataset.create_data_rows([{"row_data": "gs://invalid-bucket/example.png", "global_key": "private"}])
    task.wait_till_done()
    private = client.get_data_row_by_global_key("private").uid
    rows = [client.get_data_row_by_global_key(k).uid for k in keys]
    batch = project.create_batch("mixed", data_rows=rows + [private])
    assert batch.size == 2 and list(batch.failed_data_row_ids) == [private]


# ---- batches: several at once, deletion, removing the queued rows ------------------------------------------------
def test_create_batches_names_them_by_prefix_and_from_dataset_takes_the_rest(client):
    project, dataset, keys = make_pool(client, 6, batch=False)
    task = project.create_batches("part", global_keys=keys[:2], priority=3)
    task.wait_till_done()
    assert task.errors() is None
    [batch] = task.result()
    assert (batch.name, batch.size) == ("part0000", 2)
    task = project.create_batches_from_dataset("rest", dataset.uid, priority=2)
    task.wait_till_done()
    assert [(b.name, b.size) for b in task.result()] == [("rest0000", 4)]
    with pytest.raises(MalformedQueryException, match="No valid data rows to add to project"):
        project.create_batches_from_dataset("none-left", dataset.uid)


def test_deleting_a_batch_takes_its_rows_out_of_the_project(client, fake):
    project, dataset, keys = make_pool(client, 4, batch=False)
    keep = project.create_batch("keep", global_keys=keys[:2])
    gone = project.create_batch("gone", global_keys=keys[2:])
    gone.delete()
    assert [b.uid for b in project.batches()] == [keep.uid]
    assert {e["global_key"] for e in fake.queue(project.uid)} == set(keys[:2])
    assert project.create_batch("back", global_keys=keys[2:]).size == 2  # the rows can join again


def test_a_batch_with_labels_cannot_be_deleted(client, fake):
    project, _dataset, keys = make_pool(client, 3)
    [batch] = project.batches()
    fake.register_truth(truth_for(keys))
    fake.step(1, project.uid)
    with pytest.raises(LabelboxError, match="Batch deletion for batches that have labels is forbidden"):
        batch.delete()
    assert [b.uid for b in project.batches()] == [batch.uid]


def test_removing_a_batch_s_queued_rows_empties_the_labeling_queue(client, fake):
    project, _dataset, keys = make_pool(client, 3)
    [batch] = project.batches()
    batch.remove_queued_data_rows()
    assert fake.queue(project.uid) == []
    overview = project.get_overview()
    assert (overview.to_label, overview.total_data_rows) == (0, 3)


# ---- task queues and the overview ------------------------------------------------------------------------------
def test_rows_move_between_task_queues_and_the_overview_follows(client, fake):
    project, _dataset, keys = make_pool(client, 4)
    fake.register_truth(truth_for(keys))
    [labeled] = fake.step(1, project.uid)
    queues = {q.queue_type: q for q in project.task_queues()}
    assert set(queues) == {"MANUAL_LABELING_QUEUE", "MANUAL_REVIEW_QUEUE", "MANUAL_REWORK_QUEUE"}
    row = client.get_data_row_by_global_key(labeled["global_key"])
    project.move_data_rows_to_task_queue(UniqueIds([row.uid]), queues["MANUAL_REVIEW_QUEUE"].uid)
    project.move_data_rows_to_task_queue(GlobalKeys([keys[3]]), queues["MANUAL_REWORK_QUEUE"].uid)
    counts = {q.queue_type: q.data_row_count for q in project.task_queues()}
    assert counts == {"MANUAL_LABELING_QUEUE": 2, "MANUAL_REVIEW_QUEUE": 1, "MANUAL_REWORK_QUEUE": 1}
    detailed = project.get_overview(details=True)
    assert detailed.in_review == {"data": [{"Initial review task": 1}], "total": 1}
    assert detailed.in_rework == {"data": [{"Rework": 1}], "total": 1}
    assert (detailed.to_label, detailed.done, detailed.labeled, detailed.issues) == (2, 0, 1, 0)
    project.move_data_rows_to_task_queue(GlobalKeys([keys[3]]), queues["MANUAL_LABELING_QUEUE"].uid)
    assert project.get_overview().to_label == 3


def test_overview_scoped_to_batches(client):
    project, _dataset, keys = make_pool(client, 3, batch=False)
    a = project.create_batch("a", global_keys=keys[:1])
    b = project.create_batch("b", global_keys=keys[1:])
    assert project.get_overview(batch_ids=[a.uid]).total_data_rows == 1
    both = project.get_overview(batch_ids=[a.uid, b.uid])
    assert (both.total_data_rows, both.to_label, both.issues) == (3, 3, None)


def test_every_queued_row_has_an_override_entry_at_its_batch_priority(client):
    project, _dataset, keys = make_pool(client, 3, priority=5)
    listed = list(project.labeling_parameter_overrides())
    assert sorted((o.data_row().global_key, o.priority, o.number_of_labels) for o in listed) == \
        [(k, 5, 1) for k in keys]
    assert project.set_labeling_parameter_overrides([(GlobalKey(keys[0]), 4), (GlobalKey(keys[1]), 3)])
    assert sorted(o.priority for o in project.labeling_parameter_overrides()) == [3, 4, 5]


BATCH_V2 = """mutation($p: ID!, $ids: [ID!]) { project(where: {id: $p}) {
  createBatchV2(input: {name: "big", dataRowIds: $ids}) { batch { id } } } }"""
ADD_TO_BATCH = """mutation($p: ID!, $b: ID!, $ids: [ID!]) { project(where: {id: $p}) {
  addDataRowsToBatchAsync(input: {batchId: $b, dataRowIds: $ids}) { taskId } } }"""
PRIORITY_TASK = """mutation($p: ID!, $ids: [ID!]!) { project(where: {id: $p}) {
  createQueuePriorityUpdateTask(data: {priority: 1, dataRowIdentifiers: {ids: $ids, idType: ID}}) { taskId } } }"""


def test_labelbox_size_limits_on_batches_and_priority_updates(client, fake):
    """Labelbox's limits hold for raw calls too: 100,000 rows a batch, 1,000,000 rows a bulk priority update."""
    project, dataset, keys = make_pool(client, 3, batch=False)
    ids = sorted(dr.uid for dr in dataset.data_rows())
    before = fake.digest()
    with pytest.raises(LabelboxError, match="Batch exceeds max size of 100000"):
        client.execute(BATCH_V2, {"p": project.uid, "ids": ids + [f"missing{i}" for i in range(100_000)]})
    batch = project.create_batch("small", ids[:2])
    with pytest.raises(LabelboxError, match="Batch exceeds max size of 100000"):
        client.execute(ADD_TO_BATCH, {"p": project.uid, "b": batch.uid, "ids": [f"missing{i}" for i in range(99_999)]})
    fake.admin.set_limits(max_list_length=2_000_000)  # past the generic list bound, Labelbox's own one answers
    with pytest.raises(LabelboxError, match="more than 1000000 data rows"):
        client.execute(PRIORITY_TASK, {"p": project.uid, "ids": ids + ["missing"] * 999_998})
    assert len(fake.queue(project.uid)) == 2
    project.update_data_row_labeling_priority(UniqueIds(ids), 2)  # within the limits it is served
    assert [e["priority"] for e in fake.queue(project.uid)] == [2, 2]
    assert before != fake.digest()
