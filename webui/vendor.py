"""Front-end libraries, served from ``node_modules`` (installed by npm from package-lock.json, never copied here).

Only the files named in :data:`ASSETS` are served, so the route cannot reach anything else.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from kgplatform.config import Settings
from webui.services import services

vendor = Blueprint("vendor", __name__)

#: Served name -> path under node_modules.
ASSETS = {
    "cytoscape.js": "cytoscape/dist/cytoscape.min.js",
    "codemirror.js": "codemirror/lib/codemirror.js",
    "codemirror.css": "codemirror/lib/codemirror.css",
    "cypher.js": "codemirror/mode/cypher/cypher.js",
    "uplot.js": "uplot/dist/uPlot.iife.min.js",
    "uplot.css": "uplot/dist/uPlot.min.css",
}


def node_modules(settings: Settings) -> Path:
    """``KG_NODE_MODULES``, else the checkout's ``node_modules`` (``./dev`` runs npm ci there)."""
    return Path(settings.node_modules or Path(__file__).resolve().parents[1] / "node_modules")


@vendor.get("/vendor/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404, f"no front-end asset named {name!r}")
    path = node_modules(services().settings) / ASSETS[name]
    if not path.is_file():
        abort(404, f"{path} is missing: run `npm ci` in the checkout (./dev setup does)")
    return send_file(path, max_age=86_400)
