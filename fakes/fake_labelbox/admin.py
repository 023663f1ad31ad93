"""The admin API (moto's ``/moto-api`` analogue): Python methods, also served under ``/_fake/``.

HTTP routes (JSON in, JSON out; no Labelbox API key needed; with ``--admin-key K`` every route but
``health`` needs the header ``X-Fake-Admin-Key: K``). Routes that act on one organization take
``organization_id`` in the body or ``?org=`` (default: the default organization; ``"*"`` = all, for
``truth`` and ``workforce/step``); ``queue`` and ``workforce/step`` find a project's organization.

=======  ==================================  ====================================================
GET      /_fake/health                       ``{"status": "ok", ...}``
GET      /_fake/digest                       ``{"digest": "<sha256 of the whole state>"}``
POST     /_fake/reset                        ``{"seed": 42}`` (optional) - wipe everything
POST     /_fake/seed                         ``{"seed": 42}`` - reset with deterministic ids/clock
POST     /_fake/truth                        ``{"truth": {"<global key>": "Positive", ...}}``
POST     /_fake/workforce/config             ``{"error_rate": 0.1, "seed": 0, "mode": "manual", ...}``
POST     /_fake/workforce/step               ``{"n": 10, "project_id": "..."}`` - returns the labels made
GET      /_fake/queue/<project_id>           queued rows in labeling order
POST     /_fake/tasks                        ``{"polls_in_progress": 1}`` - tasks report IN_PROGRESS first
GET      /_fake/deliveries                   webhook deliveries so far
POST     /_fake/faults                       a fault rule (see :mod:`fake_labelbox.faults`) or a list
GET      /_fake/faults                       ``{"pending": [...], "fired": [...], "total_fired": n}``
DELETE   /_fake/faults                       clear (also ``POST /_fake/faults/clear``)
GET      /_fake/organizations                every organization with counts
POST     /_fake/organizations                ``{"name": "...", "seed": 1}`` - returns ``id`` and ``api_key``
POST     /_fake/organizations/<id>/keys      ``{"name": "..."}`` - a new key for the organization
GET      /_fake/keys                         every key (``?org=`` filters)
DELETE   /_fake/keys/<key>                   revoke, effective at once (also ``POST .../revoke``)
GET      /_fake/limits                       the request limits (see :mod:`fake_labelbox.limits`)
POST     /_fake/limits                       ``{"max_depth": 10, ...}`` - change some limits
=======  ==================================  ====================================================
"""

from __future__ import annotations

import functools
import hmac
import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .errors import FakeError, not_found
from .tenancy import Missing, Org

if TYPE_CHECKING:
    from .server import FakeLabelboxApp

FAULT_KINDS = ("rate_limit", "server_error")  # the original kinds; see faults.KINDS for all
ALL = "*"


def journaled(fn):
    """A state-changing admin method: runs as one command (journaled and committed with ``--db``)."""

    @functools.wraps(fn)
    def wrapper(self: Admin, *args: Any, **kwargs: Any) -> Any:
        return self.app.command("admin", fn.__name__, args, kwargs)

    wrapper.raw = fn  # type: ignore[attr-defined]
    return wrapper


class Admin:
    """Control the fake from Python; the HTTP routes below call exactly these methods."""

    def __init__(self, app: FakeLabelboxApp) -> None:
        self.app = app

    @property
    def state(self):
        return self.app.state

    @property
    def workforce(self):
        return self.app.workforce

    def _org(self, organization_id: str | None = None) -> Org:
        return self.app.tenants.get_org(organization_id)

    def _orgs(self, organization_id: str | None) -> list[Org]:
        if organization_id == ALL:
            return list(self.app.tenants.orgs.values())
        return [self._org(organization_id)]

    def _project_org(self, project_id: str, organization_id: str | None) -> Org:
        if organization_id:
            return self._org(organization_id)
        org = self.app.tenants.org_of_project(project_id)
        if org is None:
            raise not_found("Project", project_id)
        return org

    # ---- reading -----------------------------------------------------------------------------
    def health(self) -> dict:
        app = self.app
        with app.lock:
            st = app.state
            out = {"status": "ok", "seed": st.seed, "projects": len(st.projects), "data_rows": len(st.data_rows),
                   "labels": len(st.labels), "organizations": len(app.tenants.orgs),
                   "faults_pending": len(app.faults.pending), "durable": app.store is not None}
            if app.store is not None:
                out["store"] = app.store.stats()
            return out

    def digest(self) -> str:
        return self.app.digest()

    def queue(self, project_id: str, organization_id: str | None = None) -> list[dict]:
        """The project's queue in labeling order: ``[{data_row_id, global_key, priority, batch_id}]``."""
        with self.app.lock:
            st = self._project_org(project_id, organization_id).state
            return [{"data_row_id": e.data_row_id, "global_key": st.data_rows[e.data_row_id].global_key,
                     "priority": e.priority, "batch_id": e.batch_id, "number_of_labels": e.number_of_labels}
                    for e in st.queue_order(project_id)]

    def deliveries(self, organization_id: str | None = None) -> list[dict]:
        with self.app.lock:
            return [d for org in self._orgs(organization_id) for d in org.state.deliveries]

    def organizations(self) -> list[dict]:
        with self.app.lock:
            return [org.view() | {"default": org.id == self.app.tenants.default_org_id}
                    for org in self.app.tenants.orgs.values()]

    def keys(self, organization_id: str | None = None) -> list[dict]:
        with self.app.lock:
            return [k.view() for k in self.app.tenants.keys.values()
                    if organization_id is None or k.org_id == organization_id]

    # ---- state changes (journaled) ----------------------------------------------------------
    @journaled
    def reset(self, seed: int | None = None) -> None:
        """Forget everything (organizations, keys but the startup key, projects, rows, truth, labels,
        webhooks, faults); optionally seed ids/clock."""
        app = self.app
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")
        app.tenants.reset(seed, app.lock, app.env)
        app.faults.clear()

    def seed(self, seed: int) -> None:
        """Reset with a seed: ids come from ``random.Random(seed)`` and timestamps from a 1 ms/tick clock."""
        self.reset(seed)

    @journaled
    def register_truth(self, truth: dict[str, Any], organization_id: str | None = None) -> int:
        """Ground truth per global key: an option label/value (first radio classification) or {name: answer}."""
        if not isinstance(truth, dict):
            raise ValueError("truth must be an object mapping global keys to answers")
        orgs = self._orgs(organization_id)
        for org in orgs:
            org.state.truth.update(truth)
        return len(orgs[0].state.truth)

    @journaled
    def configure_workforce(self, organization_id: str | None = None, **config: Any) -> dict:
        return vars(self._org(organization_id).workforce.configure(**config))

    @journaled
    def step(self, n: int = 1, project_id: str | None = None, organization_id: str | None = None) -> list[dict]:
        """Let the labelers label ``n`` more rows (per project, or in ``project_id``), in queue order."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError("n must be a non-negative integer")
        if project_id is not None:
            return self._project_org(project_id, organization_id).workforce.step(n, project_id)
        return [m for org in self._orgs(organization_id) for m in org.workforce.step(n)]

    @journaled
    def set_task_polls(self, polls_in_progress: int, organization_id: str | None = None) -> None:
        """New tasks answer IN_PROGRESS this many times before COMPLETE (0, the default, is synchronous)."""
        self._org(organization_id).state.task_polls = int(polls_in_progress)

    @journaled
    def create_organization(self, name: str | None = None, seed: int | None = None,
                            key_name: str = "default") -> dict:
        """A new, empty organization and a first API key for it: ``{"id", "name", "api_key"}``."""
        if name is not None and not isinstance(name, str):
            raise ValueError("name must be a string")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")
        app = self.app
        org = app.tenants.create_org(name, seed, app.lock, app.env)
        key = app.tenants.issue_key(org.id, key_name, app.env)
        return {"id": org.id, "name": org.name, "api_key": key.key}

    @journaled
    def issue_key(self, organization_id: str | None = None, name: str = "") -> str:
        """A new API key for the organization (default: the default organization)."""
        app = self.app
        return app.tenants.issue_key(self._org(organization_id).id, str(name), app.env).key

    @journaled
    def revoke_key(self, api_key: str) -> dict:
        """Revoke a key: every later request with it fails with ``AUTHENTICATION_ERROR``."""
        return self.app.tenants.revoke_key(api_key).view()

    # ---- faults and limits (server controls, not persisted) ----------------------------------
    def inject_fault(self, kind: str, count: int = 1, operation: str | None = None, status: int | None = None,
                     latency_ms: int | None = None) -> dict:
        """The next ``count`` matching GraphQL requests fail (see :mod:`fake_labelbox.faults`)."""
        return self.app.faults.add(kind, count, operation, status, latency_ms)

    def faults(self) -> dict:
        return self.app.faults.view()

    def clear_faults(self) -> dict:
        return self.app.faults.clear()

    def take_fault(self) -> str | None:
        """Fire the first pending fault as if a request had come in (kept for old callers)."""
        rule = self.app.faults.take(None, ())
        return rule.kind if rule else None

    def limits(self) -> dict:
        return self.app.limits.view()

    def set_limits(self, **changes: Any) -> dict:
        self.app.limits.update(**changes)
        self.app.clear_document_cache()
        return self.app.limits.view()

    # ---- HTTP -------------------------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        try:
            if path != "health" and not self._admin_allowed(request):
                return _json({"message": "admin key required (header X-Fake-Admin-Key)"}, 403)
            body = request.get_json(silent=True)
            if body is None:
                body = {}
            org = request.args.get("org")
            if isinstance(body, dict):
                org = body.pop("organization_id", None) or org
            return self._route(request.method, path, body, org, request)
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            return _json({"message": str(e) or type(e).__name__}, 400)
        except Missing as e:
            return _json({"message": str(e)}, 404)
        except FakeError as e:
            code = (e.extensions or {}).get("code")
            return _json({"message": e.message, "code": code}, 404 if code == "RESOURCE_NOT_FOUND" else 400)

    def _admin_allowed(self, request: Request) -> bool:
        want = self.app.admin_key
        if not want:
            return True
        got = request.headers.get("X-Fake-Admin-Key", "")
        return hmac.compare_digest(got.encode(), want.encode())

    def _route(self, method: str, path: str, body: Any, org: str | None, request: Request) -> Response:
        parts = path.split("/")
        obj = body if isinstance(body, dict) else {}
        if method == "GET":
            if path == "health":
                return _json(self.health())
            if path == "digest":
                return _json({"digest": self.digest()})
            if parts[0] == "queue" and len(parts) == 2:
                return _json({"queue": self.queue(parts[1], org)})
            if path == "deliveries":
                return _json({"deliveries": self.deliveries(org)})
            if path == "faults":
                return _json(self.faults())
            if path == "organizations":
                return _json({"organizations": self.organizations()})
            if path == "keys":
                return _json({"keys": self.keys(org)})
            if path == "limits":
                return _json({"limits": self.limits()})
        elif method == "DELETE":
            if path == "faults":
                return _json(self.clear_faults())
            if parts[0] == "keys" and len(parts) == 2:
                return _json({"key": self.revoke_key(parts[1])})
        elif method == "POST":
            if path == "reset":
                self.reset(obj.get("seed", _int_arg(request, "seed")))
                return _json({"status": "ok"})
            if path == "seed":
                self.seed(int(obj.get("seed", _int_arg(request, "seed") or 0)))
                return _json({"status": "ok"})
            if path == "truth":
                truth = obj.get("truth", obj) if isinstance(body, dict) else body
                return _json({"registered": self.register_truth(truth, org)})
            if path == "workforce/config":
                return _json({"config": self.configure_workforce(org, **obj)})
            if path == "workforce/step":
                return _json({"labels": self.step(_int(obj.get("n", 1)), obj.get("project_id"), org)})
            if path == "tasks":
                self.set_task_polls(_int(obj.get("polls_in_progress", 0)), org)
                return _json({"status": "ok"})
            if path == "faults":
                rules = body if isinstance(body, list) else [body]
                added = [self.inject_fault(**_rule(r)) for r in rules]
                return _json({"status": "ok", "faults": added})
            if path == "faults/clear":
                return _json(self.clear_faults())
            if path == "organizations":
                return _json(self.create_organization(obj.get("name"), obj.get("seed")))
            if parts[0] == "organizations" and len(parts) == 3 and parts[2] == "keys":
                return _json({"api_key": self.issue_key(parts[1], obj.get("name", "")), "organization_id": parts[1]})
            if path == "keys":
                return _json({"api_key": self.issue_key(org, obj.get("name", "")), "organization_id": org})
            if parts[0] == "keys" and len(parts) == 3 and parts[2] == "revoke":
                return _json({"key": self.revoke_key(parts[1])})
            if path == "limits":
                return _json({"limits": self.set_limits(**obj)})
        return _json({"message": f"No admin route {method} /_fake/{path}"}, 404)


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


def _int_arg(request: Request, name: str) -> int | None:
    v = request.args.get(name)
    return int(v) if v is not None else None


def _json(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj), status=status, mimetype="application/json")
