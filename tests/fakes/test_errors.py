"""Labelbox's error shapes: the SDK raises its matching exception for each."""

from __future__ import annotations

import json

import labelbox
import pytest
import requests
from labelbox import MediaType
from lbox import exceptions as lbx

from .conftest import make_pool


def test_parse_failure_is_invalid_query(client):
    with pytest.raises(lbx.InvalidQueryError, match="Syntax Error"):
        client.execute("query { project(where: {id: ")


def test_validation_failure_is_invalid_query_with_labelbox_masked_message(client, fake):
    with pytest.raises(lbx.InvalidQueryError) as excinfo:
        client.execute("query { user { noSuchField } }")
    assert excinfo.value.message == "GraphQL validation error"  # as deployed Labelbox answers
    r = requests.post(fake.graphql_url, json={"query": "{ user { noSuchField } }"},
                      headers={"Authorization": f"Bearer {fake.api_key}"}, timeout=5)
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "noSuchField" in error["extensions"]["detail"]  # what the mask hides, for debugging


def test_unknown_id_is_resource_not_found(client):
    with pytest.raises(lbx.ResourceNotFoundError):
        client.get_project("c" + "0" * 24)
    with pytest.raises(lbx.ResourceNotFoundError):
        client.get_dataset("c" + "0" * 24)
    with pytest.raises(lbx.ResourceNotFoundError):
        client.get_data_row("c" + "0" * 24)


def test_wrong_or_missing_key_is_authentication_error(fake):
    bad = labelbox.Client(api_key="wrong", endpoint=fake.graphql_url, rest_endpoint=fake.rest_url)
    with pytest.raises(lbx.AuthenticationError):
        bad.create_project(name="p", media_type=MediaType.Text)
    r = requests.post(fake.graphql_url, json={"query": "{ user { id } }"}, timeout=5)
    assert r.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"


def test_resource_conflict(client):
    project, _ds, keys = make_pool(client, 4, batch=False)
    project.create_batch("b", global_keys=keys[:2])
    with pytest.raises(lbx.ResourceConflict):
        project.create_batch("b", global_keys=keys[2:])


def test_rate_limit_is_api_limit_error(client, fake):
    fake.admin.inject_fault("rate_limit")
    with pytest.raises(lbx.ApiLimitError, match="You have exceeded"):
        client.get_user()
    assert client.get_user().email  # only the next request failed


def test_server_error_is_retried_by_the_sdk(client, fake):
    fake.admin.inject_fault("server_error")
    assert client.get_organization().name


def test_malformed_request(fake):
    headers = {"Authorization": "Bearer test-key", "Content-Type": "application/json"}
    r = requests.post(fake.graphql_url, data=b"not json", headers=headers, timeout=5)
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"
    r = requests.post(fake.graphql_url, data=json.dumps({"variables": {}}), headers=headers, timeout=5)
    assert r.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"


def test_every_error_has_extensions_code(client, fake):
    headers = {"Authorization": "Bearer test-key"}
    r = requests.post(fake.graphql_url, json={"query": 'mutation { project(where: {id: "nope"}) { id } }'},
                      headers=headers, timeout=5)
    errors = r.json()["errors"]
    assert errors and all(e["extensions"]["code"] == "RESOURCE_NOT_FOUND" for e in errors)
