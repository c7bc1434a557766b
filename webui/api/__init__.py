"""The HTTP API blueprint (``/api``): health and jobs; writes need the API token."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__)

from webui.api import health, jobs, users  # noqa: E402,F401  (they register their routes on the blueprint)
