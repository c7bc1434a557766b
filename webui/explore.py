"""Explore pages: search entities by name, and an entity's page (properties, facts, predictions, graph)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from webui.api.params import query_int
from webui.services import services

explore = Blueprint("explore", __name__)

#: Facts listed per page of an entity; a hub's others are a "show more" link away.
FACTS_PER_PAGE = 50


@explore.get("/explore")
def search() -> str:
    text = request.args.get("q", "").strip()
    store = services().store
    found = store.search_entities(text, limit=50) if text else []
    return render_template("explore.html", q=text, found=found,
                           relation_types=store.relation_types() if not text else [])


@explore.get("/entity/<entity_id>")
def entity(entity_id: str) -> str:
    store = services().store
    summary = store.entity_with_degree(entity_id)
    if summary is None:
        abort(404, f"no entity with id {entity_id!r}")
    found, degree = summary
    skip = query_int("skip", 0)
    facts = store.neighbourhood(entity_id, FACTS_PER_PAGE, skip=skip)
    relations = store.relation_degrees(entity_id)
    return render_template("entity.html", entity=found, facts=facts, degree=degree, skip=skip,
                           per_page=FACTS_PER_PAGE, predictions=store.entity_predictions(entity_id, 50),
                           relations=relations)
