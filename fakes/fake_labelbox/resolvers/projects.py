"""Projects and their editors (labeling frontends): queries, mutations and the Project type's own fields."""

from __future__ import annotations

from typing import Any

from ..errors import bad_input
from .common import page


def q_project(_root, info, where):
    return info.context.state.project(where["id"])


def q_projects(_root, info, where=None, skip=0, first=None):
    return page(info.context.where(info.context.state.projects.values(), where), skip, first)


def q_labeling_frontends(_root, info, where=None, skip=0, first=None):
    return page(info.context.where(info.context.state.frontends.values(), where), skip, first)


def m_create_project(_root, info, data):
    if not data.get("name", "").strip():
        raise bad_input("Project name must not be empty")
    st = info.context.state
    if data.get("appendToExistingDataset"):
        st.get("datasets", data.get("datasetNameOrId") or "", "Dataset")  # refused before the project is made
    p = st.create_project(
        name=data["name"], description=data.get("description"),
        media_type=data.get("allowedMediaType") or data.get("mediaType"),
        auto_audit_percentage=data.get("autoAuditPercentage", 0),
        auto_audit_number_of_labels=data.get("autoAuditNumberOfLabels", 1),
        is_benchmark_enabled=bool(data.get("isBenchmarkEnabled")),
        is_consensus_enabled=bool(data.get("isConsensusEnabled")),
        editor_task_type=data.get("editorTaskType"),
    )
    if data.get("datasetNameOrId"):
        st.add_generated_chats(p.id, data["datasetNameOrId"], bool(data.get("appendToExistingDataset")),
                               data.get("dataRowCount") or 100)
    return p


def m_update_project(_root, info, where, data):
    st = info.context.state
    fields: dict[str, Any] = {}
    for key, name in (("name", "name"), ("description", "description"), ("deleted", "deleted"),
                      ("setupComplete", "setup_complete"), ("allowedMediaType", "media_type")):
        if key in data:
            fields[name] = data[key]
    if data.get("labelingFrontend"):
        fid = data["labelingFrontend"]["connect"]["id"]
        st.get("frontends", fid, "LabelingFrontend")
        fields["labeling_frontend_id"] = fid
    return st.update("projects", where["id"], "Project", **fields)


def m_extend_reservations(_root, info, projectId, queueType):
    """The API key's user holds no reservations: rows are reserved by the people of the labelling page."""
    info.context.state.project(projectId)
    return 0


def m_create_labeling_frontend(_root, info, data):
    return info.context.state.create_labeling_frontend(
        data["name"], data.get("description"), data.get("iframeUrlPath") or data.get("iframe_url_path"))


def m_create_frontend_options(_root, info, data):
    return info.context.state.add_frontend_options(data["project"]["connect"]["id"], data["customizationOptions"])


RESOLVERS = {
    "Query": {
        "project": q_project,
        "projects": q_projects,
        "labelingFrontend": lambda _r, info, where: info.context.state.get("frontends", where["id"], "LabelingFrontend"),
        "labelingFrontends": q_labeling_frontends,
    },
    "Mutation": {
        "createProject": m_create_project,
        "updateProject": m_update_project,
        "project": lambda _r, info, where: info.context.state.project(where["id"]),
        "createLabelingFrontend": m_create_labeling_frontend,
        "createLabelingFrontendOptions": m_create_frontend_options,
        "cloneProject": lambda _r, info, data: info.context.state.clone_project(data["projectId"]),
        "setProjectInstructions": lambda _r, info, where, data: info.context.state.set_instructions(
            where["id"], data["instructionsUrl"]),
        "extendReservations": m_extend_reservations,
        "createResourceTag": lambda _r, info, input: info.context.state.create_resource_tag(
            input["text"], input["color"]),
        "deleteResourceTag": lambda _r, info, input: info.context.state.delete_resource_tag(input["id"]),
    },
    "ProjectMutations": {
        "showPredictionsToLabelers": lambda p, info, show: info.context.state.show_predictions(p.id, show),
        "updateProjectResourceTags": lambda p, info, input: info.context.state.set_project_tags(
            p.id, input.get("resourceTagIds") or []),
    },
    "Organization": {
        "resourceTag": lambda _o, info: list(info.context.state.resource_tags.values()),
    },
    "Project": {
        "dataRowCount": lambda p, info: len(p.rows),
        "labelCount": lambda p, info: info.context.state.label_count(p.id),
        "modelSetupComplete": lambda p, info: None,  # no model setup in the fake: Labelbox answers null until set
        "queueMode": lambda p, info: "BATCH",
        "createdBy": lambda p, info: info.context.state.user,
        "organization": lambda p, info: info.context.state.organization,
        "labelingFrontend": lambda p, info: info.context.state.frontends.get(p.labeling_frontend_id or ""),
        "labelingFrontendOptions": lambda p, info, skip=0, first=None: page(p.frontend_options, skip, first),
        "benchmarks": lambda p, info, skip=0, first=None: [],
        "showingPredictionsToLabelers": lambda p, info: p.show_predictions_to_labelers,
        "resourceTags": lambda p, info: [info.context.state.resource_tags[t] for t in p.resource_tag_ids],
    },
    "LabelingFrontend": {
        "projects": lambda f, info, skip=0, first=None: page(
            [p for p in info.context.state.projects.values() if p.labeling_frontend_id == f.id], skip, first),
    },
}
