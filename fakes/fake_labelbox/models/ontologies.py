"""Ontologies and feature schemas: creating, reading and editing them, connecting one to a project.

A *feature schema* is a root tool or classification that lives on its own (``feature_schemas``) and that
ontologies reference by ``featureSchemaId``: an ontology's ``normalized`` JSON holds a copy of each root node
with its own ``schemaNodeId``. A root node removed from an ontology while labels use it stays there,
*archived*, as on Labelbox.
"""

from __future__ import annotations

import copy
import re

from ..errors import FakeError, bad_input, conflict
from .entities import FeatureSchema, Ontology, Project

NEW_FEATURE_SCHEMA_ID = "new_feature_schema_id"  # what the SDK puts in the URL to create one
UNUSED_PAGE = 100
KINDS = ("tools", "classifications")
# Labelbox's palette for a tool without a colour, by the tool's position in the ontology.
PALETTE = ("#ff0000", "#00ff00", "#0000ff", "#ffff00", "#00ffff", "#ff00ff")
# Tools whose settings live in a ``definition`` that Labelbox completes with a title and a value.
DEFINED_TOOLS = ("step-reasoning", "fact-checking", "prompt-issue")


def _kind(node: dict) -> str:
    return "tools" if "tool" in node else "classifications"


def _node_name(node: dict) -> str:
    return node.get("name") or node.get("instructions") or ""


def _missing(kind: str, ident: str) -> FakeError:
    """Labelbox's REST wording for an unknown ontology or feature schema (HTTP 404)."""
    return FakeError(f"Failed to find {kind} by id: {ident}", "RESOURCE_NOT_FOUND")


class OntologiesMixin:
    """Ontologies and the feature schemas they are made of."""

    # ---- ontologies ----

    def upsert_ontology(self, ontology_id: str | None, name: str, normalized: dict, media_type: str | None = None,
                        description: str | None = None) -> Ontology:
        """Create (or replace) an ontology; each root tool and classification is, or becomes, a feature schema."""
        normalized.setdefault("tools", [])  # Labelbox answers both lists, empty ones too
        normalized.setdefault("classifications", [])
        for position, node in enumerate(normalized.get("tools", [])):
            _complete_tool(node, position)
        for node in normalized.get("tools", []) + normalized.get("classifications", []):
            self._fill_schema_ids(node)
            self._adopt_feature_schema(node)
        now = self.now()
        o = self.ontologies.get(ontology_id or "")
        if o is None:
            o = Ontology(self.new_id(), now, now)
            self.ontologies[o.id] = o
        o.name, o.normalized, o.updated_at = name, normalized, now
        o.media_type, o.description = media_type, description
        return o

    def _fill_schema_ids(self, node: dict) -> None:
        """Labelbox's ids for a node and its children, and the defaults it stores for a tool or classification
        (``required``, and a tool's ``classifications`` list, even empty)."""
        if "tool" in node or "type" in node:
            node.setdefault("required", False)
        if "tool" in node:
            node.setdefault("classifications", [])
        node["featureSchemaId"] = node.get("featureSchemaId") or self.new_id()
        node["schemaNodeId"] = node.get("schemaNodeId") or self.new_id()
        for key in ("options", "classifications"):
            for child in node.get(key) or []:
                self._fill_schema_ids(child)

    def _adopt_feature_schema(self, node: dict) -> None:
        """A root node with a new feature schema id registers it; a known one keeps its own record."""
        if node["featureSchemaId"] not in self.feature_schemas:
            now = self.now()
            self.feature_schemas[node["featureSchemaId"]] = FeatureSchema(
                node["featureSchemaId"], now, now, name=_node_name(node), normalized=copy.deepcopy(node))

    def connect_ontology(self, project_id: str, ontology_id: str) -> Project:
        p = self.project(project_id)
        self.get("ontologies", ontology_id, "Ontology")
        p.ontology_id = ontology_id
        p.updated_at = p.last_activity_time = self.now()
        return p

    def ontology_projects(self, ontology_id: str) -> list[Project]:
        return [p for p in self.projects.values() if p.ontology_id == ontology_id and not p.deleted]

    def delete_ontology(self, ontology_id: str) -> None:
        o = self._ontology(ontology_id)
        users = self.ontology_projects(o.id)
        if users:
            raise conflict("Cannot delete an ontology connected to a project. The ontology is connected to "
                           "projects: " + ", ".join(p.id for p in users))
        o.deleted = True

    def unused_ontologies(self, after: str | None = None) -> list[str]:
        ids = [o.id for o in self.ontologies.values() if not o.deleted and not self.ontology_projects(o.id)]
        return _page_after(ids, after)

    def ontology_nodes(self, ontology_id: str) -> dict:
        """``GET /ontologies/{id}``: the root nodes with their archived flags."""
        o = self._ontology(ontology_id)
        nodes = {kind: [{**n, "archived": n["featureSchemaId"] in o.archived} for n in o.normalized.get(kind, [])]
                 for kind in KINDS}
        return {"id": o.id, "name": o.name, "featureSchemaNodes": {**nodes, "relationships": []}}

    def _ontology(self, ontology_id: str) -> Ontology:
        o = self.ontologies.get(ontology_id)
        if o is None or o.deleted:
            raise _missing("ontology", ontology_id)
        return o

    # ---- feature schemas ----

    def upsert_feature_schema(self, feature_schema_id: str, normalized: dict) -> FeatureSchema:
        """``PUT /feature-schemas/{id}`` (and ``upsertRootSchemaNode``): create one, or replace one's definition.

        An update reaches every ontology that holds the feature schema (each keeps its own ``schemaNodeId``)."""
        if not isinstance(normalized, dict) or not _node_name(normalized):
            raise bad_input("A feature schema needs a name")
        if feature_schema_id in (None, "", NEW_FEATURE_SCHEMA_ID):
            node = {k: v for k, v in normalized.items() if k not in ("featureSchemaId", "schemaNodeId")}
            self._fill_schema_ids(node)
            self._adopt_feature_schema(node)
            return self.feature_schemas[node["featureSchemaId"]]
        fs = self._feature_schema(feature_schema_id)
        node = {**normalized, "featureSchemaId": fs.id, "schemaNodeId": fs.normalized.get("schemaNodeId")}
        self._fill_schema_ids(node)
        self._set_feature_schema(fs, node)
        return fs

    def update_feature_schema_title(self, feature_schema_id: str, title: str) -> FeatureSchema:
        if not isinstance(title, str) or not title.strip():
            raise bad_input("The title of a feature schema cannot be empty")
        fs = self._feature_schema(feature_schema_id)
        self._set_feature_schema(fs, {**fs.normalized, "name": title})
        return fs

    def _set_feature_schema(self, fs: FeatureSchema, node: dict) -> None:
        fs.normalized, fs.name, fs.updated_at = node, _node_name(node), self.now()
        for o in self.ontologies.values():
            for kind in KINDS:
                o.normalized[kind] = [{**node, "schemaNodeId": n.get("schemaNodeId")}
                                      if n.get("featureSchemaId") == fs.id else n
                                      for n in o.normalized.get(kind, [])]

    def delete_feature_schema(self, feature_schema_id: str) -> None:
        fs = self.feature_schemas.get(feature_schema_id)
        if fs is None:
            raise FakeError(f"Cannot find root schema node with feature schema id {feature_schema_id}",
                            "RESOURCE_NOT_FOUND")
        if fs.deleted:
            raise conflict("Feature schema is already deleted")
        if self._ontologies_with(fs.id):
            raise conflict("Feature schema cannot be deleted because it is used in ontologies")
        fs.deleted = True

    def unused_feature_schemas(self, after: str | None = None) -> list[str]:
        ids = [fs.id for fs in self.feature_schemas.values() if not fs.deleted and not self._ontologies_with(fs.id)]
        return _page_after(ids, after)

    def _feature_schema(self, feature_schema_id: str) -> FeatureSchema:
        fs = self.feature_schemas.get(feature_schema_id)
        if fs is None or fs.deleted:
            raise FakeError(f"Cannot find root schema node with feature schema id {feature_schema_id}",
                            "RESOURCE_NOT_FOUND")
        return fs

    def _ontologies_with(self, feature_schema_id: str) -> list[Ontology]:
        return [o for o in self.ontologies.values() if not o.deleted and any(
            n.get("featureSchemaId") == feature_schema_id for kind in KINDS for n in o.normalized.get(kind, []))]

    # ---- a feature schema inside an ontology ----

    def insert_ontology_feature(self, ontology_id: str, feature_schema_id: str, position: int) -> None:
        """Put a feature schema at ``position`` among the ontology's tools (or classifications); move it if there."""
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise bad_input(f"position must be a non-negative integer, got {position!r}")
        o = self._ontology(ontology_id)
        fs = self._feature_schema(feature_schema_id)
        kind = _kind(fs.normalized)
        nodes = [n for n in o.normalized.get(kind, []) if n.get("featureSchemaId") != fs.id]
        nodes.insert(position, copy.deepcopy(fs.normalized))
        o.normalized[kind] = nodes
        o.updated_at = self.now()

    def remove_ontology_feature(self, ontology_id: str, feature_schema_id: str) -> dict:
        """Take a root node out of an ontology; one that labels use is archived instead (Labelbox's answer)."""
        o = self._ontology(ontology_id)
        node = self._ontology_node(o, feature_schema_id)
        if self._labels_use(o, node):
            o.archived = sorted({*o.archived, feature_schema_id})
            return {"deleted": False, "archived": True}
        o.normalized[_kind(node)] = [n for n in o.normalized[_kind(node)] if n is not node]
        o.updated_at = self.now()
        return {"deleted": True, "archived": False}

    def unarchive_ontology_feature(self, ontology_id: str, feature_schema_id: str) -> dict:
        o = self._ontology(ontology_id)
        self._ontology_node(o, feature_schema_id)
        o.archived = [f for f in o.archived if f != feature_schema_id]
        return {"unarchived": True}

    def _ontology_node(self, o: Ontology, feature_schema_id: str) -> dict:
        for kind in KINDS:
            for n in o.normalized.get(kind, []):
                if n.get("featureSchemaId") == feature_schema_id:
                    return n
        raise _missing("feature schema node", feature_schema_id)

    def _labels_use(self, o: Ontology, node: dict) -> bool:
        """Does a label of a project on this ontology answer this root node (by schema id or by name)?"""
        projects = {p.id for p in self.ontology_projects(o.id)}
        keys = {node.get("schemaNodeId"), node.get("featureSchemaId"), _node_name(node)} - {None, ""}
        return any(a["data"].get("feature_schema_id") in keys or a["data"].get("name") in keys
                   for lab in self.labels.values() if lab.project_id in projects and not lab.deleted
                   for a in lab.annotations)


def _complete_tool(node: dict, position: int) -> None:
    """What Labelbox adds to the tools that carry a ``definition``: its title and value (and a prompt-issue tool's
    colour, from the palette by position when the tool has none)."""
    if node.get("tool") in DEFINED_TOOLS:
        definition = dict(node.get("definition") or {})
        definition.setdefault("title", node.get("name"))
        definition.setdefault("value", re.sub(r"\W+", "_", (node.get("name") or "").strip().lower()))
        if node["tool"] == "prompt-issue":
            definition.setdefault("color", node.get("color") or PALETTE[position % len(PALETTE)])
        node["definition"] = definition


def _page_after(ids: list[str], after: str | None) -> list[str]:
    """Labelbox's unused-lists: ``UNUSED_PAGE`` ids at a time, after the given one."""
    start = ids.index(after) + 1 if after in ids else 0
    return ids[start:start + UNUSED_PAGE]
