"""Pull a subgraph out of the store as tensors ready for PyTorch Geometric.

Entities are numbered by sorted id and relations by sorted name, so two pulls of the same graph
give the same numbering (a trained model's id maps stay valid). Edges are read per relation type
as pairs of the store's internal node ids, the fastest way to read a graph back, and mapped to
entity indices with a vectorised lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from kgplatform.errors import InvalidInput
from kgplatform.names import check_label, check_relation
from kgplatform.store.base import GraphStore


@dataclass(frozen=True)
class Subgraph:
    """Entities, relation types and typed edges as tensors.

    Attributes:
        entity_ids: entity index -> the entity's ``id`` in the graph.
        relation_types: relation index -> relation type.
        edge_index: ``[2, E]`` long tensor of (head, tail) entity indices.
        edge_type: ``[E]`` long tensor of relation indices.
        predicted: ``[E]`` bool tensor, True for edges that are visible predictions (only when asked for).
    """

    entity_ids: list[str]
    relation_types: list[str]
    edge_index: torch.Tensor
    edge_type: torch.Tensor
    predicted: torch.Tensor
    entity_index: dict[str, int] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self.entity_index:
            self.entity_index.update({e: i for i, e in enumerate(self.entity_ids)})

    @property
    def num_entities(self) -> int:
        """How many entities (nodes) the subgraph holds."""
        return len(self.entity_ids)

    @property
    def num_relations(self) -> int:
        """How many relation types the subgraph holds."""
        return len(self.relation_types)

    @property
    def num_edges(self) -> int:
        """How many edges the subgraph holds."""
        return int(self.edge_type.numel())

    def triples(self) -> torch.Tensor:
        """The edges as an ``[E, 3]`` tensor of (head, relation, tail), PyKEEN's layout."""
        return torch.stack([self.edge_index[0], self.edge_type, self.edge_index[1]], dim=1)


def pull_subgraph(
    store: GraphStore,
    *,
    labels: Sequence[str] | None = None,
    relation_types: Sequence[str] | None = None,
    seeds: Sequence[str] | None = None,
    hops: int = 1,
    include_predictions: bool = False,
) -> Subgraph:
    """Read the part of the graph a model trains on.

    Args:
        store: the graph store.
        labels: keep entities with any of these type labels (default: every entity).
        relation_types: keep edges of these types (default: every fact type in the graph).
        seeds: keep only entities within ``hops`` hops of these ids (over the kept relation types).
        hops: breadth of the neighbourhood around ``seeds``.
        include_predictions: also return visible, unrejected predictions (flagged in ``predicted``).

    Raises:
        InvalidInput: an unknown relation type or label, or a seed id not in the graph.
    """
    available = store.relation_types()
    types = sorted(set(relation_types)) if relation_types else available
    for rel in types:
        check_relation(rel, "relation_types")
        if rel not in available:
            raise InvalidInput("relation_types", rel, f"one of the graph's relation types {available}")

    keys, ids = _entities(store, labels)
    if seeds:
        ids_set = _neighbourhood(store, seeds, types, hops)
        keep = [i for i, e in enumerate(ids) if e in ids_set]
        keys, ids = [keys[i] for i in keep], [ids[i] for i in keep]

    order = sorted(range(len(ids)), key=ids.__getitem__)
    entity_ids = [ids[i] for i in order]
    lookup = _KeyLookup([keys[i] for i in order])

    pulls: list[tuple[int, str, dict[str, Any], bool]] = []
    for r, rel in enumerate(types):
        pulls.append((r, "pull_edges", {"type": rel}, False))
        if include_predictions:
            pulls.append((r, "pull_predicted_edges", {"params": {"relation": rel}}, True))

    def pull(task: tuple[int, str, dict[str, Any], bool]) -> tuple[np.ndarray, ...]:
        r, query, placeholders, is_prediction = task
        h_keys, t_keys = store.pull_pairs(query, **placeholders)
        h, t = lookup(h_keys), lookup(t_keys)
        kept = (h >= 0) & (t >= 0)
        n = int(kept.sum())
        return h[kept], t[kept], np.full(n, r, dtype=np.int64), np.full(n, is_prediction, dtype=bool)

    with ThreadPoolExecutor(max(1, store.settings.pull_workers)) as pool:
        parts = list(pool.map(pull, pulls))  # in task order: the edge order is deterministic
    heads, tails, rels, flags = ([part[i] for part in parts] for i in range(4))
    edge_index = torch.from_numpy(np.stack([_concat(heads, np.int64), _concat(tails, np.int64)]))
    return Subgraph(
        entity_ids=entity_ids,
        relation_types=list(types),
        edge_index=edge_index,
        edge_type=torch.from_numpy(_concat(rels, np.int64)),
        predicted=torch.from_numpy(_concat(flags, np.bool_)),
    )


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _entities(store: GraphStore, labels: Sequence[str] | None) -> tuple[list[object], list[str]]:
    if not labels:
        keys, ids = store.pull_pairs("pull_entities", labels=())
        return keys, ids
    known = store.labels()
    keys, ids, seen = [], [], set()
    for label in labels:
        check_label(label, "labels")
        if label not in known:
            raise InvalidInput("labels", label, f"one of the graph's labels {known}")
        for key, entity_id in zip(*store.pull_pairs("pull_entities", labels=(label,)), strict=True):
            if entity_id not in seen:  # an entity with two of the labels comes once
                seen.add(entity_id)
                keys.append(key)
                ids.append(entity_id)
    return keys, ids


def _neighbourhood(store: GraphStore, seeds: Sequence[str], types: Sequence[str], hops: int) -> set[str]:
    if not isinstance(hops, int) or hops < 0:
        raise InvalidInput("hops", hops, "a whole number of hops, 0 or more")
    missing = store.missing_entities(seeds)
    if missing:
        raise InvalidInput("seeds", sorted(missing)[0], "the id of an entity in the graph")
    reached = set(seeds)
    frontier = set(seeds)
    for _ in range(hops):
        if not frontier:
            break
        frontier = store.expand(sorted(frontier), types) - reached
        reached |= frontier
    return reached


class _KeyLookup:
    """Maps store-internal node keys to entity indices (-1 for nodes outside the subgraph).

    FalkorDB keys are small integers: an array lookup. Neo4j's are elementId strings: a dict.
    """

    def __init__(self, keys: list[object]) -> None:
        self._ints = bool(keys) and all(isinstance(k, int) for k in keys)
        if self._ints:
            arr = np.asarray(keys, dtype=np.int64)
            self._table = np.full(int(arr.max()) + 1, -1, dtype=np.int64)
            self._table[arr] = np.arange(len(arr), dtype=np.int64)
        else:
            self._dict = {k: i for i, k in enumerate(keys)}

    def __call__(self, keys: list[object]) -> np.ndarray:
        if not keys:
            return np.empty(0, dtype=np.int64)
        if self._ints:
            arr = np.asarray(keys, dtype=np.int64)
            out = np.full(len(arr), -1, dtype=np.int64)
            inside = arr < len(self._table)
            out[inside] = self._table[arr[inside]]
            return out
        get = getattr(self, "_dict", {}).get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
