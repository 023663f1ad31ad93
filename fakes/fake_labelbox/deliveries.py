"""Webhook deliveries: signed POSTs (``X-Hub-Signature: sha1=<HMAC-SHA1 hex>``) of export-shaped payloads.

Deliveries are queued in ``state.outbox`` while the state lock is held, prepared (ids, signed bodies) before
the command that queued them ends, and handed to the app's :class:`Courier`: one background thread that POSTs
them in order with ``urllib`` (not ``requests``, so the ``responses`` mode never swallows them) and a short
timeout, off the path of the answer. Each result comes back as the journaled ``deliveries`` command, so every
attempt is recorded in ``state.deliveries`` and a ``--db`` replay stays exact. The courier's queue is bounded:
a delivery that finds it full is recorded as failed at once instead of delaying the answer.
:meth:`Courier.flush` waits for what is pending (``FakeLabelbox.flush_deliveries``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from .models.export import row_json
from .models.state import State

log = logging.getLogger(__name__)

EXPORT_PARAMS = {"includeLabelDetails": True, "includeProjectDetails": True, "includeDataRowDetails": True}


def sign(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


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
    for item in prepared:
        rec = _record_of(item)
        url, headers, body = rec["url"], rec["headers"], item[5]
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


def failed(item: tuple, error: str) -> dict:
    """The record of a prepared delivery that was not sent."""
    return _record_of(item) | {"error": error}


def _record_of(item: tuple) -> dict:
    delivery_id, hook_id, url, secret, topic, body = item
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature": sign(secret, body),
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Labelbox-Id": delivery_id,
        "X-Labelbox-Event": topic,
    }
    return {"id": delivery_id, "webhook_id": hook_id, "url": url, "topic": topic, "headers": headers,
            "body": body.decode("utf-8"), "status": None, "error": None}


def record(state: State, records: list[dict]) -> None:
    with state.lock:
        state.deliveries.extend(records)


class Courier:
    """One background thread that sends prepared deliveries in order from a bounded queue.

    ``record(org_id, records)`` stores each result (the journal's ``deliveries`` command); the thread starts
    with the first delivery and stops at :meth:`close`.
    """

    def __init__(self, record: Callable[[str, list[dict]], Any], maxsize: int = 1000, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.maxsize = maxsize
        self._record = record
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._pending = 0  # submitted and not yet recorded
        self._idle = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None

    def submit(self, org_id: str, prepared: list[tuple]) -> None:
        """Queue the deliveries without waiting; one that finds the queue full is recorded as failed now."""
        for item in prepared:
            with self._idle:
                if self._closing:
                    full = "not sent: the server is shutting down"
                else:
                    try:
                        self._queue.put_nowait((org_id, item))
                        self._pending += 1
                        full = None
                    except queue.Full:
                        full = f"not sent: {self.maxsize} deliveries were already waiting"
                    if full is None and self._thread is None:
                        self._thread = threading.Thread(target=self._run, name="fake-labelbox-webhooks",
                                                        daemon=True)
                        self._thread.start()
            if full is not None:
                self._record(org_id, [failed(item, full)])

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted delivery is recorded; False if ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        """Stop the thread: it finishes the POST in flight and records the rest as not sent."""
        with self._idle:
            self._closing = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)  # the thread drains the queue without sending, so this never waits long
            thread.join(timeout=self.timeout + 5)

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            org_id, item = job
            try:
                if self._closing:
                    rec = failed(item, "not sent: the server is shutting down")
                else:
                    [rec] = send([item], self.timeout)
                self._record(org_id, [rec])
            except Exception:  # the journal closed under us, or the store failed: keep serving the queue
                log.exception("webhook delivery %s could not be recorded", item[0])
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
