"""Data-row metadata: the metadata ontology (reserved and custom schemas) and bulk upsert, delete and export of
the metadata values on data rows, by data row id or global key."""

from __future__ import annotations

from ..models.metadata import MetadataInvalid


def _schemas(_root, info):
    """Reserved fields first, then custom ones, each in creation order."""
    schemas = list(info.context.state.metadata_schemas.values())
    return [s for s in schemas if s.reserved] + [s for s in schemas if not s.reserved]


def m_upsert_data_row_metadata(_root, info, data):
    """Per data row: its values set, or an entry with the error (only failures are answered)."""
    st = info.context.state
    failures = []
    for item in data:
        gk, rid = item.get("globalKey"), item.get("dataRowId")
        row = st.data_row_by_key("GKEY", gk) if gk and not rid else st.data_row_by_key("ID", rid or "")
        error = None
        if row is None:
            error = "Data row not found"
        else:
            try:
                st.upsert_row_metadata(row, st.checked_metadata(item["fields"]))
            except MetadataInvalid as e:
                error = str(e)
        if error is not None:
            failures.append({"globalKey": gk, "dataRowId": rid, "error": error, "fields": []})
    return failures


def m_delete_data_row_metadata(_root, info, dataRowIdentifiers=None):
    """Per data row: the fields removed; answered only for rows that lacked some of them."""
    st = info.context.state
    failures = []
    for item in dataRowIdentifiers or []:
        ident = item["dataRowIdentifier"]
        row = st.data_row_by_key(ident["idType"], ident["id"])
        if row is None:
            failures.append({"dataRowId": ident["id"], "error": "Data row not found",
                             "fields": [{"schemaId": s, "value": None} for s in item["schemaIds"]]})
            continue
        missing = st.delete_row_metadata(row, item["schemaIds"])
        if missing:
            failures.append({"dataRowId": row.id, "globalKey": row.global_key, "error": "Schema did not exist",
                             "fields": [{"schemaId": s, "value": None} for s in missing]})
    return failures


def q_data_row_metadata(_root, info, where):
    """The metadata of each known data row asked for (unknown ones are left out)."""
    st = info.context.state
    idents = where["dataRowIdentifiers"]
    rows = [st.data_row_by_key(idents["idType"], key) for key in idents["ids"]]
    return [{"dataRowId": r.id, "globalKey": r.global_key, "fields": r.metadata_fields} for r in rows if r]


RESOLVERS = {
    "Query": {
        "customMetadataOntology": _schemas,
        "dataRowCustomMetadata": q_data_row_metadata,
    },
    "Mutation": {
        "upsertCustomMetadataSchema": lambda _r, info, data: info.context.state.upsert_metadata_schema(data),
        "deleteCustomMetadataSchema": lambda _r, info, schema: {
            "success": info.context.state.delete_metadata_schema(schema["id"])},
        "upsertDataRowCustomMetadata": m_upsert_data_row_metadata,
        "deleteDataRowCustomMetadata": m_delete_data_row_metadata,
    },
}
