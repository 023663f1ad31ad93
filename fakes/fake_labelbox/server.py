"""The HTTP face of the fake: a WSGI app and the ``alrepro fake-server`` command.

Routes: ``POST /graphql`` and ``POST /_gql`` (JSON or graphql-multipart), ``GET|HEAD /files/<id>``
(uploads, exports, import status files), REST under ``/api/v1`` (ontology and feature-schema
deletions) and the admin API under ``/_fake/``.

Thread safety: every state change runs as one *command* (a whole GraphQL request with all its root
fields, one admin call, one REST call) while holding the server's single lock, so commands are
serialized: a client never observes part of another client's request, and a request's reads see one
consistent state. Parsing, validation, limit checks, fault latency, webhook sending and file
downloads run outside the lock. With ``--db`` a command is committed to SQLite before its response is
written. Multi-request SDK flows (an upload, then an upsert, then task polls) are not atomic as a whole.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import signal
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, execute, parse, validate
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import webhooks
from .admin import Admin
from .errors import RATE_LIMIT_MESSAGE, error_body, format_error
from .faults import DroppedConnection, Fault, Faults
from .limits import (
    LimitExceeded,
    Limits,
    check_document,
    check_json,
    check_text,
    operation_name_of,
    root_fields,
)
from .persistence import ReplayDiverged, Store
from .resolvers import INPUT_ERRORS, Ctx, Upload, default_resolver, is_awaitable, schema
from .state import Env, State
from .tenancy import Org, Tenants, digest

DEFAULT_API_KEY = "fake-labelbox-api-key"
REST_PREFIX = "/api/v1"
CACHE_LIMIT = 512
CACHE_MAX_QUERY = 20_000  # longer documents (inlined overrides) are not worth caching


class FakeLabelboxApp:
    """WSGI application: organizations (one :class:`State` each), API keys, faults, limits, a store.

    Every change to the state runs as a *command* (``command(name, ...)``) under ``self.lock``: one
    GraphQL request, one admin call, one REST call. Commands are serialized (one at a time), so a
    client never sees a half-applied command; with ``db`` each command is journaled and committed
    before its response is sent (see :mod:`fake_labelbox.persistence`).
    """

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int | None = None, state: State | None = None,
                 db: str | None = None, limits: Limits | None = None, snapshot_every: int = 1000,
                 synchronous: str = "FULL", admin_key: str | None = None) -> None:
        self.api_key = api_key
        self.admin_key = admin_key
        self.lock = threading.RLock()
        self.env = Env()
        self.limits = limits or Limits()
        self.faults = Faults()
        self.store: Store | None = None
        self.replaying = False
        self.closed = False
        self._depth = 0
        self._documents: OrderedDict[str, Any] = OrderedDict()
        self._doc_lock = threading.Lock()
        self._base_urls: dict[tuple, str] = {}
        self.commands: dict[str, Callable] = {
            "graphql": self._cmd_graphql,
            "rest": self._cmd_rest,
            "deliveries": self._cmd_deliveries,
            "admin": self._cmd_admin,
            "startup_key": self._cmd_startup_key,
        }
        self.admin = Admin(self)
        from .labeling_ui import LabelingUI

        self.labeling_ui = LabelingUI(self)  # the labelling page for people (/label/); registers its command
        if db is not None:
            self.store = Store(db, snapshot_every=snapshot_every, synchronous=synchronous)
            self._load(seed)
        else:
            self.tenants = Tenants.create(seed, self.lock, self.env)
        if state is not None:  # an explicit State becomes the default organization's
            state.attach(self.lock, self.env)
            self.tenants.default.state = state
            self.tenants.default.workforce.state = state
        if api_key and api_key not in self.tenants.keys:
            self.command("startup_key", api_key)

    # ---- the default organization (the single-organization API) --------------------------------
    @property
    def state(self) -> State:
        return self.tenants.default.state

    @property
    def workforce(self):
        return self.tenants.default.workforce

    # ---- commands, journal and replay ---------------------------------------------------------
    def register_command(self, name: str, fn: Callable) -> None:
        """Make ``fn`` a journaled command (other modules' state-changing routes use this)."""
        self.commands[name] = fn

    def command(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run a state change atomically; journal and commit it (with a store) before returning.

        Nested calls join the outer command. Webhook deliveries the command queued are prepared
        inside it and sent after the lock is released.
        """
        fn = self.commands[name]
        with self.lock:
            if self.closed:
                raise RuntimeError("the fake Labelbox server is shutting down")
            if self._depth:
                return fn(*args, **kwargs)
            recording = self.store is not None and not self.replaying
            if recording:
                self.env.begin()
            self._depth += 1
            outcome: Any = None
            try:
                outcome = result = fn(*args, **kwargs)
            except Exception as e:
                outcome = e
                raise
            finally:
                prepared = self._prepare_deliveries() if name != "deliveries" else []
                self._depth -= 1
                if recording:
                    tape = self.env.end()
                    self.store.append((name, args, kwargs, tape, _outcome_digest(outcome)), self.tenants)
        if prepared and not self.replaying:
            self._send(prepared)
        return result

    def _prepare_deliveries(self) -> list[tuple[str, list]]:
        return [(org.id, webhooks.prepare(org.state)) for org in self.tenants.orgs.values() if org.state.outbox]

    def _send(self, prepared: list[tuple[str, list]]) -> None:
        for org_id, items in prepared:
            self.command("deliveries", org_id, webhooks.send(items))

    def _cmd_deliveries(self, org_id: str, records: list[dict]) -> int:
        org = self.tenants.orgs.get(org_id)
        if org is not None:
            webhooks.record(org.state, records)
        return len(records)

    def _cmd_admin(self, method: str, args: tuple, kwargs: dict) -> Any:
        return getattr(Admin, method).raw(self.admin, *args, **kwargs)

    def _cmd_startup_key(self, key: str) -> None:
        if key and key not in self.tenants.keys:
            self.tenants.issue_key(self.tenants.default_org_id, "startup", self.env, key=key, startup=True)

    def _load(self, seed: int | None) -> None:
        root, entries = self.store.load()
        if root is None:
            self.tenants = Tenants.create(seed, self.lock, self.env)
            self.store.snapshot(self.tenants)  # the starting point every replay begins from
            return
        self.tenants = root
        self.tenants.attach(self.lock, self.env)
        self.replaying = True
        try:
            for seq, (name, args, kwargs, tape, want) in entries:
                self.env.replay(tape)
                try:
                    outcome = self.command(name, *args, **kwargs)
                except Exception as e:
                    outcome = e
                left = self.env.finish_replay()
                got = _outcome_digest(outcome)
                if got != want or left:
                    raise ReplayDiverged(f"{self.store.path}: replaying journal entry {seq} ({name}) gave a different "
                                         f"result than recorded ({got} != {want}, {left} unread readings)")
        finally:
            self.replaying = False
        self.store.snapshot(self.tenants)  # restart from here next time (and trim the journal)

    def checkpoint(self) -> None:
        """Snapshot the whole state now (with a store); done on clean shutdown."""
        if self.store is not None:
            with self.lock:
                self.store.snapshot(self.tenants)

    def close(self) -> None:
        if self.store is not None:
            self.checkpoint()
            with self.lock:
                self.closed = True
                self.store.close()

    def digest(self) -> str:
        """A hash of the whole state (every organization, key, id generator and clock)."""
        with self.lock:
            return digest(self.tenants)

    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    # ---- routing ------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/label/"):
            return self.labeling_ui.handle(request, path)
        if path.startswith("/_fake/"):
            return self.admin.handle(request, path[len("/_fake/"):].strip("/"))
        if path in ("/graphql", "/_gql") and request.method == "POST":
            return self.graphql(request)
        if path.startswith("/files/") and request.method in ("GET", "HEAD"):
            return self.file(request, path[len("/files/"):])
        if path.startswith(REST_PREFIX + "/"):
            return self.rest(request, path[len(REST_PREFIX) + 1:])
        if path == "/":
            return _json({"service": "fake-labelbox", "graphql": "/graphql", "rest": REST_PREFIX})
        return _json({"message": f"Not found: {request.method} {path}"}, 404)

    def org_for(self, request: Request) -> Org | None:
        """The organization the request's API key belongs to (None: missing, unknown or revoked key)."""
        auth = request.headers.get("Authorization", "")
        key = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
        if not key:
            return None
        with self.lock:
            return self.tenants.org_for_key(key)

    def _authorized(self, request: Request) -> bool:
        return self.org_for(request) is not None

    # ---- GraphQL ------------------------------------------------------------------------------
    def graphql(self, request: Request) -> Response:
        org = self.org_for(request)
        if org is None:
            return _json(error_body("Invalid API key", "AUTHENTICATION_ERROR"), 401)
        limits = self.limits
        request.max_content_length = limits.max_body_bytes
        try:
            if (request.content_length or 0) > limits.max_body_bytes:
                raise RequestEntityTooLarge()
            op = self._operation(request)
            query, variables = op.get("query"), op.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                return _json(error_body("Request must contain a 'query' string and 'variables' object",
                                        "MALFORMED_REQUEST"), 400)
            operation_name = op.get("operationName")
            if operation_name is not None and not isinstance(operation_name, str):
                return _json(error_body("operationName must be a string", "MALFORMED_REQUEST"), 400)
            check_json(variables, limits)
            document = self._document(query)
        except RequestEntityTooLarge:
            return _json(_limit_body(f"Request body larger than {limits.max_body_bytes} bytes", "MALFORMED_REQUEST",
                                     {"name": "max_body_bytes", "value": limits.max_body_bytes,
                                      "actual": request.content_length}), 413)
        except LimitExceeded as e:
            return _json(_limit_body(e.message, e.code, e.limit), e.status)
        except (ValueError, RecursionError, KeyError, TypeError, IndexError) as e:
            return _json(error_body(f"Malformed request: {e}", "MALFORMED_REQUEST"), 400)
        except GraphQLError as e:
            code = "GRAPHQL_PARSE_FAILED" if e.extensions.get("phase") == "parse" else "GRAPHQL_VALIDATION_FAILED"
            return _json(error_body(e.message, code), 400)
        fault = self.faults.take(operation_name_of(document, operation_name), root_fields(document, operation_name)) \
            if self.faults.pending else None  # none pending: as if take() ran before any rule being added
        if fault is not None:
            early = self._fire(fault, request)
            if early is not None:
                return early
        body = self.command("graphql", org.id, self._base_url(request), query, variables, operation_name)
        return _json(body)

    def _base_url(self, request: Request) -> str:
        """``request.host_url`` without its trailing slash, kept per (scheme, Host header, server address)."""
        if request.trusted_hosts is not None:
            return request.host_url.rstrip("/")
        key = (request.scheme, request.environ.get("HTTP_HOST"), request.server)
        url = self._base_urls.get(key)
        if url is None:
            if len(self._base_urls) >= CACHE_LIMIT:
                self._base_urls.clear()
            url = self._base_urls[key] = request.host_url.rstrip("/")
        return url

    def _cmd_graphql(self, org_id: str, base_url: str, query: str, variables: dict,
                     operation_name: str | None) -> dict:
        org = self.tenants.orgs[org_id]
        document = self._document(query)
        org.workforce.tick()
        ctx = Ctx(org.state, base_url)
        result = execute(schema(), document, root_value=None, context_value=ctx, variable_values=variables,
                         operation_name=operation_name, field_resolver=default_resolver,
                         middleware=INPUT_ERRORS, is_awaitable=is_awaitable)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            if result.data is None and all(e.path is None for e in result.errors):
                # request-level errors (variable coercion, operation selection): the caller's fault
                body["errors"] = [{"message": e.message, "locations": [], "extensions": {"code": "BAD_USER_INPUT"}}
                                  for e in result.errors]
            else:
                body["errors"] = [format_error(e) for e in result.errors]
        return body

    def _fire(self, fault: Fault, request: Request) -> Response | None:
        """Apply a fault: a response to send instead, or None to go on (after any latency)."""
        kind = fault.kind
        if kind == "latency":
            time.sleep((fault.latency_ms or 0) / 1000)
            return None
        if kind == "rate_limit":
            return _json({"message": RATE_LIMIT_MESSAGE}, 429)
        if kind.startswith("graphql"):
            msg = f"Internal server error (injected fault, status {fault.status})"
            return _json({"data": None, "errors": [{"message": msg, "locations": [], "extensions": {
                "code": "INTERNAL_SERVER_ERROR", "exception": {"status": fault.status, "message": msg}}}]})
        if kind == "drop":
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise DroppedConnection("injected fault: connection dropped without a response")
        return _json({"message": f"{_reason(fault.status)} (injected fault)"}, fault.status or 503)

    def _document(self, query: str):
        """A checked document: cached by text per app, and by text and limits across the process's apps."""
        with self._doc_lock:
            doc = self._documents.get(query)
            if doc is not None:
                self._documents.move_to_end(query)
                return doc
        limits = dataclasses.replace(self.limits)  # one consistent set of bounds for the checks and the key
        key = (query, *vars(limits).values())
        doc = _SHARED_DOCUMENTS.get(key)
        if doc is None:
            doc = _check_document(query, limits)
            if len(query) <= CACHE_MAX_QUERY:
                _SHARED_DOCUMENTS.put(key, doc)
        if len(query) <= CACHE_MAX_QUERY:
            with self._doc_lock:
                self._documents[query] = doc
                if len(self._documents) > CACHE_LIMIT:
                    self._documents.popitem(last=False)
        return doc

    def clear_document_cache(self) -> None:
        with self._doc_lock:
            self._documents.clear()

    @staticmethod
    def _operation(request: Request) -> dict:
        """The ``{"query", "variables"}`` payload of a JSON or graphql-multipart request."""
        if request.mimetype == "multipart/form-data":
            if "operations" not in request.form:
                raise ValueError("multipart request without an 'operations' part")
            op = json.loads(request.form["operations"])
            mapping = json.loads(request.form.get("map", "{}"))
            if not isinstance(op, dict) or not isinstance(mapping, dict):
                raise ValueError("'operations' and 'map' must be JSON objects")
            for part, paths in mapping.items():
                f = request.files.get(part)
                if f is None:
                    raise ValueError(f"multipart part {part!r} is missing")
                upload = Upload(f.filename, f.mimetype, f.read())
                for dotted in paths:
                    _set_path(op, dotted.split("."), upload)
            return op
        data = request.get_data()
        try:
            op = json.loads(data or b"{}")
        except ValueError as e:
            raise ValueError(f"body is not JSON ({e})") from e
        if not isinstance(op, dict):
            raise ValueError("body must be a JSON object")
        return op

    # ---- files and REST -----------------------------------------------------------------------
    def file(self, request: Request, file_id: str) -> Response:
        """A stored file by id. Ids are unguessable per organization, like Labelbox's signed URLs."""
        with self.lock:
            f = next((o.state.files[file_id] for o in self.tenants.orgs.values() if file_id in o.state.files), None)
        if f is None:
            return _json({"message": "File not found"}, 404)
        content = f.content
        if "start" in request.args:
            try:
                start, end = int(request.args["start"]), int(request.args.get("end", len(content) - 1))
            except ValueError:
                return _json({"message": "start and end must be integers"}, 400)
            if start < 0 or end < start - 1:
                return _json({"message": "Requested range not satisfiable"}, 416)
            content = content[start : end + 1]
        return Response(content, mimetype=f.content_type)

    def rest(self, request: Request, path: str) -> Response:
        org = self.org_for(request)
        if org is None:
            return _json({"message": "Unauthorized"}, 401)
        parts = path.strip("/").split("/")
        if request.method == "DELETE" and (
                (len(parts) == 2 and parts[0] in ("ontologies", "feature-schemas"))
                or (len(parts) == 4 and parts[0] == "ontologies")):
            status, body = self.command("rest", org.id, request.method, parts)
            return Response(status=status) if body is None else _json(body, status)
        return _json({"message": f"Not implemented in fake_labelbox: {request.method} {REST_PREFIX}/{path}"}, 404)

    def _cmd_rest(self, org_id: str, method: str, parts: list[str]) -> tuple[int, dict | None]:
        st = self.tenants.orgs[org_id].state
        if parts[0] == "feature-schemas":
            fs = st.feature_schemas.get(parts[1])
            if fs is None or fs.deleted:
                return 404, {"message": f"Feature schema {parts[1]} not found"}
            fs.deleted = True
            return 204, None
        o = st.ontologies.get(parts[1])
        if o is None or o.deleted:
            return 404, {"message": f"Ontology {parts[1]} not found"}
        if len(parts) == 2:
            if any(p.ontology_id == o.id and not p.deleted for p in st.projects.values()):
                return 409, {"message": "Ontology is used by a project"}
            o.deleted = True
            return 204, None
        for key in ("tools", "classifications"):
            nodes = o.normalized.get(key, [])
            kept = [n for n in nodes if n.get("featureSchemaId") != parts[3]]
            if len(kept) != len(nodes):
                o.normalized[key] = kept
                return 200, {"deleted": True, "archived": False}
        return 404, {"message": f"Feature schema {parts[3]} not in ontology"}


def _check_document(query: str, limits: Limits):
    """Limit-check, parse and validate a document; errors carry ``extensions.phase``."""
    check_text(query, limits)
    try:
        doc = parse(query, no_location=True, max_tokens=limits.max_tokens)
    except GraphQLError as e:
        if "token limit" in e.message:
            raise LimitExceeded("Query complexity limit exceeded", "GRAPHQL_VALIDATION_FAILED", 400,
                                "max_tokens", limits.max_tokens) from e
        e.extensions = {"phase": "parse"}
        raise
    check_document(doc, limits)
    errors = validate(schema(), doc)
    if errors:
        errors = validate(schema(), parse(query))
        e = errors[0]
        e.extensions = {"phase": "validate"}
        raise e
    return doc


class _DocumentCache:
    """Checked documents by (text, limits), shared by every app in the process (the checks are pure)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._docs: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple):
        with self._lock:
            doc = self._docs.get(key)
            if doc is not None:
                self._docs.move_to_end(key)
            return doc

    def put(self, key: tuple, doc: Any) -> None:
        with self._lock:
            self._docs[key] = doc
            if len(self._docs) > CACHE_LIMIT:
                self._docs.popitem(last=False)


_SHARED_DOCUMENTS = _DocumentCache()


def _outcome_digest(outcome: Any) -> str:
    if isinstance(outcome, BaseException):
        text = f"raise {type(outcome).__name__}: {outcome}"
    else:
        text = json.dumps(outcome, sort_keys=True, default=repr)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _reason(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status or 503).phrase
    except ValueError:
        return "Error"


def _limit_body(message: str, code: str, limit: dict) -> dict:
    body = error_body(message, code)
    body["errors"][0]["extensions"]["limit"] = limit
    return body


def _set_path(obj: dict, path: list[str], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[int(key)] if isinstance(obj, list) else obj[key]
    last = path[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value


def _json(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj), status=status, mimetype="application/json")


# ---- command line ---------------------------------------------------------------------------------

def make_server(app: FakeLabelboxApp, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
    """A threaded werkzeug server (port 0 picks a free port); ``quiet`` drops the access log."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as _make

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return _make(host, port, app, threaded=True, request_handler=QuietHandler if quiet else None)


def main(argv: list[str]) -> int:
    """``alrepro fake-server --port N --api-key KEY [--host H] [--seed S] [--db PATH] [--limit NAME=VALUE]``."""
    parser = argparse.ArgumentParser(prog="alrepro fake-server", description="Run the fake Labelbox server.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--db", default=None, metavar="PATH",
                        help="keep the state in this SQLite file (resumed on restart); default: in memory")
    parser.add_argument("--snapshot-every", type=int, default=1000, metavar="N",
                        help="with --db: snapshot the state every N commands (bounds replay at start)")
    parser.add_argument("--synchronous", default="FULL", choices=["NORMAL", "FULL", "EXTRA"],
                        help="with --db: SQLite synchronous mode (FULL survives power loss, NORMAL a process kill)")
    parser.add_argument("--admin-key", default=None,
                        help="require this key (header X-Fake-Admin-Key) on /_fake/ routes other than health")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help=f"override a request limit ({', '.join(Limits().view())})")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    limits = Limits()
    try:
        limits.update(**{k: int(v) for k, _, v in (item.partition("=") for item in args.limit)})
    except ValueError as e:
        parser.error(str(e))
    from .persistence import IncompatibleStateFile

    try:
        app = FakeLabelboxApp(api_key=args.api_key, seed=args.seed, db=args.db, limits=limits,
                              snapshot_every=args.snapshot_every, synchronous=args.synchronous,
                              admin_key=args.admin_key)
    except (IncompatibleStateFile, ReplayDiverged) as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 2
    server = make_server(app, args.host, args.port, quiet=args.quiet)
    base = f"http://{args.host}:{server.server_port}"
    print(f"fake Labelbox serving on {base}", flush=True)
    print(f"  graphql endpoint: {base}/graphql", flush=True)
    print(f"  rest endpoint:    {base}{REST_PREFIX}", flush=True)
    print(f"  api key:          {args.api_key}", flush=True)
    print(f"  admin:            {base}/_fake/health", flush=True)
    if args.db:
        print(f"  state file:       {args.db}", flush=True)

    def _terminate(signum, frame):  # SIGTERM: stop like Ctrl-C (snapshot, then exit 0)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, _terminate)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.server_close()
        app.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(main(sys.argv[1:]))
