"""The fake Labelbox's simulated workforce, driven from alrepro: who labels the queue when the backend is the fake.

Labelbox itself has no such thing (people label there); these drivers use the fake's documented admin API,
over HTTP (``/_fake/...``) for a running fake or directly for an in-process one.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping

from alrepro.labelbox import Workforce


class HttpFakeWorkforce(Workforce):
    """The fake's simulated workforce, driven through its admin API (``/_fake/...``)."""

    simulated = True

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _post(self, path: str, body: dict) -> dict:
        req = urllib.request.Request(
            f"{self.base_url}/_fake/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read())

    def register_truth(self, truth: Mapping[str, str]) -> None:
        self._post("truth", {"truth": dict(truth)})

    def step(self, n: int, project_id: str) -> int:
        return len(self._post("workforce/step", {"n": n, "project_id": project_id})["labels"])


class InProcessFakeWorkforce(Workforce):
    """The same workforce, called directly on an in-process fake (a ``fake_labelbox.testing.FakeLabelbox``)."""

    simulated = True

    def __init__(self, fake) -> None:
        self.fake = fake

    def register_truth(self, truth: Mapping[str, str]) -> None:
        self.fake.register_truth(dict(truth))

    def step(self, n: int, project_id: str) -> int:
        return len(self.fake.step(n, project_id))
