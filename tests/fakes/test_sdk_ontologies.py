"""Ontologies and feature schemas through the SDK: GraphQL and the REST routes, with Labelbox's refusals."""

from __future__ import annotations

import uuid

import pytest
import requests
from labelbox import Classification, LabelImport, MediaType, OntologyBuilder, Option, Tool
from labelbox.schema.tool_building.prompt_issue_tool import PromptIssueTool
from labelbox.schema.tool_building.step_reasoning_tool import StepReasoningTool
from lbox.exceptions import LabelboxError, ResourceNotFoundError

from .conftest import make_pool

POINT = Tool(tool=Tool.Type.POINT, name="point", color="#ff0000")


def test_feature_schema_create_read_update_title(client):
    fs = client.upsert_feature_schema(POINT.asdict())
    fs_id = fs.normalized["featureSchemaId"]
    assert fs.uid == fs_id and fs.normalized["schemaNodeId"]
    assert fs.normalized["required"] is False and fs.normalized["classifications"] == []  # Labelbox's defaults
    assert client.get_feature_schema(fs_id).normalized == fs.normalized
    assert [f.uid for f in client.get_feature_schemas("poi")] == [fs_id]
    assert client.update_feature_schema_title(fs_id, "renamed").normalized["name"] == "renamed"
    with pytest.raises(LabelboxError, match="cannot be empty"):
        client.update_feature_schema_title(fs_id, "")
    with pytest.raises(LabelboxError):
        client.update_feature_schema_title("doesntexist", "title")
    same = client.create_feature_schema({"tool": "polygon", "name": "cat", "color": "black"})
    assert same.normalized["featureSchemaId"] == same.uid


def test_feature_schema_update_reaches_its_ontologies(client):
    fs = client.upsert_feature_schema(POINT.asdict())
    onto = client.create_ontology_from_feature_schemas("o", [fs.uid], media_type=MediaType.Image)
    node_id = onto.normalized["tools"][0]["schemaNodeId"]
    changed = Tool(tool=Tool.Type.POINT, name="moved", color="#00ff00", feature_schema_id=fs.uid)
    assert client.upsert_feature_schema(changed.asdict()).normalized["name"] == "moved"
    tool = client.get_ontology(onto.uid).normalized["tools"][0]
    assert (tool["name"], tool["color"], tool["schemaNodeId"]) == ("moved", "#00ff00", node_id)


def test_feature_schema_deletion_refusals(client):
    fs = client.upsert_feature_schema(POINT.asdict())
    onto = client.create_ontology_from_feature_schemas("o", [fs.uid], media_type=MediaType.Image)
    assert fs.uid not in client.get_unused_feature_schemas()
    with pytest.raises(LabelboxError, match="cannot be deleted because it is used in ontologies"):
        client.delete_unused_feature_schema(fs.uid)
    assert onto.uid in client.get_unused_ontologies()
    client.delete_unused_ontology(onto.uid)
    assert fs.uid in client.get_unused_feature_schemas()
    client.delete_unused_feature_schema(fs.uid)
    with pytest.raises(LabelboxError, match="Feature schema is already deleted"):
        client.delete_unused_feature_schema(fs.uid)
    with pytest.raises(LabelboxError, match="Cannot find root schema node with feature schema id nope"):
        client.delete_unused_feature_schema("nope")


def test_ontology_connected_to_a_project_cannot_be_deleted(client):
    project = client.create_project(name="p", media_type=MediaType.Image)
    onto = client.create_ontology("o", OntologyBuilder(tools=[POINT]).asdict(), media_type=MediaType.Image)
    project.connect_ontology(onto)
    assert onto.uid not in client.get_unused_ontologies()
    with pytest.raises(LabelboxError, match=f"The ontology is connected to projects: {project.uid}"):
        client.delete_unused_ontology(onto.uid)


def test_insert_and_move_a_feature_schema(client):
    onto = client.create_ontology("o", {"tools": [{"tool": "polygon", "name": "a", "color": "blue"}],
                                        "classifications": []}, media_type=MediaType.Image)
    fs = client.upsert_feature_schema(POINT.asdict())
    client.insert_feature_schema_into_ontology(fs.uid, onto.uid, 1)
    assert [t["name"] for t in client.get_ontology(onto.uid).normalized["tools"]] == ["a", "point"]
    client.insert_feature_schema_into_ontology(fs.uid, onto.uid, 0)
    tools = client.get_ontology(onto.uid).normalized["tools"]
    assert [t["name"] for t in tools] == ["point", "a"] and tools[0]["schemaNodeId"] == fs.normalized["schemaNodeId"]
    with pytest.raises(LabelboxError, match="position must be a non-negative integer"):
        client.insert_feature_schema_into_ontology(fs.uid, onto.uid, -1)


def test_archive_status_and_its_refusals(client):
    onto = client.create_ontology("o", OntologyBuilder(tools=[POINT]).asdict(), media_type=MediaType.Image)
    fs_id = onto.normalized["tools"][0]["featureSchemaId"]
    assert client.is_feature_schema_archived(onto.uid, fs_id) is False
    with pytest.raises(LabelboxError, match="The specified feature schema was not in the ontology"):
        client.is_feature_schema_archived(onto.uid, "nope")
    with pytest.raises(ResourceNotFoundError):
        client.is_feature_schema_archived("no-ontology", fs_id)
    assert client.unarchive_feature_schema_node(onto.uid, fs_id) is None
    with pytest.raises(LabelboxError, match="Failed to find feature schema node by id: nope"):
        client.unarchive_feature_schema_node(onto.uid, "nope")
    with pytest.raises(LabelboxError, match="Failed to find ontology by id: no-ontology"):
        client.unarchive_feature_schema_node("no-ontology", fs_id)


def test_a_feature_that_labels_use_is_archived_not_deleted(client):
    project, _dataset, keys = make_pool(client, 2)
    onto = project.ontology()
    radio_id = onto.normalized["classifications"][0]["featureSchemaId"]
    line = {"uuid": str(uuid.uuid4()), "name": "Sentiment", "answer": {"name": "Positive"},
            "dataRow": {"globalKey": keys[0]}}
    LabelImport.create_from_objects(client, project.uid, "one", [line]).wait_till_done(sleep_time_seconds=0.01)
    result = client.delete_feature_schema_from_ontology(onto.uid, radio_id)
    assert (result.archived, result.deleted) == (True, False)
    assert client.is_feature_schema_archived(onto.uid, radio_id) is True
    client.unarchive_feature_schema_node(onto.uid, radio_id)
    assert client.is_feature_schema_archived(onto.uid, radio_id) is False


def test_definition_tools_are_completed_as_labelbox_does(client):
    onto = client.create_ontology("chat", OntologyBuilder(tools=[
        Tool(tool=Tool.Type.MESSAGE_SINGLE_SELECTION, name="pick"), StepReasoningTool(name="step reasoning"),
        PromptIssueTool(name="prompt issue")]).asdict(), media_type=MediaType.Conversational)
    by_name = {t["name"]: t for t in onto.normalized["tools"]}
    step = by_name["step reasoning"]["definition"]
    assert (step["title"], step["value"], step["version"]) == ("step reasoning", "step_reasoning", 1)
    assert by_name["prompt issue"]["definition"] == {"title": "prompt issue", "value": "prompt_issue",
                                                     "color": "#0000ff"}  # the third tool's palette colour
    assert [type(t).__name__ for t in onto.tools()][1:] == ["StepReasoningTool", "PromptIssueTool"]


def test_rest_refuses_bad_bodies(fake):
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    url = fake.rest_url + "/feature-schemas/new_feature_schema_id"
    r = requests.put(url, data=b"not json", headers=headers, timeout=5)
    assert r.status_code == 400 and "not JSON" in r.json()["message"]
    r = requests.put(url, json={"normalized": {"tool": "point"}}, headers=headers, timeout=5)
    assert r.status_code == 400 and r.json()["message"] == "normalized must be a JSON string"
    r = requests.put(url, json={"normalized": '{"tool": "point"}'}, headers=headers, timeout=5)
    assert r.status_code == 400 and r.json()["message"] == "A feature schema needs a name"


def test_classification_feature_schema_goes_to_classifications(client):
    radio = Classification(Classification.Type.RADIO, "mood", options=[Option("up"), Option("down")])
    fs = client.upsert_feature_schema(radio.asdict())
    onto = client.create_ontology("o", {"tools": [], "classifications": []}, media_type=MediaType.Image)
    client.insert_feature_schema_into_ontology(fs.uid, onto.uid, 0)
    normalized = client.get_ontology(onto.uid).normalized
    assert normalized["tools"] == [] and normalized["classifications"][0]["featureSchemaId"] == fs.uid
