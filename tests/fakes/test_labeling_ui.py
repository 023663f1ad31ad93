"""The labelling page for people: tokens, leases, real labels (export, webhooks, --db), concurrent students."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from fake_labelbox.labeling_ui import labeling_path, labeling_token
from fake_labelbox.testing import FakeLabelbox
from labelbox import Webhook

from .conftest import API_KEY, make_pool
from .test_webhooks import receiver  # noqa: F401  (fixture)


def _get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read().decode()
            return r.status, json.loads(body) if r.headers.get_content_type() == "application/json" else body
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"},
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Student:
    """What the page's script does, over HTTP."""

    def __init__(self, fake, project_id: str, labeler: str, max_priority: int | None = None, name: str = "") -> None:
        self.base = f"{fake.url}/label/{project_id}"
        self.token = labeling_token(fake.api_key, project_id)
        self.labeler, self.max_priority, self.name = labeler, max_priority, name

    def next(self) -> dict:
        q = {"token": self.token, "labeler": self.labeler}
        if self.max_priority is not None:
            q["max_priority"] = self.max_priority
        status, body = _get(f"{self.base}/next?{urllib.parse.urlencode(q)}")
        assert status == 200, body
        return body

    def answer(self, row_id: str, answer, expect: int = 200) -> dict:
        status, body = _post(f"{self.base}/answer", {"token": self.token, "labeler": self.labeler,
                                                     "data_row_id": row_id, "answer": answer, "name": self.name})
        assert status == expect, body
        return body

    def skip(self, row_id: str) -> dict:
        status, body = _post(f"{self.base}/skip", {"token": self.token, "labeler": self.labeler,
                                                   "data_row_id": row_id})
        assert status == 200, body
        return body


def _export(project) -> dict[str, list[dict]]:
    task = project.export(params={"label_details": True})
    task.wait_till_done()
    return {o.json["data_row"]["global_key"]: o.json["projects"][project.uid]["labels"]
            for o in task.get_buffered_stream()}


def test_page_needs_the_projects_token_and_graphql_keeps_api_keys(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    status, html = _get(server.url + labeling_path(server.api_key, project.uid))
    assert status == 200 and "<title>Label tweets" in html
    for bad in ("", "nope", labeling_token("another-key", project.uid)):
        assert _get(f"{server.url}/label/{project.uid}?token={bad}")[0] == 403
        assert _get(f"{server.url}/label/{project.uid}/next?token={bad}&labeler=a")[0] == 403
    assert _get(f"{server.url}/label/cnope?token=x")[0] == 404
    # the token is no API key: GraphQL refuses it
    req = urllib.request.Request(f"{server.url}/graphql", data=b'{"query": "{ user { id } }"}', method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {labeling_token(API_KEY, project.uid)}"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    # revoking the key revokes the page
    server.revoke_key(server.api_key)
    assert _get(f"{server.url}/label/{project.uid}/next?token={labeling_token(API_KEY, project.uid)}&labeler=a")[0] == 403


def test_answers_are_real_labels_in_export_and_fire_webhooks(server, receiver):  # noqa: F811
    url, got = receiver
    client = server.client()
    project, _, keys = make_pool(client, 4)
    Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=url, secret="s", project=project)
    order = [q["global_key"] for q in server.queue(project.uid)]  # lowest priority, then data row id
    ada = Student(server, project.uid, "tab-1", name="Ada L.")
    first = ada.next()
    assert [o["label"] for o in first["options"]] == ["Negative", "Positive"] and first["classification"] == "Sentiment"
    assert first["row"]["global_key"] == order[0]
    assert first["row"]["row_data"] == f"tweet number {keys.index(order[0])}"
    assert first["queued"] == 4 and first["labeled_by_you"] == 0
    made = ada.answer(first["row"]["data_row_id"], "Positive")
    assert made["created_by"] == "ada-l.@workshop.local" and made["answer"] == "Positive"
    second = ada.next()
    assert second["row"]["global_key"] == order[1] and second["queued"] == 3 and second["labeled_by_you"] == 1
    ada.answer(second["row"]["data_row_id"], 0)  # an option index works too
    labels = _export(project)
    answers = {k: [c["radio_answer"]["name"] for lab in v for c in lab["annotations"]["classifications"]]
               for k, v in labels.items()}
    assert answers == {order[0]: ["Positive"], order[1]: ["Negative"], order[2]: [], order[3]: []}
    assert labels[order[0]][0]["label_details"]["created_by"] == "ada-l.@workshop.local"
    assert server.flush_deliveries(10)
    assert len(got) == 2 and all(d["headers"]["X-Labelbox-Event"] == "LABEL_CREATED" for d in got)
    assert [q["global_key"] for q in server.queue(project.uid)] == order[2:]


def test_refusals(server):
    client = server.client()
    project, _, keys = make_pool(client, 3)
    a, b = Student(server, project.uid, "a"), Student(server, project.uid, "b")
    row = a.next()["row"]["data_row_id"]
    assert "Another labeller" in b.answer(row, "Positive", expect=409)["message"]
    assert "not an option" in a.answer(row, "Maybe", expect=400)["message"]
    a.answer(row, "Negative")
    assert "already labelled" in b.answer(row, "Positive", expect=409)["message"]
    assert _post(f"{a.base}/answer", {"token": a.token, "data_row_id": row})[0] == 400  # no labeler


def test_a_leased_row_goes_to_nobody_else_until_answered_skipped_or_expired(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    now = [0.0]
    server.app.labeling_ui.leases.clock = lambda: now[0]
    a, b, c = (Student(server, project.uid, n) for n in "abc")
    ra, rb, rc = a.next()["row"], b.next()["row"], c.next()["row"]
    assert [ra["global_key"], rb["global_key"], rc["global_key"]] == keys
    assert a.next()["row"] == ra  # a reload keeps your row
    d = Student(server, project.uid, "d")
    assert d.next()["row"] is None  # everything is leased
    a.skip(ra["data_row_id"])
    assert d.next()["row"]["global_key"] == keys[0]  # a skipped row is free for others
    assert a.next()["row"] is None  # ... and not shown to a again while d holds it
    now[0] += 121  # every lease expires
    assert a.next()["row"]["global_key"] == keys[1]
    status = _get(f"{a.base}/status?token={a.token}")[1]
    assert status["leases"] == [{"data_row_id": rb["data_row_id"], "labeler": "a"}] and status["queued"] == 3


def test_the_owner_releases_every_lease_and_pauses_the_page(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    a, b, c = (Student(server, project.uid, n) for n in "abc")
    ra, rb = a.next()["row"], b.next()["row"]
    assert server.release_leases(project.uid) == 2 and server.release_leases(project.uid) == 0
    assert c.next()["row"]["global_key"] == keys[0]  # a's abandoned row is free again

    assert server.pause_labeling(project.uid) is True
    paused = Student(server, project.uid, "d").next()
    assert paused["row"] is None and paused["paused"] is True  # no new row while paused...
    assert c.next()["row"]["global_key"] == keys[0]  # ... the row on c's screen stays c's ...
    c.answer(ra["data_row_id"], "Positive")  # ... and its answer counts
    assert _get(f"{c.base}/status?token={c.token}")[1]["paused"] is True
    assert server.labeling_status(project.uid)["paused"] is True
    server.pause_labeling(project.uid, False)
    assert Student(server, project.uid, "d").next()["row"]["global_key"] == rb["global_key"]


def test_skipped_rows_come_back_when_nothing_else_is_left(server):
    client = server.client()
    project, _, _ = make_pool(client, 2)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    a = Student(server, project.uid, "a")
    first = a.next()["row"]
    a.skip(first["data_row_id"])
    second = a.next()["row"]
    assert second["global_key"] == keys[1]
    a.skip(second["data_row_id"])
    assert a.next()["row"]["global_key"] == keys[0]


def test_max_priority_shows_only_the_rows_the_model_asked_for(server):
    client = server.client()
    project, _, keys = make_pool(client, 5, priority=5)
    from labelbox.schema.identifiables import GlobalKeys

    project.update_data_row_labeling_priority(GlobalKeys(keys[3:]), 1)
    a = Student(server, project.uid, "a", max_priority=1)
    got = []
    for _ in range(2):
        nxt = a.next()
        assert nxt["queued"] == 2 - len(got)
        got.append(nxt["row"]["global_key"])
        a.answer(nxt["row"]["data_row_id"], "Positive")
    assert sorted(got) == keys[3:]
    waiting = a.next()
    assert waiting["row"] is None and waiting["queued"] == 0


def test_two_students_labelling_concurrently_never_get_the_same_row(server):
    client = server.client()
    project, _, keys = make_pool(client, 120)
    served: dict[str, list[str]] = {"s1": [], "s2": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def student(labeler: str) -> None:
        try:
            s = Student(server, project.uid, labeler)
            start.wait()
            while True:
                row = s.next()["row"]
                if row is None:
                    return
                served[labeler].append(row["data_row_id"])
                s.answer(row["data_row_id"], "Positive" if len(served[labeler]) % 2 else "Negative")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=student, args=(n,)) for n in served]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert not set(served["s1"]) & set(served["s2"])
    assert len(served["s1"]) + len(served["s2"]) == 120 and min(map(len, served.values())) > 10
    labels = _export(project)
    assert all(len(v) == 1 for v in labels.values()) and len(labels) == 120


def test_page_labels_survive_a_restart_with_db(tmp_path):
    db = tmp_path / "fake.sqlite"
    with FakeLabelbox.running(api_key=API_KEY, seed=0, db=str(db)) as fake:
        project, _, _ = make_pool(fake.client(), 3)
        keys = [q["global_key"] for q in fake.queue(project.uid)]
        s = Student(fake, project.uid, "a")
        for answer in ("Positive", "Negative"):
            s.answer(s.next()["row"]["data_row_id"], answer)
        project_id = project.uid
    with FakeLabelbox.running(api_key=API_KEY, seed=0, db=str(db)) as fake:
        project = fake.client().get_project(project_id)
        labels = _export(project)
        assert [len(labels[k]) for k in keys] == [1, 1, 0]
        s = Student(fake, project_id, "b")
        assert s.next()["row"]["global_key"] == keys[2]
