"""The one way the fake's HTTP routes answer JSON."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response


def json_response(obj: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(obj), status=status, mimetype="application/json", headers=headers)
