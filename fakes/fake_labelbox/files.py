"""``GET /files/<id>``: the files the fake stores (uploads, exports, import status files), optionally a byte range.

File ids are unguessable per organization, like Labelbox's signed URLs, so no API key is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .web import json_response

if TYPE_CHECKING:
    from .app import FakeLabelboxApp


def serve_file(app: FakeLabelboxApp, request: Request, file_id: str) -> Response:
    with app.lock:
        f = next((o.state.files[file_id] for o in app.tenants.orgs.values() if file_id in o.state.files), None)
    if f is None:
        return json_response({"message": "File not found"}, 404)
    content = f.content
    if "start" in request.args:
        try:
            start, end = int(request.args["start"]), int(request.args.get("end", len(content) - 1))
        except ValueError:
            return json_response({"message": "start and end must be integers"}, 400)
        if start < 0 or end < start - 1:
            return json_response({"message": "Requested range not satisfiable"}, 416)
        content = content[start : end + 1]
    return Response(content, mimetype=f.content_type)
