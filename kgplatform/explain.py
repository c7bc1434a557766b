"""Explanation paths: the fact paths of 2 or 3 hops that join two entities, best supported first.

A recommendation (or any predicted edge) is explained by paths read from the graph, never made
up, so every path shown exists. A path's weight is how specific it is times how much the model
believes it:

* each intermediate node counts ``1 / log2(2 + degree)``, so a path through a blockbuster genre
  with thousands of films is worth less than one through a director of five, and hubs do not
  drown everything else;
* each hop counts the model's plausibility of that fact, ``sigmoid(score)``, when a model is at
  hand (hops it cannot judge count 1).

The same search runs over two sources of edges: the live store (:class:`StoreEdges`, a request
for a user no job explained) and the snapshot a completion job trained on
(:class:`SnapshotEdges`, where the job explains each prediction it writes, so a request only
reads and re-checks them).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple, Protocol

import numpy as np
import torch

from kgplatform.completion.text import readable
from kgplatform.domain import Path, Prediction
from kgplatform.store.base import GraphStore
from kgplatform.subgraph import Subgraph

#: Most paths asked for per item (a request) or stored per prediction (a job).
MAX_PATHS = 10
#: Paths per item judged by the model (the most specific by degree; the rest are not worth a look).
CANDIDATE_PATHS = 30
#: Edges read around any one node: keeps the search bounded on any graph (see :func:`find_paths`).
EDGES_PER_NODE = 300

Fact = tuple[str, str, str]
#: The model's plausibility in (0, 1) of each fact, or None where it cannot judge one.
Believe = Callable[[list[Fact]], list[float | None]]


class Edge(NamedTuple):
    """A fact edge seen from ``node``: its relation, the node at the other end, and its direction."""

    node: str
    relation: str
    other: str
    other_name: str | None
    outgoing: bool  # the edge points from ``node`` to ``other``


class EdgeSource(Protocol):
    """Where the search reads edges and degrees from."""

    def edges(self, ids: Sequence[str]) -> list[Edge]:
        """The fact edges of ``ids``, at most ``per_node`` (default ``EDGES_PER_NODE``) for each."""
        ...

    def degrees(self, ids: Sequence[str]) -> dict[str, int]:
        """The full fact degree of each of ``ids`` (edges in either direction)."""
        ...


class StoreEdges:
    """Edges read from the live graph: three queries for a whole request (see :func:`find_paths`).

    Each node keeps the first ``per_node`` edges the store returns; a node's degree comes
    free with the scan of its edges and is remembered, so most degrees cost no query.
    """

    def __init__(self, store: GraphStore, per_node: int = EDGES_PER_NODE) -> None:
        self.store, self.per_node = store, per_node
        self.known: dict[str, int] = {}

    def edges(self, ids: Sequence[str]) -> list[Edge]:
        rows = self.store.run_named("list_neighbours", {"ids": list(ids), "per_node": self.per_node})
        self.known.update((row["id"], int(row["degree"])) for row in rows)
        return [Edge(row["id"], row["type"], row["other"], row["name"], bool(row["outgoing"])) for row in rows]

    def degrees(self, ids: Sequence[str]) -> dict[str, int]:
        unknown = sorted(set(ids) - self.known.keys())
        if unknown:
            self.known |= {row["id"]: int(row["degree"]) for row in self.store.run_named("count_degrees",
                                                                                          {"ids": unknown})}
        return {i: self.known.get(i, 0) for i in ids}


class SnapshotEdges:
    """Edges of the subgraph a job pulled, held in memory as sorted adjacency arrays.

    Each node keeps its ``per_node`` most specific neighbours (lowest degree first): those
    are the nodes the best paths go through, so the cap loses only paths that would rank low.
    Names are not in the snapshot; the reader fills them in from the graph.
    """

    def __init__(self, sub: Subgraph, per_node: int = EDGES_PER_NODE) -> None:
        self.per_node = per_node
        heads, tails = sub.edge_index[0].numpy(), sub.edge_index[1].numpy()
        keep = ~sub.predicted.numpy() if sub.predicted.numel() else np.ones(heads.shape, bool)
        heads, tails, types = heads[keep], tails[keep], sub.edge_type.numpy()[keep]
        source = np.concatenate([heads, tails])
        self.degree = np.bincount(source, minlength=sub.num_entities)
        other = np.concatenate([tails, heads])
        order = np.lexsort((other, self.degree[other], source))
        self.other, self.type = other[order], np.concatenate([types, types])[order]
        self.outgoing = np.concatenate([np.ones(heads.shape, bool), np.zeros(heads.shape, bool)])[order]
        self.start = np.concatenate([[0], np.cumsum(self.degree)])
        self.ids, self.types, self.index = sub.entity_ids, sub.relation_types, sub.entity_index
        self._cache: dict[int, list[Edge]] = {}

    def _of(self, node: int) -> list[Edge]:
        found = self._cache.get(node)
        if found is None:
            lo = int(self.start[node])
            hi = lo + min(int(self.degree[node]), self.per_node)
            me = self.ids[node]
            found = [Edge(me, self.types[r], self.ids[o], None, bool(out))
                     for o, r, out in zip(self.other[lo:hi].tolist(), self.type[lo:hi].tolist(),
                                          self.outgoing[lo:hi].tolist(), strict=True)]
            self._cache[node] = found
        return found

    def edges(self, ids: Sequence[str]) -> list[Edge]:
        return [e for i in ids if i in self.index for e in self._of(self.index[i])]

    def degrees(self, ids: Sequence[str]) -> dict[str, int]:
        return {i: int(self.degree[self.index[i]]) if i in self.index else 0 for i in ids}


#: A path not built yet: its nodes, and the edge joining each pair of consecutive nodes (a plain
#: tuple: a popular item's thousands of candidates are made and dropped in bulk).
Candidate = tuple[tuple[str, ...], tuple[Edge, ...]]


def find_paths(source: EdgeSource, user: str, items: Sequence[str]) -> dict[str, list[Candidate]]:
    """Every fact path of 2 or 3 hops from ``user`` to each of ``items`` that the per-node caps let through.

    Paths are found meeting in the middle, with three reads for all items together: the user's
    edges, the items' edges, and the edges of the user's neighbours, joined here. Enumerating
    3-hop paths from the user instead walks through every neighbour of every popular item (a
    Last.FM request took 1.9 s that way). A popular item has thousands of them, so they stay
    cheap tuples until :func:`best_paths` has kept the few worth building.
    """
    around_user = {e.other: e for e in source.edges([user])}
    by_other: dict[str, list[Edge]] = {}
    for e in source.edges(list(items)):
        by_other.setdefault(e.other, []).append(e)
    found: dict[str, list[Candidate]] = {item: [] for item in items}
    for middle, edges in by_other.items():  # user - middle - item
        if (first := around_user.get(middle)) is not None:
            for e in edges:
                found[e.node].append(((user, middle, e.node), (first, e)))
    for link in source.edges(sorted(around_user)):  # user - x - y - item
        if link.other != user and (ends := by_other.get(link.other)):
            first = around_user[link.node]
            for e in ends:
                if e.node != link.node:
                    found[e.node].append(((user, link.node, link.other, e.node), (first, link, e)))
    return found


def best_paths(source: EdgeSource, found: dict[str, list[Candidate]], limit: int,
               believe: Believe | None = None) -> dict[str, list[tuple[Path, float]]]:
    """The ``limit`` best paths of each item with their weights: shortlisted by specificity, then weighed by the model.

    The model judges all the items' shortlisted hops in one call.
    """
    degrees = source.degrees(sorted({n for candidates in found.values() for nodes, _ in candidates
                                     for n in nodes[1:-1]}))
    cost = {n: math.log2(2 + d) for n, d in degrees.items()}  # 1 / the node's specificity

    def hub_cost(nodes: tuple[str, ...]) -> float:
        """1 / the path's specificity: the product of ``log2(2 + degree)`` over its intermediate nodes."""
        return math.prod(cost[n] for n in nodes[1:-1])

    shortlists = {item: [_path(c) for c in heapq.nsmallest(CANDIDATE_PATHS, candidates,
                                                           key=lambda c: (hub_cost(c[0]), len(c[0]), c[0]))]
                  for item, candidates in found.items()}
    beliefs = hop_beliefs([p for paths in shortlists.values() for p in paths], believe)
    ranked = {}
    for item, shortlist in shortlists.items():
        weights = {p: beliefs.get(p, 1.0) / hub_cost(p.node_ids) for p in shortlist}
        ranked[item] = [(p, round(weights[p], 6))
                        for p in sorted(shortlist, key=lambda p: (-weights[p], len(p), p.node_ids))[:limit]]
    return ranked


def explain_predictions(source: EdgeSource, predictions: Sequence[Prediction], limit: int,
                        believe: Believe | None = None) -> list[Prediction]:
    """Each prediction with its ``limit`` best paths from head to tail: what a job stores beside its scores.

    Predictions are searched per head, all of a head's tails together, as a request would.
    """
    tails_of: dict[str, set[str]] = {}
    for p in predictions:
        tails_of.setdefault(p.head, set()).add(p.tail)
    found = {head: best_paths(source, find_paths(source, head, sorted(tails)), limit, believe)
             for head, tails in tails_of.items()}
    return [replace(p, paths=tuple(found[p.head][p.tail])) for p in predictions]


def model_beliefs(score_facts: Callable[[torch.Tensor], torch.Tensor], entities: Mapping[str, int],
                  relations: Mapping[str, int], chunk: int = 1 << 16) -> Believe:
    """A model's ``sigmoid(score)`` of facts given by id, through its id maps (None for an id it never saw).

    Each fact is scored once: a job's heads share most of their hops.
    """
    judged: dict[Fact, float | None] = {}

    def believe(facts: list[Fact]) -> list[float | None]:
        todo = [f for f in dict.fromkeys(facts) if f not in judged]
        known = [f for f in todo if f[0] in entities and f[1] in relations and f[2] in entities]
        judged.update((f, None) for f in todo)
        if known:
            triples = torch.tensor([[entities[h], relations[r], entities[t]] for h, r, t in known])
            with torch.no_grad():
                scores = torch.cat([score_facts(triples[s:s + chunk]).float().cpu()
                                    for s in range(0, len(known), chunk)])
            judged.update(zip(known, torch.sigmoid(scores).tolist(), strict=True))
        return [judged[f] for f in facts]

    return believe


def _path(candidate: Candidate) -> Path:
    """The candidate as a path, each edge read in the direction it is walked; nodes named as the edges name them."""
    nodes, edges = candidate
    forward = tuple(e.outgoing == (e.node == nodes[i]) for i, e in enumerate(edges))
    names = {e.other: e.other_name for e in edges}
    return Path(nodes, tuple(names.get(n) for n in nodes), tuple(e.relation for e in edges), forward)


def facts(path: Path) -> list[Fact]:
    """The path's edges as (head, relation, tail) facts, in their stored direction."""
    return [(path.node_ids[i], r, path.node_ids[i + 1]) if forward else (path.node_ids[i + 1], r, path.node_ids[i])
            for i, (r, forward) in enumerate(zip(path.relations, path.forward, strict=True))]


def hop_beliefs(paths: list[Path], believe: Believe | None) -> dict[Path, float]:
    """Product of the model's plausibility of each hop, per path (hops it cannot judge count 1)."""
    if believe is None or not paths:
        return {}
    unique = sorted({fact for p in paths for fact in facts(p)})
    judged = dict(zip(unique, believe(unique), strict=True))
    return {p: math.prod(b if (b := judged[f]) is not None else 1.0 for f in facts(p)) for p in paths}


def sentence(path: Path) -> str:
    """The path as words: 'you watched Collateral; Michael Mann directed Collateral; Michael Mann directed Heat'."""
    names = [name or readable(node) for node, name in zip(path.node_ids, path.node_names, strict=True)]
    names[0] = "you"
    clauses = []
    for i, (relation, forward) in enumerate(zip(path.relations, path.forward, strict=True)):
        head, tail = (names[i], names[i + 1]) if forward else (names[i + 1], names[i])
        clauses.append(f"{head} {readable(relation)} {tail}")
    return "; ".join(clauses)
