"""The organization, its user, and the user's tasks (the asynchronous jobs other operations start)."""

from __future__ import annotations

from ..errors import not_found
from ..models.state import CANCELABLE
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
    st = info.context.state
    return _listed_tasks(info, [t for t in st.tasks.values() if t.user_id == u.id], where, skip, first)


def organization_tasks(_o, info, where=None, skip=0, first=None):
    return _listed_tasks(info, list(info.context.state.tasks.values()), where, skip, first)


def _listed_tasks(info, tasks: list, where, skip, first) -> list:
    """The tasks a where-clause keeps, by the status a read would give; each one listed is read as a poll
    (counting down its IN_PROGRESS reads), the others are left alone."""
    st = info.context.state
    kept = info.context.where([task_view(st, t, poll=False) for t in tasks], where)
    return [task_view(st, v["_task"]) for v in page(kept, skip, first)]


def m_cancel_task(_root, info, id):
    info.context.state.cancel_task(id)
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
