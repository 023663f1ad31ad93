"""Malformed and hostile requests: each gets Labelbox's error shape, and afterwards the server is healthy
and its state (every organization, id generator and clock) is exactly what it was."""

from __future__ import annotations

import json

import pytest
import requests

from .conftest import API_KEY, make_pool

KEY = f"Bearer {API_KEY}"
JSON = "application/json"
Q_PROJECT = "query($id: ID!) { project(where: {id: $id}) { id name } }"


def gql(query, variables=None, **extra):
    return json.dumps({"query": query, "variables": variables or {}, **extra})


def nested(depth):
    return "{ user { " + "organization { projects { " * depth + "id" + " } }" * depth + " } }"


# (name, method, path, headers, body, expected HTTP status, expected errors[0].extensions.code or None)
# Placeholders: {project} {dataset} {row} {foreign_project} {foreign_dataset} {foreign_key} {revoked_key}
CASES = [
    ("bad json", "POST", "/graphql", {}, b"{not json", 400, "MALFORMED_REQUEST"),
    ("json array body", "POST", "/graphql", {}, b"[1, 2]", 400, "MALFORMED_REQUEST"),
    ("json string body", "POST", "/graphql", {}, b'"query"', 400, "MALFORMED_REQUEST"),
    ("empty body", "POST", "/graphql", {}, b"", 400, "MALFORMED_REQUEST"),
    ("invalid utf-8", "POST", "/graphql", {}, b"\xff\xfe\x00\x01garbage", 400, "MALFORMED_REQUEST"),
    ("form content type", "POST", "/graphql", {"Content-Type": "application/x-www-form-urlencoded"},
     b"query=%7B+user+%7B+id+%7D+%7D", 400, "MALFORMED_REQUEST"),
    ("text content type", "POST", "/graphql", {"Content-Type": "text/plain"}, b"{ user { id } }", 400,
     "MALFORMED_REQUEST"),
    ("multipart without operations", "POST", "/graphql", {"Content-Type": "multipart/form-data; boundary=XX"},
     b'--XX\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--XX--\r\n', 400, "MALFORMED_REQUEST"),
    ("multipart bad map path", "POST", "/graphql", {"Content-Type": "multipart/form-data; boundary=XX"},
     b'--XX\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "{ user { id } }"}\r\n'
     b'--XX\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"1": ["variables.a.b"]}\r\n'
     b'--XX\r\nContent-Disposition: form-data; name="1"; filename="x"\r\n\r\nabc\r\n--XX--\r\n', 400,
     "MALFORMED_REQUEST"),
    ("query not a string", "POST", "/graphql", {}, json.dumps({"query": 42}), 400, "MALFORMED_REQUEST"),
    ("variables a list", "POST", "/graphql", {}, json.dumps({"query": "{ user { id } }", "variables": [1]}), 400,
     "MALFORMED_REQUEST"),
    ("operationName not a string", "POST", "/graphql", {}, gql("{ user { id } }", operationName=["x"]), 400,
     "MALFORMED_REQUEST"),
    ("unparsable document", "POST", "/graphql", {}, gql("query { project(where: {id: "), 400,
     "GRAPHQL_PARSE_FAILED"),
    ("shell-ish suffix", "POST", "/graphql", {}, gql("{ user { id } } ; rm -rf /"), 400, "GRAPHQL_PARSE_FAILED"),
    ("unknown field", "POST", "/graphql", {}, gql("{ user { password } }"), 400, "GRAPHQL_VALIDATION_FAILED"),
    ("missing required argument", "POST", "/graphql", {}, gql("{ project { id } }"), 400,
     "GRAPHQL_VALIDATION_FAILED"),
    ("int out of range", "POST", "/graphql", {}, gql("{ projects(first: 99999999999) { id } }"), 400,
     "GRAPHQL_VALIDATION_FAILED"),
    ("mutation of unknown root", "POST", "/graphql", {}, gql("mutation { dropDatabase }"), 400,
     "GRAPHQL_VALIDATION_FAILED"),
    ("wrong variable type", "POST", "/graphql", {}, gql(Q_PROJECT, {"id": {"$ne": None}}), 200, "BAD_USER_INPUT"),
    ("missing variable", "POST", "/graphql", {}, gql(Q_PROJECT), 200, "BAD_USER_INPUT"),
    ("bad enum variable", "POST", "/graphql", {},
     gql("mutation($m: MediaType) { createProject(data: {name: \"x\", mediaType: $m}) { id } }", {"m": "EXE"}), 200,
     "BAD_USER_INPUT"),
    ("two operations, no name", "POST", "/graphql", {}, gql("query A { user { id } } query B { user { id } }"), 200,
     "BAD_USER_INPUT"),
    ("unknown project id", "POST", "/graphql", {}, gql(Q_PROJECT, {"id": "c" + "0" * 24}), 200,
     "RESOURCE_NOT_FOUND"),
    ("unknown id in mutation", "POST", "/graphql", {},
     gql('mutation { updateDataset(where: {id: "nope"}, data: {name: "x"}) { id } }'), 200, "RESOURCE_NOT_FOUND"),
    ("sql injection id", "POST", "/graphql", {}, gql(Q_PROJECT, {"id": "' OR '1'='1' --"}), 200,
     "RESOURCE_NOT_FOUND"),
    ("sql injection filter", "POST", "/graphql", {},
     gql("query($n: String) { projects(where: {name: $n}) { id } }", {"n": "x'; DROP TABLE projects; --"}), 200,
     None),
    ("template injection", "POST", "/graphql", {},
     gql("query($n: String) { datasets(where: {name_contains: $n}) { id } }", {"n": "{{7*7}}${jndi:ldap://x}"}), 200,
     None),
    ("prototype pollution keys", "POST", "/graphql", {},
     gql("{ user { id } }", {"__proto__": {"admin": True}, "constructor": {"prototype": 1}}), 200, None),
    ("file webhook url", "POST", "/graphql", {},
     gql('mutation { createWebhook(data: {url: "file:///etc/passwd", secret: "s", topics: {set: [LABEL_CREATED]}}) '
         "{ id } }"), 200, "INTERNAL_SERVER_ERROR"),
    ("export of another org's project", "POST", "/graphql", {},
     gql("mutation($p: ID!) { exportDataRowsInProject(input: {filters: {projectId: $p}}) { taskId } }",
         {"p": "{foreign_project}"}), 200, "RESOURCE_NOT_FOUND"),
    ("another org's project", "POST", "/graphql", {}, gql(Q_PROJECT, {"id": "{foreign_project}"}), 200,
     "RESOURCE_NOT_FOUND"),
    ("another org's dataset rename", "POST", "/graphql", {},
     gql("mutation($d: ID!) { updateDataset(where: {id: $d}, data: {name: \"mine\"}) { id } }",
         {"d": "{foreign_dataset}"}), 200, "RESOURCE_NOT_FOUND"),
    ("missing auth", "POST", "/graphql", {"Authorization": None}, gql("{ user { id } }"), 401,
     "AUTHENTICATION_ERROR"),
    ("wrong key", "POST", "/graphql", {"Authorization": "Bearer not-a-key"}, gql("{ user { id } }"), 401,
     "AUTHENTICATION_ERROR"),
    ("revoked key", "POST", "/graphql", {"Authorization": "Bearer {revoked_key}"}, gql("{ user { id } }"), 401,
     "AUTHENTICATION_ERROR"),
    ("oversized body", "POST", "/graphql", {}, gql("{ user { id } }", {"pad": "x" * 300_000}), 413,
     "MALFORMED_REQUEST"),
    ("huge variable list", "POST", "/graphql", {},
     gql("query($k: [String!]!) { externalIdsToDataRowIds(externalId_in: $k) { dataRowId } }", {"k": ["k"] * 5001}),
     400, "MALFORMED_REQUEST"),
    ("huge literal list", "POST", "/graphql", {},
     gql("{ externalIdsToDataRowIds(externalId_in: [" + ",".join(['"k"'] * 5001) + "]) { dataRowId } }"), 400,
     "MALFORMED_REQUEST"),
    ("deep selection", "POST", "/graphql", {}, gql(nested(12)), 400, "GRAPHQL_VALIDATION_FAILED"),
    ("deep brackets", "POST", "/graphql", {},
     gql("{ projects(where: {AND: " + "[{AND: " * 5000 + "[]" + "}]" * 5000 + "}) { id } }"), 400,
     "GRAPHQL_VALIDATION_FAILED"),
    ("deep variables", "POST", "/graphql", {}, '{"query": "{ user { id } }", "variables": {"a": '
     + "[" * 50_000 + "]" * 50_000 + "}}", 400, "MALFORMED_REQUEST"),
    ("many aliases", "POST", "/graphql", {}, gql("{ " + " ".join(f"a{i}: user {{ id }}" for i in range(3000)) + " }"),
     400, "GRAPHQL_VALIDATION_FAILED"),
    # files, REST and admin
    ("file path traversal", "GET", "/files/../../etc/passwd", {}, None, 404, None),
    ("file bad range", "GET", "/files/{file}?start=abc", {}, None, 400, None),
    ("rest delete foreign ontology", "DELETE", "/api/v1/ontologies/{foreign_ontology}", {}, None, 404, None),
    ("rest without key", "DELETE", "/api/v1/ontologies/x", {"Authorization": None}, None, 401, None),
    ("admin step bad n", "POST", "/_fake/workforce/step", {}, json.dumps({"n": "lots"}), 400, None),
    ("admin step negative", "POST", "/_fake/workforce/step", {}, json.dumps({"n": -3}), 400, None),
    ("admin truth list", "POST", "/_fake/truth", {}, json.dumps({"truth": ["a"]}), 400, None),
    ("admin bad workforce mode", "POST", "/_fake/workforce/config", {}, json.dumps({"mode": "chaos"}), 400, None),
    ("admin unknown workforce option", "POST", "/_fake/workforce/config", {}, json.dumps({"sudo": True}), 400, None),
    ("admin foreign queue", "GET", "/_fake/queue/c0000000000000000000000000", {}, None, 404, None),
    ("admin unknown org", "POST", "/_fake/organizations/nope/keys", {}, b"{}", 404, None),
    ("admin revoke unknown key", "DELETE", "/_fake/keys/nope", {}, None, 404, None),
    ("unknown route", "PUT", "/graphql", {}, b"{}", 404, None),
]



def fan_out(levels: int, width: int, where: str = "") -> str:
    """A small document whose result multiplies by ``width`` at each of ``levels`` levels (shared fragments)."""
    frags = [f"fragment L0 on Organization {{ projects{where} {{ id }} }}"]
    for k in range(1, levels + 1):
        copies = " ".join(f"a{i}: projects {{ organization {{ ...L{k - 1} }} }}" for i in range(width))
        frags.append(f"fragment L{k} on Organization {{ {copies} }}")
    return f"{{ user {{ organization {{ ...L{levels} }} }} }} " + " ".join(frags)


ALL_PASS = [{"name_not": "zz"}] * 4_900  # every clause holds, so each is evaluated
MANY_PARTS = b"".join(b'--XX\r\nContent-Disposition: form-data; name="p%d"\r\n\r\ny\r\n' % i for i in range(1_100))


def chunked(n: int):
    """A body sent in chunks (no Content-Length), ``n`` bytes of JSON in all."""
    def body():
        yield b'{"pad": "'
        for _ in range((n - 11) // 1000):
            yield b"x" * 1000
        yield b'"}'
    return body


# the bounds this table runs under (set by the ``world`` fixture)
WORLD_LIMITS = {"max_body_bytes": 200_000, "max_list_length": 5000, "max_depth": 20, "max_result_nodes": 2_000}
CASES += [
    # documents within every document bound that ask too much while resolving
    ("result-size bomb", "POST", "/graphql", {}, gql(fan_out(4, 8)), 400, "GRAPHQL_VALIDATION_FAILED"),
    ("time-budget bomb", "POST", "/graphql", {},
     gql(fan_out(3, 7, "(where: $w)").replace("{ user", "query($w: ProjectWhereInput) { user", 1),
         {"w": {"AND": ALL_PASS}}), 400, "GRAPHQL_VALIDATION_FAILED"),
    ("long AND filter", "POST", "/graphql", {},
     gql("{ projects(where: {AND: [" + ", ".join(['{name_not: "zz"}'] * 4_900) + "]}) { id } }"), 200, None),
    # bodies on every route: announced too large, or chunked past the bound
    ("oversized admin body", "POST", "/_fake/truth", {}, json.dumps({"truth": {"k": "x" * 300_000}}), 413, None),
    ("oversized rest body", "PUT", "/api/v1/feature-schemas/x", {}, json.dumps({"normalized": "x" * 300_000}), 413,
     None),
    ("chunked graphql body", "POST", "/graphql", {}, chunked(300_000), 413, "MALFORMED_REQUEST"),
    ("chunked admin body", "POST", "/_fake/truth", {}, chunked(300_000), 413, None),
    ("chunked file request", "GET", "/files/{file}", {}, chunked(300_000), 413, None),
    ("multipart of too many parts", "POST", "/graphql", {"Content-Type": "multipart/form-data; boundary=XX"},
     MANY_PARTS + b"--XX--\r\n", 413, "MALFORMED_REQUEST"),
    # files: signed URLs or the owner's key
    ("unsigned file read", "GET", "/files/{file}", {"Authorization": None}, None, 403, None),
    ("wrongly signed file read", "GET", "/files/{file}?sig=" + "0" * 32, {"Authorization": None}, None, 403, None),
    ("another org's file", "GET", "/files/{foreign_file}", {}, None, 403, None),
    ("another org's file with our signature", "GET", "/files/{foreign_file}?sig={file_sig}", {"Authorization": None},
     None, 403, None),
    # cross-organization reads
    ("another org's dataset", "POST", "/graphql", {},
     gql("query($d: ID!) { dataset(where: {id: $d}) { id name } }", {"d": "{foreign_dataset}"}), 200,
     "RESOURCE_NOT_FOUND"),
]

# ---- the labelling page's tokens (fake_labelbox.labeling_ui): placeholders {token} (a labeller's, max_priority 1),
# {revoked_token}, {leased_row} (leased to another labeller), {outside_row} (priority 5: not the round's)
TOKEN = {"X-Labeling-Token": "{token}"}
CASES += [
    ("label without token", "GET", "/label/{project}/next", {}, None, 403, None),
    ("label guessed token", "GET", "/label/{project}/next", {"X-Labeling-Token": "0" * 48}, None, 403, None),
    ("label api key as token", "GET", "/label/{project}/next", {"X-Labeling-Token": API_KEY}, None, 403, None),
    ("label revoked token", "GET", "/label/{project}/next", {"X-Labeling-Token": "{revoked_token}"}, None, 403,
     None),
    ("label token on another org's project", "GET", "/label/{foreign_project}/next", TOKEN, None, 403, None),
    ("label page with guessed join code", "GET", "/label/{project}?join=" + "0" * 48, {}, None, 403, None),
    ("label join with guessed code", "POST", "/label/{project}/join", {}, json.dumps({"code": "0" * 48}), 403, None),
    ("label answer to another's leased row", "POST", "/label/{project}/answer", TOKEN,
     json.dumps({"data_row_id": "{leased_row}", "answer": "Positive"}), 409, None),
    ("label answer outside the round", "POST", "/label/{project}/answer", TOKEN,
     json.dumps({"data_row_id": "{outside_row}", "answer": "Positive"}), 409, None),
    ("label answer as a form post", "POST", "/label/{project}/answer", TOKEN | {"Content-Type": "text/plain"},
     json.dumps({"data_row_id": "{leased_row}", "answer": "Positive"}), 415, None),
]


def _labelling_world(fake, project_id: str) -> dict:
    """Two labellers joined by the project's link (max_priority 1, two rows), one holding a lease; one revoked."""
    from labelbox.schema.identifiables import UniqueIds

    queue = fake.queue(project_id)
    fake.client().get_project(project_id).update_data_row_labeling_priority(
        UniqueIds([q["data_row_id"] for q in queue[:2]]), 1)
    code = fake.labeling_url(project_id, max_priority=1).split("join=")[1]

    def join() -> dict:
        return requests.post(f"{fake.url}/label/{project_id}/join", json={"code": code}, timeout=10).json()

    me, other, gone = join(), join(), join()
    leased = requests.get(f"{fake.url}/label/{project_id}/next", headers={"X-Labeling-Token": other["token"]},
                          timeout=10).json()["row"]["data_row_id"]
    fake.revoke_labeler(project_id, gone["labeler"])
    return {"token": me["token"], "revoked_token": gone["token"], "leased_row": leased,
            "outside_row": queue[-1]["data_row_id"]}


@pytest.fixture
def world(fake):
    """A populated default organization, a second organization (with an ontology) and a revoked key."""
    client = fake.client()
    project, dataset, _keys = make_pool(client, 5)
    url = client.upload_data(b"hello", filename="h.txt")
    other = fake.create_organization("other")
    oc = fake.client(api_key=other["api_key"])
    op, od, _ = make_pool(oc, 2)
    revoked = fake.issue_key()
    fake.revoke_key(revoked)
    foreign_url = oc.upload_data(b"theirs", filename="t.txt")
    fake.admin.set_limits(**WORLD_LIMITS)
    return _labelling_world(fake, project.uid) | {"project": project.uid, "dataset": dataset.uid, "foreign_project": op.uid, "foreign_dataset": od.uid,
            "foreign_ontology": op.ontology().uid, "revoked_key": revoked, "file": url.rsplit("/", 1)[1].split("?")[0],
            "file_sig": url.split("sig=")[1], "foreign_file": foreign_url.rsplit("/", 1)[1].split("?")[0]}


def _fill(text, world):
    for k, v in world.items():
        text = text.replace("{" + k + "}", v)
    return text


def test_hostile_requests_get_labelbox_errors_and_change_nothing(fake, world):
    assert len(CASES) >= 30
    before = fake.digest()
    for name, method, path, headers, body, status, code in CASES:
        h = {"Authorization": KEY, "Content-Type": JSON}
        for k, v in headers.items():
            if v is None:
                h.pop(k, None)
            else:
                h[k] = _fill(v, world)
        data = _fill(body, world) if isinstance(body, str) else body() if callable(body) else body
        r = requests.request(method, fake.url + _fill(path, world), data=data, headers=h, timeout=30)
        assert r.status_code == status, (name, r.status_code, r.text[:300])
        got = r.json()
        if code is not None:
            errors = got["errors"]
            assert errors and all("code" in e["extensions"] for e in errors), name
            assert errors[0]["extensions"]["code"] == code, (name, errors[0])
        elif path.startswith("/graphql") and status == 200:
            assert "errors" not in got and got["data"], name
        else:
            assert isinstance(got, dict) and got.get("message"), name
    assert fake.digest() == before, "a rejected request changed the state"
    assert requests.get(fake.url + "/_fake/health", timeout=5).json()["status"] == "ok"
    assert fake.client().get_project(world["project"]).name == "sentiment"


@pytest.mark.parametrize(("case", "bound"), [("result-size bomb", "max_result_nodes"),
                                             ("time-budget bomb", "max_request_ms")])
def test_each_bomb_is_stopped_by_its_own_bound(fake, world, case, bound):
    (_name, _method, _path, _headers, body, _status, _code), = [c for c in CASES if c[0] == case]
    r = requests.post(fake.graphql_url, data=body, headers={"Authorization": KEY, "Content-Type": JSON}, timeout=60)
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["limit"]["name"] == bound
