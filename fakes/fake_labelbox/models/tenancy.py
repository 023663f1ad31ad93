"""Organizations and API keys: one :class:`~fake_labelbox.state.State` per organization.

Each organization has its own entity tables, ids, clock, global keys, files and workforce, so one
organization's ids simply do not exist for another's keys (``RESOURCE_NOT_FOUND``, exactly as for an id
that was never issued). All organizations share the server's lock and :class:`Env`.

The organization the server starts with (the *default organization*) keeps the historical fixed ids
and the server's seed; the key the server was started with belongs to it.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any

from ..errors import Missing
from .entities import ORG_ID
from .env import ID_ALPHABET, Env
from .state import State
from .workforce import Workforce

KEY_PREFIX = "lbfake_"


@dataclass
class Org:
    id: str
    name: str
    state: State
    workforce: Workforce
    created_at: str = ""

    def view(self) -> dict:
        st = self.state
        return {"id": self.id, "name": self.name, "created_at": self.created_at, "projects": len(st.projects),
                "datasets": len(st.datasets), "data_rows": len(st.data_rows), "labels": len(st.labels)}


@dataclass
class ApiKey:
    key: str
    org_id: str
    name: str = ""
    created_at: str = ""
    revoked: bool = False
    revoked_at: str | None = None
    startup: bool = False  # the key the server was started with

    def view(self) -> dict:
        return {"api_key": self.key, "organization_id": self.org_id, "name": self.name,
                "created_at": self.created_at, "revoked": self.revoked, "revoked_at": self.revoked_at}


@dataclass
class Tenants:
    """Every organization and key of one server: the root of what ``--db`` persists."""

    seed: int | None = None
    orgs: dict[str, Org] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    default_org_id: str = ORG_ID
    rng: random.Random = field(default_factory=random.Random)
    created: int = 0  # organizations created so far (derives their seeds)

    @classmethod
    def create(cls, seed: int | None, lock, env: Env) -> Tenants:
        t = cls(seed)
        t.reset(seed, lock, env)
        return t

    # ---- lifecycle ------------------------------------------------------------------------
    def reset(self, seed: int | None, lock, env: Env) -> None:
        """Back to one default organization; keys other than the startup keys are forgotten."""
        self.seed = seed
        self.rng = random.Random(seed if seed is not None else env.token())
        self.created = 0
        default = self.orgs.get(self.default_org_id)
        if default is None:
            state = State(seed, lock=lock, env=env)
            default = Org(state.org_id, state.org_name, state, Workforce(state))
        else:
            default.state.reset(seed)
            default.workforce.configure()
        default.created_at = default.state.organization.created_at
        self.orgs = {default.id: default}
        self.keys = {k: v for k, v in self.keys.items() if v.startup}
        for k in self.keys.values():
            k.revoked, k.revoked_at = False, None

    def attach(self, lock, env: Env) -> None:
        for org in self.orgs.values():
            org.state.attach(lock, env)

    def changes(self) -> int:
        """The organizations' change counts together (see ``State.changes``)."""
        return sum(org.state.changes for org in self.orgs.values())

    @property
    def default(self) -> Org:
        return self.orgs[self.default_org_id]

    # ---- organizations and keys -----------------------------------------------------------
    def _cuid(self) -> str:
        return "c" + "".join(self.rng.choices(ID_ALPHABET, k=24))

    def create_org(self, name: str | None, seed: int | None, lock, env: Env) -> Org:
        self.created += 1
        if seed is None and self.seed is not None:  # derived, so a seeded server stays reproducible
            seed = int.from_bytes(hashlib.sha256(f"{self.seed}/org/{self.created}".encode()).digest()[:7], "big")
        org_id, user_id = self._cuid(), self._cuid()
        name = name or f"Organization {self.created + 1}"
        state = State(seed, lock=lock, env=env, org_id=org_id, org_name=name, user_id=user_id)
        org = Org(org_id, name, state, Workforce(state), state.organization.created_at)
        self.orgs[org_id] = org
        return org

    def issue_key(self, org_id: str, name: str, env: Env, key: str | None = None, startup: bool = False) -> ApiKey:
        org = self.get_org(org_id)
        key = key or KEY_PREFIX + env.token(24)
        if key in self.keys:
            raise ValueError("that API key already exists")
        rec = ApiKey(key, org.id, name, org.state.now(), startup=startup)
        self.keys[key] = rec
        return rec

    def revoke_key(self, key: str) -> ApiKey:
        rec = self.keys.get(key)
        if rec is None:
            raise Missing("no such API key")
        if not rec.revoked:
            rec.revoked, rec.revoked_at = True, self.orgs[rec.org_id].state.now()
        return rec

    def get_org(self, org_id: str | None) -> Org:
        org = self.orgs.get(org_id or self.default_org_id)
        if org is None:
            raise Missing(f"Organization {org_id} not found")
        return org

    def org_for_key(self, key: str) -> Org | None:
        rec = self.keys.get(key)
        if rec is None or rec.revoked:
            return None
        return self.orgs.get(rec.org_id)

    def org_of_project(self, project_id: str) -> Org | None:
        return next((o for o in self.orgs.values() if project_id in o.state.projects), None)


# ---- canonical digest ------------------------------------------------------------------------------

def canonical(obj: Any, _seen: set | None = None) -> Any:
    """A JSON-able, order-preserving description of a state tree (for digests and comparisons)."""
    seen = set() if _seen is None else _seen
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, bytes):
        return ["bytes", hashlib.sha256(obj).hexdigest()]
    if isinstance(obj, random.Random):
        return ["rng", canonical(obj.getstate(), seen)]
    if isinstance(obj, dict):
        return ["dict", [[canonical(k, seen), canonical(v, seen)] for k, v in obj.items()]]
    if isinstance(obj, list | tuple):
        return [canonical(x, seen) for x in obj]
    if isinstance(obj, set | frozenset):
        return ["set", sorted(json.dumps(canonical(x, seen)) for x in obj)]
    if hasattr(obj, "__dict__"):
        if id(obj) in seen:
            return ["ref", type(obj).__name__]
        seen.add(id(obj))
        d = obj.__getstate__() if hasattr(type(obj), "__getstate__") and \
            type(obj).__getstate__ is not object.__getstate__ else vars(obj)
        return [type(obj).__name__, canonical(dict(d), seen)]
    return ["repr", repr(obj)]


def digest(tenants: Tenants) -> str:
    return hashlib.sha256(json.dumps(canonical(tenants), separators=(",", ":")).encode()).hexdigest()
