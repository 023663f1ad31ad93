"""The REST API under ``/api/v1`` (what the SDK does not do through GraphQL): ontology and feature-schema deletions.

Each route is one journaled command (``rest``) that calls the organization's state, like a GraphQL mutation.
"""

from __future__ import annotations

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
    Rule("/ontologies/<ontology_id>", methods=["DELETE"], endpoint="delete_ontology"),
    Rule("/feature-schemas/<feature_schema_id>", methods=["DELETE"], endpoint="delete_feature_schema"),
    Rule("/ontologies/<ontology_id>/feature-schemas/<feature_schema_id>", methods=["DELETE"],
         endpoint="remove_ontology_feature"),
], strict_slashes=False, merge_slashes=False)

# what each route answers on success: (status, body)
SUCCESS = {
    "delete_ontology": (204, None),
    "delete_feature_schema": (204, None),
    "remove_ontology_feature": (200, {"deleted": True, "archived": False}),
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
        status, body = self.app.journal.command("rest", org.id, action, args)
        return Response(status=status) if body is None else json_response(body, status)

    def _run(self, org_id: str, action: str, args: dict) -> tuple[int, dict | None]:
        """The journaled part: the state method named by the route, with the route's arguments."""
        state = self.app.tenants.orgs[org_id].state
        try:
            getattr(state, action)(**args)
        except FakeError as e:
            return e.http_status, {"message": e.message}
        return SUCCESS[action]
