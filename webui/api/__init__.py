"""The HTTP API blueprint (``/api``): health, jobs, recommendations, Cypher; writes need the API token or an admin."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__)

from webui.api import cypher, graph, health, jobs, users  # noqa: E402,F401  (they register their routes on the blueprint)
