"""What a load overwrites, kept so that its rollback puts it back.

Why: a load MERGEs entities and edges that may exist already and sets their properties. Rolling
back only what the load created (the nodes and edges tagged with its ``load_id``) would leave the
values it overwrote changed, and the graph not as it was. So a load keeps, in ``(:LoadUndo)``
records, the old value of every property it changes on what existed before it (null for a key it
adds), before it writes the new one:

* entities: the load's existence check reads the old values, and they are kept before the first
  write;
* edges: the upsert writes new edges and leaves an existing edge it would change as it is,
  returning its old values; they are kept, then the change is set.

The query that ends the load removes the records with its ledger record. A rollback, in the
loading process or by recovery after a crash, puts the old values back before it deletes what
the load created; a rollback cut off half-way can simply run again. When a load changes one
property twice, the value from before the load is the one put back.

Not covered: two loads changing the same property at once (each rollback restores the value from
before its own load), and parallel edges of one type between the same two entities (all of them
get the old values of one).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kgplatform.names import check_relation

if TYPE_CHECKING:
    from kgplatform.store.base import GraphStore

Props = dict[str, Any]


def keep_entities(store: GraphStore, load_id: str, changed: Mapping[str, Props]) -> None:
    """Keep the old values of the keys the load changes on entities that exist (from its existence check)."""
    _keep(store, load_id, "entities", [[i, old] for i, old in changed.items() if old])


def keep_then_set_edges(store: GraphStore, load_id: str, relation: str, held: Sequence[list[Any]]) -> None:
    """Keep the old values of existing edges the upsert held back, then set their new properties.

    ``held``: ``[head, tail, [[key, old value], ...], new properties]`` rows from ``upsert_existing_edges``.
    """
    _keep(store, load_id, "edges", [[h, relation, t, dict(old)] for h, t, old, _ in held])
    _set_edges(store, relation, [{"h": h, "t": t, "props": new} for h, t, _, new in held])


def put_back_overwritten(store: GraphStore, load_id: str) -> int:
    """Restore what the load kept; returns how many entities and edges it restored."""
    entities: dict[str, Props] = defaultdict(dict)
    edges: dict[tuple[str, str, str], Props] = defaultdict(dict)
    for row in store.run_named("list_load_undo", {"load_id": load_id}):  # oldest first: the first value kept wins
        for *key, old in json.loads(row["records"]):
            kept = entities[key[0]] if row["kind"] == "entities" else edges[(key[0], key[1], key[2])]
            for name, value in old.items():
                kept.setdefault(name, value)
    restored = sum(store._count("restore_entity_props", {"rows": list(batch)}, write=True)
                   for batch in store._batches([{"id": i, "props": old} for i, old in entities.items()]))
    by_relation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (head, relation, tail), old in edges.items():
        by_relation[relation].append({"h": head, "t": tail, "props": old})
    return restored + sum(_set_edges(store, relation, rows) for relation, rows in by_relation.items())


def _set_edges(store: GraphStore, relation: str, rows: list[dict[str, Any]]) -> int:
    return sum(store._count("set_edge_props", {"rows": list(batch)}, write=True, type=check_relation(relation, "edge"))
               for batch in store._batches(rows))


def _keep(store: GraphStore, load_id: str, kind: str, records: list[list[Any]]) -> None:
    """Write undo records in batches; ``part`` orders them in time (a clock in ns, unique enough per load)."""
    for batch in store._batches(records):
        store.run_named("save_load_undo", {"load_id": load_id, "part": time.time_ns(), "kind": kind,
                                           "records": json.dumps(list(batch))}, write=True)
