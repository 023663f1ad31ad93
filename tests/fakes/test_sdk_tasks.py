"""Tasks through the real SDK: an export still in progress is listed as such and can be cancelled; a finished
one, or a task Labelbox does not cancel, is refused."""

from __future__ import annotations

import pytest
from labelbox import DataRow, Task
from labelbox.schema.task import TaskStatus
from lbox.exceptions import InvalidQueryError, LabelboxError


@pytest.fixture
def row(client):
    client.create_dataset(name="d").create_data_rows([{"row_data": "hello", "global_key": "g1"}]).wait_till_done()
    return client.get_data_row_by_global_key("g1")


def _exports_take(fake, reads: int) -> None:
    fake.admin.set_task_polls(reads, task_type="export-data-rows")


def test_an_export_in_progress_is_cancelled(fake, client, row):
    _exports_take(fake, 2)  # the SDK reads it on creation, and again in cancel_task()
    export = DataRow.export(client=client, data_rows=[row], task_name="cancel me")
    assert export.status == "IN_PROGRESS"
    assert client.cancel_task(export.uid) is True
    assert client.get_task_by_id(export.uid).status == "CANCELED"
    with pytest.raises(LabelboxError, match="not in progress. Current status: CANCELED"):
        client.cancel_task(export.uid)


def test_a_finished_export_or_an_upsert_is_not_cancelled(fake, client, row):
    export = DataRow.export(client=client, data_rows=[row], task_name="done at once")
    assert export.status == "COMPLETE"
    with pytest.raises(LabelboxError, match="not in progress. Current status: COMPLETE"):
        client.cancel_task(export.uid)
    mutation = "mutation Cancel($id: ID!) {cancelBulkOperationJob(id: $id) {success}}"
    with pytest.raises(InvalidQueryError, match="not in progress"):  # the fake refuses it too, not only the SDK
        client.execute(mutation, {"id": export.uid})
    upsert = client.get_user().created_tasks(where=Task.type == "adv-upsert-data-rows").get_one()
    with pytest.raises(LabelboxError, match="cannot be cancelled. Cancelable types are: \\['export-data-rows'\\]"):
        client.cancel_task(upsert.uid)
    with pytest.raises(InvalidQueryError, match="cannot be cancelled"):
        client.execute(mutation, {"id": upsert.uid})


def test_tasks_are_listed_by_the_status_a_read_gives(fake, client, row):
    _exports_take(fake, 2)
    export = DataRow.export(client=client, data_rows=[row], task_name="listed")
    running = client.get_organization().tasks(where=Task.status_as_enum == TaskStatus.In_Progress)
    assert [t.uid for t in running] == [export.uid]
    done = client.get_user().created_tasks(where=Task.status_as_enum == TaskStatus.Complete)
    assert export.uid in {t.uid for t in done}, "the next read finds it finished"


def test_polls_per_type_need_a_task_type_name(fake):
    with pytest.raises(ValueError, match="task type"):
        fake.admin.set_task_polls(1, task_type=5)


def test_looking_up_one_task_leaves_the_others_running(fake, client, row):
    _exports_take(fake, 2)
    first = DataRow.export(client=client, data_rows=[row], task_name="first")  # each read once on creation
    second = DataRow.export(client=client, data_rows=[row], task_name="second")
    assert client.get_task_by_id(second.uid).status == "IN_PROGRESS"  # second's last IN_PROGRESS read
    assert client.cancel_task(first.uid) is True, "reading the second one did not count down the first"
    with pytest.raises(LabelboxError, match="not in progress. Current status: COMPLETE"):
        client.cancel_task(second.uid)
