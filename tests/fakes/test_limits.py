"""Request limits: past each bound the client gets a Labelbox-shaped error quickly (the SDK's matching
exception), the limits are configurable (admin API, ``--limit``), and the server keeps serving."""

from __future__ import annotations

import json
import time

import pytest
import requests
from fake_labelbox.limits import Limits
from lbox import exceptions as lbx

from .conftest import API_KEY

AUTH = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


def _post(fake, body, **kw):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    t0 = time.perf_counter()
    r = requests.post(fake.graphql_url, data=data, headers=AUTH, timeout=30, **kw)
    assert time.perf_counter() - t0 < 5  # refused quickly, never a hang
    return r.status_code, r.json()


def _error(body):
    (err,) = body["errors"]
    return err["extensions"]["code"], err["extensions"].get("limit", {}).get("name"), err["message"]


def nested(depth: int) -> str:
    return "{ user { " + "organization { projects { " * depth + "id" + " } }" * depth + " } }"


LIST_BOUND = 100_000  # max_list_length as these cases set it (the default, 1,000,000, is Labelbox's bulk size)

CASES = [
    ("max_depth", {"query": nested(15)}, "GRAPHQL_VALIDATION_FAILED"),
    ("max_nesting", {"query": "{ projects(where: {AND: " + "[{AND: " * 3000 + "[]" + "}]" * 3000 + "}) { id } }"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("max_fields", {"query": "{ " + " ".join(f"a{i}: user {{ id }}" for i in range(1500)) + " }"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("max_list_length", {"query": "query($n: [String!]!) { externalIdsToDataRowIds(externalId_in: $n) "
                                  "{ dataRowId } }", "variables": {"n": ["x"] * (LIST_BOUND + 1)}}, "MALFORMED_REQUEST"),
    ("max_list_length", {"query": "{ externalIdsToDataRowIds(externalId_in: [" + ",".join(['"x"'] * (LIST_BOUND + 1))
                                  + "]) { dataRowId } }"}, "MALFORMED_REQUEST"),
    ("max_json_depth", {"query": "{ user { id } }", "variables": {"a": json.loads("[" * 40 + "]" * 40)}},
     "MALFORMED_REQUEST"),
]


@pytest.mark.parametrize("limit, body, code", CASES, ids=[c[0] for c in CASES])
def test_each_limit_answers_with_a_coded_error(server, limit, body, code):
    server.admin.set_limits(max_list_length=LIST_BOUND)
    status, got = _post(server, body)
    assert status == 400 and _error(got)[:2] == (code, limit)
    if code == "GRAPHQL_VALIDATION_FAILED":
        assert _error(got)[2] == "Query complexity limit exceeded"
    assert server.client().get_user().email


def test_body_size_and_json_recursion(server):
    server.admin.set_limits(max_body_bytes=100_000)
    status, got = _post(server, {"query": "{ user { id } }", "variables": {"pad": "x" * 200_000}})
    assert status == 413 and _error(got)[:2] == ("MALFORMED_REQUEST", "max_body_bytes")
    status, got = _post(server, '{"query": "{ user { id } }", "variables": ' + "[" * 20_000 + "]" * 20_000 + "}")
    assert status == 400 and _error(got)[0] == "MALFORMED_REQUEST"


def test_sdk_sees_its_exceptions(server):
    client = server.client()
    with pytest.raises(lbx.ValidationFailedError, match="Query complexity limit exceeded"):
        client.execute(nested(30))
    server.admin.set_limits(max_body_bytes=10_000)
    with pytest.raises(lbx.MalformedQueryException):
        client.execute("query($n: String) { projects(where: {name: $n}) { id } }", {"n": "x" * 20_000})
    server.admin.set_limits(max_body_bytes=Limits().max_body_bytes)
    assert client.get_user().email


def test_limits_are_configurable_over_http(server):
    url = f"{server.url}/_fake/limits"
    assert requests.get(url, timeout=5).json()["limits"] == Limits().view()
    r = requests.post(url, json={"max_depth": 3}, timeout=5)
    assert r.json()["limits"]["max_depth"] == 3
    status, got = _post(server, {"query": nested(2)})  # depth 6 > 3
    assert status == 400 and _error(got)[1] == "max_depth"
    assert requests.post(url, json={"max_depth": 0}, timeout=5).status_code == 400
    assert requests.post(url, json={"nope": 1}, timeout=5).status_code == 400
    requests.post(url, json={"max_depth": 20}, timeout=5)
    assert _post(server, {"query": nested(2)})[0] == 200


def test_cli_limit_flag():
    import subprocess
    import sys

    code = "import sys; from fake_labelbox.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--quiet", "--limit", "max_fields=5"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = proc.stdout.readline().split()[-1]
        assert requests.get(base + "/_fake/limits", timeout=5).json()["limits"]["max_fields"] == 5
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    bad = subprocess.run([sys.executable, "-c", code, "--limit", "max_fields=x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid literal" in bad.stderr


def test_a_small_document_that_fans_out_is_stopped_while_resolving(fake, client):
    from labelbox import MediaType

    for i in range(6):
        client.create_project(name=f"p{i}", media_type=MediaType.Text)
    fake.admin.set_limits(max_request_ms=60_000)  # the node bound alone, however busy the machine
    inner = "id"
    for _ in range(8):  # 6**8 projects asked for by ~20 fields: inside every document limit
        inner = f"organization {{ projects {{ {inner} }} }}"
    t0 = time.perf_counter()
    status, body = _post(fake, {"query": "{ " + inner + " }"})
    assert status == 400 and _error(body)[:2] == ("GRAPHQL_VALIDATION_FAILED", "max_result_nodes")
    assert time.perf_counter() - t0 < 5 and body["data"] is None
    fake.admin.set_limits(max_result_nodes=10)
    with pytest.raises(lbx.ValidationFailedError):
        client.get_projects().get_many(20)
    fake.admin.set_limits(max_result_nodes=Limits().max_result_nodes)
    assert client.get_user().email  # the server keeps serving


def _fan_out(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"organization {{ projects {{ {inner} }} }}"
    return inner


def test_a_request_past_its_time_budget_is_stopped_and_the_lock_released(fake, client):
    from labelbox import MediaType

    for i in range(6):
        client.create_project(name=f"p{i}", media_type=MediaType.Text)
    query = {"query": "{ " + _fan_out(4) + " }"}  # 6**4 projects: inside the node bound
    assert _post(fake, query)[0] == 200
    fake.admin.set_limits(max_request_ms=1)
    status, body = _post(fake, query)
    assert status == 400 and _error(body)[:2] == ("GRAPHQL_VALIDATION_FAILED", "max_request_ms")
    assert body["data"] is None and body["errors"][0]["extensions"]["limit"]["value"] == 1
    assert fake.app.lock.acquire(blocking=False)  # released
    fake.app.lock.release()
    fake.admin.set_limits(max_request_ms=Limits().max_request_ms)
    assert _post(fake, query)[0] == 200


def test_a_query_stopped_by_the_time_budget_after_moving_a_task_on_replays_to_the_same_state(tmp_path):
    """A poll that moved a task on is journaled; its stop by the clock is a recorded reading, so the replay stops
    at the same field however fast it runs."""
    from fake_labelbox.app import FakeLabelboxApp
    from werkzeug.test import Client

    db = str(tmp_path / "budget.db")
    app = FakeLabelboxApp(api_key=API_KEY, seed=0, db=db)
    client = Client(app)

    def gql(query):
        return client.post("/graphql", json={"query": query}, headers=AUTH)

    for i in range(6):
        r = gql(f'mutation {{ createProject(data: {{name: "p{i}", mediaType: Text}}) {{ id }} }}')
    project_id = r.get_json()["data"]["createProject"]["id"]
    app.admin.set_task_polls(3)
    r = gql(f'mutation {{ exportDataRowsInProject(input: {{filters: {{projectId: "{project_id}"}}}}) {{ taskId }} }}')
    assert r.status_code == 200 and "errors" not in r.get_json()
    app.limits.update(max_request_ms=50, max_result_nodes=1_000_000)  # 6**5 projects: past 50 ms anywhere
    r = gql("{ user { createdTasks { status } organization { " + _fan_out(5) + " } } }")
    assert r.status_code == 400, r.get_json() and _error(r.get_json())[1] == "max_request_ms"
    assert app.store.stats()["journal_since_snapshot"] >= 1
    want = app.digest()
    app.store.close()  # as a kill leaves it: the stopped poll is replayed from the journal
    again = FakeLabelboxApp(api_key=API_KEY, seed=0, db=db)
    assert again.digest() == want
    again.close()


def test_a_mutation_has_no_time_budget(fake, client):
    """Stopping a mutation by the clock after its work would answer an error for a change it made."""
    fake.admin.set_limits(max_request_ms=1)
    status, body = _post(fake, {"query": 'mutation { createProject(data: {name: "p", mediaType: Text}) { id name '
                                         + _fan_out(2) + " } }"})
    assert status == 200 and body["data"]["createProject"]["name"] == "p"


def test_a_document_is_parsed_and_validated_once_outside_the_lock(server, monkeypatch):
    """Long documents (inlined literals, not kept in the document cache) included."""
    from fake_labelbox import graphql_endpoint

    calls = []
    lock = server.app.lock

    def counted(fn):
        def wrapper(*args, **kwargs):
            calls.append((fn.__name__, lock._is_owned()))
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(graphql_endpoint, "parse", counted(graphql_endpoint.parse))
    monkeypatch.setattr(graphql_endpoint, "validate", counted(graphql_endpoint.validate))
    names = ", ".join(f'"n{i}"' for i in range(5_000))
    query = "{ projects(where: {AND: [{id_in: [" + names + "]}]}) { id } }"
    assert len(query) > graphql_endpoint.CACHE_MAX_CHARS
    assert _post(server, {"query": query}) == (200, {"data": {"projects": []}})
    assert calls == [("parse", False), ("validate", False)]


# ---- bodies: bounded on every route before they are read -----------------------------------------------

BODY_ROUTES = [  # (method, path): GraphQL, the admin API, REST, files
    ("POST", "/graphql"),
    ("POST", "/_fake/truth"),
    ("PUT", "/api/v1/feature-schemas/x"),
    ("GET", "/files/x"),
]


def _refusal(method, path, r):
    assert r.status_code == 413, (path, r.status_code, r.text)
    body = r.json()
    if path == "/graphql":
        (err,) = body["errors"]
        assert body["data"] is None and err["extensions"]["code"] == "MALFORMED_REQUEST"
        return err["message"], err["extensions"]["limit"]
    return body["message"], body["limit"]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_announced_too_large_is_refused_before_it_is_read(server, method, path):
    """Content-Length: 10 GB, and no body at all: a server that read first would wait for it."""
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert f"larger than {Limits().max_body_bytes} bytes".encode() in answer


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_chunked_body_is_refused_once_past_the_bound(server, method, path):
    server.admin.set_limits(max_body_bytes=1_000)

    def chunks():
        for _ in range(30):
            yield b" " * 100

    r = requests.request(method, server.url + path, data=chunks(), timeout=30,
                         headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    message, limit = _refusal(method, path, r)
    assert message == "Request body larger than 1000 bytes" and limit["name"] == "max_body_bytes"


def test_a_multipart_body_of_too_many_parts_names_the_parts_bound(server):
    ops = {"query": "mutation($f: Upload!) { uploadFile(file: $f, contentLength: 1) { url } }", "variables": {"f": None}}
    files = {"operations": (None, json.dumps(ops)), "map": (None, json.dumps({"1": ["variables.f"]})),
             "1": ("f.txt", b"x")}
    files.update({f"p{i}": (None, "y") for i in range(5_000)})  # about 450 KB
    r = requests.post(server.graphql_url, files=files, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    message, limit = _refusal("POST", "/graphql", r)
    assert int(r.request.headers["Content-Length"]) < 500_000
    assert message == f"Multipart request with more than {Limits().max_form_parts} parts"
    assert limit["name"] == "max_form_parts"
    del files["p0"]
    server.admin.set_limits(max_form_parts=5_010)
    r = requests.post(server.graphql_url, files=files, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    assert r.status_code == 200 and r.json()["data"]["uploadFile"]["url"]
