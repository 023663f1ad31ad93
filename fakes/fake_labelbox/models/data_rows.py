"""Datasets and data rows: the upsert the SDK's bulk upload ends in, lookups by id or global key, updates,
attachments, global key assignment, deletion."""

from __future__ import annotations

import re
from typing import Any

from ..errors import bad_input, not_found
from .entities import Attachment, DataRow, Dataset
from .media import media_attributes, media_type_error, stored_row_data

ATTACHMENT_TYPES = ("AUDIO", "VIDEO", "IMAGE", "IMAGE_OVERLAY", "HTML", "RAW_TEXT", "TEXT_URL", "PDF_URL",
                    "CAMERA_IMAGE")
_BAD_GLOBAL_KEY = re.compile(r"^\s|\s$|\s\s")  # Labelbox refuses leading, trailing and repeated whitespace


class DataRowsMixin:
    """Datasets and their rows (rows keyed by global key get ids independent of upload order)."""

    def create_dataset(self, name: str, description: str | None = None) -> Dataset:
        return self.create("datasets", Dataset, name=name, description=description or "")

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
        checked = self._checked_payload(payload)
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
            self._set_global_key(row, gk)
        self._apply_payload(row, checked)
        return row

    def _checked_payload(self, payload: dict) -> dict:
        """The payload as it will be applied, or ValueError for what Labelbox refuses (nothing applied yet)."""
        _check_unicode(payload)
        out = dict(payload)
        media_type = payload.get("media_type")
        if "row_data" in payload:
            if media_type:
                problem = media_type_error(payload["row_data"], media_type)
                if problem:
                    raise ValueError(problem)
            out["row_data"], out["layers"] = stored_row_data(payload["row_data"])
        given = [*(payload.get("metadata_fields") or []), *(payload.get("metadata") or [])]
        if "metadata_fields" in payload or "metadata" in payload:
            out["metadata_fields"] = self.checked_metadata(given)
        if "attachments" in payload:
            out["attachments"] = [self._checked_attachment(a) for a in payload["attachments"] or []]
        return out

    @staticmethod
    def _checked_attachment(a: dict) -> dict:
        kind, value = a.get("type"), a.get("value")
        if kind not in ATTACHMENT_TYPES:
            raise ValueError(f"Invalid attachment type: '{kind}'")
        if not isinstance(value, str) or not value:
            raise ValueError("An attachment needs a non-empty string value")
        return {"type": kind, "value": value, "name": a.get("name")}

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
        """Apply a checked payload (see :meth:`_checked_payload`)."""
        if "row_data" in payload:
            row.row_data = payload["row_data"]
        if "external_id" in payload:
            row.external_id = payload["external_id"]
        if "media_type" in payload:
            row.media_type = payload["media_type"]
        if "metadata_fields" in payload:
            row.metadata_fields = payload["metadata_fields"]
        if "attachments" in payload:
            for old in row.attachments:
                self.attachments.pop(old.id, None)
            row.attachments = []
            for a in payload["attachments"]:
                self._attach(row, a)
        row.media_attributes = media_attributes(row.row_data, row.media_type) | payload.get("layers", {})
        row.updated_at = self.now()

    def update_data_row(self, row_id: str, data: dict) -> DataRow:
        """``updateDataRow``: row data, external id, global key, metadata (the ORM's field names, snake_cased)."""
        row = self.get("data_rows", row_id, "DataRow")
        for name in ("row_data", "external_id", "global_key"):
            if name in data and data[name] in ("", None):
                raise bad_input(f"{name} cannot be empty")
        gk = data.get("global_key")
        if gk is not None and gk != row.global_key:
            if gk in self.global_keys:
                raise bad_input(f"Duplicate global key: '{gk}'")
            self._set_global_key(row, gk)
        payload = {k: v for k, v in data.items() if k != "global_key"}
        try:
            self._apply_payload(row, self._checked_payload(payload))
        except ValueError as e:
            raise bad_input(str(e)) from e
        return row

    def _set_global_key(self, row: DataRow, gk: str | None) -> None:
        self.global_keys.pop(row.global_key or "", None)
        if gk is not None:
            self.global_keys[gk] = row.id
        row.global_key = gk

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
            for a in row.attachments:
                self.attachments.pop(a.id, None)
            for p in self.projects.values():
                p.queue.pop(rid, None)
            out.append(row)
        return out

    # ---- attachments -------------------------------------------------------------------------
    def _attach(self, row: DataRow, a: dict) -> Attachment:
        now = self.now()
        att = Attachment(self.new_id(), now, now, data_row_id=row.id, type=a["type"], value=a["value"],
                         name=a.get("name"))
        self.attachments[att.id] = att
        row.attachments.append(att)
        return att

    def create_attachment(self, row_id: str, a: dict) -> Attachment:
        row = self.get("data_rows", row_id, "DataRow")
        try:
            checked = self._checked_attachment(a)
        except ValueError as e:
            raise bad_input(str(e)) from e
        return self._attach(row, checked)

    def update_attachment(self, attachment_id: str, data: dict) -> Attachment:
        """Change the fields given (a missing or null field keeps its value)."""
        att = self.attachments.get(attachment_id)
        if att is None:
            raise not_found("AssetAttachment", attachment_id)
        given = {k: v for k, v in data.items() if v is not None}
        try:
            checked = self._checked_attachment({"type": att.type, "value": att.value, "name": att.name} | given)
        except ValueError as e:
            raise bad_input(str(e)) from e
        att.type, att.value, att.name, att.updated_at = checked["type"], checked["value"], checked["name"], self.now()
        return att

    def delete_attachment(self, attachment_id: str) -> Attachment:
        att = self.attachments.pop(attachment_id, None)
        if att is None:
            raise not_found("AssetAttachment", attachment_id)
        row = self.data_rows[att.data_row_id]
        row.attachments = [a for a in row.attachments if a.id != attachment_id]
        return att

    # ---- global keys -------------------------------------------------------------------------
    def assign_global_keys(self, links: list[dict]) -> dict:
        """Give rows global keys; Labelbox's job result: valid assignments, invalid ones (unknown row, key
        taken or badly formed), and those that change nothing."""
        done: dict[str, list[dict]] = {"sanitizedAssignments": [], "invalidGlobalKeyAssignments": [],
                                       "unmodifiedAssignments": [], "accessDeniedAssignments": []}
        for link in links:
            rid, gk = link.get("dataRowId"), link.get("globalKey")
            row = self.data_row_by_key("ID", rid or "")
            entry = {"dataRowId": rid, "globalKey": gk}
            if row is not None and row.global_key == gk:
                done["unmodifiedAssignments"].append(entry)
            elif row is None or not gk or _BAD_GLOBAL_KEY.search(gk) or gk in self.global_keys:
                done["invalidGlobalKeyAssignments"].append(entry)
            else:
                self._set_global_key(row, gk)
                row.updated_at = self.now()
                done["sanitizedAssignments"].append(entry)
        return done

    def clear_global_keys(self, keys: list[str]) -> dict:
        cleared, missing = [], []
        for gk in keys:
            row = self.data_row_by_key("GKEY", gk)
            if row is None:
                missing.append(gk)
                continue
            self._set_global_key(row, None)
            row.updated_at = self.now()
            cleared.append(gk)
        return {"clearedGlobalKeys": cleared, "failedToClearGlobalKeys": [], "notFoundGlobalKeys": missing,
                "accessDeniedGlobalKeys": []}

    def start_global_key_job(self, kind: str, result) -> str:
        """A job whose result the SDK polls: ``kind`` names the result query, ``result`` what it reads."""
        job = self.new_id()
        self.global_key_jobs[job] = (kind, result)
        return job

    def global_key_job(self, kind: str, job_id: str):
        job = self.global_key_jobs.get(job_id)
        if job is None or job[0] != kind:
            raise not_found("Job", job_id)
        return job[1]


def _check_unicode(payload: Any) -> None:
    """Refuse, before anything is made, a row whose text cannot be stored as UTF-8 (a lone UTF-16 surrogate)."""
    if isinstance(payload, str):
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ValueError(f"Data row holds text that is not valid Unicode ({e.reason} at position {e.start})") from None
    elif isinstance(payload, dict):
        for key, value in payload.items():
            _check_unicode(key)
            _check_unicode(value)
    elif isinstance(payload, list | tuple):
        for value in payload:
            _check_unicode(value)
