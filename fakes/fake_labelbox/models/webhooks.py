"""Webhooks: registering and updating them (LABEL_CREATED events are queued by ``LabelsMixin.add_label``)."""

from __future__ import annotations

from urllib.parse import urlparse

from ..errors import bad_input
from .entities import Webhook


class WebhooksMixin:
    """Webhook registrations (delivery is :mod:`fake_labelbox.deliveries`)."""

    def create_webhook(self, url: str, secret: str, topics: list[str], project_id: str | None) -> Webhook:
        if project_id:
            self.project(project_id)
        url = _webhook_url(url)
        return self.create("webhooks", Webhook, url=url, secret=secret, topics=topics, project_id=project_id)

    def update_webhook(self, webhook_id: str, url: str | None = None, topics: list[str] | None = None,
                       status: str | None = None) -> Webhook:
        w = self.get("webhooks", webhook_id, "Webhook")
        if url is not None:
            w.url = _webhook_url(url)
        if topics is not None:
            w.topics = topics
        if status is not None:
            w.status = status
        w.updated_at = self.now()
        return w


def _webhook_url(url: str) -> str:
    """Labelbox registers a URL such as ``https:/x`` (its own tests do); the fake refuses only a scheme other
    than http(s). A URL that cannot be reached fails at delivery."""
    if urlparse(url).scheme not in ("http", "https"):
        raise bad_input(f"Webhook URL must be an http(s) URL, got {url[:200]!r}")
    return url
