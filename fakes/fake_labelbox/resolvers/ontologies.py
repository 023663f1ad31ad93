"""Ontologies and their feature schemas (root tools and classifications), and connecting one to a project."""

from __future__ import annotations

import json

from ..errors import bad_input
from .common import cursor_page, page


def _searched(items, where, after, first) -> dict:
    search = ((where or {}).get("search") or "").lower()
    nodes, nxt = cursor_page([x for x in items if not x.deleted and search in x.name.lower()], after, first)
    return {"nodes": nodes, "nextCursor": nxt}


def _normalized(data: dict) -> dict:
    normalized = data["normalized"]
    if isinstance(normalized, str):
        try:
            normalized = json.loads(normalized)
        except ValueError as e:
            raise bad_input(f"normalized is not valid JSON: {e}") from e
    if not isinstance(normalized, dict):
        raise bad_input("normalized must be a JSON object")
    return normalized


def m_upsert_ontology(_root, info, data):
    return info.context.state.upsert_ontology(data.get("id"), data["name"], _normalized(data), data.get("mediaType"),
                                              data.get("description"))


def m_upsert_root_schema_node(_root, info, data):
    normalized = _normalized(data)
    return info.context.state.upsert_feature_schema(normalized.get("featureSchemaId"), normalized)


def ontology_counts(kind):
    def resolve(o, info):
        return len(o.normalized.get(kind, []))
    return resolve


RESOLVERS = {
    "Query": {
        "ontology": lambda _r, info, where: info.context.state.get("ontologies", where["id"], "Ontology"),
        "ontologies": lambda _r, info, where=None, after=None, first=None: _searched(
            info.context.state.ontologies.values(), where, after, first),
        "rootSchemaNode": lambda _r, info, where: info.context.state.get(
            "feature_schemas", where["featureSchemaId"], "FeatureSchema"),
        "rootSchemaNodes": lambda _r, info, where=None, after=None, first=None: _searched(
            info.context.state.feature_schemas.values(), where, after, first),
    },
    "Mutation": {
        "upsertOntology": m_upsert_ontology,
        "upsertRootSchemaNode": m_upsert_root_schema_node,
    },
    "ProjectMutations": {
        "connectOntology": lambda p, info, ontologyId: info.context.state.connect_ontology(p.id, ontologyId),
    },
    "Project": {
        "ontology": lambda p, info: info.context.state.ontologies.get(p.ontology_id or ""),
    },
    "Ontology": {
        "classificationSchemaCount": ontology_counts("classifications"),
        "objectSchemaCount": ontology_counts("tools"),
        "projects": lambda o, info, skip=0, first=None: page(
            [p for p in info.context.state.projects.values() if p.ontology_id == o.id and not p.deleted], skip, first),
    },
}
