"""What a load overwrites, kept so that its rollback puts it back.

Why: a load MERGEs entities and edges that may exist already and sets their properties. Rolling
back only what the load created (the nodes and edges tagged with its ``load_id``) would leave the
values it overwrote changed, and the graph not as it was. So before its first write a load
records, for each existing entity and edge whose properties it will change, the old value of
every key it sets (null for a key it adds), in ``(:LoadUndo)`` records. The query that ends the
load removes them with its ledger record. A rollback, in the loading process or by recovery
after a crash, puts them back before it deletes what the load created; a rollback cut off
half-way can simply run again.

Not covered: two loads changing the same property at once (the rollback restores the value from
before its own load), and parallel edges of one type between the same two entities (all of them
get the old values of one).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kgplatform.domain import Edge, Entity
from kgplatform.names import check_relation
from kgplatform.store.props import clean_props

if TYPE_CHECKING:
    from kgplatform.store.base import GraphStore

Props = dict[str, Any]


def keep_overwritten(store: GraphStore, load_id: str, entities: Sequence[Entity], edges: Sequence[Edge],
                     existing: Mapping[str, Mapping[str, Any]]) -> int:
    """Record the old values of the properties the load will change; returns how many entities and edges it changes.

    ``existing``: the properties of the load's entities that are in the graph already, by id.
    Edges are looked up here, only those that carry properties (a bare edge changes nothing).
    """
    on_entities: dict[str, Props] = {}
    for entity in entities:
        if (old := existing.get(entity.id)) is not None:
            _note(on_entities.setdefault(entity.id, {}), old, entity.properties)
    on_edges: dict[tuple[str, str, str], Props] = {}
    for relation, group in _edges_with_props(edges).items():
        found = _existing_edges(store, relation, sorted({(e.head, e.tail) for e in group}))
        for edge in group:
            if (old := found.get((edge.head, edge.tail))) is not None:
                _note(on_edges.setdefault((edge.head, relation, edge.tail), {}), old, edge.properties)
    records: list[tuple[str, list[Any]]] = [("entities", [i, p]) for i, p in on_entities.items() if p]
    records += [("edges", [h, r, t, p]) for (h, r, t), p in on_edges.items() if p]
    for part, batch in enumerate(store._batches(records)):
        kept: dict[str, list[Any]] = {"entities": [], "edges": []}
        for kind, record in batch:
            kept[kind].append(record)
        store.run_named("save_load_undo", {"load_id": load_id, "part": part, "entities": json.dumps(kept["entities"]),
                                           "edges": json.dumps(kept["edges"])}, write=True)
    return len(records)


def put_back_overwritten(store: GraphStore, load_id: str) -> int:
    """Restore what :func:`keep_overwritten` kept for ``load_id``; returns how many entities and edges it restored."""
    entities: list[dict[str, Any]] = []
    edges: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.run_named("list_load_undo", {"load_id": load_id}):
        entities += [{"id": entity_id, "props": props} for entity_id, props in json.loads(row["entities"])]
        for head, relation, tail, props in json.loads(row["edges"]):
            edges[relation].append({"h": head, "t": tail, "props": props})
    restored = sum(store._count("restore_entity_props", {"rows": list(batch)}, write=True)
                   for batch in store._batches(entities))
    for relation, rows in edges.items():
        restored += sum(store._count("restore_edge_props", {"rows": list(batch)}, write=True,
                                     type=check_relation(relation, "kept edge"))
                        for batch in store._batches(rows))
    return restored


def _note(kept: Props, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Add to ``kept`` the old value (None: absent) of each key whose value ``new`` changes; the first noted stays."""
    for key, value in clean_props(new).items():
        if key not in kept and old.get(key) != value:
            kept[key] = old.get(key)


def _edges_with_props(edges: Sequence[Edge]) -> dict[str, list[Edge]]:
    groups: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if clean_props(edge.properties):
            groups[check_relation(edge.relation, f"edge {edge.head!r}->{edge.tail!r}")].append(edge)
    return groups


def _existing_edges(store: GraphStore, relation: str, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Props]:
    found: dict[tuple[str, str], Props] = {}
    for batch in store._batches(pairs):
        for row in store.run_named("find_existing_edges", {"pairs": [list(p) for p in batch]}, type=relation):
            found[(row["h"], row["t"])] = dict(row["props"] or {})
    return found
