"""The admin API over HTTP, under ``/_fake/``: a route table onto the :class:`~fake_labelbox.admin.Admin` methods.

JSON in, JSON out; no Labelbox API key needed. With ``--admin-key K`` every route needs the
header ``X-Fake-Admin-Key: K`` (without it ``health`` says only ``{"status": "ok"}``; ``alrepro fake-server``
makes one up when it listens beyond loopback). A POST
needs a JSON body (``Content-Type: application/json``), so a cross-site form cannot reach the state. Routes that act on one organization take ``organization_id`` in the body or
``?org=`` (default: the default organization; ``"*"`` = all, for ``truth`` and ``workforce/step``); ``queue``
and ``workforce/step`` find a project's organization.

=======  ==================================  ====================================================
GET      /_fake/health                       ``{"status": "ok", ...}``
GET      /_fake/digest                       ``{"digest": "<sha256 of the whole state>"}``
POST     /_fake/reset                        ``{"seed": 42}`` (optional) - wipe everything
POST     /_fake/seed                         ``{"seed": 42}`` - reset with deterministic ids/clock
POST     /_fake/truth                        ``{"truth": {"<global key>": "Positive", ...}}``
POST     /_fake/workforce/config             ``{"error_rate": 0.1, "seed": 0, "mode": "manual", ...}``
POST     /_fake/workforce/step               ``{"n": 10, "project_id": "..."}`` - returns the labels made
GET      /_fake/queue/<project_id>           queued rows in labeling order
POST     /_fake/tasks                        ``{"polls_in_progress": 1, "type"?}`` - tasks (of that type) report IN_PROGRESS first
GET      /_fake/deliveries                   webhook deliveries so far (``?wait=5``: first wait up to 5 s for pending)
POST     /_fake/faults                       a fault rule (see :mod:`fake_labelbox.faults`) or a list
GET      /_fake/faults                       ``{"pending": [...], "fired": [...], "total_fired": n}``
DELETE   /_fake/faults                       clear (also ``POST /_fake/faults/clear``)
GET      /_fake/organizations                every organization with counts
POST     /_fake/organizations                ``{"name": "...", "seed": 1}`` - returns ``id`` and ``api_key``
POST     /_fake/organizations/<id>/keys      ``{"name": "..."}`` - a new key for the organization
GET      /_fake/keys                         every key (``?org=`` filters)
POST     /_fake/keys                         ``{"name": "..."}`` - a new key (``?org=`` or the default)
DELETE   /_fake/keys/<key>                   revoke, effective at once (also ``POST .../revoke``)
GET      /_fake/labeling/<project_id>        the labelling page's labellers, leases and pause
POST     /_fake/labeling/<project_id>/link   ``{"max_priority": 1}`` (optional) - ``{"code", "path"}``, the join link
POST     /_fake/labeling/<project_id>/revoke ``{"labeler": "<id>"}`` - end one labeller's token
GET      /_fake/limits                       the request limits (see :mod:`fake_labelbox.limits`)
POST     /_fake/limits                       ``{"max_depth": 10, ...}`` - change some limits
=======  ==================================  ====================================================
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .admin import Admin
from .errors import FakeError, Missing, Refused
from .labeling_ui import join_path
from .web import json_response


def _routes(*rules: tuple[str, str, str]) -> Map:
    return Map([Rule(path, methods=[method], endpoint=name) for method, path, name in rules],
               strict_slashes=False, merge_slashes=False)


ROUTES = _routes(
    ("GET", "/health", "health"),
    ("GET", "/digest", "digest"),
    ("POST", "/reset", "reset"),
    ("POST", "/seed", "seed"),
    ("POST", "/truth", "truth"),
    ("POST", "/workforce/config", "workforce_config"),
    ("POST", "/workforce/step", "workforce_step"),
    ("GET", "/queue/<project_id>", "queue"),
    ("POST", "/tasks", "tasks"),
    ("GET", "/deliveries", "deliveries"),
    ("POST", "/faults", "add_faults"),
    ("GET", "/faults", "faults"),
    ("DELETE", "/faults", "clear_faults"),
    ("POST", "/faults/clear", "clear_faults"),
    ("GET", "/organizations", "organizations"),
    ("POST", "/organizations", "create_organization"),
    ("POST", "/organizations/<organization_id>/keys", "issue_org_key"),
    ("GET", "/keys", "keys"),
    ("POST", "/keys", "issue_key"),
    ("DELETE", "/keys/<api_key>", "revoke_key"),
    ("POST", "/keys/<api_key>/revoke", "revoke_key"),
    ("GET", "/labeling/<project_id>", "labeling_status"),
    ("POST", "/labeling/<project_id>/link", "labeling_link"),
    ("POST", "/labeling/<project_id>/revoke", "revoke_labeler"),
    ("GET", "/limits", "limits"),
    ("POST", "/limits", "set_limits"),
)


@dataclass
class Call:
    """One admin request, decoded: the JSON body (``obj`` when it is an object) and the organization asked for."""

    request: Request
    body: Any
    org: str | None

    @property
    def obj(self) -> dict:
        return self.body if isinstance(self.body, dict) else {}

    def int_arg(self, name: str) -> int | None:
        v = self.request.args.get(name)
        return int(v) if v is not None else None


class AdminApi:
    """The ``/_fake/`` service: checks the admin key, decodes the call, dispatches by :data:`ROUTES`."""

    def __init__(self, admin: Admin, admin_key: str | None = None) -> None:
        self.admin = admin
        self.admin_key = admin_key

    def handle(self, request: Request, path: str) -> Response:
        path = path.strip("/")
        try:
            endpoint, args = ROUTES.bind("fake-labelbox").match("/" + path, method=request.method)
        except HTTPException:
            endpoint, args = None, {}
        if not self._allowed(request):
            if path == "health" and request.method == "GET":  # liveness for probes; the counts are the admin's
                return json_response({"status": "ok"}, 200)
            return json_response({"message": "admin key required (header X-Fake-Admin-Key)"}, 403)
        if endpoint is None:
            return json_response({"message": f"No admin route {request.method} /_fake/{path}"}, 404)
        if request.method == "POST" and request.mimetype != "application/json":
            # a cross-site form post cannot send JSON, so it changes nothing
            return json_response({"message": "admin calls that change the state need a JSON body "
                                             "(Content-Type: application/json)"}, 415)
        raw = request.get_data()
        body = request.get_json(silent=True) if raw else {}
        if body is None:
            return json_response({"message": "the request body is not valid JSON"}, 400)
        org = request.args.get("org")
        if isinstance(body, dict):
            org = body.pop("organization_id", None) or org
        try:
            return json_response(getattr(self, endpoint)(Call(request, body, org), **args))
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            return json_response({"message": str(e) or type(e).__name__}, 400)
        except Missing as e:
            return json_response({"message": str(e)}, 404)
        except Refused as e:
            return json_response({"message": e.message}, e.status)
        except FakeError as e:
            return json_response({"message": e.message, "code": e.extensions.get("code")},
                                 404 if e.http_status == 404 else 400)

    def _allowed(self, request: Request) -> bool:
        if not self.admin_key:
            return True
        got = request.headers.get("X-Fake-Admin-Key", "")
        return hmac.compare_digest(got.encode(), self.admin_key.encode())

    # ---- one handler per route: read the call, call Admin, shape the answer ------------------------
    def health(self, call: Call) -> dict:
        return self.admin.health()

    def digest(self, call: Call) -> dict:
        return {"digest": self.admin.digest()}

    def reset(self, call: Call) -> dict:
        self.admin.reset(call.obj.get("seed", call.int_arg("seed")))
        return {"status": "ok"}

    def seed(self, call: Call) -> dict:
        self.admin.seed(int(call.obj.get("seed", call.int_arg("seed") or 0)))
        return {"status": "ok"}

    def truth(self, call: Call) -> dict:
        truth = call.body.get("truth", call.body) if isinstance(call.body, dict) else call.body
        return {"registered": self.admin.register_truth(truth, call.org)}

    def workforce_config(self, call: Call) -> dict:
        return {"config": self.admin.configure_workforce(call.org, **call.obj)}

    def workforce_step(self, call: Call) -> dict:
        return {"labels": self.admin.step(_int(call.obj.get("n", 1)), call.obj.get("project_id"), call.org)}

    def queue(self, call: Call, project_id: str) -> dict:
        return {"queue": self.admin.queue(project_id, call.org)}

    def tasks(self, call: Call) -> dict:
        self.admin.set_task_polls(_int(call.obj.get("polls_in_progress", 0)), call.org, call.obj.get("type"))
        return {"status": "ok"}

    def deliveries(self, call: Call) -> dict:
        wait = call.request.args.get("wait", type=float)
        if wait:
            self.admin.flush_deliveries(min(wait, 60.0))
        return {"deliveries": self.admin.deliveries(call.org)}

    def add_faults(self, call: Call) -> dict:
        rules = call.body if isinstance(call.body, list) else [call.body]
        return {"status": "ok", "faults": [self.admin.inject_fault(**_rule(r)) for r in rules]}

    def faults(self, call: Call) -> dict:
        return self.admin.faults()

    def clear_faults(self, call: Call) -> dict:
        return self.admin.clear_faults()

    def organizations(self, call: Call) -> dict:
        return {"organizations": self.admin.organizations()}

    def create_organization(self, call: Call) -> dict:
        return self.admin.create_organization(call.obj.get("name"), call.obj.get("seed"))

    def issue_org_key(self, call: Call, organization_id: str) -> dict:
        return {"api_key": self.admin.issue_key(organization_id, call.obj.get("name", "")),
                "organization_id": organization_id}

    def keys(self, call: Call) -> dict:
        return {"keys": self.admin.keys(call.org)}

    def issue_key(self, call: Call) -> dict:
        return {"api_key": self.admin.issue_key(call.org, call.obj.get("name", "")), "organization_id": call.org}

    def revoke_key(self, call: Call, api_key: str) -> dict:
        return {"key": self.admin.revoke_key(api_key)}

    def labeling_status(self, call: Call, project_id: str) -> dict:
        return self.admin.labeling_status(project_id)

    def labeling_link(self, call: Call, project_id: str) -> dict:
        max_priority = call.obj.get("max_priority")
        if max_priority is not None:
            max_priority = _int(max_priority)
        code = self.admin.labeling_link(project_id, max_priority)
        return {"code": code, "path": join_path(project_id, code)}

    def revoke_labeler(self, call: Call, project_id: str) -> dict:
        return self.admin.revoke_labeler(project_id, str(call.obj.get("labeler", "")))

    def limits(self, call: Call) -> dict:
        return {"limits": self.admin.limits()}

    def set_limits(self, call: Call) -> dict:
        return {"limits": self.admin.set_limits(**call.obj)}


def _rule(r: Any) -> dict:
    if not isinstance(r, dict) or "kind" not in r:
        raise ValueError("a fault is an object with at least 'kind'")
    unknown = set(r) - {"kind", "count", "operation", "status", "latency_ms"}
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    return r


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise ValueError(f"expected an integer, got {v!r}")
    return int(v)
