"""Ways to run the fake: an in-process server and the ``responses`` mode (pytest fixtures: ``pytest_plugin``).

    with FakeLabelbox.running(api_key="k", seed=0) as fake:      # real socket on a free port
        client = labelbox.Client(api_key=fake.api_key, endpoint=fake.graphql_url, rest_endpoint=fake.rest_url)

    with FakeLabelbox.mocked(api_key="k", seed=0) as fake:       # no socket: `responses` routes requests
        client = fake.client()

    fake = FakeLabelbox(db="state.sqlite", lease_seconds=300).serve("0.0.0.0", 8765, url_host="localhost")
    ...                                                          # a long-lived server (the workshop's)
    fake.stop()

The pytest fixtures live in ``fake_labelbox.pytest_plugin`` (entry point ``pytest11: fake_labelbox``), so
this module needs no pytest. It imports only the standard library at import time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from . import DEFAULT_API_KEY

MOCK_BASE_URL = "http://fake-labelbox.invalid"


class FakeLabelbox:
    """A handle on one fake Labelbox: its URLs, its key and its admin API."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int | None = None, base_url: str = "",
                 **app_options: Any) -> None:
        """``app_options`` go to :class:`~fake_labelbox.app.FakeLabelboxApp`: ``db`` (a SQLite state file),
        ``limits``, ``snapshot_every``, ``synchronous``, ``admin_key``, ``lease_seconds`` (the labelling page's
        lease on a row), ``delivery_timeout`` (seconds a webhook POST may take)."""
        from .app import FakeLabelboxApp

        self.app = FakeLabelboxApp(api_key=api_key, seed=seed, **app_options)
        self.api_key = api_key
        self.admin_key = app_options.get("admin_key")  # the /_fake/ routes' credential (None: open)
        self.base_url = base_url
        self.mode = "unstarted"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # ---- addresses --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.base_url

    @property
    def port(self) -> int | None:
        """The port :meth:`serve` listens on (None when not serving)."""
        return self._server.server_port if self._server is not None else None

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def state(self):
        return self.app.state

    def labeling_url(self, project_id: str, max_priority: int | None = None) -> str:
        """The project's join link for people: each browser tab that opens it gets a labelling token of its own,
        and sees only rows at ``max_priority`` or better (see :mod:`fake_labelbox.labeling_ui`)."""
        from .labeling_ui import join_path

        return self.base_url + join_path(project_id, self.admin.labeling_link(project_id, max_priority))

    @property
    def admin(self):
        return self.app.admin

    def client(self, **kwargs: Any):
        """A real ``labelbox.Client`` pointed at this fake (``api_key=`` picks another organization's key)."""
        import labelbox

        kwargs.setdefault("api_key", self.api_key)
        return labelbox.Client(endpoint=self.graphql_url, rest_endpoint=self.rest_url, **kwargs)

    # ---- admin shortcuts --------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        self.admin.reset(seed)

    def seed(self, seed: int) -> None:
        self.admin.seed(seed)

    def register_truth(self, truth: dict[str, Any]) -> int:
        return self.admin.register_truth(truth)

    def configure_workforce(self, **config: Any) -> dict:
        return self.admin.configure_workforce(**config)

    def step(self, n: int = 1, project_id: str | None = None) -> list[dict]:
        return self.admin.step(n, project_id)

    def queue(self, project_id: str) -> list[dict]:
        return self.admin.queue(project_id)

    def labeling_status(self, project_id: str) -> dict:
        """The labelling page's leases, labels per labeller and pause (see :mod:`fake_labelbox.labeling_ui`)."""
        return self.app.labeling_ui.status(project_id)

    def release_leases(self, project_id: str) -> int:
        """End every lease the labelling page holds on the project's rows; returns how many ended."""
        return self.app.labeling_ui.release(project_id)

    def pause_labeling(self, project_id: str, paused: bool = True) -> bool:
        """Pause the project's labelling page (it serves no new row) or resume it (``paused=False``)."""
        return self.app.labeling_ui.set_paused(project_id, paused)

    def revoke_labeler(self, project_id: str, labeler_id: str) -> dict:
        """End one labeller's token on the project's labelling page at once; their labels stay."""
        return self.admin.revoke_labeler(project_id, labeler_id)

    def deliveries(self) -> list[dict]:
        return self.admin.deliveries()

    def flush_deliveries(self, timeout: float = 30.0) -> bool:
        """Wait until every webhook delivery queued so far is sent and recorded (False: ``timeout`` passed)."""
        return self.admin.flush_deliveries(timeout)

    def inject_fault(self, kind: str, count: int = 1, operation: str | None = None, **options: Any) -> dict:
        """Make the next ``count`` matching requests fail (see :mod:`fake_labelbox.faults`)."""
        return self.admin.inject_fault(kind, count, operation, **options)

    def faults(self) -> dict:
        return self.admin.faults()

    def clear_faults(self) -> dict:
        return self.admin.clear_faults()

    def create_organization(self, name: str | None = None, seed: int | None = None) -> dict:
        """A new organization: ``{"id", "name", "api_key"}``; ``fake.client(api_key=...)`` talks as it."""
        return self.admin.create_organization(name, seed)

    def issue_key(self, organization_id: str | None = None, name: str = "") -> str:
        return self.admin.issue_key(organization_id, name)

    def revoke_key(self, api_key: str) -> dict:
        return self.admin.revoke_key(api_key)

    def digest(self) -> str:
        return self.admin.digest()

    def close(self) -> None:
        """Stop the webhook sender; snapshot and close the state file (``db`` mode)."""
        self.app.close()

    # ---- modes ------------------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 0, url_host: str | None = None) -> FakeLabelbox:
        """Serve on ``host:port`` (0: a free port) from a background thread until :meth:`stop`.

        ``url_host`` is the host name in :attr:`base_url` (default ``host``; e.g. ``localhost`` when serving on
        ``0.0.0.0``)."""
        from .cli import make_server

        self._server = make_server(self.app, host, port)
        self.base_url = f"http://{url_host or host}:{self._server.server_port}"
        self.mode = "server"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-labelbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (if serving) and close the state file."""
        self.mode = "stopped"
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None
        self.close()

    @classmethod
    @contextlib.contextmanager
    def running(cls, api_key: str = DEFAULT_API_KEY, seed: int | None = None, host: str = "127.0.0.1",
                port: int = 0, **app_options: Any) -> Iterator[FakeLabelbox]:
        """A threaded HTTP server on ``host:port`` (a free port by default), stopped on exit."""
        fake = cls(api_key=api_key, seed=seed, **app_options)
        try:
            yield fake.serve(host, port)
        finally:
            fake.stop()

    @classmethod
    @contextlib.contextmanager
    def mocked(cls, api_key: str = DEFAULT_API_KEY, seed: int | None = None,
               base_url: str = MOCK_BASE_URL, **app_options: Any) -> Iterator[FakeLabelbox]:
        """``responses`` mode: every ``requests`` call to ``base_url`` runs the WSGI app in-process."""
        fake = cls(api_key=api_key, seed=seed, base_url=base_url.rstrip("/"), **app_options)
        fake.mode = "responses"
        try:
            with route_requests(fake.app, fake.base_url) as mock:
                fake.responses = mock
                yield fake
        finally:
            fake.mode = "stopped"
            fake.close()


@contextlib.contextmanager
def route_requests(app, base_url: str):
    """Route ``requests`` traffic for ``base_url`` through ``app`` (a WSGI callable) with ``responses``."""
    import re

    import responses

    def callback(request):
        status, _reason, headers, body = call_app(app, base_url, request)
        return status, {k: v for k, v in headers if k.lower() != "content-length"}, body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pattern = re.compile(re.escape(base_url) + r"(/.*)?$")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
            mock.add_callback(method, pattern, callback=callback)
        yield mock


def call_app(app, base_url: str, request) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Run the WSGI app on a ``requests.PreparedRequest``: ``(status, reason, headers, body)``."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    path, _, query = request.path_url.partition("?")
    headers = {k: v for k, v in request.headers.items() if k.lower() != "transfer-encoding"}  # the body is whole
    builder = EnvironBuilder(method=request.method, base_url=base_url, path=path, query_string=query,
                             headers=headers, data=_body(request.body))
    try:
        app_iter, status, headers = run_wsgi_app(app, builder.get_environ(), buffered=True)
    except ConnectionError as e:  # an injected dropped connection
        import requests

        raise requests.exceptions.ConnectionError(e, request=request) from e
    finally:
        builder.close()
    code, _, reason = status.partition(" ")
    return int(code), reason, list(headers.items()), b"".join(app_iter)


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return b"".join(body)  # a chunked body: its chunks
