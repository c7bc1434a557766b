"""Recommendations with explanations: the items a model scores highest for a user, each with the graph
paths that support it, rendered as sentences.

Scores come from the latest succeeded completion job of the interaction relation (``WATCHED``,
``LISTENED_TO``, ...): its visible predictions for the user, minus the items the user already
has, or its model on demand for a user it wrote nothing for. Explanations are fact paths of at
most three hops from the user to the item (see :mod:`kgplatform.explain` for how they are
weighed). The job stored its best paths with each prediction; a request re-checks them against
the live graph in one query and shows only those whose every edge still exists, and searches
the graph itself for the items whose stored paths no longer all hold, for on-demand items, and
when it asks for more paths than the job stored. Either way every path shown exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kgplatform.completion.saved import SavedModel, load_saved_model
from kgplatform.domain import Path, paths_from_json
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.explain import MAX_PATHS, StoreEdges, best_paths, facts, find_paths, model_beliefs, sentence
from kgplatform.jobs.records import JobBook, JobRecord
from kgplatform.names import check_relation
from kgplatform.store.base import GraphStore

Weighed = list[tuple[Path, float]]


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
        """The shape ``dataclasses.asdict`` gives, built directly: asdict deep-copies every value and took
        a sixth of a web worker's CPU under load (bench/api_load.py)."""
        return {"user": self.user, "relation": self.relation, "job_id": self.job_id,
                "items": [{"id": item.id, "name": item.name, "score": item.score,
                           "paths": [{"nodes": [dict(node) for node in path.nodes], "relations": list(path.relations),
                                      "forward": list(path.forward), "weight": path.weight,
                                      "sentence": path.sentence} for path in item.paths]}
                          for item in self.items]}


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
    for name, value, most in (("k", k, 100), ("paths", paths, MAX_PATHS)):
        if not isinstance(value, int) or not 0 <= value <= most or (name == "k" and value == 0):
            raise InvalidInput(name, value, f"an integer from {1 if name == 'k' else 0} to {most}")
    if (person := store.get_entity(user)) is None:
        raise NotFound("user", user, "the id of an entity in the graph")
    job = JobBook(store).get(job_id) if job_id else _latest_job(store, relation)
    job_dir = store.settings.data_dir.resolve() / "jobs" / job.job_id
    rows = store.run_named("list_user_predictions", {"user": user, "relation": relation, "job_id": job.job_id,
                                                     "limit": k}, type=relation)
    if not rows and (model := load_saved_model(job_dir, store)) is not None:  # a user the job wrote nothing for
        rows = _score_on_demand(store, model, user, relation, k)
    explained: dict[str, Weighed] = {}
    if paths:
        if int(job.spec.get("explain", 0)) >= paths:
            explained = _still_true(store, {row["item"]: paths_from_json(row["paths"])[:paths]
                                            for row in rows if row.get("paths") is not None})
        if unexplained := [row["item"] for row in rows if row["item"] not in explained]:
            explained |= _search(store, user, unexplained, paths, load_saved_model(job_dir, store))
    names = {row["item"]: row["name"] for row in rows} | {user: person.name}
    items = [Recommendation(row["item"], row["name"], float(row["score"]),
                            [_shown(p, w, names) for p, w in explained.get(row["item"], [])]) for row in rows]
    return Recommendations(user, relation, job.job_id, items)


def _latest_job(store: GraphStore, relation: str) -> JobRecord:
    found = JobBook(store).list_jobs(status="succeeded", relation=relation, limit=1)
    if not found:
        raise InvalidInput("relation", relation, "a relation that a finished completion job has completed "
                           f"(run: kgplatform complete --relations {relation})")
    return found[0]


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


def _still_true(store: GraphStore, stored: dict[str, Weighed]) -> dict[str, Weighed]:
    """The items whose stored paths all still exist, with the paths named from the graph as it is now.

    One query checks every hop of every item. An item with any path gone is left out, to be
    searched again; an item the job found no path for keeps none.
    """
    hops = sorted({fact for weighed in stored.values() for p, _ in weighed for fact in facts(p)})
    rows = store.run_named("verify_paths", {"hops": [{"h": h, "r": r, "t": t} for h, r, t in hops]},
                           types=tuple(sorted({r for _, r, _ in hops}))) if hops else []
    exists = {(row["h"], row["r"], row["t"]) for row in rows}
    names = {row["h"]: row["h_name"] for row in rows} | {row["t"]: row["t_name"] for row in rows}
    return {item: [(replace(p, node_names=tuple(names.get(n) for n in p.node_ids)), w) for p, w in weighed]
            for item, weighed in stored.items() if all(set(facts(p)) <= exists for p, _ in weighed)}


def _search(store: GraphStore, user: str, items: list[str], limit: int, model: SavedModel | None) -> dict[str, Weighed]:
    """Paths found in the live graph now, weighed by the job's model when it loads back."""
    source = StoreEdges(store)
    believe = model_beliefs(model.score_facts, model.entities, model.relations) if model is not None else None
    return best_paths(source, find_paths(source, user, items), limit, believe)


def _shown(path: Path, weight: float, names: dict[str, str | None]) -> Explanation:
    """The path as the API shows it; ``names`` fills in the ends, which the search does not name."""
    path = replace(path, node_names=tuple(n or names.get(i) for i, n in zip(path.node_ids, path.node_names,
                                                                             strict=True)))
    return Explanation([{"id": i, "name": n} for i, n in zip(path.node_ids, path.node_names, strict=True)],
                       list(path.relations), list(path.forward), weight, sentence(path))
