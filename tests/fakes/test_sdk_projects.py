"""Projects, datasets, ontologies and labeling frontends through the real labelbox SDK."""

from __future__ import annotations

import pytest
from labelbox import Dataset, MediaType, Project
from lbox.exceptions import LabelboxError, ResourceNotFoundError

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
