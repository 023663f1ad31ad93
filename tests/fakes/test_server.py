"""The HTTP app: both GraphQL paths, files, REST, routing, the CLI and the pytest plugin fixture."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests
from fake_labelbox.testing import FakeLabelbox

AUTH = {"Authorization": "Bearer test-key"}


def test_graphql_and_gql_paths_share_the_schema(fake):
    for path in ("/graphql", "/_gql"):
        r = requests.post(fake.url + path, json={"query": "{ organization { id name } }", "variables": None},
                          headers=AUTH, timeout=5)
        assert r.status_code == 200 and r.json()["data"]["organization"]["name"]


def test_unknown_routes_and_files(fake):
    assert requests.get(fake.url + "/nope", timeout=5).status_code == 404
    assert requests.get(fake.url + "/files/nope", timeout=5).status_code == 404
    assert requests.get(fake.url + "/", timeout=5).json()["graphql"] == "/graphql"
    assert requests.delete(fake.rest_url + "/ontologies/x", timeout=5).status_code == 401
    assert requests.get(fake.rest_url + "/unknown", headers=AUTH, timeout=5).status_code == 404


def test_multipart_missing_part_is_malformed(fake):
    files = {"operations": (None, '{"query": "mutation($f: Upload!) { uploadFile(file: $f, contentLength: 1) '
                                  '{ url } }", "variables": {"f": null}}'),
             "map": (None, '{"1": ["variables.f"]}')}
    r = requests.post(fake.graphql_url, files=files, headers=AUTH, timeout=5)
    assert r.json()["errors"][0]["extensions"]["code"] == "MALFORMED_REQUEST"


def test_cli_main_serves_until_interrupted():
    code = "import sys; from fake_labelbox.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--api-key", "cli-key", "--seed", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            # as from a terminal, even when this test runs in a background job that ignores SIGINT
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        base = lines[0].split()[-1]
        assert base.startswith("http://127.0.0.1:")
        assert lines[1].split()[-1] == base + "/graphql" and lines[2].split()[-1] == base + "/api/v1"
        assert lines[3].split()[-1] == "cli-key"
        assert requests.get(base + "/_fake/health", timeout=5).json()["seed"] == 1
        r = requests.post(base + "/graphql", json={"query": "{ user { id } }"},
                          headers={"Authorization": "Bearer cli-key"}, timeout=5)
        assert r.json()["data"]["user"]["id"]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_plugin_fixture(fake_labelbox):
    assert isinstance(fake_labelbox, FakeLabelbox) and fake_labelbox.mode == "server"
    assert fake_labelbox.client().get_user().email
    assert not fake_labelbox.state.projects  # reset before each test


def test_mocked_fixture(fake_labelbox_mocked):
    assert fake_labelbox_mocked.client().get_organization().name


def test_fake_knows_nothing_of_alrepro():
    import pathlib

    import fake_labelbox

    for path in pathlib.Path(fake_labelbox.__file__).parent.rglob("*.py"):
        assert "import alrepro" not in path.read_text() and "from alrepro" not in path.read_text(), path
