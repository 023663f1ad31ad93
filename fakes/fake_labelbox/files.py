"""``GET /files/<id>``: the files the fake stores (uploads, exports, import status files), optionally a byte range.

A file is read with the signed URL the fake handed out (``?sig=``, as Labelbox hands out signed storage URLs) or
with an API key of the organization that owns it. Whatever was uploaded is served as a download that a browser
will not render or run (``nosniff``, ``attachment``, a sandboxing CSP), so a stored page cannot act from the
fake's origin.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def serve_file(app: FakeLabelboxApp, request: Request, file_id: str) -> Response:
    with app.lock:
        owner = next((o for o in app.tenants.orgs.values() if file_id in o.state.files), None)
        f = owner.state.files[file_id] if owner is not None else None
        allowed = owner is not None and (
            hmac.compare_digest(request.args.get("sig", ""), owner.state.file_signature(file_id))
            or app.org_for(request) is owner)
    if f is None:
        return json_response({"message": "File not found"}, 404)
    if not allowed:
        return json_response({"message": "Access denied: a signed URL or the owner's API key is needed"}, 403)
    content = f.content
    if "start" in request.args:
        try:
            start, end = int(request.args["start"]), int(request.args.get("end", len(content) - 1))
        except ValueError:
            return json_response({"message": "start and end must be integers"}, 400)
        if start < 0 or end < start - 1:
            return json_response({"message": "Requested range not satisfiable"}, 416)
        content = content[start : end + 1]
    headers = {**SAFE_HEADERS, "Content-Disposition": f'attachment; filename="{file_id}"'}
    return Response(content, mimetype=f.content_type, headers=headers)
