"""Data rows: the three-stage upload, task polling, pagination and lookups through the real SDK."""

from __future__ import annotations

import pytest
import requests
from labelbox import DataRow
from lbox.exceptions import ResourceNotFoundError


def test_create_data_rows_results_and_lookups(client, fake):
    ds = client.create_dataset(name="tweets")
    task = ds.create_data_rows([
        {"row_data": "I love it", "global_key": "gk-1"},
        {"row_data": "I hate it", "global_key": "gk-2", "external_id": "ext-2"},
    ])
    task.wait_till_done()
    assert task.status == "COMPLETE" and task.errors is None
    result = {r["global_key"]: r for r in task.result}
    assert set(result) == {"gk-1", "gk-2"} and result["gk-2"]["external_id"] == "ext-2"

    row = client.get_data_row(result["gk-1"]["id"])
    assert (row.row_data, row.global_key) == ("I love it", "gk-1")
    assert row.media_attributes["mimeType"] == "text/plain"
    assert ds.data_row_for_external_id("ext-2").global_key == "gk-2"
    with pytest.raises(ResourceNotFoundError):
        ds.data_row_for_external_id("nope")
    assert client.get_data_row_by_global_key("gk-2").external_id == "ext-2"
    found = client.get_data_row_ids_for_global_keys(["gk-1", "nope"])
    assert found["status"] == "PARTIAL SUCCESS"
    assert found["results"] == [result["gk-1"]["id"], ""]  # positional, as on Labelbox
    assert found["errors"] == [{"global_key": "nope", "error": "Data Row not found"}]
    assert client.get_data_row_ids_for_external_ids(["ext-2"]) == {"ext-2": [result["gk-2"]["id"]]}
    assert client.get_dataset(ds.uid).row_count == 2


def test_duplicate_global_key_is_reported_as_task_error(client):
    ds = client.create_dataset(name="tweets")
    ds.create_data_rows([{"row_data": "a", "global_key": "dup"}]).wait_till_done()
    task = ds.create_data_rows([{"row_data": "b", "global_key": "dup"}, {"row_data": "c", "global_key": "new"}])
    task.wait_till_done()
    assert [r["global_key"] for r in task.result] == ["new"]
    assert len(task.errors) == 1 and "Duplicate global key" in task.errors[0]["message"]
    assert task.errors[0]["failedDataRows"][0]["globalKey"] == "dup"


def test_data_rows_cursor_pagination_1200(client):
    ds = client.create_dataset(name="big")
    task = ds.create_data_rows([{"row_data": f"text {i}", "global_key": f"k{i}"} for i in range(1200)])
    task.wait_till_done()
    assert len(task.result) == 1200
    rows = list(ds.data_rows())
    assert len(rows) == 1200 and len({r.uid for r in rows}) == 1200
    assert {r.global_key for r in rows} == {f"k{i}" for i in range(1200)}


def test_uploaded_files_are_served_back(fake, client):
    url = client.upload_data(b"hello", content_type="text/plain", filename="h.txt")
    if fake.mode == "server":
        assert url.startswith("http://127.0.0.1:")
    assert requests.get(url, timeout=5).content == b"hello"


def test_bulk_delete(client):
    ds = client.create_dataset(name="tweets")
    ds.create_data_rows([{"row_data": "a", "global_key": "x1"}, {"row_data": "b", "global_key": "x2"}]).wait_till_done()
    rows = list(ds.data_rows())
    DataRow.bulk_delete(rows[:1])
    assert len(list(ds.data_rows())) == 1
    with pytest.raises(ResourceNotFoundError):
        client.get_data_row(rows[0].uid)


def test_upsert_by_global_key_updates(client):
    from labelbox.schema.identifiable import GlobalKey

    ds = client.create_dataset(name="tweets")
    ds.create_data_rows([{"row_data": "old", "global_key": "u1"}]).wait_till_done()
    task = ds.upsert_data_rows([{"key": GlobalKey("u1"), "row_data": "new"}])
    task.wait_till_done()
    assert client.get_data_row_by_global_key("u1").row_data == "new"
