"""Graph reads for the browser: entity search, an entity's neighbourhood (facts and predictions), edges among nodes."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from kgplatform.domain import Entity, Prediction
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.store import GraphStore
from webui.api import api
from webui.api.params import query_int
from webui.services import services

#: Most neighbours one expansion shows; a hub shows this many and says how many more it has.
MAX_NEIGHBOURS = 200


@api.get("/entities")
def search_entities() -> Any:
    text = request.args.get("q", "").strip()
    if not text:
        raise InvalidInput("q", text, "some text to look for in entity names and ids")
    found = services().store.search_entities(text, limit=min(query_int("limit", 20), 100) or 1)
    return jsonify([{"id": e.id, "name": e.name, "labels": list(e.labels)} for e in found])


@api.get("/entities/<entity_id>")
def entity(entity_id: str) -> Any:
    """One entity: its labels, properties and fact degree (the API twin of the entity page's header)."""
    store = services().store
    found, degree = _entity(store, entity_id)
    return jsonify({"id": found.id, "name": found.name, "labels": list(found.labels),
                    "properties": found.properties, "degree": degree})


@api.get("/entities/<entity_id>/neighbourhood")
def neighbourhood(entity_id: str) -> Any:
    """``?relation=R&limit=50&skip=0``: one page of fact neighbours plus the entity's predictions."""
    store = services().store
    entity, degree = _entity(store, entity_id)
    limit = query_int("limit", 50)
    if not 1 <= limit <= MAX_NEIGHBOURS:
        raise InvalidInput("limit", limit, f"an integer from 1 to {MAX_NEIGHBOURS}")
    skip = query_int("skip", 0)
    relation = request.args.get("relation") or None
    facts = store.neighbourhood(entity_id, limit, relation=relation, skip=skip)
    predicted = store.entity_predictions(entity_id, limit) if skip == 0 else []
    nodes = {n.entity_id: {"id": n.entity_id, "name": n.name, "labels": list(n.labels)}
             for n in [*facts, *(n for n, _ in predicted)]}
    edges = [_edge(entity_id, n.relation, n.entity_id, n.outgoing) for n in facts]
    edges += [_edge(entity_id, n.relation, n.entity_id, n.outgoing, p) for n, p in predicted
              if relation is None or n.relation == relation]
    return jsonify({"entity": {"id": entity.id, "name": entity.name, "labels": list(entity.labels)},
                    "degree": degree, "nodes": list(nodes.values()), "edges": edges,
                    "more": max(0, degree - skip - len(facts)) if relation is None else None})


@api.post("/graph/edges")
def edges_among() -> Any:
    """``{"ids": [...]}``: the facts and visible predictions among these entities."""
    body = request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > 1000:
        raise InvalidInput("ids", ids, "a list of at most 1000 entity ids")
    found = services().store.edges_among(ids)
    return jsonify({"edges": [{"source": e.head, "relation": e.relation, "target": e.tail,
                               "predicted": isinstance(e, Prediction),
                               "score": e.score if isinstance(e, Prediction) else None} for e in found]})


def _entity(store: GraphStore, entity_id: str) -> tuple[Entity, int]:
    """The entity and its fact degree, in one query; NotFound (404) when it is not in the graph."""
    found = store.entity_with_degree(entity_id)
    if found is None:
        raise NotFound("entity", entity_id, "the id of an entity in the graph")
    return found


def _edge(me: str, relation: str, other: str, outgoing: bool, prediction: Prediction | None = None) -> dict[str, Any]:
    source, target = (me, other) if outgoing else (other, me)
    edge: dict[str, Any] = {"source": source, "relation": relation, "target": target,
                            "predicted": prediction is not None}
    if prediction is not None:
        edge |= {"score": prediction.score, "job_id": prediction.job_id, "model": prediction.model,
                 "status": prediction.status}
    return edge
