"""Datasets and data rows: the upsert the SDK's bulk upload ends in, lookups by id or global key, deletion."""

from __future__ import annotations

import json

from .entities import DataRow, Dataset, media_attributes


class DataRowsMixin:
    """Datasets and their rows (rows keyed by global key get ids independent of upload order)."""

    def create_dataset(self, name: str, description: str | None = None) -> Dataset:
        return self.create("datasets", Dataset, name=name, description=description)

    def upsert_data_rows(self, specs: list[dict]) -> tuple[list[dict], list[dict]]:
        """Apply upsert specs ``{"id": {"type", "value"}, "payload": {...}}``; returns (successes, failures)."""
        ok: list[dict] = []
        failed: list[dict] = []
        for spec in specs:
            key = spec.get("id") or {"type": "AUTO", "value": ""}
            payload = dict(spec.get("payload") or {})
            try:
                row = self._upsert_one(key.get("type", "AUTO"), key.get("value"), payload)
            except ValueError as e:
                failed.append({"message": str(e), "spec": payload})
                continue
            ok.append({"id": row.id, "externalId": row.external_id, "globalKey": row.global_key, "rowData": row.row_data})
        return ok, failed

    def _upsert_one(self, key_type: str, key_value: str | None, payload: dict) -> DataRow:
        gk = payload.get("global_key")
        row: DataRow | None = None
        if key_type == "ID":
            row = self.data_rows.get(key_value or "")
            if row is None or row.deleted:
                raise ValueError(f"Data row with id {key_value} not found")
        elif key_type == "GKEY":
            rid = self.global_keys.get(key_value or "")
            row = self.data_rows.get(rid) if rid else None
            gk = gk or key_value
        if row is None:
            row = self._new_row(payload, gk)
        elif gk is not None and gk != row.global_key:
            if gk in self.global_keys:
                raise ValueError(f"Duplicate global key: '{gk}'")
            self.global_keys.pop(row.global_key or "", None)
            self.global_keys[gk] = row.id
            row.global_key = gk
        self._apply_payload(row, payload)
        return row

    def _new_row(self, payload: dict, gk: str | None) -> DataRow:
        dataset_id = payload.get("dataset_id")
        ds = self.datasets.get(dataset_id or "")
        if ds is None or ds.deleted:
            raise ValueError(f"Dataset {dataset_id} not found")
        if "row_data" not in payload:
            raise ValueError("row_data is required")
        if gk is not None and gk in self.global_keys:
            raise ValueError(f"Duplicate global key: '{gk}'")
        now = self.now()
        # Rows with a global key get order-independent ids: the SDK uploads chunks in varying order.
        rid = self.ids.keyed("data_row", gk) if gk is not None else self.new_id()
        if rid in self.data_rows:
            rid = self.new_id()
        row = DataRow(rid, now, now, dataset_id=ds.id, row_data="", global_key=gk)
        self.data_rows[row.id] = row
        ds.row_ids.append(row.id)
        if gk is not None:
            self.global_keys[gk] = row.id
        return row

    def _apply_payload(self, row: DataRow, payload: dict) -> None:
        if "row_data" in payload:
            data = payload["row_data"]
            row.row_data = data if isinstance(data, str) else json.dumps(data)
        if "external_id" in payload:
            row.external_id = payload["external_id"]
        if "media_type" in payload:
            row.media_type = payload["media_type"]
        if "metadata_fields" in payload:
            row.metadata_fields = list(payload["metadata_fields"] or [])
        if "attachments" in payload:
            row.attachments = list(payload["attachments"] or [])
        row.media_attributes = media_attributes(row.row_data, row.media_type)
        row.updated_at = self.now()

    def data_row_by_key(self, id_type: str, key: str) -> DataRow | None:
        rid = self.global_keys.get(key) if id_type == "GKEY" else key
        row = self.data_rows.get(rid) if rid else None
        return None if row is None or row.deleted else row

    def delete_data_rows(self, ids: list[str]) -> list[DataRow]:
        out = []
        for rid in ids:
            row = self.data_rows.get(rid)
            if row is None or row.deleted:
                continue
            row.deleted = True
            self.global_keys.pop(row.global_key or "", None)
            for p in self.projects.values():
                p.queue.pop(rid, None)
            out.append(row)
        return out
