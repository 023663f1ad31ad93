"""pytest plugin (entry point ``pytest11: fake_labelbox``): the ``fake_labelbox`` fixtures.

``fake_labelbox``: one loopback server per session, reset (seed 0) before each test; ``fake.client()`` is a real
``labelbox.Client``. ``fake_labelbox_mocked``: the ``responses`` mode, no sockets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import DEFAULT_API_KEY
from .testing import FakeLabelbox


@pytest.fixture(scope="session")
def fake_labelbox_server() -> Iterator[FakeLabelbox]:
    """One in-process fake server for the whole session (see ``fake_labelbox`` for a clean one)."""
    with FakeLabelbox.running(api_key=DEFAULT_API_KEY, seed=0) as fake:
        yield fake


@pytest.fixture
def fake_labelbox(fake_labelbox_server: FakeLabelbox) -> FakeLabelbox:
    """A fake Labelbox server, reset (seed 0) before the test: ``fake.client()`` is a real SDK client."""
    fake_labelbox_server.reset(seed=0)
    return fake_labelbox_server


@pytest.fixture
def fake_labelbox_mocked() -> Iterator[FakeLabelbox]:
    """The fake in ``responses`` mode (no sockets), seed 0."""
    with FakeLabelbox.mocked(api_key=DEFAULT_API_KEY, seed=0) as fake:
        yield fake
