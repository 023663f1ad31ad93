"""One contract suite, two targets (moto's ``aws_verified`` pattern).

By default each test runs against an in-process fake Labelbox. With ``--labelbox-live`` (or
``ALREPRO_LABELBOX_LIVE=1``) and ``LABELBOX_API_KEY`` set, the same test bodies run against Labelbox itself,
creating uniquely named objects and deleting them afterwards. Live requested without a key: every test is
skipped with the reason, and the run exits 0.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
CUID = re.compile(r"^c[a-z0-9]{20,30}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")


@dataclass
class Target:
    kind: str  # "fake" or "live"
    client: object
    prefix: str
    fake: object = None
    created: list = field(default_factory=list)

    def name(self, what: str) -> str:
        return f"{self.prefix}-{what}"

    def track(self, obj):
        self.created.append(obj)
        return obj


def _live_requested(config) -> bool:
    return bool(config.getoption("--labelbox-live")) or os.environ.get("ALREPRO_LABELBOX_LIVE") == "1"


@pytest.fixture
def target(request):
    import labelbox

    if _live_requested(request.config):
        key = os.environ.get("LABELBOX_API_KEY")
        if not key:
            pytest.skip("live contract run requested but LABELBOX_API_KEY is not set")
        t = Target("live", labelbox.Client(api_key=key), f"alrepro-contract-{uuid.uuid4().hex[:8]}")
        yield t
        for obj in reversed(t.created):  # best effort: leave nothing behind on the real account
            try:
                obj.delete()
            except Exception:  # noqa: BLE001 - cleanup must not hide the test's own result
                pass
        return
    from fake_labelbox.testing import FakeLabelbox

    with FakeLabelbox.running(api_key="contract-key", seed=0) as fake:
        yield Target("fake", fake.client(), "alrepro-contract", fake=fake)


def normalise(value, ids: dict | None = None):
    """Replace ids and timestamps by stable placeholders, so fake and live answers can be compared."""
    ids = {} if ids is None else ids
    if isinstance(value, dict):
        return {normalise(k, ids): normalise(v, ids) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalise(v, ids) for v in value]
    if isinstance(value, str):
        if CUID.match(value):
            return ids.setdefault(value, f"<id:{len(ids) + 1}>")
        if TIMESTAMP.match(value):
            return "<timestamp>"
    return value


def shape(value):
    """The structure of a JSON value: keys and types, not contents (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def snapshot(request):
    """``snapshot(name, value)``: compare the value's shape with the recorded one (or record it)."""
    update = request.config.getoption("--labelbox-snapshot-update")

    def check(name: str, value) -> None:
        path = SNAPSHOTS / f"{name}.json"
        got = shape(normalise(value))
        if update or not path.exists():
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
            return
        assert got == json.loads(path.read_text()), f"response shape drifted from {path}"

    return check
