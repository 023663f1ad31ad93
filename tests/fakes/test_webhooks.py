"""Webhooks: create/update/delete through the SDK; LABEL_CREATED deliveries signed with HMAC-SHA1."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time

import pytest
from fake_labelbox.deliveries import Courier
from fake_labelbox.testing import FakeLabelbox
from labelbox import Webhook

from .conftest import API_KEY, make_pool, truth_for


@pytest.fixture
def receiver():
    """A loopback HTTP endpoint that records what it receives."""
    got: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/hook", got
    srv.shutdown()
    srv.server_close()


def test_webhook_lifecycle_and_signed_delivery(client, fake, receiver):
    url, got = receiver
    project, dataset, keys = make_pool(client, 4)
    hook = Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=url, secret="s3cr3t", project=project)
    assert hook.status == "ACTIVE" and hook.topics == ["LABEL_CREATED"] and hook.url == url
    assert [w.uid for w in project.webhooks()] == [hook.uid]

    fake.register_truth(truth_for(keys))
    made = fake.step(2, project.uid)
    assert fake.flush_deliveries(10)
    assert len(got) == 2
    for delivery, m in zip(got, made, strict=True):
        body = delivery["body"]
        expected = "sha1=" + hmac.new(b"s3cr3t", body, hashlib.sha1).hexdigest()
        assert delivery["headers"]["X-Hub-Signature"] == expected
        assert delivery["headers"]["X-Labelbox-Event"] == "LABEL_CREATED"
        payload = json.loads(body)
        assert payload["data_row"]["global_key"] == m["global_key"]
        (label,) = payload["projects"][project.uid]["labels"]
        assert label["id"] == m["label_id"]
    assert [d["status"] for d in fake.deliveries()] == [200, 200]

    hook.update(url=url + "?v=2", topics=[Webhook.LABEL_CREATED, Webhook.LABEL_UPDATED])
    assert hook.url.endswith("?v=2") and set(hook.topics) == {"LABEL_CREATED", "LABEL_UPDATED"}
    hook.delete()
    assert hook.status == "INACTIVE"
    fake.step(1, project.uid)
    assert fake.flush_deliveries(10)
    assert len(got) == 2  # inactive hooks receive nothing


def test_label_import_fires_webhook(client, fake, receiver):
    from labelbox import LabelImport

    url, got = receiver
    project, dataset, keys = make_pool(client, 2)
    Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=url, secret="k", project=None)  # org-wide
    lines = [{"uuid": "u1", "name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": keys[0]}}]
    LabelImport.create_from_objects(client, project.uid, "imp", lines).wait_till_done(sleep_time_seconds=0.01)
    assert fake.flush_deliveries(10)
    assert len(got) == 1
    assert got[0]["headers"]["X-Hub-Signature"] == "sha1=" + hmac.new(b"k", got[0]["body"], hashlib.sha1).hexdigest()


def test_labelbox_checks_only_the_url_scheme(client, fake):
    from labelbox import LabelImport
    from lbox.exceptions import LabelboxError

    project, _dataset, keys = make_pool(client, 1)
    hook = Webhook.create(client, topics=[Webhook.LABEL_CREATED], url="https:/no-host", secret="k", project=project)
    assert hook.url == "https:/no-host"
    with pytest.raises(LabelboxError, match="must be an http"):
        Webhook.create(client, topics=[Webhook.LABEL_CREATED], url="file:///etc/passwd", secret="k", project=project)
    lines = [{"uuid": "u1", "name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": keys[0]}}]
    LabelImport.create_from_objects(client, project.uid, "imp", lines).wait_till_done(sleep_time_seconds=0.01)
    assert fake.flush_deliveries(10)
    [delivery] = fake.deliveries()
    assert delivery["url"] == "https:/no-host" and delivery.get("error")  # delivering to it fails, as it would


@pytest.fixture
def silent_receiver():
    """A loopback socket that accepts connections and never answers."""
    srv = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except TimeoutError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/hook"
    stop.set()
    t.join()
    for s in held:
        s.close()
    srv.close()


def test_a_receiver_that_never_answers_delays_no_answer(silent_receiver):
    from labelbox import LabelImport

    with FakeLabelbox.mocked(api_key=API_KEY, seed=0, delivery_timeout=3.0) as fake:
        client = fake.client()
        project, _dataset, keys = make_pool(client, 1)
        Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=silent_receiver, secret="k", project=project)
        lines = [{"uuid": "u1", "name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": keys[0]}}]
        start = time.monotonic()
        LabelImport.create_from_objects(client, project.uid, "imp", lines).wait_till_done(sleep_time_seconds=0.01)
        took = time.monotonic() - start
        assert took < 3.0  # sending before answering would take the whole delivery timeout
        assert fake.deliveries() == []  # still in flight
        assert fake.flush_deliveries(10)
        [delivery] = fake.deliveries()
        assert delivery["status"] is None and "timed out" in delivery["error"]


def test_a_full_queue_records_the_delivery_as_failed(silent_receiver):
    recorded: list[dict] = []
    courier = Courier(lambda org_id, records: recorded.extend(records), maxsize=1, timeout=0.5)
    items = [(f"d{i}", "hook", silent_receiver, "s", "LABEL_CREATED", b"{}") for i in range(3)]
    courier.submit("org", items)  # returns at once: at most two fit (one being sent, one waiting)
    assert 1 <= len(recorded) <= 2 and all("already waiting" in r["error"] for r in recorded)
    assert courier.flush(10)
    assert sorted(r["id"] for r in recorded) == ["d0", "d1", "d2"]
    assert sum("timed out" in r["error"] for r in recorded) == 3 - sum("already waiting" in r["error"] for r in recorded)
    courier.close()
