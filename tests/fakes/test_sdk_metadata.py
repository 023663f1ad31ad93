"""Data-row metadata through the real SDK: the reserved fields, custom schemas, values at creation, bulk upsert,
delete and export, and Labelbox's refusals."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from labelbox import DataRow
from labelbox.schema.data_row_metadata import (
    DataRowMetadata,
    DataRowMetadataField,
    DataRowMetadataKind,
    DeleteDataRowMetadata,
)
from labelbox.schema.identifiable import GlobalKey
from lbox.exceptions import MalformedQueryException, ResourceCreationError

TAG, SPLIT, TEST_SPLIT, CAPTURE = ("cko8s9r5v0001h2dk9elqdidh", "cko8sbczn0002h2dkdaxb5kal",
                                    "cko8scbz70005h2dkastwhgqt", "cko8sdzv70006h2dk8jg64zvb")


@pytest.fixture
def row(client):
    ds = client.create_dataset(name="meta")
    return ds.create_data_row(row_data="hello", global_key="gk-meta")


def test_reserved_fields_have_labelbox_ids(client):
    mdo = client.get_data_row_metadata_ontology()
    assert mdo.reserved_by_name["tag"].uid == TAG
    assert mdo.reserved_by_name["captureDateTime"].uid == CAPTURE
    assert mdo.reserved_by_name["split"]["test"].uid == TEST_SPLIT
    assert mdo.reserved_by_name["split"]["test"].parent == SPLIT
    assert mdo.custom_fields == []


def test_custom_schema_create_update_delete(client):
    mdo = client.get_data_row_metadata_ontology()
    made = mdo.create_schema("colour", DataRowMetadataKind.enum, ["red", "blue"])
    assert (made.kind, [o.name for o in made.options]) == (DataRowMetadataKind.enum, ["red", "blue"])
    renamed = mdo.update_enum_option("colour", "red", "green")
    assert renamed.uid == made.uid and renamed.options[0].uid == made.options[0].uid
    assert renamed.options[0].name == "green"
    assert mdo.update_schema("colour", "hue").name == "hue"
    with pytest.raises(MalformedQueryException):  # one name, one schema (a reserved name included)
        mdo.create_schema("tag", DataRowMetadataKind.string)
    assert mdo.delete_schema("hue") is True
    assert "hue" not in mdo.custom_by_name


def test_bulk_upsert_export_and_delete(client, row):
    mdo = client.get_data_row_metadata_ontology()
    mdo.create_schema("score", DataRowMetadataKind.number)
    fields = [DataRowMetadataField(name="split", value="test"),
              DataRowMetadataField(schema_id=CAPTURE, value=datetime(2011, 11, 4, 0, 5, 23, tzinfo=timezone.utc)),
              DataRowMetadataField(schema_id=TAG, value="a message"),
              DataRowMetadataField(name="score", value=0.5)]
    assert mdo.bulk_upsert([DataRowMetadata(global_key="gk-meta", fields=fields)]) == []
    exported = mdo.bulk_export([row.uid])[0]
    assert (exported.data_row_id, exported.global_key) == (row.uid, "gk-meta")
    by_name = {f.name: f.value for f in exported.fields}
    assert by_name["test"] == TEST_SPLIT and by_name["score"] == 0.5 and by_name["tag"] == "a message"
    assert str(by_name["captureDateTime"]) == "2011-11-04 00:05:23+00:00"
    # a second value for a field replaces the first
    mdo.bulk_upsert([DataRowMetadata(data_row_id=row.uid, fields=[DataRowMetadataField(schema_id=TAG, value="b")])])
    assert client.get_data_row(row.uid).metadata_fields[2] == {"schemaId": TAG, "name": "tag", "value": "b",
                                                              "kind": "CustomMetadataString"}
    failures = mdo.bulk_delete([DeleteDataRowMetadata(data_row_id=GlobalKey("gk-meta"), fields=[SPLIT, TAG])])
    assert failures == []
    assert {f.name for f in mdo.bulk_export([row.uid])[0].fields} == {"captureDateTime", "score"}
    # a field the row has no value for is Labelbox's "Schema did not exist"
    failures = mdo.bulk_delete([DeleteDataRowMetadata(data_row_id=row.uid, fields=[SPLIT])])
    assert [(f.error, f.fields) for f in failures] == [("Schema did not exist", [SPLIT])]


def test_metadata_given_at_creation(client):
    client.get_data_row_metadata_ontology().create_schema("note", DataRowMetadataKind.string)
    ds = client.create_dataset(name="meta")
    dr = ds.create_data_row(row_data="x", metadata_fields=[{"name": "split", "value": "test"},
                                                           {"name": "note", "value": "hi"}])
    assert [(f.name, f.value) for f in dr.metadata] == [("test", TEST_SPLIT), ("note", "hi")]
    assert [(f["name"], f["value"]) for f in dr.metadata_fields] == [("split", "test"), ("note", "hi")]
    # the upsert takes metadata by name, an enum's option too
    task = ds.upsert_data_rows([{"key": GlobalKey("new"), "row_data": "y", "global_key": "new",
                                 "metadata": [{"name": "split", "value": "train"}]}])
    task.wait_till_done()
    assert client.get_data_row_by_global_key("new").metadata_fields[0]["value"] == "train"


def test_the_same_field_twice_fails_the_row(client):
    ds = client.create_dataset(name="meta")
    twice = [DataRowMetadataField(schema_id=TAG, value="a"), DataRowMetadataField(schema_id=TAG, value="b")]
    task = ds.create_data_rows([{DataRow.row_data: "x", DataRow.metadata_fields: twice}, {"row_data": "y"}])
    task.wait_till_done()
    assert task.status == "COMPLETE" and len(task.result) == 1
    assert task.failed_data_rows[0]["message"] == f"A schemaId can only be specified once per DataRow : [{TAG}]"
    assert len(task.failed_data_rows[0]["failedDataRows"][0]["metadata"]) == 2
    with pytest.raises(ResourceCreationError):
        ds.create_data_row(row_data="x", metadata_fields=twice)
    assert len(list(ds.data_rows())) == 1


def test_unknown_enum_option_by_name_fails_the_row(client):
    ds = client.create_dataset(name="meta")
    task = ds.upsert_data_rows([{"row_data": "x", "metadata": [{"name": "split", "value": "holdout"}]}])
    task.wait_till_done()
    assert "'holdout' is not an option of enum metadata 'split'" in task.errors[0]["message"]
