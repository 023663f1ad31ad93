"""Batches and the labeling queue: rows enter through batches; priorities (overrides) order the queue."""

from __future__ import annotations

from ..errors import conflict
from .entities import Batch, QueueEntry


class QueueMixin:
    """Batches, queue entries and their priorities: lower number first, ties by data row id."""

    def create_batch(self, project_id: str, name: str, consensus: dict | None = None) -> Batch:
        p = self.project(project_id)
        if any(self.batches[b].name == name for b in p.batch_ids):
            raise conflict(f"Batch with name {name} already exists in project")
        b = self.create("batches", Batch, project_id=p.id, name=name, consensus_settings=consensus)
        p.batch_ids.append(b.id)
        return b

    def add_to_batch(self, batch_id: str, row_ids: list[str], global_keys: list[str], priority: int | None):
        """Enqueue rows; returns (added ids, failed ids-or-keys). A row already in the project fails."""
        b = self.batches[batch_id]
        p = self.project(b.project_id)
        if priority is not None:
            b.priority = priority
        n = (b.consensus_settings or {}).get("numberOfLabels") or 1
        refs = [("ID", r) for r in row_ids or []] + [("GKEY", k) for k in global_keys or []]
        added, failed = [], []
        for id_type, ref in refs:
            row = self.data_row_by_key(id_type, ref)
            if row is None or row.id in p.rows:
                failed.append(ref)
                continue
            p.rows[row.id] = b.id
            b.row_ids.append(row.id)
            p.queue[row.id] = QueueEntry(row.id, b.priority, b.id, n)
            added.append(row.id)
        b.updated_at = p.updated_at = self.now()
        return added, failed

    def set_priorities(self, project_id: str, items: list[tuple[str, str, int | None, int | None]]) -> int:
        """Overrides ``(id_type, key, priority, num_labels)``; only queued rows change. Returns count."""
        p = self.project(project_id)
        changed = 0
        for id_type, key, priority, num_labels in items:
            row = self.data_row_by_key(id_type, key)
            entry = p.queue.get(row.id) if row else None
            if entry is None:
                continue
            if priority is not None:
                entry.priority = int(priority)
            if num_labels is not None:
                entry.number_of_labels = int(num_labels)
            if entry.override_id is None:
                entry.override_id = self.new_id()
            changed += 1
        return changed

    def unset_priorities(self, project_id: str, items: list[tuple[str, str]]) -> None:
        p = self.project(project_id)
        for id_type, key in items:
            row = self.data_row_by_key(id_type, key)
            entry = p.queue.get(row.id) if row else None
            if entry is not None and entry.override_id is not None:
                entry.override_id = None
                entry.priority = self.batches[entry.batch_id].priority

    def queue_order(self, project_id: str) -> list[QueueEntry]:
        """Queued rows, lowest priority number first, ties by data row id (lexicographic)."""
        return sorted(self.project(project_id).queue.values(), key=lambda e: (e.priority, e.data_row_id))
