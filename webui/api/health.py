"""``GET /api/health``: 200 when the graph store answers (what container healthchecks call)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from webui.api import api
from webui.services import services


@api.get("/health")
def health() -> Any:
    store = services().store
    store.run_readonly("RETURN 1 AS ok")
    return jsonify({"status": "ok", "store": store.backend})
