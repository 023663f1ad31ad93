"""Projects, datasets, ontologies and labeling frontends through the real labelbox SDK."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from labelbox import Dataset, MediaType, Project
from labelbox.schema.ontology_kind import EditorTaskType
from lbox.exceptions import InvalidQueryError, LabelboxError, ResourceNotFoundError

from .conftest import sentiment_ontology


def test_create_get_filter_delete_project(client):
    p = client.create_project(name="sentiment", media_type=MediaType.Text, description="tweets")
    assert len(p.uid) == 25 and p.uid.startswith("c")
    assert p.media_type == MediaType.Text and p.description == "tweets"
    got = client.get_project(p.uid)
    assert (got.uid, got.name) == (p.uid, "sentiment")
    client.create_project(name="other", media_type=MediaType.Image)
    assert [x.uid for x in client.get_projects(where=Project.name == "sentiment")] == [p.uid]
    assert {x.name for x in client.get_projects()} == {"sentiment", "other"}
    p.delete()
    assert list(client.get_projects(where=Project.name == "sentiment")) == []
    with pytest.raises(ResourceNotFoundError):
        client.get_project(p.uid)


def test_offset_pagination_stops_on_short_page(client, fake):
    for _ in range(105):
        fake.state.create_project(name="many", media_type="TEXT")
    assert len(list(client.get_projects(where=Project.name == "many"))) == 105


def test_new_project_has_default_editor(client):
    p = client.create_project(name="p", media_type=MediaType.Text)
    assert p.labeling_frontend().name == "Editor"
    assert any(f.name == "Editor" for f in client._get_labeling_frontends())


def test_dataset_create_get_delete(client):
    ds = client.create_dataset(name="tweets", description="d")
    assert client.get_dataset(ds.uid).name == "tweets"
    assert [d.uid for d in client.get_datasets(where=Dataset.name == "tweets")] == [ds.uid]
    ds.delete()
    with pytest.raises(ResourceNotFoundError):
        client.get_dataset(ds.uid)


def test_ontology_create_connect_and_rest_deletions(client):
    p = client.create_project(name="p", media_type=MediaType.Text)
    onto = sentiment_ontology(client)
    assert onto.media_type == MediaType.Text
    radio = onto.classifications()[0]
    assert radio.name == "Sentiment" and [o.label for o in radio.options] == ["Negative", "Positive"]
    assert radio.feature_schema_id and all(o.feature_schema_id for o in radio.options)
    p.connect_ontology(onto)
    assert p.ontology().uid == onto.uid
    assert client.get_ontology(onto.uid).name == "Sentiment"
    assert [o.uid for o in client.get_ontologies("Senti")] == [onto.uid]
    with pytest.raises(LabelboxError):  # still used by the project
        client.delete_unused_ontology(onto.uid)
    result = client.delete_feature_schema_from_ontology(onto.uid, radio.feature_schema_id)
    assert result.deleted and not result.archived
    client.delete_unused_feature_schema(radio.feature_schema_id)
    p.delete()
    client.delete_unused_ontology(onto.uid)
    with pytest.raises(ResourceNotFoundError):
        client.get_ontology(onto.uid)


def test_connect_ontology_media_mismatch_is_client_side(client):
    p = client.create_project(name="img", media_type=MediaType.Image)
    with pytest.raises(ValueError):
        p.connect_ontology(sentiment_ontology(client))


# ---- dates, activity, model-assisted labeling ------------------------------------------------------------------
def test_datetimes_come_back_in_utc_with_milliseconds(client):
    p = client.create_project(name="dates", media_type=MediaType.Image)
    assert p.last_activity_time == p.created_at  # a new project's activity is its creation
    p.update(setup_complete=datetime(2025, 3, 1, 12, 0, 0, 123456))  # naive: the SDK sends it as UTC
    assert p.setup_complete == datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    p.update(setup_complete=datetime(2025, 3, 1, 18, 0, tzinfo=timezone(timedelta(hours=6))))
    assert p.setup_complete == datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    with pytest.raises(InvalidQueryError, match="^GraphQL validation error$"):  # a literal: checked in validation
        client.execute('query BadDatePyApi { projects(where: {createdAt_gt: "yesterday"}) { id } }')


def test_connecting_an_ontology_is_project_activity(client):
    p = client.create_project(name="activity", media_type=MediaType.Text)
    before = p.last_activity_time
    p.connect_ontology(sentiment_ontology(client))
    assert client.get_project(p.uid).last_activity_time > before


def test_model_assisted_labeling_toggles(client):
    p = client.create_project(name="mal", media_type=MediaType.Image)
    assert p.enable_model_assisted_labeling() is True
    assert p.enable_model_assisted_labeling(False) is False


# ---- clone, reservations, instructions, resource tags ------------------------------------------------------------
def test_clone_keeps_settings_and_ontology_not_rows(client):
    p = client.create_project(name="src", media_type=MediaType.Text, description="tweets")
    p.connect_ontology(sentiment_ontology(client))
    ds = client.create_dataset(name="d")
    ds.create_data_rows([{"row_data": "x", "global_key": "g"}]).wait_till_done()
    p.create_batch("b", global_keys=["g"])
    clone = p.clone()
    assert clone.uid != p.uid and clone.name == "Clone of src"
    assert (clone.description, clone.media_type, clone.auto_audit_percentage) == \
        (p.description, p.media_type, p.auto_audit_percentage)
    assert clone.ontology().uid == p.ontology().uid
    assert (clone.get_label_count(), list(clone.batches())) == (0, [])


def test_extend_reservations_counts_none_for_an_api_user(client):
    p = client.create_project(name="r", media_type=MediaType.Image)
    assert p.extend_reservations("LabelingQueue") == 0 and p.extend_reservations("ReviewQueue") == 0
    with pytest.raises(InvalidQueryError):
        p.extend_reservations("InvalidQueueType")  # refused by the SDK before it asks


def test_instructions_are_kept_in_the_ontology(client, tmp_path):
    p = client.create_project(name="i", media_type=MediaType.Text)
    html = tmp_path / "instructions.html"
    html.write_text("<html>label tweets</html>")
    with pytest.raises(LabelboxError, match="no ontology"):
        p.upsert_instructions(str(html))
    p.connect_ontology(sentiment_ontology(client))
    before = p.ontology().normalized
    p.upsert_instructions(str(html))
    after = p.ontology().normalized
    url = after.pop("projectInstructions")
    assert after == before
    assert requests.get(url).text == "<html>label tweets</html>"


def test_resource_tags_belong_to_the_organization_and_tag_projects(client):
    p = client.create_project(name="tagged", media_type=MediaType.Image)
    org = client.get_organization()
    a = org.create_resource_tag({"text": "urgent", "color": "#ff0000"})
    b = org.create_resource_tag({"text": "later", "color": "00ff00"})
    assert (a.text, a.color, b.color) == ("urgent", "ff0000", "00ff00")
    assert {t.uid for t in org.get_resource_tags()} == {a.uid, b.uid}
    assert [t.uid for t in p.update_project_resource_tags([a.uid])] == [a.uid]
    assert [t.uid for t in client.get_project(p.uid).get_resource_tags()] == [a.uid]
    with pytest.raises(InvalidQueryError, match="Resource tags not found"):
        p.update_project_resource_tags(["c" + "0" * 24])
    client.execute("mutation DeleteTagPyApi($id: String!) { deleteResourceTag(input: {id: $id}) { id } }",
                   {"id": a.uid})
    assert p.get_resource_tags() == [] and [t.uid for t in org.get_resource_tags()] == [b.uid]


# ---- model evaluation projects -------------------------------------------------------------------------------
def test_live_model_evaluation_project_gets_a_dataset_of_empty_chats_in_a_batch(client):
    p = client.create_model_evaluation_project(name="mee", dataset_name="chats", data_row_count=3)
    assert p.editor_task_type == EditorTaskType.ModelChatEvaluation and p.media_type == MediaType.Conversational
    assert p.model_setup_complete is None
    [batch] = p.batches()
    assert (batch.name, batch.size) == ("chats", 3)
    [ds] = client.get_datasets(where=Dataset.name == "chats")
    rows = list(ds.data_rows())
    assert len(rows) == 3 and json.loads(rows[0].row_data)["type"].endswith("model-chat-evaluation")
    more = client.create_model_evaluation_project(name="mee2", dataset_id=ds.uid, data_row_count=2)
    assert len(list(ds.data_rows())) == 5 and next(iter(more.batches())).size == 2
    with pytest.raises(ResourceNotFoundError):
        client.create_model_evaluation_project(name="mee3", dataset_id="c" + "0" * 24, data_row_count=1)
    assert list(client.get_projects(where=Project.name == "mee3")) == []


def test_offline_model_evaluation_project_has_no_rows(client):
    p = client.create_offline_model_evaluation_project(name="offline")
    assert p.editor_task_type == EditorTaskType.OfflineModelChatEvaluation
    assert list(p.batches()) == []
