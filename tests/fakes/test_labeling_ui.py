"""The labelling page for people: tokens, leases, real labels (export, webhooks, --db), concurrent students."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from fake_labelbox.labeling_ui import MAX_BODY_BYTES
from fake_labelbox.testing import FakeLabelbox
from labelbox import Webhook

from .conftest import API_KEY, make_pool
from .test_webhooks import receiver  # noqa: F401  (fixture)


def _get(url: str, token: str = "") -> tuple[int, dict | str]:
    req = urllib.request.Request(url, headers={"X-Labeling-Token": token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read().decode()
            return r.status, json.loads(body) if r.headers.get_content_type() == "application/json" else body
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _post(url: str, body: dict, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"X-Labeling-Token": token} if token else {})
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _join_code(link: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["join"][0]


class Student:
    """What the page's script does, over HTTP: join by the project's link, then label with the token it got."""

    def __init__(self, fake, project_id: str, max_priority: int | None = None, name: str = "") -> None:
        self.base = f"{fake.url}/label/{project_id}"
        status, joined = _post(f"{self.base}/join", {"code": _join_code(fake.labeling_url(project_id, max_priority))})
        assert status == 200, joined
        self.token, self.labeler, self.name = joined["token"], joined["labeler"], name

    def next(self, **query) -> dict:
        status, body = _get(f"{self.base}/next?{urllib.parse.urlencode(query)}", self.token)
        assert status == 200, body
        return body

    def answer(self, row_id: str, answer, expect: int = 200) -> dict:
        status, body = _post(f"{self.base}/answer", {"data_row_id": row_id, "answer": answer, "name": self.name},
                             self.token)
        assert status == expect, body
        return body

    def skip(self, row_id: str) -> dict:
        status, body = _post(f"{self.base}/skip", {"data_row_id": row_id}, self.token)
        assert status == 200, body
        return body


def _export(project) -> dict[str, list[dict]]:
    task = project.export(params={"label_details": True})
    task.wait_till_done()
    return {o.json["data_row"]["global_key"]: o.json["projects"][project.uid]["labels"]
            for o in task.get_buffered_stream()}


def test_each_tab_joins_with_the_link_and_gets_a_token_of_its_own(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    link = server.labeling_url(project.uid)
    assert link == server.labeling_url(project.uid)  # one link per project and max_priority, kept
    status, html = _get(link)
    assert status == 200 and "<title>Label tweets" in html
    a, b = Student(server, project.uid), Student(server, project.uid)
    assert a.token != b.token and a.labeler != b.labeler and len(a.token) >= 32
    assert _get(f"{server.url}/label/{project.uid}/next?token={a.token}")[0] == 403  # only in its header
    for bad in ("", "nope", _join_code(link)[:-1] + "x"):
        assert _get(f"{server.url}/label/{project.uid}?join={bad}")[0] == 403
        assert _post(f"{server.url}/label/{project.uid}/join", {"code": bad})[0] == 403
        assert _get(f"{server.url}/label/{project.uid}?token={bad}")[0] == 403
        assert _get(f"{server.url}/label/{project.uid}/next", bad)[0] == 403
    assert _get(f"{server.url}/label/cnope?join={_join_code(link)}")[0] == 404
    other, _, _ = make_pool(client, 1, prefix="other")
    assert _get(f"{server.url}/label/{other.uid}/next", a.token)[0] == 403  # a token opens its own project only
    # the token is no API key: GraphQL refuses it
    req = urllib.request.Request(f"{server.url}/graphql", data=b'{"query": "{ user { id } }"}', method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {a.token}"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401
    # the state keeps the tokens' hashes, never the tokens
    assert a.token not in json.dumps([vars(v) for v in server.state.labelers.values()])


def test_the_owner_revokes_one_labeller_at_once(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    a, b = Student(server, project.uid, name="Ada"), Student(server, project.uid)
    row = a.next()["row"]["data_row_id"]
    joined = {v["labeler"]: v for v in server.labeling_status(project.uid)["labelers"]}
    assert set(joined) == {a.labeler, b.labeler} and not any(v["revoked"] for v in joined.values())
    assert server.revoke_labeler(project.uid, a.labeler)["revoked"] is True
    assert _get(f"{a.base}/next", a.token)[0] == 403
    assert _post(f"{a.base}/answer", {"data_row_id": row, "answer": "Positive"}, a.token)[0] == 403
    assert b.next()["row"]["data_row_id"] == row  # a's lease ended with the token
    assert server.labeling_status(project.uid)["leases"] == [{"data_row_id": row, "labeler": b.labeler}]
    with pytest.raises(LookupError):
        server.revoke_labeler(project.uid, "nobody")


def test_joining_stops_at_a_bound_per_project(server, monkeypatch):
    from fake_labelbox.models import labeling

    monkeypatch.setattr(labeling, "MAX_LABELERS", 2)
    project, _, _ = make_pool(server.client(), 1)
    Student(server, project.uid), Student(server, project.uid)
    code = _join_code(server.labeling_url(project.uid))
    status, body = _post(f"{server.url}/label/{project.uid}/join", {"code": code})
    assert status == 429 and "2 labellers" in body["message"]


def test_the_server_decides_who_the_labeller_is_and_what_they_may_label(server):
    from labelbox.schema.identifiables import GlobalKeys

    client = server.client()
    project, _, keys = make_pool(client, 5, priority=5)
    project.update_data_row_labeling_priority(GlobalKeys(keys[3:]), 1)
    a = Student(server, project.uid, max_priority=1)
    b = Student(server, project.uid, max_priority=1)
    # what the browser says about itself changes nothing: not the labeller, not the priority
    got = a.next(max_priority=5, labeler=b.labeler)
    assert got["queued"] == 2 and got["row"]["global_key"] in keys[3:]
    assert server.labeling_status(project.uid)["leases"] == [{"data_row_id": got["row"]["data_row_id"],
                                                              "labeler": a.labeler}]
    before = server.digest()
    outside = next(q["data_row_id"] for q in server.queue(project.uid) if q["priority"] == 5)
    assert "not reserved for you" in a.answer(outside, "Positive", expect=409)["message"]
    assert "Another labeller" in b.answer(got["row"]["data_row_id"], "Positive", expect=409)["message"]
    free = next(q["data_row_id"] for q in server.queue(project.uid)
                if q["priority"] == 1 and q["data_row_id"] != got["row"]["data_row_id"])
    assert "not reserved for you" in b.answer(free, "Positive", expect=409)["message"]  # free, but not b's
    # the round moved on while the row was on screen: its answer is refused
    project.update_data_row_labeling_priority(GlobalKeys([got["row"]["global_key"]]), 2)
    before = server.digest()
    assert "no longer asked for" in a.answer(got["row"]["data_row_id"], "Positive", expect=409)["message"]
    assert server.digest() == before


def test_bodies_are_refused_by_size_before_they_are_read(server):
    client = server.client()
    project, _, _ = make_pool(client, 1)
    a = Student(server, project.uid)
    host, port = server.url.removeprefix("http://").split(":")

    def raw(head: str, body: bytes = b"") -> tuple[int, dict]:
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(head.encode() + b"\r\n" + body)
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head_bytes, _, payload = data.partition(b"\r\n\r\n")
        return int(head_bytes.split()[1]), json.loads(payload)

    before = server.digest()
    common = (f"POST /label/{project.uid}/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              f"X-Labeling-Token: {a.token}\r\n")
    # 300 MB declared, nothing sent: the answer comes at once, without waiting for the body
    status, body = raw(common + "Content-Length: 300000000\r\n")
    assert status == 413 and str(MAX_BODY_BYTES) in body["message"]
    # chunked, past the bound: read only up to it
    chunk = b"x" * 8192
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY_BYTES // len(chunk) + 2))
    status, body = raw(common + "Transfer-Encoding: chunked\r\n", chunks + b"0\r\n\r\n")
    assert status == 413 and str(MAX_BODY_BYTES) in body["message"]
    # without a valid token nothing is read at all
    status, body = raw(common.replace(a.token, "0" * 48) + "Content-Length: 300000000\r\n")
    assert status == 403
    # the join route too, and a form post is no JSON
    status, _ = raw(f"POST /label/{project.uid}/join HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n")
    assert status == 413
    form = urllib.request.Request(f"{a.base}/join", data=b"code=x", method="POST",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(form, timeout=10)
    assert e.value.code == 415
    assert server.digest() == before
    assert a.next()["row"] is not None  # the server carries on


def test_answers_are_real_labels_in_export_and_fire_webhooks(server, receiver):  # noqa: F811
    url, got = receiver
    client = server.client()
    project, _, keys = make_pool(client, 4)
    Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=url, secret="s", project=project)
    order = [q["global_key"] for q in server.queue(project.uid)]  # lowest priority, then data row id
    ada = Student(server, project.uid, name="Ada L.")
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
    a, b = Student(server, project.uid), Student(server, project.uid)
    row = a.next()["row"]["data_row_id"]
    assert "Another labeller" in b.answer(row, "Positive", expect=409)["message"]
    assert "not an option" in a.answer(row, "Maybe", expect=400)["message"]
    a.answer(row, "Negative")
    assert "not reserved for you" in a.answer(row, "Positive", expect=409)["message"]  # answered: its lease ended
    row = a.next()["row"]["data_row_id"]
    server.register_truth({k: "Positive" for k in keys})
    server.step(2, project.uid)  # every row, the one on a's screen too, is labelled meanwhile (here by the workforce)
    assert "already labelled" in a.answer(row, "Positive", expect=409)["message"]
    assert _post(f"{a.base}/answer", {"answer": "Positive"}, a.token)[0] == 400  # no row


def test_a_leased_row_goes_to_nobody_else_until_answered_skipped_or_expired(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    now = [0.0]
    server.app.labeling_ui.leases.clock = lambda: now[0]
    a, b, c = (Student(server, project.uid) for _ in "abc")
    ra, rb, rc = a.next()["row"], b.next()["row"], c.next()["row"]
    assert [ra["global_key"], rb["global_key"], rc["global_key"]] == keys
    assert a.next()["row"] == ra  # a reload keeps your row
    d = Student(server, project.uid)
    assert d.next()["row"] is None  # everything is leased
    a.skip(ra["data_row_id"])
    assert d.next()["row"]["global_key"] == keys[0]  # a skipped row is free for others
    assert a.next()["row"] is None  # ... and not shown to a again while d holds it
    now[0] += 121  # every lease expires
    assert a.next()["row"]["global_key"] == keys[1]
    status = _get(f"{a.base}/status", a.token)[1]
    assert status["leases"] == [{"data_row_id": rb["data_row_id"], "labeler": a.labeler}] and status["queued"] == 3


def test_the_owner_releases_every_lease_and_pauses_the_page(server):
    client = server.client()
    project, _, _ = make_pool(client, 3)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    a, b, c = (Student(server, project.uid) for _ in "abc")
    ra, rb = a.next()["row"], b.next()["row"]
    assert server.release_leases(project.uid) == 2 and server.release_leases(project.uid) == 0
    assert c.next()["row"]["global_key"] == keys[0]  # a's abandoned row is free again

    assert server.pause_labeling(project.uid) is True
    paused = Student(server, project.uid).next()
    assert paused["row"] is None and paused["paused"] is True  # no new row while paused...
    assert c.next()["row"]["global_key"] == keys[0]  # ... the row on c's screen stays c's ...
    c.answer(ra["data_row_id"], "Positive")  # ... and its answer counts
    assert _get(f"{c.base}/status", c.token)[1]["paused"] is True
    assert server.labeling_status(project.uid)["paused"] is True
    server.pause_labeling(project.uid, False)
    assert Student(server, project.uid).next()["row"]["global_key"] == rb["global_key"]


def test_skipped_rows_come_back_when_nothing_else_is_left(server):
    client = server.client()
    project, _, _ = make_pool(client, 2)
    keys = [q["global_key"] for q in server.queue(project.uid)]
    a = Student(server, project.uid)
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
    a = Student(server, project.uid, max_priority=1)
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
            s = Student(server, project.uid)
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


def test_page_labels_tokens_and_revocations_survive_a_restart_with_db(tmp_path):
    db = tmp_path / "fake.sqlite"
    with FakeLabelbox.running(api_key=API_KEY, seed=0, db=str(db)) as fake:
        project, _, _ = make_pool(fake.client(), 3)
        keys = [q["global_key"] for q in fake.queue(project.uid)]
        link = fake.labeling_url(project.uid)
        s, gone = Student(fake, project.uid), Student(fake, project.uid)
        for answer in ("Positive", "Negative"):
            s.answer(s.next()["row"]["data_row_id"], answer)
        fake.revoke_labeler(project.uid, gone.labeler)
        project_id = project.uid
        written = b"".join(f.read_bytes() for f in tmp_path.glob("fake.sqlite*"))
        assert _join_code(link).encode() in written and s.token.encode() not in written  # tokens are never written
    with FakeLabelbox.running(api_key=API_KEY, seed=0, db=str(db)) as fake:
        project = fake.client().get_project(project_id)
        labels = _export(project)
        assert [len(labels[k]) for k in keys] == [1, 1, 0]
        assert fake.labeling_url(project_id).endswith(link.split("/label/")[1])  # the same link
        s.base = gone.base = f"{fake.url}/label/{project_id}"
        assert s.next()["row"]["global_key"] == keys[2]  # the same token
        assert _get(f"{gone.base}/next", gone.token)[0] == 403  # still revoked
