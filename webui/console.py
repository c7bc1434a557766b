"""The Cypher console page; queries go through ``POST /api/cypher`` (:mod:`webui.api.cypher`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from webui.access import current_account, may_write
from webui.services import services

console = Blueprint("console", __name__)

EXAMPLE = "MATCH (n:Entity)-[r]->(m:Entity)\nRETURN n, type(r) AS relation, m\nLIMIT 25"


@console.get("/console")
def page() -> str:
    settings = services().settings
    return render_template("console.html", query=request.args.get("query") or EXAMPLE,
                           may_write=may_write(settings) and current_account(settings) is not None,
                           timeout_ms=settings.query_timeout_ms, row_cap=settings.row_cap)
