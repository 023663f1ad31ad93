"""The admin API (moto's ``/moto-api`` analogue) as Python methods: reset, seed, ground truth, the simulated
workforce, task polls, faults, limits, organizations and keys, the labelling page's join links and labellers. ``FakeLabelbox`` exposes them; the HTTP routes
under ``/_fake/`` (:mod:`fake_labelbox.admin_api`) call exactly these methods.

Methods that change the state are journaled commands (``@journaled``: committed with ``--db`` and replayed on
restart); faults and limits are server controls and are not persisted.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .errors import not_found
from .models.tenancy import Org

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

ALL = "*"


def journaled(fn):
    """A state-changing admin method: runs as one command (journaled and committed with ``--db``)."""

    @functools.wraps(fn)
    def wrapper(self: Admin, *args: Any, **kwargs: Any) -> Any:
        return self.app.journal.command("admin", fn.__name__, args, kwargs)

    wrapper.raw = fn  # type: ignore[attr-defined]
    return wrapper


class Admin:
    """Control the fake from Python; the HTTP routes below call exactly these methods."""

    def __init__(self, app: FakeLabelboxApp) -> None:
        self.app = app
        app.journal.register("admin", self._run)

    def _run(self, method: str, args: tuple, kwargs: dict) -> Any:
        """The ``admin`` command: a journaled method's body (also when the journal is replayed)."""
        return getattr(Admin, method).raw(self, *args, **kwargs)

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
                   "faults_pending": len(app.faults.pending), "durable": app.journal.store is not None}
            if app.journal.store is not None:
                out["store"] = app.journal.store.stats()
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

    def flush_deliveries(self, timeout: float = 30.0) -> bool:
        """Wait until every webhook delivery queued so far is recorded; False if ``timeout`` seconds pass first."""
        return self.app.journal.courier.flush(timeout)

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
        app.tenants.reset(seed, app.lock, app.journal.env)
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
    def set_task_polls(self, polls_in_progress: int, organization_id: str | None = None,
                       task_type: str | None = None) -> None:
        """New tasks (of ``task_type`` only, e.g. ``export-data-rows``, when given) answer IN_PROGRESS this many
        times before COMPLETE (0, the default, is synchronous)."""
        state = self._org(organization_id).state
        if task_type is None:
            state.task_polls = int(polls_in_progress)
        elif isinstance(task_type, str):
            state.task_polls_by_type[task_type] = int(polls_in_progress)
        else:
            raise ValueError("type must be a task type such as 'export-data-rows'")

    @journaled
    def create_organization(self, name: str | None = None, seed: int | None = None,
                            key_name: str = "default") -> dict:
        """A new, empty organization and a first API key for it: ``{"id", "name", "api_key"}``."""
        if name is not None and not isinstance(name, str):
            raise ValueError("name must be a string")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")
        app = self.app
        org = app.tenants.create_org(name, seed, app.lock, app.journal.env)
        key = app.tenants.issue_key(org.id, key_name, app.journal.env)
        return {"id": org.id, "name": org.name, "api_key": key.key}

    @journaled
    def issue_key(self, organization_id: str | None = None, name: str = "") -> str:
        """A new API key for the organization (default: the default organization)."""
        app = self.app
        return app.tenants.issue_key(self._org(organization_id).id, str(name), app.journal.env).key

    @journaled
    def revoke_key(self, api_key: str) -> dict:
        """Revoke a key: every later request with it fails with ``AUTHENTICATION_ERROR``."""
        return self.app.tenants.revoke_key(api_key).view()

    # ---- the labelling page's labellers (journaled by the page itself) --------------------------
    def labeling_link(self, project_id: str, max_priority: int | None = None) -> str:
        """The code of the project's join link for ``max_priority`` (``/label/<project_id>?join=CODE``)."""
        return self.app.labeling_ui.join_link(project_id, max_priority)

    def labeling_status(self, project_id: str) -> dict:
        """The page's leases, labellers, labels per labeller and pause."""
        return self.app.labeling_ui.status(project_id)

    def revoke_labeler(self, project_id: str, labeler_id: str) -> dict:
        """End one labeller's token (and lease) at once; their labels stay."""
        return self.app.labeling_ui.revoke(project_id, labeler_id)

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
        return self.app.limits.update(**changes).view()
