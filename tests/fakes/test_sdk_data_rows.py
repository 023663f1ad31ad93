"""Data rows: the three-stage upload, task polling, pagination and lookups through the real SDK."""

from __future__ import annotations

import re

import pytest
import requests
from labelbox import DataRow
from labelbox.schema.identifiable import UniqueId
from lbox.exceptions import ResourceCreationError, ResourceNotFoundError


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


def test_new_dataset_description_is_empty(client):
    assert client.get_dataset(client.create_dataset(name="d").uid).description == ""


def test_created_by_and_organization(client):
    row = client.create_dataset(name="d").create_data_row(row_data="x")
    assert row.created_by() == client.get_user()
    assert row.organization() == client.get_organization()


def test_data_rows_from_cursor_resumes_after_that_row(client):
    ds = client.create_dataset(name="d")
    ds.create_data_rows([{"row_data": f"r{i}", "global_key": f"c{i}"} for i in range(5)]).wait_till_done()
    rows = list(ds.data_rows())
    assert [r.global_key for r in ds.data_rows(from_cursor=rows[1].uid)] == [r.global_key for r in rows[2:]]


def test_attachments_at_creation_and_crud(client):
    ds = client.create_dataset(name="d")
    row = ds.create_data_row(row_data="x", attachments=[{"type": "RAW_TEXT", "value": "context", "name": "n"}])
    assert [(a.attachment_type, a.attachment_value, a.attachment_name) for a in row.attachments()] == [
        ("RAW_TEXT", "context", "n")]
    att = row.create_attachment("IMAGE", "https://example.com/a.jpg")
    att.update(name="picture")
    assert (att.attachment_type, att.attachment_value, att.attachment_name) == (
        "IMAGE", "https://example.com/a.jpg", "picture")
    att.delete()
    assert len(list(row.attachments())) == 1
    # an upsert's attachments replace the row's
    task = ds.upsert_data_rows([{"key": UniqueId(row.uid), "attachments": [{"type": "HTML", "value": "<b>b</b>"}]}])
    task.wait_till_done()
    assert [a.attachment_type for a in client.get_data_row(row.uid).attachments()] == ["HTML"]


def test_update_data_row(client):
    row = client.create_dataset(name="d").create_data_row(row_data="x", external_id="e1")
    row.update(external_id="e2", global_key="g2")
    assert (row.external_id, row.global_key) == ("e2", "g2")
    row.update(row_data={"pdfUrl": "https://example.com/a.pdf", "textLayerUrl": "https://example.com/a.json"})
    again = client.get_data_row_by_global_key("g2")
    assert again.row_data == "https://example.com/a.pdf"
    assert again.media_attributes["textLayerUrl"] == "https://example.com/a.json"


def test_embedded_pdf_row_data_is_stored_as_its_url(client):
    ds = client.create_dataset(name="d")
    row = ds.create_data_row(row_data={"pdf_url": "https://example.com/b.pdf", "text_layer_url": "t.json"},
                             media_type="PDF")
    assert row.row_data == "https://example.com/b.pdf"


@pytest.mark.parametrize(("row_data", "media_type", "message"), [
    ({"invalid_object": "x"}, "IMAGE", "Expected type image/*, detected: application/json"),
    ({"pdfUrl": "https://example.com/b.pdf"}, "TEXT", "Expected type text/*, detected: application/pdf"),
    ("https://example.com/a.mp4", "IMAGE", "Expected type image/*, detected: video/mp4"),
    ("hello", "totallyinvalid", "Found invalid media type: 'totallyinvalid'"),
])
def test_media_type_refusals(client, row_data, media_type, message):
    ds = client.create_dataset(name="d")
    with pytest.raises(ResourceCreationError, match=re.escape(message)):
        ds.create_data_row(row_data=row_data, media_type=media_type)
    assert list(ds.data_rows()) == []
    ds.create_data_row(row_data="https://example.com/a.jpg", media_type="IMAGE")


def test_assign_and_clear_global_keys(client):
    ds = client.create_dataset(name="d")
    task = ds.create_data_rows([{"row_data": f"r{i}"} for i in range(3)])
    task.wait_till_done()
    a, b, c = (r["id"] for r in task.result)
    res = client.assign_global_keys_to_data_rows([
        {"data_row_id": a, "global_key": "k1"}, {"data_row_id": b, "global_key": "k1"},
        {"data_row_id": c, "global_key": " k3"}])
    assert res["status"] == "PARTIAL SUCCESS"
    assert [(r["data_row_id"], r["global_key"]) for r in res["results"]] == [(a, "k1")]
    assert [(e["data_row_id"], e["global_key"]) for e in res["errors"]] == [(b, "k1"), (c, " k3")]
    assert client.get_data_row_by_global_key("k1").uid == a
    res = client.clear_global_keys(["k1", "nope"])
    assert res["results"] == ["k1"]
    assert res["errors"] == [{"global_key": "nope", "error": "Failed to find data row matching provided global key"}]
    assert client.get_data_row(a).global_key is None


def test_upsert_task_result_url_serves_results_and_errors(client):
    ds = client.create_dataset(name="d")
    ds.create_data_rows([{"row_data": "a", "global_key": "dup"}]).wait_till_done()
    task = ds.create_data_rows([{"row_data": "b", "global_key": "dup"}, {"row_data": "c", "global_key": "ok"}])
    task.wait_till_done()
    assert isinstance(task.result_url, str)
    body = requests.get(task.result_url, timeout=5).json()
    assert [r["globalKey"] for r in body["createdDataRows"]] == ["ok"]
    assert body["errors"][0]["message"] == "Duplicate global key: 'dup'"
    assert body["errors"][0]["failedDataRows"][0]["globalKey"] == "dup"


def test_a_row_with_a_lone_surrogate_is_refused_and_not_created(client):
    dataset = client.create_dataset(name="odd")
    task = dataset.create_data_rows([{"row_data": "fine", "global_key": "ok"},
                                     {"row_data": "broken \ud800 text", "global_key": "bad"}])
    task.wait_till_done()
    assert len(task.failed_data_rows) == 1 and "not valid Unicode" in str(task.failed_data_rows[0])
    assert [r.global_key for r in dataset.data_rows()] == ["ok"]
