"""Ways to run the fake: an in-process server and the ``responses`` mode (pytest fixtures: ``pytest_plugin``).

    with FakeLabelbox.running(api_key="k", seed=0) as fake:      # real socket on a free port
        client = labelbox.Client(api_key=fake.api_key, endpoint=fake.graphql_url, rest_endpoint=fake.rest_url)

    with FakeLabelbox.mocked(api_key="k", seed=0) as fake:       # no socket: `responses` routes requests
        client = fake.client()                                   # its session answered by an in-process adapter

The pytest fixtures live in ``fake_labelbox.pytest_plugin`` (entry point ``pytest11: fake_labelbox``), so
this module needs no pytest. It imports only the standard library at import time.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

DEFAULT_API_KEY = "fake-labelbox-api-key"
MOCK_BASE_URL = "http://fake-labelbox.invalid"


class FakeLabelbox:
    """A handle on one fake Labelbox: its URLs, its key and its admin API."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int | None = None, base_url: str = "",
                 **app_options: Any) -> None:
        """``app_options`` go to :class:`~fake_labelbox.server.FakeLabelboxApp` (``db``, ``limits``, ...)."""
        from .server import FakeLabelboxApp

        self.app = FakeLabelboxApp(api_key=api_key, seed=seed, **app_options)
        self.api_key = api_key
        self.base_url = base_url
        self.mode = "unstarted"

    # ---- addresses --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.base_url

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/api/v1"

    @property
    def state(self):
        return self.app.state

    @property
    def admin(self):
        return self.app.admin

    def client(self, **kwargs: Any):
        """A real ``labelbox.Client`` pointed at this fake (``api_key=`` picks another organization's key).

        In ``responses`` mode the client's own session gets an in-process adapter (:func:`in_process_adapter`);
        requests made elsewhere (the SDK's module-level ``requests.get`` of export files) still go through
        ``responses``. Both run the same WSGI app on the same environ."""
        import labelbox

        kwargs.setdefault("api_key", self.api_key)
        client = labelbox.Client(endpoint=self.graphql_url, rest_endpoint=self.rest_url, **kwargs)
        if self.mode == "responses":
            client.connection.mount(self.base_url + "/", in_process_adapter(self))
        return client

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

    def deliveries(self) -> list[dict]:
        return self.admin.deliveries()

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
        """Snapshot and close the state file (``db`` mode); a no-op in memory."""
        self.app.close()

    # ---- modes ------------------------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def running(cls, api_key: str = DEFAULT_API_KEY, seed: int | None = None, host: str = "127.0.0.1",
                port: int = 0, **app_options: Any) -> Iterator[FakeLabelbox]:
        """A threaded HTTP server on ``host:port`` (a free port by default), stopped on exit."""
        from .server import make_server

        fake = cls(api_key=api_key, seed=seed, **app_options)
        server = make_server(fake.app, host, port)
        fake.base_url = f"http://{host}:{server.server_port}"
        fake.mode = "server"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-labelbox",
                                  daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            fake.mode = "stopped"
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            fake.close()

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
            fake.mode = "stopped"  # its clients' adapters now refuse, as a stopped server does
            fake.close()


@contextlib.contextmanager
def route_requests(app, base_url: str):
    """Route ``requests`` traffic for ``base_url`` through ``app`` (a WSGI callable) with ``responses``."""
    import re

    import responses

    make_environ = environ_maker(base_url)

    def callback(request):
        status, _reason, headers, body = call_app(app, make_environ, request)
        return status, {k: v for k, v in headers if k.lower() != "content-length"}, body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pattern = re.compile(re.escape(base_url) + r"(/.*)?$")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
            mock.add_callback(method, pattern, callback=callback)
        yield mock


def call_app(app, make_environ, request) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Run the WSGI app on a ``requests.PreparedRequest``: ``(status, reason, headers, body)``."""
    from werkzeug.test import run_wsgi_app

    try:
        app_iter, status, headers = run_wsgi_app(app, make_environ(request), buffered=True)
    except ConnectionError as e:  # an injected dropped connection
        import requests

        raise requests.exceptions.ConnectionError(e, request=request) from e
    code, _, reason = status.partition(" ")
    return int(code), reason, list(headers.items()), b"".join(app_iter)


def in_process_adapter(fake: FakeLabelbox):
    """A ``requests`` transport adapter (``session.mount(url, adapter)``) whose responses come from the fake's WSGI
    app, in-process: no socket, and none of ``responses``' per-call matching and call log (about 0.17 ms a request).
    Each response is built by ``HTTPAdapter.build_response``, as one read from a socket is. Once the fake's
    ``mocked`` block has ended, requests fail with ``ConnectionError``, as against a stopped server."""
    return _adapter_class()(fake, environ_maker(fake.base_url))


@functools.cache
def _adapter_class():  # built on first use: this module imports only the standard library
    from io import BytesIO

    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPResponse

    class InProcessAdapter(HTTPAdapter):
        def __init__(self, fake: FakeLabelbox, make_environ) -> None:
            super().__init__()
            self.fake = fake
            self._make_environ = make_environ

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            if self.fake.mode != "responses":
                raise requests.exceptions.ConnectionError(
                    f"the in-process fake Labelbox at {self.fake.base_url} has stopped", request=request)
            status, reason, headers, body = call_app(self.fake.app, self._make_environ, request)
            raw = HTTPResponse(body=BytesIO(body), headers=headers, status=status, reason=reason,
                               preload_content=False, request_method=request.method)
            return self.build_response(request, raw)

    return InProcessAdapter


def environ_maker(base_url: str):
    """``request -> WSGI environ``: what werkzeug's ``EnvironBuilder`` builds, without its per-request cost.

    The parts that come from ``base_url`` (host, port, scheme, script name) are built once, by
    ``EnvironBuilder``; requests it would treat specially (an empty body with a content type, header
    values that are not plain strings) still go through it.
    """
    from io import BytesIO
    from urllib.parse import unquote

    from werkzeug.test import EnvironBuilder

    template = EnvironBuilder(base_url=base_url).get_environ()

    def build(request) -> dict:
        path, query, data = request.path_url.split("?")[0], request.url.partition("?")[2], _body(request.body)
        headers = dict(request.headers)
        content_type = request.headers.get("Content-Type")
        if (not data and content_type is not None) or not all(
                isinstance(v, str) and "\n" not in v and "\r" not in v for v in headers.values()):
            builder = EnvironBuilder(method=request.method, base_url=base_url, path=path, query_string=query,
                                     headers=headers, data=data)
            try:
                return builder.get_environ()
            finally:
                builder.close()
        uri = _latin1(path)
        environ = dict(template)
        environ.update({"REQUEST_METHOD": request.method, "PATH_INFO": _latin1(unquote(path)),
                        "QUERY_STRING": _latin1(query), "REQUEST_URI": uri, "RAW_URI": uri,
                        "wsgi.input": BytesIO(data)})
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        if data:
            environ["CONTENT_LENGTH"] = str(len(data))
        combined: dict[str, list[str]] = {}
        for key, value in headers.items():
            if key.lower() not in ("content-type", "content-length"):
                combined.setdefault(f"HTTP_{key.upper().replace('-', '_')}", []).append(value)
        for key, values in combined.items():
            environ[key] = ", ".join(values)
        return environ

    return build


def _latin1(s: str) -> str:
    """PEP 3333's native strings: UTF-8 bytes as latin-1 (werkzeug's ``_wsgi_encoding_dance``)."""
    return s.encode().decode("latin1")


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    return bytes(body)
