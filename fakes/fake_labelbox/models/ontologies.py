"""Ontologies and feature schemas: creating them, connecting one to a project, the REST deletions."""

from __future__ import annotations

from ..errors import conflict, not_found
from .entities import FeatureSchema, Ontology, Project


class OntologiesMixin:
    """Ontologies (their root tools and classifications are feature schemas)."""

    def upsert_ontology(self, ontology_id: str | None, name: str, normalized: dict, media_type: str | None = None,
                        description: str | None = None) -> Ontology:
        """Create (or replace) an ontology; every root tool and classification becomes a feature schema."""
        for node in normalized.get("tools", []) + normalized.get("classifications", []):
            self._fill_schema_ids(node, root=True)
        now = self.now()
        o = self.ontologies.get(ontology_id or "")
        if o is None:
            o = Ontology(self.new_id(), now, now)
            self.ontologies[o.id] = o
        o.name, o.normalized, o.updated_at = name, normalized, now
        o.media_type, o.description = media_type, description
        return o

    def _fill_schema_ids(self, node: dict, root: bool) -> None:
        node["featureSchemaId"] = node.get("featureSchemaId") or self.new_id()
        node["schemaNodeId"] = node.get("schemaNodeId") or self.new_id()
        for key in ("options", "classifications"):
            for child in node.get(key) or []:
                self._fill_schema_ids(child, False)
        if root:
            now = self.now()
            self.feature_schemas[node["featureSchemaId"]] = FeatureSchema(
                node["featureSchemaId"], now, now, name=node.get("name") or node.get("instructions") or "",
                normalized=node)

    def connect_ontology(self, project_id: str, ontology_id: str) -> Project:
        p = self.project(project_id)
        self.get("ontologies", ontology_id, "Ontology")
        p.ontology_id = ontology_id
        p.updated_at = p.last_activity_time = self.now()
        return p

    def delete_ontology(self, ontology_id: str) -> None:
        o = self.get("ontologies", ontology_id, "Ontology")
        if any(p.ontology_id == o.id and not p.deleted for p in self.projects.values()):
            raise conflict("Ontology is used by a project")
        o.deleted = True

    def delete_feature_schema(self, feature_schema_id: str) -> None:
        self.get("feature_schemas", feature_schema_id, "FeatureSchema").deleted = True

    def remove_ontology_feature(self, ontology_id: str, feature_schema_id: str) -> None:
        """Take a root tool or classification out of an ontology (the feature schema itself stays)."""
        o = self.get("ontologies", ontology_id, "Ontology")
        for key in ("tools", "classifications"):
            nodes = o.normalized.get(key, [])
            kept = [n for n in nodes if n.get("featureSchemaId") != feature_schema_id]
            if len(kept) != len(nodes):
                o.normalized[key] = kept
                return
        raise not_found("FeatureSchema in ontology", feature_schema_id)
