"""Who may use the labelling page: a project's join links and the labellers who joined by them.

A join link's code is shared (a workshop shows it as a link and a QR code); opening it makes a new
:class:`Labeler` with a token of its own, drawn at random by the page (:mod:`fake_labelbox.labeling_ui`) and known
here only by its SHA-256, so neither the state nor its journal holds a usable token. The token, not anything the browser says, decides whose leases a request may use and
which rows it may see (``max_priority``); the project's owner revokes one labeller without touching the others.
"""

from __future__ import annotations

import hashlib
import hmac

from ..errors import Missing, Refused
from .entities import JoinLink, Labeler

TOKEN_BYTES = 24  # join codes and tokens: 192 random bits
MAX_LABELERS = 1000  # per project: a class's tabs, with room to spare; joining past it is refused


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LabelingMixin:
    """Join links and labellers (tables ``join_links``: code -> link, ``labelers``: id -> labeller)."""

    def join_link(self, project_id: str, max_priority: int | None = None) -> JoinLink:
        """The project's live join link for ``max_priority``, made on first use (so it survives restarts)."""
        self.project(project_id)
        if max_priority is not None and (isinstance(max_priority, bool) or not isinstance(max_priority, int)):
            raise ValueError("max_priority must be an integer")
        link = self.find_join_link(project_id, max_priority)
        if link is None:
            link = JoinLink(self.env.token(TOKEN_BYTES), project_id, max_priority, self.now())
            self.join_links[link.code] = link
        return link

    def find_join_link(self, project_id: str, max_priority: int | None) -> JoinLink | None:
        return next((v for v in self.join_links.values()
                     if v.project_id == project_id and v.max_priority == max_priority and not v.revoked), None)

    def valid_join_link(self, project_id: str, code: str) -> JoinLink | None:
        link = self.join_links.get(code) if code else None
        if link is None or link.revoked or link.project_id != project_id:
            return None
        return link

    def join_labeling(self, project_id: str, code: str, token_hash: str, name: str = "") -> Labeler:
        """A new labeller for whoever holds a live join ``code``, known by their token's SHA-256 (the token itself is
        drawn by the page's server and never reaches the state or its journal)."""
        link = self.valid_join_link(project_id, code)
        if link is None:
            raise Refused(403, "This labelling link is not valid (ask for the workshop's link)")
        if sum(1 for v in self.labelers.values() if v.project_id == project_id) >= MAX_LABELERS:
            raise Refused(429, f"This project already has {MAX_LABELERS} labellers")
        return self.create("labelers", Labeler, project_id=project_id, token_sha256=token_hash,
                           max_priority=link.max_priority, name=str(name)[:40])

    def labeler_for_token(self, project_id: str, token: str) -> Labeler | None:
        """The live labeller holding ``token`` on ``project_id`` (None: unknown, revoked or another project's)."""
        if not token:
            return None
        want = token_sha256(token)
        for labeler in self.labelers.values():  # a class's worth of labellers; compared in constant time
            if hmac.compare_digest(labeler.token_sha256, want):
                return None if labeler.revoked or labeler.project_id != project_id else labeler
        return None

    def revoke_labeler(self, project_id: str, labeler_id: str) -> Labeler:
        """End one labeller's token at once; their labels stay."""
        labeler = self.labelers.get(labeler_id)
        if labeler is None or labeler.project_id != project_id:
            raise Missing(f"No labeller {labeler_id} on project {project_id}")
        if not labeler.revoked:
            labeler.revoked, labeler.updated_at = True, self.now()
        return labeler
