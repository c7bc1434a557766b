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
from typing import Any

from kgplatform.completion.saved import SavedModel, load_saved_model
from kgplatform.completion.text import readable
from kgplatform.domain import Path
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.jobs.records import JobBook
from kgplatform.names import check_relation
from kgplatform.store.base import GraphStore

#: Paths read per item before ranking (enumeration is lazy; more is slower, not better).
CANDIDATE_PATHS = 30


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
    items = [Recommendation(row["item"], row["name"], float(row["score"]),
                            explain(store, user, row["item"], paths, model) if paths else []) for row in rows]
    return Recommendations(user, relation, job_id, items)


def _latest_job(store: GraphStore, relation: str) -> str:
    found = JobBook(store).list_jobs(status="succeeded", relation=relation, limit=1)
    if not found:
        raise InvalidInput("relation", relation, "a relation that a finished completion job has completed "
                           f"(run: kgplatform complete --relations {relation})")
    return found[0].job_id


def explain(store: GraphStore, user: str, item: str, limit: int, model: SavedModel | None = None) -> list[Explanation]:
    """Up to ``limit`` fact paths from ``user`` to ``item``, the best supported first."""
    found = [p for p in store.paths_between(user, item, max_hops=3, limit=CANDIDATE_PATHS) if len(p) >= 2]
    middle = sorted({n for p in found for n in p.node_ids[1:-1]})
    degrees = {row["id"]: int(row["degree"]) for row in store.run_named("count_degrees", {"ids": middle})}
    beliefs = _hop_beliefs(found, model)
    weights = {p: path_weight(p, degrees) * beliefs.get(p, 1.0) for p in found}
    ranked = sorted(found, key=lambda p: (-weights[p], len(p), p.node_ids))
    return [Explanation([{"id": i, "name": n} for i, n in zip(p.node_ids, p.node_names, strict=True)],
                        list(p.relations), list(p.forward), round(weights[p], 6), sentence(p))
            for p in ranked[:limit]]


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

