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

Who may label (:mod:`fake_labelbox.models.labeling`): the project's owner makes a *join link*
(:meth:`LabelingUI.join_link`, ``/label/<project_id>?join=CODE``; a workshop shows it as a link and a QR code).
Opening it makes the page ``POST .../join``, and the server draws a random *labelling token* for that tab, a new
labeller, kept only as its SHA-256 in the journaled state (the token is in neither the state nor the journal), so it
survives restarts; the owner can revoke one labeller
(:meth:`LabelingUI.revoke`). Every other call carries the token in the header ``X-Labeling-Token`` (which a
cross-site page cannot send, and which no log or referrer shows), checked before the body is read, and
the server decides from it alone who the labeller is (leases are theirs), which rows they may see and answer (the
link's ``max_priority``), and refuses an answer to a row not leased to them. No API key is ever shown to the page,
and a token is no API key (GraphQL refuses it). A POST needs a JSON body of at most :data:`MAX_BODY_BYTES`,
refused by its declared length before it is read (a chunked body is cut off at the bound).

Routes (mounted under ``/label/`` by :class:`~fake_labelbox.app.FakeLabelboxApp`)::

    GET  /label/<project_id>?join=CODE                             the page (static/label.html)
    POST /label/<project_id>/join    {"code", "name"}   -> {"token", "labeler", "max_priority"}
    GET  /label/<project_id>/next    -> {"row": {data_row_id, global_key, row_data, priority, lease_seconds} | null,
                                         "options": [...], "classification": ..., "queued": n, "available": n,
                                         "labeled_by_you": n}
    POST /label/<project_id>/answer  {"data_row_id", "answer", "name"}  -> {"label_id", ...}
    POST /label/<project_id>/skip    {"data_row_id"}
    GET  /label/<project_id>/status  -> leases held, labels per labeller, paused

The project's owner (a workshop's teacher, in process) can free every lease (:meth:`LabelingUI.release`) and
pause the page (:meth:`LabelingUI.set_paused`): a paused page serves no new row (``"paused": true``), while an
answer to a row already on screen still counts.

``name`` (optional) becomes the label's ``created_by`` (``<name>@workshop.local``; without one, the labeller's id).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from .errors import Refused
from .models.entities import Labeler
from .models.export import find_option
from .models.labeling import TOKEN_BYTES, token_sha256
from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

PREFIX = "/label/"
COMMAND = "labeling_ui.answer"
DEFAULT_TTL = 120.0
MAX_BODY_BYTES = 16 * 1024  # the page's own bodies are under 1 KB
NO_STORE = {"Cache-Control": "no-store"}
TOKEN_HEADER = "X-Labeling-Token"
STATIC = Path(__file__).parent / "static"
_NAME_OK = re.compile(r"[^a-z0-9._-]+")


def join_path(project_id: str, code: str) -> str:
    """The page's path and query for a join link's code (append it to the fake's base URL)."""
    return f"{PREFIX}{project_id}?join={code}"


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
        # before the journal is replayed
        app.journal.register(COMMAND, self._cmd_answer)
        app.journal.register("labeling_ui.join_link", self._cmd_join_link)
        app.journal.register("labeling_ui.join", self._cmd_join)
        app.journal.register("labeling_ui.revoke", self._cmd_revoke)

    # ---- lookups (under the app lock) -----------------------------------------------------------
    def _org(self, project_id: str):
        org = self.app.tenants.org_of_project(project_id)
        if org is None or org.state.projects[project_id].deleted:
            raise Refused(404, f"No project {project_id}")
        return org

    def _labeler(self, project_id: str, token: str) -> Labeler:
        """The live labeller ``token`` belongs to; 403 for anything else."""
        with self.app.lock:
            labeler = self._org(project_id).state.labeler_for_token(project_id, token)
        if labeler is None:
            raise Refused(403, "This labelling link is not valid or was revoked (ask for the workshop's link)")
        return labeler

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

    # ---- who may label (the owner's side) -------------------------------------------------------
    def join_link(self, project_id: str, max_priority: int | None = None) -> str:
        """The code of the project's join link for ``max_priority`` (made, and journaled, on first use)."""
        with self.app.lock:
            link = self._org(project_id).state.find_join_link(project_id, max_priority)
        if link is not None:
            return link.code
        org_id = self._org_id(project_id)
        return self.app.journal.command("labeling_ui.join_link", org_id, project_id, max_priority)

    def _cmd_join_link(self, org_id: str, project_id: str, max_priority: int | None) -> str:
        return self.app.tenants.orgs[org_id].state.join_link(project_id, max_priority).code

    def revoke(self, project_id: str, labeler_id: str) -> dict:
        """End one labeller's token at once (their lease too); their labels stay."""
        out = self.app.journal.command("labeling_ui.revoke", self._org_id(project_id), project_id, labeler_id)
        with self.leases.lock:
            mine = self.leases.current(project_id, labeler_id)
            if mine is not None:
                self.leases.release(project_id, mine.data_row_id, labeler_id)
        return out

    def _cmd_revoke(self, org_id: str, project_id: str, labeler_id: str) -> dict:
        return _view(self.app.tenants.orgs[org_id].state.revoke_labeler(project_id, labeler_id))

    def _org_id(self, project_id: str) -> str:
        with self.app.lock:
            return self._org(project_id).id

    # ---- the JSON API ---------------------------------------------------------------------------
    def join(self, project_id: str, code: str, name: str = "") -> dict:
        """A new labeller for whoever holds the join link's ``code``: their token (seen only in this answer)."""
        with self.app.lock:  # a wrong code is refused before anything is journaled
            org = self._org(project_id)
            if org.state.valid_join_link(project_id, code) is None:
                raise Refused(403, "This labelling link is not valid (ask for the workshop's link)")
        token = secrets.token_urlsafe(TOKEN_BYTES)  # drawn here: only its hash is journaled
        joined = self.app.journal.command("labeling_ui.join", org.id, project_id, code, token_sha256(token), name)
        return {"token": token} | joined

    def _cmd_join(self, org_id: str, project_id: str, code: str, token_hash: str, name: str) -> dict:
        labeler = self.app.tenants.orgs[org_id].state.join_labeling(project_id, code, token_hash, name)
        return {"labeler": labeler.id, "max_priority": labeler.max_priority}

    def next_row(self, project_id: str, labeler: Labeler) -> dict:
        """Lease the next free row the labeller may see to them (their current lease if they hold one)."""
        who = labeler.id
        paused = project_id in self.paused
        with self.leases.lock:
            with self.app.lock:
                org = self._org(project_id)
                st = org.state
                project = st.projects[project_id]
                radio = self._radio(st, project)
                queue = st.queue_order(project_id, labeler.max_priority)
                queued = {e.data_row_id for e in queue}
                mine = self.leases.current(project_id, who)
                chosen = None
                if mine is not None and mine.data_row_id in queued:
                    chosen = next(e for e in queue if e.data_row_id == mine.data_row_id)
                    mine.expires = self.leases.clock() + self.leases.ttl
                free = [e for e in queue if self.leases.holder(project_id, e.data_row_id) in (None, who)]
                if chosen is None and not paused:
                    skipped = self.leases.skipped.get((project_id, who), set())
                    chosen = next((e for e in free if e.data_row_id not in skipped), None)
                    if chosen is None and skipped and free:  # skipped rows come back once nothing else is left
                        skipped.clear()
                        chosen = next(iter(free), None)
                    if chosen is None and mine is not None:
                        self.leases.release(project_id, mine.data_row_id, who)
                    if chosen is not None:
                        self.leases.take(project_id, chosen.data_row_id, who)
                row = None
                if chosen is not None:
                    dr = st.data_rows[chosen.data_row_id]
                    row = {"data_row_id": dr.id, "global_key": dr.global_key, "external_id": dr.external_id,
                           "row_data": dr.row_data, "priority": chosen.priority, "lease_seconds": self.leases.ttl}
                mine_count = self.done.get((project_id, who), 0)
                return {"row": row, "classification": radio.get("name") or radio.get("instructions"),
                        "instructions": radio.get("instructions"), "options": self._options(radio),
                        "queued": len(queue), "available": len(free), "labeled_by_you": mine_count,
                        "project": project.name, "paused": paused}

    def answer(self, project_id: str, labeler: Labeler, data_row_id: str, answer: Any, name: str = "") -> dict:
        """Record ``answer`` (an option label, value or index) for a row leased to ``labeler``."""
        if not data_row_id:
            raise Refused(400, "data_row_id is required")
        who = labeler.id
        with self.leases.lock:
            holder = self.leases.holder(project_id, data_row_id)
            if holder != who:
                raise Refused(409, "Another labeller is working on this row" if holder else
                              "This row is not reserved for you: answer the row the page shows you")
            org_id = self._org_id(project_id)
            created_by = f"{_clean_name(name)}@workshop.local" if name else _labeler_tag(who)
            out = self.app.journal.command(COMMAND, org_id, project_id, data_row_id, answer, created_by, who,
                                           labeler.max_priority)
            self.leases.release(project_id, data_row_id)
            self.done[(project_id, who)] = self.done.get((project_id, who), 0) + 1
            skipped = self.leases.skipped.get((project_id, who))
            if skipped:
                skipped.discard(data_row_id)
            return out

    def _cmd_answer(self, org_id: str, project_id: str, data_row_id: str, answer: Any, created_by: str,
                    labeler: str, max_priority: int | None) -> dict:
        """The journaled part: validate and create the label (runs under the app lock, also on replay)."""
        st = self.app.tenants.orgs[org_id].state
        project = st.project(project_id)
        entry = project.queue.get(data_row_id)
        if entry is None:
            labeled = data_row_id in project.labels
            raise Refused(409, "This row is already labelled" if labeled else "This row is not in the queue")
        if max_priority is not None and entry.priority > max_priority:
            raise Refused(409, "This row is no longer asked for (the round moved on): take the next one")
        radio = self._radio(st, project)
        option = find_option(radio, answer)
        if option is None:
            raise Refused(400, f"{answer!r} is not an option of {radio.get('name')!r}")
        given = [{"name": radio.get("name") or radio.get("instructions"),
                  "answer": option.get("label") or option.get("value")}]
        lab = st.add_label(project_id, data_row_id, given, created_by, "workforce")
        return {"label_id": lab.id, "data_row_id": data_row_id, "global_key": st.data_rows[data_row_id].global_key,
                "answer": given[0]["answer"], "created_by": created_by}

    def skip(self, project_id: str, labeler: Labeler, data_row_id: str) -> dict:
        with self.leases.lock:
            self.leases.release(project_id, data_row_id, labeler.id)
            self.leases.skipped.setdefault((project_id, labeler.id), set()).add(data_row_id)
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
        """Leases, labels per ``created_by``, the labellers who joined (``labels``: given through the page since
        the server started), the queue's length and the pause."""
        with self.leases.lock:
            live = self.leases.live(project_id)
            with self.app.lock:
                st = self._org(project_id).state
                by: dict[str, int] = {}
                for lab in st.labels.values():
                    if lab.project_id == project_id:
                        by[lab.created_by] = by.get(lab.created_by, 0) + 1
                queued = len(st.projects[project_id].queue)
                labelers = [_view(v) | {"labels": self.done.get((project_id, v.id), 0)}
                            for v in st.labelers.values() if v.project_id == project_id]
        return {"leases": [{"data_row_id": v.data_row_id, "labeler": v.labeler} for v in live],
                "labels_by_labeler": by, "queued": queued, "paused": project_id in self.paused,
                "labelers": labelers}

    # ---- HTTP -----------------------------------------------------------------------------------
    def handle(self, request: Request, path: str) -> Response:
        """``path``: what follows ``/label/``."""
        parts = path.strip("/").split("/")
        try:
            if not parts[0]:
                raise Refused(404, "Open the labelling link you were given (it names a project)")
            project_id = parts[0]
            action = parts[1] if len(parts) > 1 else ""
            if action == "" and request.method == "GET":
                with self.app.lock:
                    if self._org(project_id).state.valid_join_link(project_id, request.args.get("join", "")) is None:
                        raise Refused(403, "This labelling link is not valid (ask for the workshop's link)")
                html = (STATIC / "label.html").read_text(encoding="utf-8")
                return Response(html, mimetype="text/html", headers=NO_STORE)
            if action == "join" and request.method == "POST":
                body = _json_body(request)
                return _json(self.join(project_id, str(body.get("code") or ""), str(body.get("name") or "")))
            # the token, in a header a cross-site page cannot send, is checked before any body is read
            labeler = self._labeler(project_id, request.headers.get(TOKEN_HEADER, ""))
            body = _json_body(request) if request.method == "POST" else {}
            if action == "next" and request.method == "GET":
                return _json(self.next_row(project_id, labeler))
            if action == "answer" and request.method == "POST":
                return _json(self.answer(project_id, labeler, str(body.get("data_row_id") or ""), body.get("answer"),
                                         str(body.get("name") or "")))
            if action == "skip" and request.method == "POST":
                return _json(self.skip(project_id, labeler, str(body.get("data_row_id") or "")))
            if action == "status" and request.method == "GET":
                return _json(self.status(project_id))
            raise Refused(404, f"No labelling route {request.method} {request.path}")
        except Refused as e:
            return _json({"message": e.message}, e.status,
                         {"Connection": "close"} if e.status == 413 else {})


def _json_body(request: Request) -> dict:
    """A POST's JSON object, refused by its declared length before anything is read; a chunked body is read only up
    to :data:`MAX_BODY_BYTES`."""
    too_large = Refused(413, f"Request body larger than {MAX_BODY_BYTES} bytes")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise too_large
    if request.mimetype != "application/json":
        raise Refused(415, "The labelling page's calls need a JSON body (Content-Type: application/json)")
    request.max_content_length = MAX_BODY_BYTES + 1  # a chunked body is read up to one byte past the bound
    try:
        if len(request.get_data(cache=True)) > MAX_BODY_BYTES:
            raise too_large
    except RequestEntityTooLarge:
        raise too_large from None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _view(labeler: Labeler) -> dict:
    """A labeller as the owner sees one (never their token)."""
    return {"labeler": labeler.id, "name": labeler.name, "joined_at": labeler.created_at,
            "max_priority": labeler.max_priority, "revoked": labeler.revoked}


def _clean_name(name: str) -> str:
    return _NAME_OK.sub("-", name.strip().lower())[:40].strip("-") or "student"


def _labeler_tag(labeler: str) -> str:
    return f"{_clean_name(labeler)}@workshop.local"


def _json(obj: Any, status: int = 200, headers: dict | None = None) -> Response:
    return json_response(obj, status, {**NO_STORE, **(headers or {})})
