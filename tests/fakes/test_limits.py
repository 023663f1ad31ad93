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


CASES = [
    ("max_depth", {"query": nested(15)}, "GRAPHQL_VALIDATION_FAILED"),
    ("max_nesting", {"query": "{ projects(where: {AND: " + "[{AND: " * 3000 + "[]" + "}]" * 3000 + "}) { id } }"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("max_fields", {"query": "{ " + " ".join(f"a{i}: user {{ id }}" for i in range(1500)) + " }"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("max_list_length", {"query": "query($n: [String!]!) { externalIdsToDataRowIds(externalId_in: $n) "
                                  "{ dataRowId } }", "variables": {"n": ["x"] * 100_001}}, "MALFORMED_REQUEST"),
    ("max_list_length", {"query": "{ externalIdsToDataRowIds(externalId_in: [" + ",".join(['"x"'] * 100_001)
                                  + "]) { dataRowId } }"}, "MALFORMED_REQUEST"),
    ("max_json_depth", {"query": "{ user { id } }", "variables": {"a": json.loads("[" * 40 + "]" * 40)}},
     "MALFORMED_REQUEST"),
]


@pytest.mark.parametrize("limit, body, code", CASES, ids=[c[0] for c in CASES])
def test_each_limit_answers_with_a_coded_error(server, limit, body, code):
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
    fake.admin.set_limits(max_result_nodes=20_000)
    assert client.get_user().email  # the server keeps serving
