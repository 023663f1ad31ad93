"""Projects and their editors (labeling frontends): the project-level part of :class:`~.state.State`."""

from __future__ import annotations

import json
from typing import Any

from ..errors import bad_input, not_found
from .entities import LabelingFrontend, Project, ResourceTag

# The row a live model evaluation project's generated dataset holds: an empty chat for labellers to fill.
EMPTY_CHAT = {"type": "application/vnd.labelbox.conversational.model-chat-evaluation", "version": 2, "actors": {},
              "messages": {}, "rootMessageIds": []}

# Copied by clone_project: a clone has the project's settings and ontology, not its data rows or labels.
CLONED_FIELDS = ("description", "media_type", "auto_audit_percentage", "auto_audit_number_of_labels",
                 "is_benchmark_enabled", "is_consensus_enabled", "editor_task_type", "ontology_id")


class ProjectsMixin:
    """Creating, updating and cloning projects; editors and their options; instructions; resource tags."""

    def create_project(self, **fields: Any) -> Project:
        p = self.create("projects", Project, labeling_frontend_id=self.editor_id, **fields)
        p.last_activity_time = p.created_at  # a new project's activity is its creation
        return p

    def add_generated_chats(self, project_id: str, dataset_name_or_id: str, append: bool, count: int) -> None:
        """Live model evaluation: ``count`` empty chats in a new dataset named ``dataset_name_or_id`` (or appended
        to the dataset with that id), batched into the project (batch named after the dataset)."""
        if count < 1:
            raise bad_input(f"dataRowCount must be positive, got {count}")
        ds = self.get("datasets", dataset_name_or_id, "Dataset") if append else self.create_dataset(dataset_name_or_id)
        ok, _failed = self.upsert_data_rows([{"payload": {"dataset_id": ds.id, "row_data": EMPTY_CHAT,
                                                          "media_type": "CONVERSATIONAL"}} for _ in range(count)])
        batch = self.create_batch(project_id, ds.name)
        self.add_to_batch(batch.id, [r["id"] for r in ok], [], None)

    def clone_project(self, project_id: str) -> Project:
        """A new project with the settings and ontology of ``project_id`` (named ``Clone of <name>``)."""
        src = self.project(project_id)
        return self.create_project(name=f"Clone of {src.name}", **{k: getattr(src, k) for k in CLONED_FIELDS})

    def show_predictions(self, project_id: str, show: bool) -> Project:
        self.project(project_id)
        return self.update("projects", project_id, "Project", show_predictions_to_labelers=show)

    def set_instructions(self, project_id: str, url: str) -> Project:
        """Labelbox keeps a project's instructions in its ontology: ``normalized["projectInstructions"]``."""
        p = self.project(project_id)
        if p.ontology_id is None:
            raise bad_input("Project has no ontology: connect one before adding instructions")
        self.get("ontologies", p.ontology_id, "Ontology").normalized["projectInstructions"] = url
        return self.update("projects", project_id, "Project")

    def create_resource_tag(self, text: str, color: str) -> ResourceTag:
        """An organization's tag; Labelbox answers its color without the ``#``."""
        color = color.removeprefix("#")
        if not text.strip() or not color:
            raise bad_input("A resource tag needs a text and a color")
        return self.create("resource_tags", ResourceTag, text=text, color=color)

    def delete_resource_tag(self, tag_id: str) -> ResourceTag:
        tag = self.resource_tags.pop(tag_id, None)
        if tag is None:
            raise not_found("ResourceTag", tag_id)
        for p in self.projects.values():
            if tag_id in p.resource_tag_ids:
                p.resource_tag_ids.remove(tag_id)
        return tag

    def set_project_tags(self, project_id: str, tag_ids: list[str]) -> list[ResourceTag]:
        """Replace the project's tags; every id must be one of the organization's tags (else a 400, which the
        SDK raises as InvalidQueryError: RESOURCE_NOT_FOUND here would reach it as ``None``)."""
        self.project(project_id)
        unknown = [t for t in tag_ids if t not in self.resource_tags]
        if unknown:
            raise bad_input(f"Resource tags not found: {', '.join(unknown)}")
        p = self.update("projects", project_id, "Project", resource_tag_ids=list(dict.fromkeys(tag_ids)))
        return [self.resource_tags[t] for t in p.resource_tag_ids]

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
