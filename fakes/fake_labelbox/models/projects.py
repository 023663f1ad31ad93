"""Projects and their editors (labeling frontends): the project-level part of :class:`~.state.State`."""

from __future__ import annotations

import json
from typing import Any

from .entities import LabelingFrontend, Project


class ProjectsMixin:
    """Creating and updating projects; editors and their options."""

    def create_project(self, **fields: Any) -> Project:
        return self.create("projects", Project, labeling_frontend_id=self.editor_id, **fields)

    def create_labeling_frontend(self, name: str, description: str | None, iframe_url_path: str | None):
        return self.create("frontends", LabelingFrontend, name=name, description=description,
                           iframe_url_path=iframe_url_path)

    def add_frontend_options(self, project_id: str, customization_options: str) -> dict:
        """Attach editor options; as on Labelbox (2020 ``project.setup``), an ontology JSON becomes the project's."""
        p = self.project(project_id)
        opts = {"id": self.new_id(), "customizationOptions": customization_options}
        p.frontend_options.append(opts)
        try:
            normalized = json.loads(customization_options)
        except ValueError:
            normalized = None
        if isinstance(normalized, dict) and (normalized.get("classifications") or normalized.get("tools")):
            p.ontology_id = self.upsert_ontology(None, f"{p.name} ontology", normalized, p.media_type).id
        return opts
