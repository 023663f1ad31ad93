"""The fake's WSGI application: its route table, and the services the routes lead to.

=================  ===============================  ==========================================
route              methods                          handled by
=================  ===============================  ==========================================
``/graphql``       POST (JSON or multipart)         :mod:`fake_labelbox.graphql_endpoint`
``/_gql``          POST                             the same (the 2020 tutorial's endpoint)
``/files/<id>``    GET, HEAD                        :mod:`fake_labelbox.files`
``/api/v1/...``    REST (DELETE ...)                :mod:`fake_labelbox.rest`
``/_fake/...``     the admin API                    :mod:`fake_labelbox.admin_api`
``/label/...``     the labelling page for people    :mod:`fake_labelbox.labeling_ui`
``/``              GET                              where the endpoints are
=================  ===============================  ==========================================

Every route but the labelling page has its body bounded before anything reads it (:func:`limits.bound_body`).
Every state change runs as one journaled command (:mod:`fake_labelbox.journal`) under one lock, so commands
are serialized and, with ``db``, durable. Parsing, validation, limits, fault latency and file downloads run outside
the lock; webhooks are sent by a background thread, off the answer's path. Multi-request SDK flows (an upload, then an upsert, then task polls) are not
atomic as a whole.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import DEFAULT_API_KEY
from .admin import Admin
from .admin_api import AdminApi
from .errors import LimitExceeded, error_body
from .faults import Faults
from .files import serve_file
from .graphql_endpoint import GraphQLEndpoint
from .journal import Journal
from .labeling_ui import DEFAULT_TTL, LabelingUI
from .limits import Limits, body_too_large, bound_body
from .models.state import State
from .models.tenancy import Org, Tenants, digest
from .rest import PREFIX as REST_PREFIX
from .rest import Rest
from .web import json_response


class FakeLabelboxApp:
    """Organizations (one :class:`State` each), API keys, faults, limits and, with ``db``, a durable journal.

    ``lease_seconds``: how long the labelling page keeps a row for the person it showed it to.
    ``delivery_timeout``: how long a webhook POST may take (they are sent in the background).
    """

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int | None = None, state: State | None = None,
                 db: str | None = None, limits: Limits | None = None, snapshot_every: int = 1000,
                 synchronous: str = "FULL", admin_key: str | None = None,
                 lease_seconds: float = DEFAULT_TTL, delivery_timeout: float = 5.0) -> None:
        self.api_key = api_key
        self.limits = limits or Limits()
        self.faults = Faults()
        self.journal = Journal(db, snapshot_every=snapshot_every, synchronous=synchronous,
                               delivery_timeout=delivery_timeout)
        self.lock = self.journal.lock
        # the services register their journaled commands before the journal is replayed
        self.graphql = GraphQLEndpoint(self)
        self.rest = Rest(self)
        self.admin = Admin(self)
        self.admin_api = AdminApi(self.admin, admin_key)
        self.labeling_ui = LabelingUI(self, ttl=lease_seconds)
        self.routes = Map([
            Rule("/", methods=["GET"], endpoint=self._index),
            Rule("/graphql", methods=["POST"], endpoint=self.graphql.handle),
            Rule("/_gql", methods=["POST"], endpoint=self.graphql.handle),
            Rule("/files/<file_id>", methods=["GET", "HEAD"], endpoint=self._file),
            Rule(f"{REST_PREFIX}/<path:path>", endpoint=self.rest.handle),
            Rule("/_fake/", endpoint=self.admin_api.handle, defaults={"path": ""}),
            Rule("/_fake/<path:path>", endpoint=self.admin_api.handle),
            Rule("/label/", endpoint=self.labeling_ui.handle, defaults={"path": ""}),
            Rule("/label/<path:path>", endpoint=self.labeling_ui.handle),
        ], strict_slashes=False, merge_slashes=False)
        self.journal.register("startup_key", self._startup_key)
        self.journal.open(seed)
        if state is not None:  # an explicit State becomes the default organization's
            state.attach(self.lock, self.journal.env)
            self.tenants.default.state = state
            self.tenants.default.workforce.state = state
        if api_key and api_key not in self.tenants.keys:
            self.journal.command("startup_key", api_key)

    def _startup_key(self, key: str) -> None:
        if key and key not in self.tenants.keys:
            self.tenants.issue_key(self.tenants.default_org_id, "startup", self.journal.env, key=key, startup=True)

    # ---- what the services share -------------------------------------------------------------
    @property
    def tenants(self) -> Tenants:
        return self.journal.tenants

    @property
    def state(self) -> State:
        """The default organization's state (the single-organization API)."""
        return self.tenants.default.state

    @property
    def workforce(self):
        return self.tenants.default.workforce

    @property
    def store(self):
        return self.journal.store

    def org_for(self, request: Request) -> Org | None:
        """The organization the request's API key belongs to (None: missing, unknown or revoked key)."""
        auth = request.headers.get("Authorization", "")
        key = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
        if not key:
            return None
        with self.lock:
            return self.tenants.org_for_key(key)

    def digest(self) -> str:
        """A hash of the whole state (every organization, key, id generator and clock)."""
        with self.lock:
            return digest(self.tenants)

    def close(self) -> None:
        """Stop the webhook sender; snapshot and close the state file (with ``db``)."""
        self.journal.close()

    # ---- routing -----------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            handler, args = self.routes.bind_to_environ(request.environ).match()
        except HTTPException:
            return json_response({"message": f"Not found: {request.method} {request.path}"}, 404)
        if handler == self.labeling_ui.handle:  # bounds its own bodies
            return handler(request, **args)
        try:
            bound_body(request, self.limits)
            return handler(request, **args)
        except RequestEntityTooLarge:
            refused = body_too_large(request, self.limits)
        except LimitExceeded as e:
            refused = e
        if handler == self.graphql.handle:
            return json_response(error_body(refused.message, refused.code, refused.limit), refused.status)
        return json_response({"message": refused.message, "limit": refused.limit}, refused.status)

    def _index(self, request: Request) -> Response:
        return json_response({"service": "fake-labelbox", "graphql": "/graphql", "rest": REST_PREFIX})

    def _file(self, request: Request, file_id: str) -> Response:
        return serve_file(self, request, file_id)
