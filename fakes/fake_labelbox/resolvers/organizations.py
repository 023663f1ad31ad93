"""The organization, its user, and the user's tasks (the asynchronous jobs other operations start)."""

from __future__ import annotations

from ..errors import bad_input, not_found
from .common import list_of, page, task_view


def q_user(_root, info, where=None):
    st = info.context.state
    if where and where["id"] != st.user.id:
        raise not_found("User", where["id"])
    return st.user


def q_organization(_root, info, where=None):
    st = info.context.state
    if where and where["id"] != st.organization.id:
        raise not_found("Organization", where["id"])
    return st.organization


def q_task(_root, info, where=None):
    st = info.context.state
    t = st.tasks.get((where or {}).get("id", ""))
    if t is None:
        raise not_found("Task", (where or {}).get("id"))
    return task_view(st, t, poll=False)


def user_created_tasks(u, info, where=None, skip=0, first=None):
    """Tasks read as polls (each one read counts down its IN_PROGRESS reads), filtered as read."""
    st = info.context.state
    views = [task_view(st, t) for t in st.tasks.values() if t.user_id == u.id]
    return page(info.context.where(views, where), skip, first)


def organization_tasks(_o, info, where=None, skip=0, first=None):
    st = info.context.state
    views = [task_view(st, t) for t in st.tasks.values()]
    return page(info.context.where(views, where), skip, first)


# The task types Labelbox cancels, of the fake's: type -> the name cancelableTaskTypes answers (the SDK
# kebab-cases it back to the type).
CANCELABLE = {"export-data-rows": "exportDataRows"}


def m_cancel_task(_root, info, id):
    """Cancel a task that no read has yet reported finished (it answers CANCELED from then on)."""
    st = info.context.state
    t = st.tasks.get(id)
    if t is None:
        raise not_found("Task", id)
    if t.type not in CANCELABLE:
        raise bad_input(f"Task type '{t.type}' cannot be cancelled")
    if t.reported_final or t.status == "CANCELED":
        raise bad_input(f"Task cannot be cancelled because it is not in progress. Current status: {t.status}")
    t.polls_left, t.status, t.completion_percentage = 0, "CANCELED", 0.0
    return {"success": True}


def task_result(view, info):
    """A data-row upsert's result is its result file's URL (the SDK's ``task.result_url``)."""
    t = view["_task"]
    if t.type == "adv-upsert-data-rows" and t.result_file_id:
        return info.context.file_url(t.result_file_id)
    return view["result"]


def _projects(_obj, info) -> list:
    return [p for p in info.context.state.projects.values() if not p.deleted]


RESOLVERS = {
    "Query": {
        "user": q_user,
        "organization": q_organization,
        "iamIntegrations": lambda *_a, **_k: [],
        "task": q_task,
        "cancelableTaskTypes": lambda *_a: list(CANCELABLE.values()),
    },
    "Mutation": {
        "cancelBulkOperationJob": m_cancel_task,
    },
    "User": {
        "createdTasks": user_created_tasks,
        "organization": lambda _u, info: info.context.state.organization,
        "projects": list_of(_projects),
    },
    "Organization": {
        "projects": list_of(_projects),
        "users": lambda _o, info, skip=0, first=None: page([info.context.state.user], skip, first),
        "tasks": organization_tasks,
    },
    "Task": {
        "createdBy": lambda t, info: info.context.state.user,
        "result": task_result,
    },
}
