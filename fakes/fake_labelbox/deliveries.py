"""Webhook deliveries: signed POSTs (``X-Hub-Signature: sha1=<HMAC-SHA1 hex>``) of export-shaped payloads.

Deliveries are queued in ``state.outbox`` while the state lock is held and sent afterwards with
``urllib`` (not ``requests``, so the ``responses`` mode never swallows them). Every attempt is recorded
in ``state.deliveries``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from .models.export import row_json
from .models.state import State

EXPORT_PARAMS = {"includeLabelDetails": True, "includeProjectDetails": True, "includeDataRowDetails": True}


def sign(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


def deliver_pending(state: State, timeout: float = 5.0) -> list[dict]:
    """Send every queued delivery now; returns the delivery records."""
    records = send(prepare(state), timeout)
    record(state, records)
    return records


def prepare(state: State) -> list[tuple]:
    """Drain the outbox (under the lock): delivery ids and signed bodies, ready to send."""
    with state.lock:
        jobs, state.outbox = state.outbox, []
        prepared = []
        for hook_id, topic, info in jobs:
            hook = state.webhooks[hook_id]
            lab = state.labels[info["label_id"]]
            payload = row_json(state, state.projects[lab.project_id], lab.data_row_id, EXPORT_PARAMS)
            payload["projects"][lab.project_id]["labels"] = [
                x for x in payload["projects"][lab.project_id]["labels"] if x["id"] == lab.id]
            body = json.dumps(payload).encode("utf-8")
            prepared.append((state.new_id(), hook.id, hook.url, hook.secret, topic, body))
    return prepared


def send(prepared: list[tuple], timeout: float = 5.0) -> list[dict]:
    """POST the prepared deliveries (no lock held); returns one record per attempt."""
    records = []
    for delivery_id, hook_id, url, secret, topic, body in prepared:
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign(secret, body),
            "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "X-Labelbox-Id": delivery_id,
            "X-Labelbox-Event": topic,
        }
        rec = {"id": delivery_id, "webhook_id": hook_id, "url": url, "topic": topic, "headers": headers,
               "body": body.decode("utf-8"), "status": None, "error": None}
        try:
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f"unsupported webhook URL scheme: {url!r}")
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user-registered URL
                rec["status"] = resp.status
        except urllib.error.HTTPError as e:
            rec["status"] = e.code
        except (urllib.error.URLError, OSError, ValueError) as e:
            rec["error"] = str(e)
        records.append(rec)
    return records


def record(state: State, records: list[dict]) -> None:
    with state.lock:
        state.deliveries.extend(records)
