"""The HTTP face of the fake: a WSGI app and the ``alrepro fake-server`` command.

Routes: ``POST /graphql`` and ``POST /_gql`` (JSON or graphql-multipart), ``GET|HEAD /files/<id>``
(uploads, exports, import status files), REST under ``/api/v1`` (ontology and feature-schema
deletions) and the admin API under ``/_fake/``.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError, execute, parse, validate
from werkzeug.wrappers import Request, Response

from .admin import Admin
from .errors import RATE_LIMIT_MESSAGE, error_body, format_error
from .resolvers import Ctx, Upload, default_resolver, schema
from .state import State
from .webhooks import deliver_pending
from .workforce import Workforce

DEFAULT_API_KEY = "fake-labelbox-api-key"
REST_PREFIX = "/api/v1"
CACHE_LIMIT = 512
CACHE_MAX_QUERY = 20_000  # longer documents (inlined overrides) are not worth caching


class FakeLabelboxApp:
    """WSGI application; one :class:`State`, one API key."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, seed: int | None = None, state: State | None = None) -> None:
        self.api_key = api_key
        self.state = state or State(seed)
        self.workforce = Workforce(self.state)
        self.admin = Admin(self.state, self.workforce)
        self._documents: OrderedDict[str, Any] = OrderedDict()
        self._doc_lock = threading.Lock()

    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    # ---- routing ------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        path = request.path
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

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth in (f"Bearer {self.api_key}", self.api_key) and bool(self.api_key)

    # ---- GraphQL ------------------------------------------------------------------------------
    def graphql(self, request: Request) -> Response:
        if not self._authorized(request):
            return _json(error_body("Invalid API key", "AUTHENTICATION_ERROR"), 401)
        fault = self.admin.take_fault()
        if fault == "rate_limit":
            return _json({"message": RATE_LIMIT_MESSAGE}, 429)
        if fault == "server_error":
            return _json({"message": "Service Unavailable (injected fault)"}, 503)
        try:
            op = self._operation(request)
        except ValueError as e:
            return _json(error_body(f"Malformed request: {e}", "MALFORMED_REQUEST"), 400)
        query, variables = op.get("query"), op.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return _json(error_body("Request must contain a 'query' string and 'variables' object",
                                    "MALFORMED_REQUEST"), 400)
        try:
            document = self._document(query)
        except GraphQLError as e:
            code = "GRAPHQL_PARSE_FAILED" if e.extensions.get("phase") == "parse" else "GRAPHQL_VALIDATION_FAILED"
            return _json(error_body(e.message, code), 400)
        self.workforce.tick()
        ctx = Ctx(self.state, request.host_url.rstrip("/"))
        with self.state.lock:
            result = execute(schema(), document, root_value=None, context_value=ctx, variable_values=variables,
                             operation_name=op.get("operationName"), field_resolver=default_resolver)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        if self.state.outbox:
            deliver_pending(self.state)
        return _json(body)

    def _document(self, query: str):
        """Parse and validate (cached by text); errors carry ``extensions.phase``."""
        with self._doc_lock:
            doc = self._documents.get(query)
            if doc is not None:
                self._documents.move_to_end(query)
                return doc
        try:
            doc = parse(query, no_location=True)  # locations only matter for errors: re-parsed below
        except GraphQLError as e:
            e.extensions = {"phase": "parse"}
            raise
        errors = validate(schema(), doc)
        if errors:
            errors = validate(schema(), parse(query))
            e = errors[0]
            e.extensions = {"phase": "validate"}
            raise e
        if len(query) <= CACHE_MAX_QUERY:
            with self._doc_lock:
                self._documents[query] = doc
                if len(self._documents) > CACHE_LIMIT:
                    self._documents.popitem(last=False)
        return doc

    @staticmethod
    def _operation(request: Request) -> dict:
        """The ``{"query", "variables"}`` payload of a JSON or graphql-multipart request."""
        if request.mimetype == "multipart/form-data":
            op = json.loads(request.form["operations"])
            mapping = json.loads(request.form.get("map", "{}"))
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
        f = self.state.files.get(file_id)
        if f is None:
            return _json({"message": "File not found"}, 404)
        content = f.content
        if "start" in request.args:
            start, end = int(request.args["start"]), int(request.args.get("end", len(content) - 1))
            content = content[start : end + 1]
        return Response(content, mimetype=f.content_type)

    def rest(self, request: Request, path: str) -> Response:
        if not self._authorized(request):
            return _json({"message": "Unauthorized"}, 401)
        parts = path.strip("/").split("/")
        st = self.state
        with st.lock:
            if request.method == "DELETE" and len(parts) == 2 and parts[0] == "ontologies":
                o = st.ontologies.get(parts[1])
                if o is None or o.deleted:
                    return _json({"message": f"Ontology {parts[1]} not found"}, 404)
                if any(p.ontology_id == o.id and not p.deleted for p in st.projects.values()):
                    return _json({"message": "Ontology is used by a project"}, 409)
                o.deleted = True
                return Response(status=204)
            if request.method == "DELETE" and len(parts) == 2 and parts[0] == "feature-schemas":
                fs = st.feature_schemas.get(parts[1])
                if fs is None or fs.deleted:
                    return _json({"message": f"Feature schema {parts[1]} not found"}, 404)
                fs.deleted = True
                return Response(status=204)
            if request.method == "DELETE" and len(parts) == 4 and parts[0] == "ontologies":
                o = st.ontologies.get(parts[1])
                if o is None or o.deleted:
                    return _json({"message": f"Ontology {parts[1]} not found"}, 404)
                for key in ("tools", "classifications"):
                    nodes = o.normalized.get(key, [])
                    kept = [n for n in nodes if n.get("featureSchemaId") != parts[3]]
                    if len(kept) != len(nodes):
                        o.normalized[key] = kept
                        return _json({"deleted": True, "archived": False})
                return _json({"message": f"Feature schema {parts[3]} not in ontology"}, 404)
        return _json({"message": f"Not implemented in fake_labelbox: {request.method} {REST_PREFIX}/{path}"}, 404)


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
    """``alrepro fake-server --port N --api-key KEY [--host 127.0.0.1] [--seed S]``."""
    parser = argparse.ArgumentParser(prog="alrepro fake-server", description="Run the fake Labelbox server.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    app = FakeLabelboxApp(api_key=args.api_key, seed=args.seed)
    server = make_server(app, args.host, args.port, quiet=False)
    base = f"http://{args.host}:{server.server_port}"
    print(f"fake Labelbox serving on {base}", flush=True)
    print(f"  graphql endpoint: {base}/graphql", flush=True)
    print(f"  rest endpoint:    {base}{REST_PREFIX}", flush=True)
    print(f"  api key:          {args.api_key}", flush=True)
    print(f"  admin:            {base}/_fake/health", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(main(sys.argv[1:]))
