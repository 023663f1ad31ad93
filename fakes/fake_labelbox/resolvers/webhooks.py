"""Webhooks: creating and updating them, and where they are listed (deliveries: ``fake_labelbox.deliveries``)."""

from __future__ import annotations

from .common import list_of


def _topics(data) -> list[str]:
    return list((data.get("topics") or {}).get("set") or [])


def m_create_webhook(_root, info, data):
    return info.context.state.create_webhook(data["url"], data["secret"], _topics(data),
                                             (data.get("project") or {}).get("id"))


def m_update_webhook(_root, info, where, data):
    return info.context.state.update_webhook(where["id"], url=data.get("url"),
                                             topics=_topics(data) if "topics" in data else None,
                                             status=data.get("status"))


RESOLVERS = {
    "Query": {
        "webhook": lambda _r, info, where: info.context.state.get("webhooks", where["id"], "Webhook"),
    },
    "Mutation": {
        "createWebhook": m_create_webhook,
        "updateWebhook": m_update_webhook,
    },
    "Organization": {
        "webhooks": list_of(lambda _o, info: list(info.context.state.webhooks.values())),
    },
    "Project": {
        "webhooks": list_of(lambda p, info: [w for w in info.context.state.webhooks.values() if w.project_id == p.id]),
    },
    "Webhook": {
        "project": lambda w, info: info.context.state.projects.get(w.project_id or ""),
        "organization": lambda _w, info: info.context.state.organization,
    },
}
