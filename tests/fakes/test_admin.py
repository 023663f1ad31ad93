"""The admin API over HTTP (/_fake/...) and in Python: health, reset, seed, truth, step, queue, labellers."""

from __future__ import annotations

import json
import re

import requests
from fake_labelbox.testing import FakeLabelbox
from labelbox import MediaType

from .conftest import API_KEY, make_pool, truth_for

CUID = re.compile(r"^c[0-9a-z]{24}$")


def test_health_and_reset_over_http(fake, client):
    assert requests.get(f"{fake.url}/_fake/health", timeout=5).json()["status"] == "ok"
    client.create_project(name="p", media_type=MediaType.Text)
    assert requests.get(f"{fake.url}/_fake/health", timeout=5).json()["projects"] == 1
    assert requests.post(f"{fake.url}/_fake/reset", json={}, timeout=5).status_code == 200
    assert requests.get(f"{fake.url}/_fake/health", timeout=5).json()["projects"] == 0


def test_truth_step_and_queue_over_http(fake, client):
    project, dataset, keys = make_pool(client, 6)
    r = requests.post(f"{fake.url}/_fake/truth", json={"truth": truth_for(keys)}, timeout=5)
    assert r.json()["registered"] == 6
    queue = requests.get(f"{fake.url}/_fake/queue/{project.uid}", timeout=5).json()["queue"]
    assert len(queue) == 6 and {"data_row_id", "global_key", "priority", "batch_id"} <= set(queue[0])
    made = requests.post(f"{fake.url}/_fake/workforce/step", json={"n": 2, "project_id": project.uid},
                         timeout=5).json()["labels"]
    assert [m["global_key"] for m in made] == [q["global_key"] for q in queue[:2]]
    assert len(requests.get(f"{fake.url}/_fake/queue/{project.uid}", timeout=5).json()["queue"]) == 4
    assert requests.get(f"{fake.url}/_fake/queue/nope", timeout=5).status_code == 404
    assert requests.post(f"{fake.url}/_fake/nope", json={}, timeout=5).status_code == 404


def _trace(fake):
    client = fake.client()
    project, dataset, keys = make_pool(client, 5)
    return project.uid, dataset.uid, client.get_project(project.uid).created_at, sorted(fake.state.data_rows)


def test_seed_makes_ids_and_timestamps_deterministic():
    with FakeLabelbox.mocked(seed=7) as a:
        first = _trace(a)
    with FakeLabelbox.running(seed=7) as b:
        second = _trace(b)
    assert first == second
    assert all(CUID.match(i) for i in [first[0], first[1], *first[3]])
    assert first[2].year == 2024
    with FakeLabelbox.mocked(seed=8) as c:
        assert _trace(c)[0] != first[0]


def test_seed_over_http_resets(fake):
    fake.client().create_project(name="p", media_type=MediaType.Text)
    requests.post(f"{fake.url}/_fake/seed", json={"seed": 3}, timeout=5)
    assert fake.state.seed == 3 and not fake.state.projects


def test_task_polls_in_progress(fake, client, monkeypatch):
    """Tasks can report IN_PROGRESS first (the SDK then polls); sleep is patched to keep this fast."""
    import time

    monkeypatch.setattr(time, "sleep", lambda s: None)
    requests.post(f"{fake.url}/_fake/tasks", json={"polls_in_progress": 2}, timeout=5)
    ds = client.create_dataset(name="d")
    task = ds.create_data_rows([{"row_data": "x", "global_key": "k"}])
    assert task.status == "IN_PROGRESS"
    task.wait_till_done()
    assert task.status == "COMPLETE"


def test_a_cross_site_form_post_changes_nothing(fake, client):
    make_pool(client, 2)
    before = fake.digest()
    r = requests.post(f"{fake.url}/_fake/reset", data={"seed": "1"}, timeout=5)  # what a plain HTML form sends
    assert r.status_code == 415 and "JSON body" in r.json()["message"]
    r = requests.post(f"{fake.url}/_fake/reset", data="{not json", headers={"Content-Type": "application/json"},
                      timeout=5)
    assert r.status_code == 400 and "not valid JSON" in r.json()["message"]
    assert fake.digest() == before


def test_admin_key_guards_every_route_but_health():
    with FakeLabelbox.running(api_key="k", seed=0, admin_key="door") as fake:
        health = requests.get(f"{fake.url}/_fake/health", timeout=5)
        assert health.status_code == 200 and health.json() == {"status": "ok"}  # liveness only: no counts, no path
        keyed = requests.get(f"{fake.url}/_fake/health", headers={"X-Fake-Admin-Key": "door"}, timeout=5).json()
        assert keyed["status"] == "ok" and "projects" in keyed
        assert requests.get(f"{fake.url}/_fake/keys", timeout=5).status_code == 403
        assert requests.post(f"{fake.url}/_fake/reset", json={}, timeout=5).status_code == 403
        ok = requests.get(f"{fake.url}/_fake/keys", headers={"X-Fake-Admin-Key": "door"}, timeout=5)
        assert ok.status_code == 200 and ok.json()["keys"]


def test_cli_locks_the_admin_door_beyond_loopback():
    from fake_labelbox.cli import _loopback

    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.0.2.1")


def test_the_labelling_pages_links_and_labellers_behind_the_admin_key():
    with FakeLabelbox.running(api_key=API_KEY, seed=0, admin_key="door") as fake:
        project, _, _ = make_pool(fake.client(), 2)
        door = {"X-Fake-Admin-Key": "door"}
        base = f"{fake.url}/_fake/labeling/{project.uid}"
        assert requests.post(f"{base}/link", json={"max_priority": 1}, timeout=5).status_code == 403
        link = requests.post(f"{base}/link", json={"max_priority": 1}, headers=door, timeout=5).json()
        assert link["path"] == f"/label/{project.uid}?join={link['code']}"
        assert fake.labeling_url(project.uid, max_priority=1).endswith(link["path"])  # the same link
        joined = requests.post(f"{fake.url}/label/{project.uid}/join", json={"code": link["code"]}, timeout=5).json()
        status = requests.get(base, headers=door, timeout=5).json()
        assert [v["labeler"] for v in status["labelers"]] == [joined["labeler"]]
        assert status["labelers"][0]["max_priority"] == 1 and joined["token"] not in json.dumps(status)
        assert requests.post(f"{base}/revoke", json={"labeler": joined["labeler"]}, timeout=5).status_code == 403
        revoked = requests.post(f"{base}/revoke", json={"labeler": joined["labeler"]}, headers=door, timeout=5)
        assert revoked.json()["revoked"] is True
        page = requests.get(f"{fake.url}/label/{project.uid}/next", headers={"X-Labeling-Token": joined["token"]},
                            timeout=5)
        assert page.status_code == 403
        assert requests.post(f"{base}/revoke", json={"labeler": "nobody"}, headers=door, timeout=5).status_code == 404
