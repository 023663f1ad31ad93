"""Organizations and API keys: a key sees and changes only its own organization's objects; another
organization's ids answer exactly like ids that never existed; revocation takes effect at once."""

from __future__ import annotations

import json

import labelbox
import pytest
import requests
from labelbox import LabelImport, MediaType, Webhook
from lbox import exceptions as lbx

from .conftest import API_KEY, make_pool

MISSING = "c" + "0" * 24


def _gql(fake, key, query, variables=None):
    r = requests.post(fake.graphql_url, json={"query": query, "variables": variables or {}},
                      headers={"Authorization": f"Bearer {key}"}, timeout=10)
    return r.status_code, r.json()


def _codes(body):
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture
def two_orgs(fake):
    """Org A = the default organization (the startup key); org B created through the admin API."""
    b = requests.post(f"{fake.url}/_fake/organizations", json={"name": "Workshop B"}, timeout=5).json()
    assert b["api_key"] and b["id"] != fake.state.org_id
    return fake.client(), fake.client(api_key=b["api_key"]), b


def test_startup_key_belongs_to_the_default_organization(fake, client):
    orgs = requests.get(f"{fake.url}/_fake/organizations", timeout=5).json()["organizations"]
    assert [o["default"] for o in orgs] == [True]
    assert client.get_organization().uid == orgs[0]["id"]
    keys = requests.get(f"{fake.url}/_fake/keys", timeout=5).json()["keys"]
    assert [(k["api_key"], k["organization_id"]) for k in keys] == [(API_KEY, orgs[0]["id"])]


def test_each_key_sees_only_its_organization(fake, two_orgs):
    a, b, info = two_orgs
    assert b.get_organization().uid == info["id"] and b.get_organization().name == "Workshop B"
    assert a.get_user().uid != b.get_user().uid
    project_a, dataset_a, keys = make_pool(a, 4)
    project_b, dataset_b, _ = make_pool(b, 2)  # the same global keys: no clash across organizations
    assert {p.uid for p in a.get_projects()} == {project_a.uid}
    assert {p.uid for p in b.get_projects()} == {project_b.uid}
    assert {d.uid for d in b.get_datasets()} == {dataset_b.uid}
    for getter, uid in ((b.get_project, project_a.uid), (b.get_dataset, dataset_a.uid),
                        (b.get_data_row, next(iter(dataset_a.data_rows())).uid)):
        with pytest.raises(lbx.ResourceNotFoundError):
            getter(uid)
    found = b.get_data_row_ids_for_global_keys(keys)  # A's keys 2 and 3 do not exist for B
    assert found["results"][:2] == [r.uid for r in sorted(dataset_b.data_rows(), key=lambda r: r.global_key)]
    assert found["results"][2:] == ["", ""]


def test_foreign_ids_answer_like_missing_ids(fake, two_orgs):
    a, b, info = two_orgs
    project_a, dataset_a, keys = make_pool(a, 3)
    hook = Webhook.create(a, topics=[Webhook.LABEL_CREATED], url="http://127.0.0.1:9/h", secret="s", project=project_a)
    task_a = project_a.export()
    task_a.wait_till_done()
    batch_a = next(iter(project_a.batches()))
    row_a = next(iter(dataset_a.data_rows())).uid
    queries = [
        ("query($id: ID!) { project(where: {id: $id}) { id name } }", {"id": project_a.uid}),
        ("query($id: ID!) { dataset(where: {id: $id}) { id } }", {"id": dataset_a.uid}),
        ("query($id: ID!) { dataRow(where: {id: $id}) { id rowData } }", {"id": row_a}),
        ("query($id: ID!) { webhook(where: {id: $id}) { id url } }", {"id": hook.uid}),
        ("query($id: ID!) { task(where: {id: $id}) { id status } }", {"id": task_a.uid}),
        ("query($id: ID!) { user(where: {id: $id}) { id } }", {"id": a.get_user().uid}),
        ("mutation($id: ID!) { updateWebhook(where: {id: $id}, data: {url: \"http://x\"}) { id } }", {"id": hook.uid}),
        ("mutation($id: ID!) { updateProject(where: {id: $id}, data: {name: \"stolen\"}) { id } }",
         {"id": project_a.uid}),
        ("mutation($id: ID!) { exportDataRowsInProject(input: {filters: {projectId: $id}}) { taskId } }",
         {"id": project_a.uid}),
        ("mutation($id: ID!, $b: ID!) { project(where: {id: $id}) { addDataRowsToBatchAsync("
         "input: {batchId: $b, dataRowIds: []}) { taskId } } }", {"id": project_a.uid, "b": batch_a.uid}),
        ("mutation($ids: [ID!]!) { deleteDataRows(where: {dataRowIds: $ids}) { id } }", {"ids": [row_a]}),
        ("query($id: ID!) { labelImport(where: {projectId: $id, name: \"x\"}) { id } }", {"id": project_a.uid}),
    ]
    for query, variables in queries:
        missing = {k: (MISSING if isinstance(v, str) else [MISSING]) for k, v in variables.items()}
        foreign = _gql(fake, info["api_key"], query, variables)
        never = _gql(fake, info["api_key"], query, missing)
        strip = json.dumps(foreign).replace(json.dumps(variables)[1:-1], "")
        assert foreign[0] == never[0] and _codes(foreign[1]) == _codes(never[1]), query
        assert foreign[1].get("data") == never[1].get("data") or not _codes(foreign[1]), query
        for secret in (project_a.uid, dataset_a.uid, hook.uid, "sentiment", "tweet number"):
            assert secret not in strip or secret in json.dumps(variables), (query, foreign)
    assert a.get_project(project_a.uid).name == "sentiment"  # nothing changed in A
    assert len(list(dataset_a.data_rows())) == 3
    assert next(iter(project_a.webhooks())).url == "http://127.0.0.1:9/h"


def test_foreign_file_urls_are_not_readable_through_the_api(fake, two_orgs):
    a, b, info = two_orgs
    url = a.upload_data(b'{"uuid": "1"}\n', filename="x.ndjson")
    project_b, _ds, _keys = make_pool(b, 1)
    query = ("mutation($p: ID!, $n: String!, $u: String!) { createLabelImport("
             "data: {projectId: $p, name: $n, fileUrl: $u}) { id } }")
    foreign = _gql(fake, info["api_key"], query, {"p": project_b.uid, "n": "steal", "u": url})
    never = _gql(fake, info["api_key"], query, {"p": project_b.uid, "n": "steal2",
                                                 "u": url.rsplit("/", 1)[0] + "/" + MISSING})
    assert foreign[0] == never[0] and _codes(foreign[1]) == _codes(never[1]) != []
    assert foreign[1]["data"] == never[1]["data"] and "uuid" not in json.dumps(foreign)
    assert LabelImport  # the SDK's create_from_url HEADs the URL first: raw GraphQL shows the server side


def test_keys_issue_and_revoke_at_once(fake, two_orgs):
    _a, b, info = two_orgs
    second = requests.post(f"{fake.url}/_fake/organizations/{info['id']}/keys", json={"name": "ci"}, timeout=5).json()
    b2 = fake.client(api_key=second["api_key"])
    p = b.create_project(name="shared", media_type=MediaType.Text)
    assert b2.get_project(p.uid).name == "shared"  # two keys, one organization
    r = requests.delete(f"{fake.url}/_fake/keys/{info['api_key']}", timeout=5)
    assert r.json()["key"]["revoked"] is True
    with pytest.raises(lbx.AuthenticationError):
        b.get_project(p.uid)
    status, body = _gql(fake, info["api_key"], "{ user { id } }")
    assert status == 401 and _codes(body) == ["AUTHENTICATION_ERROR"]
    assert b2.get_project(p.uid).name == "shared"
    assert fake.revoke_key(second["api_key"])["revoked"]
    with pytest.raises(lbx.AuthenticationError):
        b2.get_user()
    assert requests.delete(f"{fake.url}/_fake/keys/nope", timeout=5).status_code == 404


def test_python_api_and_reset(fake):
    org = fake.create_organization("py")
    c = fake.client(api_key=org["api_key"])
    assert c.get_organization().uid == org["id"]
    extra = fake.issue_key(org["id"])
    assert fake.client(api_key=extra).get_organization().uid == org["id"]
    assert len(fake.admin.organizations()) == 2
    fake.reset(seed=0)
    assert len(fake.admin.organizations()) == 1
    with pytest.raises(lbx.AuthenticationError):
        c.get_user()
    assert fake.client().get_user().email  # the startup key survives a reset


def test_admin_routes_per_organization(fake, two_orgs):
    _a, b, info = two_orgs
    project_b, _ds, keys = make_pool(b, 3)
    r = requests.post(f"{fake.url}/_fake/truth", json={"truth": {k: "Positive" for k in keys},
                                                      "organization_id": info["id"]}, timeout=5)
    assert r.json()["registered"] == 3 and not fake.state.truth
    queue = requests.get(f"{fake.url}/_fake/queue/{project_b.uid}", timeout=5).json()["queue"]
    assert len(queue) == 3  # the project's organization is found
    made = fake.step(2, project_b.uid)
    assert len(made) == 2 and {m["project_id"] for m in made} == {project_b.uid}
    assert requests.post(f"{fake.url}/_fake/truth?org=nope", json={"truth": {}}, timeout=5).status_code == 404


def test_seeded_organizations_are_reproducible():
    from fake_labelbox.testing import FakeLabelbox

    def trace():
        with FakeLabelbox.mocked(seed=5) as f:
            org = f.create_organization("x")
            c = f.client(api_key=org["api_key"])
            return org["id"], c.create_project(name="p", media_type=MediaType.Text).uid

    assert trace() == trace()


def test_wrong_key_formats(fake):
    for header in ({}, {"Authorization": ""}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"},
                   {"Authorization": f"Bearer {API_KEY} extra"}):
        r = requests.post(fake.graphql_url, json={"query": "{ user { id } }"}, headers=header, timeout=5)
        assert r.status_code == 401 and _codes(r.json()) == ["AUTHENTICATION_ERROR"]
    bad = labelbox.Client(api_key="x" * 500, endpoint=fake.graphql_url, rest_endpoint=fake.rest_url)
    with pytest.raises(lbx.AuthenticationError):
        bad.get_user()
