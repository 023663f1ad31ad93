"""The REST API under ``/api/v1`` (what the SDK does not do through GraphQL): ontologies and feature schemas.

A route names a ``State`` method; its path arguments and the keys of its JSON body are the method's arguments.
A route that changes the state is one journaled command (``rest``), like a GraphQL mutation; a read runs under
the lock without being journaled.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .errors import FakeError
from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

PREFIX = "/api/v1"

ROUTES = Map([
    Rule("/ontologies/unused", methods=["GET"], endpoint="unused_ontologies"),
    Rule("/ontologies/<ontology_id>", methods=["GET"], endpoint="ontology_nodes"),
    Rule("/ontologies/<ontology_id>", methods=["DELETE"], endpoint="delete_ontology"),
    Rule("/ontologies/<ontology_id>/feature-schemas/<feature_schema_id>", methods=["POST"],
         endpoint="insert_ontology_feature"),
    Rule("/ontologies/<ontology_id>/feature-schemas/<feature_schema_id>", methods=["DELETE"],
         endpoint="remove_ontology_feature"),
    Rule("/ontologies/<ontology_id>/feature-schemas/<feature_schema_id>/unarchive", methods=["PATCH"],
         endpoint="unarchive_ontology_feature"),
    Rule("/feature-schemas/unused", methods=["GET"], endpoint="unused_feature_schemas"),
    Rule("/feature-schemas/<feature_schema_id>", methods=["PUT"], endpoint="upsert_feature_schema"),
    Rule("/feature-schemas/<feature_schema_id>", methods=["DELETE"], endpoint="delete_feature_schema"),
    Rule("/feature-schemas/<feature_schema_id>/definition", methods=["PATCH"],
         endpoint="update_feature_schema_title"),
], strict_slashes=False, merge_slashes=False)

READS = {"unused_ontologies", "ontology_nodes", "unused_feature_schemas"}
# the status of a success, and how its body is made from the method's result (None: no body)
SUCCESS = {
    "delete_ontology": (204, None),
    "delete_feature_schema": (204, None),
    "insert_ontology_feature": (201, lambda _r: {}),
    "upsert_feature_schema": (200, lambda fs: {"schemaId": fs.id}),
    "update_feature_schema_title": (200, lambda fs: {"schemaId": fs.id}),
}
# the body keys each route reads (anything else in the body is ignored, as Labelbox does)
BODY = {
    "unused_ontologies": ("after",),
    "unused_feature_schemas": ("after",),
    "insert_ontology_feature": ("position",),
    "upsert_feature_schema": ("normalized",),
    "update_feature_schema_title": ("title",),
}


class Rest:
    """The REST routes of one app."""

    def __init__(self, app: FakeLabelboxApp) -> None:
        self.app = app
        app.journal.register("rest", self._run)

    def handle(self, request: Request, path: str) -> Response:
        org = self.app.org_for(request)
        if org is None:
            return json_response({"message": "Unauthorized"}, 401)
        try:
            action, args = ROUTES.bind("fake-labelbox").match("/" + path, method=request.method)
        except HTTPException:
            return json_response({"message": f"Not implemented in fake_labelbox: {request.method} {PREFIX}/{path}"},
                                 404)
        try:
            args.update(_body_args(request, action))
        except ValueError as e:
            return json_response({"message": str(e)}, 400)
        if action in READS:
            with self.app.journal.lock:
                status, body = self._run(org.id, action, args)
        else:
            status, body = self.app.journal.command("rest", org.id, action, args)
        return Response(status=status) if body is None else json_response(body, status)

    def _run(self, org_id: str, action: str, args: dict) -> tuple[int, dict | list | None]:
        """The state method named by the route, with the route's arguments (journaled for changes)."""
        state = self.app.tenants.orgs[org_id].state
        try:
            result = getattr(state, action)(**args)
        except FakeError as e:
            return e.http_status, {"message": e.message}
        status, body = SUCCESS.get(action, (200, lambda r: r))
        return status, None if body is None else body(result)


def _body_args(request: Request, action: str) -> dict:
    """The route's arguments from a JSON body (``normalized`` arrives as a JSON string)."""
    keys = BODY.get(action, ())
    if not keys:
        return {}
    raw = request.get_data()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError as e:
        raise ValueError(f"The request body is not JSON: {e}") from e
    if not isinstance(body, dict):
        raise ValueError("The request body must be a JSON object")
    args = {k: body[k] for k in keys if k in body}
    if "normalized" in keys:
        if not isinstance(args.get("normalized"), str):
            raise ValueError("normalized must be a JSON string")
        args["normalized"] = json.loads(args["normalized"])
    if action == "insert_ontology_feature" and "position" not in args:
        raise ValueError("position is required")
    if action == "update_feature_schema_title":
        args.setdefault("title", "")
    return args
