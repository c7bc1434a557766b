"""Recommendations with explanations: the items a model scores highest for a user, each with the graph
paths that support it, rendered as sentences.

Scores come from the latest succeeded completion job of the interaction relation (``WATCHED``,
``LISTENED_TO``, ...): its visible predictions for the user, minus the items the user already
has. Each item's explanation is read from the graph, never made up: fact paths of at most three
hops from the user to the item, so every path shown exists (faithful by construction). A path's
weight is how much the model believes it times how specific it is:

* each hop counts the model's plausibility of that fact, ``sigmoid(score)``, when the job's model
  can be loaded back (shallow models; see :mod:`kgplatform.completion.saved`);
* each intermediate node counts ``1 / log2(2 + degree)``, so a path through a blockbuster genre
  with thousands of films is worth less than one through a director of five, and hubs do not
  drown everything else.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from kgplatform.completion.saved import SavedModel, load_saved_model
from kgplatform.completion.text import readable
from kgplatform.domain import Path
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.jobs.records import JobBook
from kgplatform.names import check_relation
from kgplatform.store.base import GraphStore

#: Paths per item judged by the model (the most specific by degree; the rest are not worth a look).
CANDIDATE_PATHS = 30
#: Edges read around any one node: keeps a request bounded on any graph (see :func:`explain`).
EDGES_PER_NODE = 300


@dataclass(frozen=True)
class Explanation:
    """One path from the user to the item, with its weight and its sentence."""

    nodes: list[dict[str, str | None]]
    relations: list[str]
    forward: list[bool]
    weight: float
    sentence: str


@dataclass(frozen=True)
class Recommendation:
    """An item, its score under the model, and why."""

    id: str
    name: str | None
    score: float
    paths: list[Explanation]


@dataclass(frozen=True)
class Recommendations:
    """What ``recommend`` returns: for whom, from which job, and the items."""

    user: str
    relation: str
    job_id: str
    items: list[Recommendation]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def interaction_relation(given: str | None, configured: str) -> str:
    """The relation to recommend along: the one given, else ``KG_INTERACTION_RELATION``."""
    relation = given or configured
    if not relation:
        raise InvalidInput("relation", "", "--relation R, or KG_INTERACTION_RELATION (e.g. WATCHED) in the settings")
    return relation


def recommend(store: GraphStore, user: str, relation: str, *, k: int = 10, paths: int = 3,
              job_id: str | None = None) -> Recommendations:
    """The top ``k`` items for ``user`` with up to ``paths`` explanations each.

    Raises:
        NotFound: no such user.
        InvalidInput: a bad relation, ``k`` or ``paths``, or no finished job has completed ``relation``.
    """
    check_relation(relation, "relation")
    for name, value, most in (("k", k, 100), ("paths", paths, 10)):
        if not isinstance(value, int) or not 0 <= value <= most or (name == "k" and value == 0):
            raise InvalidInput(name, value, f"an integer from {1 if name == 'k' else 0} to {most}")
    if store.get_entity(user) is None:
        raise NotFound("user", user, "the id of an entity in the graph")
    job_id = job_id or _latest_job(store, relation)
    rows = store.run_named("list_user_predictions", {"user": user, "relation": relation, "job_id": job_id,
                                                     "limit": k}, type=relation)
    model = load_saved_model(store.settings.data_dir.resolve() / "jobs" / job_id)
    if not rows and model is not None:  # a user the job wrote nothing for: ask its model now
        rows = _score_on_demand(store, model, user, relation, k)
    explained = explain(store, user, {row["item"]: row["name"] for row in rows}, paths, model) if paths else {}
    items = [Recommendation(row["item"], row["name"], float(row["score"]), explained.get(row["item"], []))
             for row in rows]
    return Recommendations(user, relation, job_id, items)


def _score_on_demand(store: GraphStore, model: SavedModel, user: str, relation: str, k: int) -> list[dict[str, Any]]:
    """The job model's top ``k`` items the user does not have, calibrated as the job calibrated its own.

    Covers users the job wrote no predictions for (fewer candidates than top-k, or users added
    since, as long as the model has an embedding for them). A user the model never saw gets none.
    """
    candidates = [row for row in store.run_named("list_items_for_scoring", {"user": user, "relation": relation},
                                                 type=relation)
                  if not row["has"] and row["item"] in model.entities]
    if user not in model.entities or relation not in model.relations or not candidates:
        return []
    scores = model.raw_scores(user, relation, [row["item"] for row in candidates])
    probabilities = model.calibration(scores).tolist()
    ranked = sorted(zip(probabilities, candidates, strict=True), key=lambda pair: (-pair[0], pair[1]["item"]))[:k]
    return [{"item": row["item"], "name": row["name"], "score": round(p, 6)} for p, row in ranked]


def _latest_job(store: GraphStore, relation: str) -> str:
    found = JobBook(store).list_jobs(status="succeeded", relation=relation, limit=1)
    if not found:
        raise InvalidInput("relation", relation, "a relation that a finished completion job has completed "
                           f"(run: kgplatform complete --relations {relation})")
    return found[0].job_id


class Edge(NamedTuple):
    """A fact edge seen from ``node``: its relation, the node at the other end, and its direction."""

    node: str
    relation: str
    other: str
    other_name: str | None
    outgoing: bool  # the edge points from ``node`` to ``other``


def explain(store: GraphStore, user: str, items: dict[str, str | None], limit: int,
            model: SavedModel | None = None) -> dict[str, list[Explanation]]:
    """Up to ``limit`` fact paths of 2 or 3 hops from ``user`` to each item (id -> name), best supported first.

    Paths are found meeting in the middle, with three queries for all items together: the user's
    edges, the items' edges, and the edges of the user's neighbours, joined here. Enumerating
    3-hop paths from the user instead walks through every neighbour of every popular item (a
    Last.FM request took 1.9 s that way). Each node contributes at most ``EDGES_PER_NODE`` edges:
    the paths lost are those through hubs, the least specific ones.
    """
    degrees: dict[str, int] = {}
    around_user = {e.other: e for e in _edges(store, [user], degrees)}
    around_items = _edges(store, list(items), degrees)
    names = {e.other: e.other_name for e in [*around_user.values(), *around_items]} | dict(items)
    by_other: dict[str, list[Edge]] = {}
    for e in around_items:
        by_other.setdefault(e.other, []).append(e)
    found: dict[str, list[Path]] = {item: [] for item in items}
    for middle, edges in by_other.items():  # user - middle - item
        if middle in around_user:
            for e in edges:
                found[e.node].append(_path([user, middle, e.node], [around_user[middle], e], names))
    for link in _edges(store, sorted(around_user), degrees):  # user - x - y - item
        for e in by_other.get(link.other, []):
            if user != link.other and e.node != link.node:
                found[e.node].append(_path([user, link.node, link.other, e.node], [around_user[link.node], link, e],
                                           names))
    unknown = sorted({n for paths in found.values() for p in paths for n in p.node_ids[1:-1]} - degrees.keys())
    degrees |= {row["id"]: int(row["degree"]) for row in store.run_named("count_degrees", {"ids": unknown})}
    return {item: _best(paths, degrees, model, limit) for item, paths in found.items()}


def _best(paths: list[Path], degrees: dict[str, int], model: SavedModel | None, limit: int) -> list[Explanation]:
    """The ``limit`` best paths: shortlisted by specificity, then weighed by the model too."""
    shortlist = sorted(set(paths), key=lambda p: (-path_weight(p, degrees), len(p), p.node_ids))[:CANDIDATE_PATHS]
    beliefs = _hop_beliefs(shortlist, model)
    weights = {p: path_weight(p, degrees) * beliefs.get(p, 1.0) for p in shortlist}
    ranked = sorted(shortlist, key=lambda p: (-weights[p], len(p), p.node_ids))[:limit]
    return [Explanation([{"id": i, "name": n} for i, n in zip(p.node_ids, p.node_names, strict=True)],
                        list(p.relations), list(p.forward), round(weights[p], 6), sentence(p)) for p in ranked]


def _edges(store: GraphStore, ids: list[str], degrees: dict[str, int]) -> list[Edge]:
    """The fact edges of ``ids``, at most ``EDGES_PER_NODE`` for each; their degrees go into ``degrees``."""
    rows = store.run_named("list_neighbours", {"ids": ids, "per_node": EDGES_PER_NODE})
    degrees.update((row["id"], int(row["degree"])) for row in rows)
    return [Edge(row["id"], row["type"], row["other"], row["name"], bool(row["outgoing"])) for row in rows]


def _path(nodes: list[str], edges: list[Edge], names: dict[str, str | None]) -> Path:
    """A path through ``nodes``; ``edges[i]`` joins nodes i and i+1, seen from either end."""
    forward = tuple(e.outgoing == (e.node == nodes[i]) for i, e in enumerate(edges))
    return Path(tuple(nodes), tuple(names.get(n) for n in nodes), tuple(e.relation for e in edges), forward)


def path_weight(path: Path, degrees: dict[str, int]) -> float:
    """Product over intermediate nodes of ``1 / log2(2 + degree)``: short paths through rare nodes weigh most."""
    return math.prod(1 / math.log2(2 + degrees.get(node, 0)) for node in path.node_ids[1:-1])


def _facts(path: Path) -> list[tuple[str, str, str]]:
    """The path's edges as (head, relation, tail) facts, in their stored direction."""
    return [(path.node_ids[i], r, path.node_ids[i + 1]) if forward else (path.node_ids[i + 1], r, path.node_ids[i])
            for i, (r, forward) in enumerate(zip(path.relations, path.forward, strict=True))]


def _hop_beliefs(paths: list[Path], model: SavedModel | None) -> dict[Path, float]:
    """Product of the model's plausibility of each hop, per path (hops it cannot judge count 1)."""
    if model is None or not paths:
        return {}
    facts = [fact for p in paths for fact in _facts(p)]
    scores = iter(model.plausibility(facts))
    return {p: math.prod(s if s is not None else 1.0 for s in (next(scores) for _ in p.relations)) for p in paths}


def sentence(path: Path) -> str:
    """The path as words: 'you watched Collateral; Michael Mann directed Collateral; Michael Mann directed Heat'."""
    names = [name or readable(node) for node, name in zip(path.node_ids, path.node_names, strict=True)]
    names[0] = "you"
    clauses = []
    for i, (relation, forward) in enumerate(zip(path.relations, path.forward, strict=True)):
        head, tail = (names[i], names[i + 1]) if forward else (names[i + 1], names[i])
        clauses.append(f"{head} {readable(relation)} {tail}")
    return "; ".join(clauses)

