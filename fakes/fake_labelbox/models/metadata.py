"""Data-row metadata: the organization's metadata ontology (Labelbox's reserved fields, with their fixed ids, and
custom schemas) and the metadata values on data rows.

A row keeps its values as Labelbox stores them, ``[{"schemaId", "value"}]`` in the order given; an enum value is
two entries, the enum's id and the chosen option's id, each with the value ``{}``.
"""

from __future__ import annotations

import datetime as _dt

from ..errors import bad_input, malformed, not_found
from .entities import DataRow, MetadataSchema

STRING, NUMBER, DATETIME = "CustomMetadataString", "CustomMetadataNumber", "CustomMetadataDateTime"
ENUM, OPTION, EMBEDDING = "CustomMetadataEnum", "CustomMetadataEnumOption", "CustomMetadataEmbedding"
KINDS = (STRING, NUMBER, DATETIME, ENUM, EMBEDDING)
EMBEDDING_SIZE = 128
MAX_STRING = 4096
# Labelbox's reserved fields: every organization has them, with these ids (Labelbox's own tests hard-code them).
RESERVED = (
    ("cko8s9r5v0001h2dk9elqdidh", "tag", STRING, ()),
    ("cko8sbczn0002h2dkdaxb5kal", "split", ENUM, (("cko8sbscr0003h2dk04w86hof", "train"),
                                                  ("cko8sc2yr0004h2dk69aj5x63", "valid"),
                                                  ("cko8scbz70005h2dkastwhgqt", "test"))),
    ("cko8sdzv70006h2dk8jg64zvb", "captureDateTime", DATETIME, ()),
)


class MetadataInvalid(ValueError):
    """Metadata Labelbox refuses for one data row (the row fails; the rest of its request goes on)."""


class MetadataMixin:
    """The metadata ontology and the metadata values of data rows."""

    def reserved_metadata(self, now: str) -> dict[str, MetadataSchema]:
        """The reserved fields, as a new organization has them."""
        out = {}
        for sid, name, kind, options in RESERVED:
            opts = [MetadataSchema(oid, now, now, name=oname, kind=OPTION, reserved=True, parent_id=sid)
                    for oid, oname in options]
            out[sid] = MetadataSchema(sid, now, now, name=name, kind=kind, reserved=True, options=opts)
        return out

    # ---- the ontology ------------------------------------------------------------------------
    def metadata_schema_index(self) -> dict[str, MetadataSchema]:
        """Every schema by id, enum options included."""
        index: dict[str, MetadataSchema] = {}
        for s in self.metadata_schemas.values():
            index[s.id] = s
            index.update((o.id, o) for o in s.options)
        return index

    def metadata_schema_named(self, name: str) -> MetadataSchema | None:
        return next((s for s in self.metadata_schemas.values() if s.name == name), None)

    def upsert_metadata_schema(self, data: dict) -> MetadataSchema:
        """Create a custom schema, or (with ``id``) rename it and rename, add or drop its enum options."""
        name, kind = (data.get("name") or "").strip(), data.get("kind")
        if not name:
            raise bad_input("A metadata schema needs a name")
        if kind not in KINDS:
            raise bad_input(f"Invalid metadata kind: '{kind}'")
        same_name = self.metadata_schema_named(name)
        schema = None
        if data.get("id"):
            schema = self.metadata_schemas.get(data["id"])
            if schema is None:
                raise not_found("CustomMetadataSchema", data["id"])
            if schema.reserved:
                raise malformed(f"Reserved metadata schema '{schema.name}' cannot be modified")
            if kind != schema.kind:
                raise malformed(f"The kind of metadata schema '{schema.name}' cannot be changed")
        if same_name is not None and same_name is not schema:
            raise malformed(f"A metadata schema named '{name}' already exists")
        options = data.get("options") or []
        if options and kind != ENUM:
            raise bad_input(f"Only {ENUM} schemas have options")
        option_names = [(o.get("name") or "").strip() for o in options]
        if len(set(option_names)) != len(option_names) or "" in option_names:
            raise bad_input("Enum options need distinct, non-empty names")
        now = self.now()
        if schema is None:
            schema = MetadataSchema(self.new_id(), now, now, name=name, kind=kind)
            self.metadata_schemas[schema.id] = schema
        old = {o.id: o for o in schema.options}
        new_options = []
        for o, oname in zip(options, option_names, strict=True):
            if o.get("id") and o["id"] not in old:
                raise not_found("CustomMetadataSchema option", o["id"])
            opt = old.get(o.get("id")) or MetadataSchema(self.new_id(), now, now, kind=OPTION, parent_id=schema.id)
            opt.name, opt.updated_at = oname, now
            new_options.append(opt)
        dropped = set(old) - {o.id for o in new_options}
        schema.name, schema.options, schema.updated_at = name, new_options, now
        if dropped:
            self._forget_metadata(dropped)
        return schema

    def delete_metadata_schema(self, schema_id: str) -> bool:
        schema = self.metadata_schemas.get(schema_id)
        if schema is None:
            raise not_found("CustomMetadataSchema", schema_id)
        if schema.reserved:
            raise malformed(f"Reserved metadata schema '{schema.name}' cannot be deleted")
        del self.metadata_schemas[schema_id]
        self._forget_metadata({schema.id, *(o.id for o in schema.options)})
        return True

    def _forget_metadata(self, schema_ids: set[str]) -> None:
        """Values of deleted schemas leave every data row."""
        for row in self.data_rows.values():
            if any(f["schemaId"] in schema_ids for f in row.metadata_fields):
                row.metadata_fields = [f for f in row.metadata_fields if f["schemaId"] not in schema_ids]

    # ---- values on data rows -----------------------------------------------------------------
    def checked_metadata(self, fields: list) -> list[dict]:
        """A row's metadata as given (by schema id or name; an enum's option by id or name) as Labelbox stores
        it; raises :class:`MetadataInvalid` for what Labelbox refuses."""
        index = self.metadata_schema_index()
        given = [f.get("schemaId") or f.get("schema_id") for f in fields if isinstance(f, dict)]
        repeated = sorted({s for s in given if s and given.count(s) > 1})
        if repeated:
            raise MetadataInvalid(f"A schemaId can only be specified once per DataRow : [{', '.join(repeated)}]")
        out: list[dict] = []
        chosen: dict[str, str] = {}  # enum id -> option id
        for f in fields:
            if not isinstance(f, dict) or "value" not in f:
                raise MetadataInvalid(f"Metadata field {f!r} needs a schemaId or name, and a value")
            schema = self._metadata_schema_of(f, index)
            value = f["value"]
            if schema.kind == OPTION:
                chosen[schema.parent_id] = schema.id
            elif schema.kind == ENUM:
                if value not in ({}, None, ""):
                    option = next((o for o in schema.options if value in (o.id, o.name)), None)
                    if option is None:
                        raise MetadataInvalid(f"'{value}' is not an option of enum metadata '{schema.name}'")
                    chosen[schema.id] = option.id
                else:
                    chosen.setdefault(schema.id, "")
            else:
                out.append({"schemaId": schema.id, "value": _checked_value(schema, value)})
        for enum_id, option_id in chosen.items():
            if not option_id:
                raise MetadataInvalid(f"Enum metadata '{index[enum_id].name}' needs one of its options")
            out += [{"schemaId": enum_id, "value": {}}, {"schemaId": option_id, "value": {}}]
        return _in_given_order(out, fields, index)

    def _metadata_schema_of(self, f: dict, index: dict[str, MetadataSchema]) -> MetadataSchema:
        sid = f.get("schemaId") or f.get("schema_id")
        if sid:
            if sid not in index:
                raise MetadataInvalid(f"Metadata schema {sid} does not exist")
            return index[sid]
        schema = self.metadata_schema_named(f.get("name") or "")
        if schema is None:
            raise MetadataInvalid(f"There is no metadata schema named '{f.get('name')}'")
        return schema

    def upsert_row_metadata(self, row: DataRow, fields: list[dict]) -> None:
        """Set checked values on a row: each replaces, in its place, the row's value of the same field (an enum's
        option too); values of new fields come last."""
        index = self.metadata_schema_index()
        groups: dict[str, list[dict]] = {}
        for f in row.metadata_fields:
            groups.setdefault(_field_of(f["schemaId"], index), []).append(f)
        new: dict[str, list[dict]] = {}
        for f in fields:
            new.setdefault(_field_of(f["schemaId"], index), []).append(f)
        groups.update(new)
        row.metadata_fields = [f for group in groups.values() for f in group]
        row.updated_at = self.now()

    def delete_row_metadata(self, row: DataRow, schema_ids: list[str]) -> list[str]:
        """Remove fields (an enum with its option) from a row; returns the ids the row had no value for."""
        index = self.metadata_schema_index()
        have = {_field_of(f["schemaId"], index) for f in row.metadata_fields}
        missing = [s for s in schema_ids if _field_of(s, index) not in have]
        gone = {_field_of(s, index) for s in schema_ids}
        row.metadata_fields = [f for f in row.metadata_fields if _field_of(f["schemaId"], index) not in gone]
        row.updated_at = self.now()
        return missing

    def metadata_view(self, row: DataRow) -> list[dict]:
        """A row's metadata one entry per field, with names (an enum's value is its option's name)."""
        index = self.metadata_schema_index()
        out = []
        for f in row.metadata_fields:
            schema = index.get(f["schemaId"])
            if schema is None or schema.kind == ENUM:
                continue
            if schema.kind == OPTION:
                enum = index[schema.parent_id]
                out.append({"schemaId": enum.id, "name": enum.name, "value": schema.name, "kind": ENUM})
            else:
                out.append({"schemaId": schema.id, "name": schema.name, "value": f["value"], "kind": schema.kind})
        return out


def _field_of(schema_id: str, index: dict[str, MetadataSchema]) -> str:
    """The field a stored entry belongs to: an option belongs to its enum."""
    s = index.get(schema_id)
    return s.parent_id if s is not None and s.kind == OPTION else schema_id


def _in_given_order(out: list[dict], fields: list, index: dict[str, MetadataSchema]) -> list[dict]:
    """Entries in the order their fields were given (an enum's two entries together)."""
    order: list[str] = []
    for f in fields:
        sid = f.get("schemaId") or f.get("schema_id")
        field_id = _field_of(sid, index) if sid else next(
            (s.id for s in index.values() if s.name == f.get("name") and s.kind != OPTION), "")
        if field_id not in order:
            order.append(field_id)
    return sorted(out, key=lambda e: order.index(_field_of(e["schemaId"], index)))


def _checked_value(schema: MetadataSchema, value):
    if schema.kind == STRING:
        if not isinstance(value, str) or len(value) > MAX_STRING:
            raise MetadataInvalid(f"Metadata '{schema.name}' takes a string of at most {MAX_STRING} characters")
        return value
    if schema.kind == NUMBER:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise MetadataInvalid(f"Metadata '{schema.name}' takes a number, got {value!r}") from None
    if schema.kind == DATETIME:
        try:
            parsed = _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise MetadataInvalid(f"Metadata '{schema.name}' takes an ISO 8601 date and time, got {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_dt.timezone.utc)
        return parsed.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if schema.kind == EMBEDDING:
        if not isinstance(value, list) or len(value) != EMBEDDING_SIZE:
            raise MetadataInvalid(f"Metadata '{schema.name}' takes a list of {EMBEDDING_SIZE} numbers")
        return [float(x) for x in value]
    raise MetadataInvalid(f"Metadata '{schema.name}' ({schema.kind}) cannot hold a value")
