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
from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any

from kgplatform.domain import Edge
from kgplatform.names import check_relation
from kgplatform.store.props import clean_props

if TYPE_CHECKING:
    from kgplatform.store.base import GraphStore

Props = dict[str, Any]


def keep_overwritten(store: GraphStore, load_id: str, entities: Mapping[str, Props], edges: Sequence[Edge],
                     created: Set[str]) -> int:
    """Record the old values of the properties the load will change; returns how many entities and edges it changes.

    ``entities``: the old values of the keys the load changes on each entity that exists already
    (the load's existence check reads them). ``created``: the ids the load creates; an edge with
    such an end cannot exist yet, so only the others are looked up.
    """
    changed_edges: dict[tuple[str, str, str], Props] = {}
    for relation, rows in _edges_that_may_exist(edges, created).items():
        for batch in store._batches(rows):
            for row in store.run_named("find_existing_edges", {"rows": list(batch)}, type=relation):
                kept = changed_edges.setdefault((row["h"], relation, row["t"]), {})
                for key, value in row["old"]:
                    kept.setdefault(key, value)
    records: list[tuple[str, list[Any]]] = [("entities", [i, old]) for i, old in entities.items() if old]
    records += [("edges", [h, r, t, old]) for (h, r, t), old in changed_edges.items()]
    for part, batch in enumerate(store._batches(records)):
        kept_now: dict[str, list[Any]] = {"entities": [], "edges": []}
        for kind, record in batch:
            kept_now[kind].append(record)
        store.run_named("save_load_undo", {"load_id": load_id, "part": part,
                                           "entities": json.dumps(kept_now["entities"]),
                                           "edges": json.dumps(kept_now["edges"])}, write=True)
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


def _edges_that_may_exist(edges: Sequence[Edge], created: Set[str]) -> dict[str, list[list[Any]]]:
    """The edges with properties whose two ends exist already, as ``[head, tail, props]`` rows by relation type."""
    groups: dict[str, list[list[Any]]] = defaultdict(list)
    for edge in edges:
        if (props := clean_props(edge.properties)) and edge.head not in created and edge.tail not in created:
            groups[check_relation(edge.relation, f"edge {edge.head!r}->{edge.tail!r}")].append(
                [edge.head, edge.tail, props])
    return groups
