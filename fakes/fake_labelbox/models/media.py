"""A data row's asset as Labelbox judges it without fetching it: its type from the URL's extension or the shape
of its JSON, the media attributes it reports, and the check of a declared media type against that type."""

from __future__ import annotations

import json
import mimetypes

URL_PREFIXES = ("http://", "https://", "gs://", "s3://")
CONVERSATIONAL = "application/vnd.labelbox.conversational"
TILED = "application/vnd.labelbox.tiled-imagery"
# The SDK's MediaType values a data row may declare; the type each one accepts (``None``: any content).
ACCEPTS: dict[str, str | None] = {
    "IMAGE": "image/*", "VIDEO": "video/*", "AUDIO": "audio/*", "TEXT": "text/*", "HTML": "text/html",
    "PDF": "application/pdf", "DOCUMENT": "application/pdf", "CONVERSATIONAL": CONVERSATIONAL,
    "TMS_GEO": TILED, "TMS_SIMPLE": TILED, "GEOSPATIAL_TILE": TILED, "SIMPLE_TILE": TILED,
    "JSON": None, "LLM": None, "LLM_PROMPT_CREATION": None, "LLM_PROMPT_RESPONSE_CREATION": None,
    "DICOM": None, "POINT_CLOUD": None, "NIFTI": None, "UNKNOWN": None,
}
_INLINE_TYPES = {"TEXT": "text/plain", "HTML": "text/html", "CONVERSATIONAL": "application/json"}


def embedded(row_data: object) -> dict | None:
    """Row data given as a JSON object (a dict, or a string holding one), else None."""
    if isinstance(row_data, dict):
        return row_data
    if isinstance(row_data, str) and row_data.lstrip().startswith("{"):
        try:
            obj = json.loads(row_data)
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None
    return None


def stored_row_data(row_data: object) -> tuple[str, dict]:
    """Row data as Labelbox keeps it, and the media attributes it carries: an embedded PDF
    (``pdfUrl``/``pdf_url`` with a text or tile layer) becomes its PDF URL, the layer an attribute."""
    obj = embedded(row_data)
    pdf = obj and (obj.get("pdfUrl") or obj.get("pdf_url"))
    if pdf:
        layer = obj.get("textLayerUrl") or obj.get("text_layer_url") or obj.get("tileLayerUrl")
        return pdf, ({"textLayerUrl": layer} if layer else {})
    return (row_data if isinstance(row_data, str) else json.dumps(row_data)), {}


def detected_type(row_data: object) -> str | None:
    """The type Labelbox would detect (None when the URL's extension tells nothing)."""
    obj = embedded(row_data)
    if obj is not None:
        if obj.get("pdfUrl") or obj.get("pdf_url"):
            return "application/pdf"
        if "tileLayerUrl" in obj:
            return TILED
        if obj.get("type") == CONVERSATIONAL or "messages" in obj:
            return CONVERSATIONAL
        return "application/json"
    text = str(row_data)
    if text.startswith(URL_PREFIXES):
        return mimetypes.guess_type(text.split("?")[0])[0]
    return "text/plain"


def media_type_error(row_data: object, media_type: str) -> str | None:
    """Why Labelbox refuses row data declared as ``media_type``, or None when it accepts it."""
    if media_type.upper() not in ACCEPTS:
        return f"Found invalid media type: '{media_type}'"
    expected, detected = ACCEPTS[media_type.upper()], detected_type(row_data)
    if expected is None or detected is None:
        return None
    family = expected[:-1] if expected.endswith("/*") else None
    if detected == expected or (family is not None and detected.startswith(family)):
        return None
    return f"Expected type {expected}, detected: {detected}"


def media_attributes(row_data: str, media_type: str | None) -> dict:
    """What Labelbox reports about a row's asset: inline text is text/plain; URLs by extension."""
    if row_data.startswith(URL_PREFIXES):
        return {"mimeType": mimetypes.guess_type(row_data.split("?")[0])[0] or "application/octet-stream"}
    return {"mimeType": _INLINE_TYPES.get((media_type or "TEXT").upper(), "text/plain"),
            "contentLength": len(row_data.encode("utf-8"))}
