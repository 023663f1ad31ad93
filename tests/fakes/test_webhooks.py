"""Webhooks: create/update/delete through the SDK; LABEL_CREATED deliveries signed with HMAC-SHA1."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from labelbox import Webhook

from .conftest import make_pool, truth_for


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
    assert len(got) == 2  # inactive hooks receive nothing


def test_label_import_fires_webhook(client, fake, receiver):
    from labelbox import LabelImport

    url, got = receiver
    project, dataset, keys = make_pool(client, 2)
    Webhook.create(client, topics=[Webhook.LABEL_CREATED], url=url, secret="k", project=None)  # org-wide
    lines = [{"uuid": "u1", "name": "Sentiment", "answer": {"name": "Positive"}, "dataRow": {"globalKey": keys[0]}}]
    LabelImport.create_from_objects(client, project.uid, "imp", lines).wait_till_done(sleep_time_seconds=0.01)
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
    [delivery] = fake.deliveries()
    assert delivery["url"] == "https:/no-host" and delivery.get("error")  # delivering to it fails, as it would
