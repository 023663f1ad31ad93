"""Batches, the labeling queue and the workflow's task queues: rows enter through batches; priorities
(overrides) order the labeling queue; a row leaves it labeled (done) or moved to review or rework."""

from __future__ import annotations

import heapq
from operator import attrgetter

from ..errors import bad_input, conflict, malformed, not_found
from .entities import Batch, DataRow, Project, QueueEntry

QUEUE_ORDER = attrgetter("priority", "data_row_id")  # lowest priority number first, ties by data row id
BATCH_SIZE = 100_000  # rows per batch when createBatches splits a list (Labelbox's limit per batch)
PRIORITY_UPDATE_SIZE = 1_000_000  # rows one bulk priority update may name (Labelbox's limit)
# The default workflow's task queues: key -> (name, queueType). Labeled rows are done unless moved.
TASK_QUEUES = {
    "labeling": ("Initial labeling task", "MANUAL_LABELING_QUEUE"),
    "review": ("Initial review task", "MANUAL_REVIEW_QUEUE"),
    "rework": ("Rework", "MANUAL_REWORK_QUEUE"),
}


class QueueMixin:
    """Batches, queue entries and their priorities (lower number first, ties by data row id), task queues."""

    def create_batch(self, project_id: str, name: str, consensus: dict | None = None) -> Batch:
        p = self.project(project_id)
        self._check_batch_name(p, name)
        b = self.create("batches", Batch, project_id=p.id, name=name, consensus_settings=consensus)
        p.batch_ids.append(b.id)
        return b

    def _check_batch_name(self, p: Project, name: str) -> None:
        if any(self.batches[b].name == name for b in p.batch_ids):
            raise conflict(f"Batch with name {name} already exists in project")

    def batch(self, project_id: str, batch_id: str) -> Batch:
        b = self.batches.get(batch_id)
        if b is None or b.project_id != project_id:
            raise not_found("Batch", batch_id)
        return b

    def check_new_batch(self, project_id: str, name: str, row_ids: list[str], global_keys: list[str]) -> None:
        """Labelbox's refusals before a batch is made, in its order: a name the project has, unknown global keys,
        no row that could be added."""
        p = self.project(project_id)
        self._check_batch_name(p, name)
        self.check_batch_size(0, len(row_ids or []) + len(global_keys or []))
        missing = [k for k in global_keys or [] if self.data_row_by_key("GKEY", k) is None]
        if missing:
            raise malformed(f"Data rows with the following global keys do not exist: {', '.join(missing)}.")
        rows = [self.data_row_by_key("ID", r) for r in row_ids or []]
        rows += [self.data_row_by_key("GKEY", k) for k in global_keys or []]
        if not any(rows):
            raise malformed("No valid data rows to be added from the list provided!")
        if all(row.id in p.rows for row in rows if row):
            raise malformed("No valid data rows to add to project")

    @staticmethod
    def check_batch_size(held: int, adding: int) -> None:
        """A batch holds at most ``BATCH_SIZE`` rows (Labelbox's limit; the SDK checks it too, raw calls may not)."""
        if held + adding > BATCH_SIZE:
            raise bad_input(f"Batch exceeds max size of {BATCH_SIZE} data rows ({held + adding} requested), "
                            "break into smaller batches")

    @staticmethod
    def check_priority_update_size(count: int) -> None:
        if count > PRIORITY_UPDATE_SIZE:
            raise bad_input(f"Cannot update the priority of more than {PRIORITY_UPDATE_SIZE} data rows at once "
                            f"({count} requested)")

    def add_to_batch(self, batch_id: str, row_ids: list[str], global_keys: list[str], priority: int | None):
        """Enqueue rows; returns (added ids, failed ids-or-keys). A row already in the project, unknown, or whose
        media failed processing (:meth:`processing_failed`) fails."""
        b = self.batches[batch_id]
        p = self.project(b.project_id)
        if priority is not None:
            b.priority = priority
        n = (b.consensus_settings or {}).get("numberOfLabels") or 1
        refs = [("ID", r) for r in row_ids or []] + [("GKEY", k) for k in global_keys or []]
        added, failed = [], []
        for id_type, ref in refs:
            row = self.data_row_by_key(id_type, ref)
            if row is None or row.id in p.rows or self.processing_failed(row):
                failed.append(ref)
                continue
            p.rows[row.id] = b.id
            b.row_ids.append(row.id)
            p.queue[row.id] = QueueEntry(row.id, b.priority, b.id, n)
            added.append(row.id)
        b.updated_at = p.updated_at = p.last_activity_time = self.now()
        return added, failed

    def create_batches(self, project_id: str, prefix: str, row_ids: list[str], global_keys: list[str],
                       priority: int, consensus: dict | None) -> list[Batch]:
        """``prefix0000``, ``prefix0001``...: one batch per ``BATCH_SIZE`` rows."""
        refs = [("ID", r) for r in row_ids or []] + [("GKEY", k) for k in global_keys or []]
        batches = []
        for n, start in enumerate(range(0, max(len(refs), 1), BATCH_SIZE)):
            chunk = refs[start:start + BATCH_SIZE]
            b = self.create_batch(project_id, f"{prefix}{n:04d}", consensus)
            self.add_to_batch(b.id, [r for t, r in chunk if t == "ID"], [r for t, r in chunk if t == "GKEY"], priority)
            batches.append(b)
        return batches

    def rows_not_in_project(self, project_id: str, dataset_id: str) -> list[str]:
        """The dataset's rows that the project does not hold yet (createBatchesFromDataset)."""
        p = self.project(project_id)
        ds = self.get("datasets", dataset_id, "Dataset")
        return [r for r in ds.row_ids if r not in p.rows and not self.data_rows[r].deleted]

    def delete_batch(self, project_id: str, batch_id: str) -> str:
        """Take the batch and its rows out of the project; refused once any of its rows has a label."""
        p = self.project(project_id)
        b = self.batch(project_id, batch_id)
        if any(p.labels.get(r) for r in b.row_ids):
            raise bad_input("Batch deletion for batches that have labels is forbidden")
        for r in b.row_ids:
            for table in (p.rows, p.queue, p.finished, p.steps):
                table.pop(r, None)
        p.batch_ids.remove(b.id)
        del self.batches[b.id]
        p.updated_at = self.now()
        return b.id

    def remove_queued(self, project_id: str, batch_id: str) -> Batch:
        """The batch's rows still waiting for a label leave the labeling queue (they stay in the project)."""
        p = self.project(project_id)
        b = self.batch(project_id, batch_id)
        for r in b.row_ids:
            if r in p.queue:
                p.finished[r] = p.queue.pop(r)
                p.steps[r] = "removed"
        b.updated_at = p.updated_at = self.now()
        return b

    def move_to_task_queue(self, project_id: str, queue: str, id_type: str, keys: list[str]) -> int:
        """Move the project's rows named by ``keys`` to a task queue (``TASK_QUEUES`` key). Returns count."""
        p = self.project(project_id)
        moved = 0
        for key in keys:
            row = self.data_row_by_key(id_type, key)
            if row is None or row.id not in p.rows:
                continue
            if queue == "labeling":
                if row.id not in p.queue:
                    p.queue[row.id] = p.finished.pop(row.id)
                p.steps.pop(row.id, None)
            else:
                if row.id in p.queue:
                    p.finished[row.id] = p.queue.pop(row.id)
                p.steps[row.id] = queue
            moved += 1
        p.updated_at = p.last_activity_time = self.now()
        return moved

    def row_step(self, p: Project, row_id: str) -> str:
        """Where a project's row is: "labeling", "review", "rework", "removed" (not in a task queue) or "done"."""
        return "labeling" if row_id in p.queue else p.steps.get(row_id, "done")

    def processing_failed(self, row: DataRow) -> bool:
        """Labelbox reads ``gs://`` objects only through a dataset's IAM integration (delegated access), which the
        fake does not offer: such a row's media cannot be processed and batches refuse it."""
        return row.row_data.startswith("gs://")

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

    def queue_order(self, project_id: str, max_priority: int | None = None) -> list[QueueEntry]:
        """Queued rows (only those at ``max_priority`` or better, if given), lowest priority number first, ties by
        data row id (lexicographic)."""
        entries = self.project(project_id).queue.values()
        if max_priority is not None:  # filtered before sorting: the labelling page asks for a round's few rows
            entries = [e for e in entries if e.priority <= max_priority]
        return sorted(entries, key=QUEUE_ORDER)

    def next_in_queue(self, project_id: str, n: int) -> list[QueueEntry]:
        """The first ``n`` rows of :meth:`queue_order`, without sorting the whole queue."""
        return heapq.nsmallest(n, self.project(project_id).queue.values(), key=QUEUE_ORDER)
