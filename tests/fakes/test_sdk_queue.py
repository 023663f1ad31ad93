"""Batches, priorities and labeling parameter overrides: queue semantics as Labelbox documents them."""

from __future__ import annotations

import warnings

import pytest
from labelbox.schema.identifiable import GlobalKey, UniqueId
from labelbox.schema.identifiables import GlobalKeys, UniqueIds
from lbox.exceptions import LabelboxError

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
    overrides = {o.data_row().global_key: o.priority for o in project.labeling_parameter_overrides()}
    assert overrides == {keys[7]: 1, keys[5]: 2}


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
    assert project.labeling_parameter_overrides() is not None
    assert list(project.labeling_parameter_overrides()) == []
    # re-prioritising the remaining rows reorders the queue for the next labels
    last = _order(fake, project)[-1][0]
    project.set_labeling_parameter_overrides([(GlobalKey(last), 1)])
    assert fake.step(1, project.uid)[0]["global_key"] == last


def test_task_queues_and_counts(client, fake):
    project, dataset, keys = make_pool(client, 5)
    fake.register_truth(truth_for(keys))
    fake.step(2, project.uid)
    queues = {q.name: q.data_row_count for q in project.task_queues()}
    assert queues == {"Initial labeling task": 3, "Done": 2}
    assert client.get_project(project.uid).data_row_count == 5
