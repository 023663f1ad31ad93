"""A labelling page for people (a workshop's students), served by the fake on its own port.

The page shows the next queued row of a project (lowest priority number first, as the workforce takes them),
with one button per option of the project's first radio classification, keyboard shortcuts (``1``/``←`` for the
first option, ``2``/``→`` for the second, ``1``-``9`` in general; ``s``/``↓`` skips) and a skip button. An answer
becomes a real label in the fake, created by :meth:`State.add_label` inside a journaled command exactly as the
simulated workforce's labels are: it leaves the queue, appears in exports and fires ``LABEL_CREATED`` webhooks,
and with ``--db`` it survives a crash or restart.

Several people can label at once. A row handed to a labeller is *leased* to them for ``ttl`` seconds (default
120): no other labeller is served it while the lease runs. Answering or skipping ends the lease; an abandoned
lease simply expires. Leases are kept here, under their own lock, and are not persisted (after a restart every
queued row is free again, which loses nothing: a label is either recorded or not).

Authentication: GraphQL keeps the fake's API keys. The page and its JSON API take a *labelling token* instead
(``?token=``), derived from an API key of the project's organization and the project id
(:func:`labeling_token`), so students never see an API key, the token survives restarts, and revoking the key
revokes the page.

Routes (mounted under ``/label/`` by :class:`~fake_labelbox.app.FakeLabelboxApp`)::

    GET  /label/<project_id>?token=T[&max_priority=P]       the page (static/label.html)
    GET  /label/<project_id>/next?token=T&labeler=L[&max_priority=P][&name=N]
         -> {"row": {data_row_id, global_key, row_data, priority, lease_seconds} | null, "options": [...],
             "classification": ..., "queued": n, "available": n, "labeled_by_you": n}
    POST /label/<project_id>/answer  {"token", "labeler", "data_row_id", "answer", "name"}  -> {"label_id", ...}
    POST /label/<project_id>/skip    {"token", "labeler", "data_row_id"}
    GET  /label/<project_id>/status?token=T   -> leases held, labels per labeller, paused

The project's owner (a workshop's teacher, in process) can free every lease (:meth:`LabelingUI.release`) and
pause the page (:meth:`LabelingUI.set_paused`): a paused page serves no new row (``"paused": true``), while an
answer to a row already on screen still counts.

``labeler`` is an opaque id the page draws once per browser tab; ``name`` (optional) becomes the label's
``created_by`` (``<name>@workshop.local``). ``max_priority`` limits the page to rows at that priority or better
(a workshop shows only the rows the model asked for; the page waits when none are left).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .errors import Refused
from .models.export import find_option
from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

PREFIX = "/label/"
COMMAND = "labeling_ui.answer"
DEFAULT_TTL = 120.0
NO_STORE = {"Cache-Control": "no-store"}
STATIC = Path(__file__).parent / "static"
_NAME_OK = re.compile(r"[^a-z0-9._-]+")


def labeling_token(api_key: str, project_id: str) -> str:
    """The token that opens a project's labelling page, for an API key of the project's organization."""
    mac = hmac.new(api_key.encode(), f"fake-labelbox labeling page {project_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def labeling_path(api_key: str, project_id: str, max_priority: int | None = None) -> str:
    """The page's path and query (append it to the fake's base URL)."""
    path = f"{PREFIX}{project_id}?token={labeling_token(api_key, project_id)}"
    return path if max_priority is None else f"{path}&max_priority={int(max_priority)}"


@dataclass
class Lease:
    data_row_id: str
    labeler: str
    expires: float


class Leases:
    """Who is labelling which row: at most one live lease per row and one per labeller (per project)."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.lock = threading.Lock()
        self.by_row: dict[tuple[str, str], Lease] = {}  # (project, row) -> lease
        self.by_labeler: dict[tuple[str, str], Lease] = {}  # (project, labeler) -> lease
        self.skipped: dict[tuple[str, str], set[str]] = {}  # (project, labeler) -> rows they skipped

    # all methods below are called with self.lock held
    def _unexpired(self, project_id: str, lease: Lease | None) -> Lease | None:
        """``lease`` while it runs; an expired lease is dropped (None)."""
        if lease is not None and lease.expires <= self.clock():
            self._drop(project_id, lease)
            return None
        return lease

    def _drop(self, project_id: str, lease: Lease) -> None:
        if self.by_row.get((project_id, lease.data_row_id)) is lease:
            del self.by_row[(project_id, lease.data_row_id)]
        if self.by_labeler.get((project_id, lease.labeler)) is lease:
            del self.by_labeler[(project_id, lease.labeler)]

    def holder(self, project_id: str, row_id: str) -> str | None:
        lease = self._unexpired(project_id, self.by_row.get((project_id, row_id)))
        return lease.labeler if lease else None

    def current(self, project_id: str, labeler: str) -> Lease | None:
        return self._unexpired(project_id, self.by_labeler.get((project_id, labeler)))

    def take(self, project_id: str, row_id: str, labeler: str) -> Lease:
        old = self.by_labeler.get((project_id, labeler))
        if old is not None:
            self._drop(project_id, old)
        lease = Lease(row_id, labeler, self.clock() + self.ttl)
        self.by_row[(project_id, row_id)] = lease
        self.by_labeler[(project_id, labeler)] = lease
        return lease

    def release(self, project_id: str, row_id: str, labeler: str | None = None) -> None:
        lease = self.by_row.get((project_id, row_id))
        if lease is not None and (labeler is None or lease.labeler == labeler):
            self._drop(project_id, lease)

    def live(self, project_id: str) -> list[Lease]:
        now = self.clock()
        return [v for (p, _), v in self.by_row.items() if p == project_id and v.expires > now]


class LabelingUI:
    """The page and its JSON API, bound to one :class:`FakeLabelboxApp`."""

    def __init__(self, app: FakeLabelboxApp, ttl: float = DEFAULT_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.leases = Leases(ttl, clock)
        self.done: dict[tuple[str, str], int] = {}  # (project, labeler) -> labels given through the page
        self.paused: set[str] = set()  # projects whose page serves no new row
        app.journal.register(COMMAND, self._cmd_answer)  # before the journal is replayed

    # ---- lookups (under the app lock) -----------------------------------------------------------
    def _org(self, project_id: str):
        org = self.app.tenants.org_of_project(project_id)
        if org is None or org.state.projects[project_id].deleted:
            raise Refused(404, f"No project {project_id}")
        return org

    def _check_token(self, project_id: str, token: str) -> Any:
        with self.app.lock:
            org = self._org(project_id)
            keys = [k.key for k in self.app.tenants.keys.values() if k.org_id == org.id and not k.revoked]
        if not token or not any(hmac.compare_digest(token, labeling_token(k, project_id)) for k in keys):
            raise Refused(403, "This labelling link is not valid (ask for the workshop's link)")
        return org

    @staticmethod
    def _radio(st, project) -> dict:
        ontology = st.ontologies.get(project.ontology_id or "")
        classes = [] if ontology is None else ontology.normalized.get("classifications", [])
        radio = next((c for c in classes if c.get("type", "radio") == "radio" and c.get("options")), None)
        if radio is None:
            raise Refused(409, "The project has no radio classification to answer yet")
        return radio

    @staticmethod
    def _options(radio: dict) -> list[dict]:
        return [{"label": o.get("label"), "value": o.get("value")} for o in radio.get("options", [])]

    # ---- the JSON API ---------------------------------------------------------------------------
    def next_row(self, project_id: str, labeler: str, max_priority: int | None = None) -> dict:
        """Lease the next free row to ``labeler`` (their current lease if they hold one)."""
        if not labeler:
            raise Refused(400, "labeler is required")
        paused = project_id in self.paused
        with self.leases.lock:
            with self.app.lock:
                org = self._org(project_id)
                st = org.state
                project = st.projects[project_id]
                radio = self._radio(st, project)
                queue = st.queue_order(project_id, max_priority)
                queued = {e.data_row_id for e in queue}
                mine = self.leases.current(project_id, labeler)
                chosen = None
                if mine is not None and mine.data_row_id in queued:
                    chosen = next(e for e in queue if e.data_row_id == mine.data_row_id)
                    mine.expires = self.leases.clock() + self.leases.ttl
                free = [e for e in queue if self.leases.holder(project_id, e.data_row_id) in (None, labeler)]
                if chosen is None and not paused:
                    skipped = self.leases.skipped.get((project_id, labeler), set())
                    chosen = next((e for e in free if e.data_row_id not in skipped), None)
                    if chosen is None and skipped and free:  # skipped rows come back once nothing else is left
                        skipped.clear()
                        chosen = next(iter(free), None)
                    if chosen is None and mine is not None:
                        self.leases.release(project_id, mine.data_row_id, labeler)
                    if chosen is not None:
                        self.leases.take(project_id, chosen.data_row_id, labeler)
                row = None
                if chosen is not None:
                    dr = st.data_rows[chosen.data_row_id]
                    row = {"data_row_id": dr.id, "global_key": dr.global_key, "external_id": dr.external_id,
                           "row_data": dr.row_data, "priority": chosen.priority, "lease_seconds": self.leases.ttl}
                mine_count = self.done.get((project_id, labeler), 0)
                return {"row": row, "classification": radio.get("name") or radio.get("instructions"),
                        "instructions": radio.get("instructions"), "options": self._options(radio),
                        "queued": len(queue), "available": len(free), "labeled_by_you": mine_count,
                        "project": project.name, "paused": paused}

    def answer(self, project_id: str, labeler: str, data_row_id: str, answer: Any, name: str = "") -> dict:
        """Record ``answer`` (an option label, value or index) for a row leased to ``labeler`` (or free)."""
        if not labeler or not data_row_id:
            raise Refused(400, "labeler and data_row_id are required")
        with self.leases.lock:
            holder = self.leases.holder(project_id, data_row_id)
            if holder not in (None, labeler):
                raise Refused(409, "Another labeller is working on this row")
            with self.app.lock:
                org = self._org(project_id)
            created_by = f"{_clean_name(name)}@workshop.local" if name else _labeler_tag(labeler)
            out = self.app.journal.command(COMMAND, org.id, project_id, data_row_id, answer, created_by, labeler)
            self.leases.release(project_id, data_row_id)
            self.done[(project_id, labeler)] = self.done.get((project_id, labeler), 0) + 1
            skipped = self.leases.skipped.get((project_id, labeler))
            if skipped:
                skipped.discard(data_row_id)
            return out

    def _cmd_answer(self, org_id: str, project_id: str, data_row_id: str, answer: Any, created_by: str,
                    labeler: str) -> dict:
        """The journaled part: validate and create the label (runs under the app lock, also on replay)."""
        st = self.app.tenants.orgs[org_id].state
        project = st.project(project_id)
        if data_row_id not in project.queue:
            labeled = data_row_id in project.labels
            raise Refused(409, "This row is already labelled" if labeled else "This row is not in the queue")
        radio = self._radio(st, project)
        option = find_option(radio, answer)
        if option is None:
            raise Refused(400, f"{answer!r} is not an option of {radio.get('name')!r}")
        given = [{"name": radio.get("name") or radio.get("instructions"),
                  "answer": option.get("label") or option.get("value")}]
        lab = st.add_label(project_id, data_row_id, given, created_by, "workforce")
        return {"label_id": lab.id, "data_row_id": data_row_id, "global_key": st.data_rows[data_row_id].global_key,
                "answer": given[0]["answer"], "created_by": created_by}

    def skip(self, project_id: str, labeler: str, data_row_id: str) -> dict:
        with self.leases.lock:
            self.leases.release(project_id, data_row_id, labeler)
            self.leases.skipped.setdefault((project_id, labeler), set()).add(data_row_id)
        return {"skipped": data_row_id}

    def release(self, project_id: str) -> int:
        """End every lease on the project's rows (tabs left open on a row); returns how many ended."""
        with self.leases.lock:
            live = self.leases.live(project_id)
            for lease in live:
                self.leases.release(project_id, lease.data_row_id)
        return len(live)

    def set_paused(self, project_id: str, paused: bool) -> bool:
        """Pause the project's page (no new row is served; rows on screen keep their lease) or resume it."""
        with self.leases.lock:
            (self.paused.add if paused else self.paused.discard)(project_id)
        return paused

    def status(self, project_id: str) -> dict:
        with self.leases.lock:
            live = self.leases.live(project_id)
            with self.app.lock:
                st = self._org(project_id).state
                by: dict[str, int] = {}
                for lab in st.labels.values():
                    if lab.project_id == project_id:
                        by[lab.created_by] = by.get(lab.created_by, 0) + 1
                queued = len(st.projects[project_id].queue)
        return {"leases": [{"data_row_id": v.data_row_id, "labeler": v.labeler} for v in live],
                "labels_by_labeler": by, "queued": queued, "paused": project_id in self.paused}

    # ---- HTTP -----------------------------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        """``path``: what follows ``/label/``."""
        parts = path.strip("/").split("/")
        try:
            if not parts[0]:
                raise Refused(404, "Open the labelling link you were given (it names a project)")
            project_id = parts[0]
            action = parts[1] if len(parts) > 1 else ""
            body = request.get_json(silent=True) if request.method == "POST" else None
            body = body if isinstance(body, dict) else {}
            args = request.args

            def arg(name: str, default: Any = None) -> Any:
                return body.get(name, args.get(name, default))

            if action == "" and request.method == "GET":
                self._check_token(project_id, args.get("token", ""))
                html = (STATIC / "label.html").read_text(encoding="utf-8")
                return Response(html, mimetype="text/html", headers=NO_STORE)
            self._check_token(project_id, str(arg("token", "") or request.headers.get("X-Labeling-Token", "")))
            if action == "next" and request.method == "GET":
                return _json(self.next_row(project_id, str(arg("labeler", "")), _priority(arg("max_priority"))))
            if action == "answer" and request.method == "POST":
                return _json(self.answer(project_id, str(arg("labeler", "")), str(arg("data_row_id", "")),
                                         arg("answer"), str(arg("name", "") or "")))
            if action == "skip" and request.method == "POST":
                return _json(self.skip(project_id, str(arg("labeler", "")), str(arg("data_row_id", ""))))
            if action == "status" and request.method == "GET":
                return _json(self.status(project_id))
            raise Refused(404, f"No labelling route {request.method} {request.path}")
        except Refused as e:
            return _json({"message": e.message}, e.status)


def _priority(v: Any) -> int | None:
    if v in (None, ""):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        raise Refused(400, "max_priority must be an integer") from None


def _clean_name(name: str) -> str:
    return _NAME_OK.sub("-", name.strip().lower())[:40].strip("-") or "student"


def _labeler_tag(labeler: str) -> str:
    return f"{_clean_name(labeler)}@workshop.local"


def _json(obj: Any, status: int = 200) -> Response:
    return json_response(obj, status, NO_STORE)
