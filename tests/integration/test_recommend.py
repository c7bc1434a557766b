"""Recommendations on the real movie graph (../shared/data/movies): unseen items, true paths, real names.

One completion job on ``WATCHED`` (DistMult, a few epochs; quality is bench/ territory) gives the
scores. Every path returned is then checked edge by edge with a separate Cypher query, so a path
that does not exist in the graph fails the test.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.saved import load_saved_model
from kgplatform.completion.training import TrainConfig
from kgplatform.domain import Path, paths_from_json
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.explain import EDGES_PER_NODE, SnapshotEdges, StoreEdges, best_paths, find_paths, model_beliefs
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job
from kgplatform.rec_evaluation import evaluate_recommenders
from kgplatform.recommend import Explanation, recommend
from kgplatform.store import GraphStore
from kgplatform.subgraph import pull_subgraph
from tests.conftest import shared_data

SPEC = CompletionSpec(train=TrainConfig(model="distmult", dim=32, epochs=10, seed=0), relations=("WATCHED",),
                      top_k=20, evaluate=False)


@pytest.fixture
def movies(store: GraphStore) -> GraphStore:
    """The movie graph with one finished job on WATCHED, run as the CLI runs it (recorded, then executed)."""
    load_graph(store, read_graph([shared_data("movies")], "movies"))
    book = JobBook(store)
    job = execute_job(store, store.settings, record_job(book, SPEC).job_id, "test")  # artifacts where recommend looks
    assert job.status == "succeeded"
    return store


def _edge_exists(store: GraphStore, head: str, relation: str, tail: str) -> bool:
    found = store.run_readonly(f"MATCH (h:Entity {{id: $h}})-[r:`{relation}`]->(t:Entity {{id: $t}}) RETURN count(r)",
                               {"h": head, "t": tail})
    return bool(found.rows[0][0])


def test_recommendations_are_unseen_and_explained_by_real_paths(movies: GraphStore) -> None:
    user = movies.run_readonly("MATCH (u:Entity)-[:WATCHED]->() RETURN u.id, count(*) AS n ORDER BY n DESC, u.id "
                               "LIMIT 1").rows[0][0]
    found = recommend(movies, user, "WATCHED", k=10, paths=3)
    assert found.job_id == JobBook(movies).list_jobs()[0].job_id and 0 < len(found.items) <= 10
    seen = {row[0] for row in movies.run_readonly("MATCH (:Entity {id: $u})-[:WATCHED]->(m) RETURN m.id",
                                                  {"u": user}, row_cap=10_000).rows}
    assert not seen & {item.id for item in found.items}, "no item the user already watched"
    assert [i.score for i in found.items] == sorted((i.score for i in found.items), reverse=True)
    explained = [item for item in found.items if item.paths]
    assert explained, "some recommendation has a path"
    model = load_saved_model(movies.settings.data_dir.resolve() / "jobs" / found.job_id, movies)
    assert model is not None, "the job's DistMult loads back to weigh each hop"
    for item in explained:
        weights = [p.weight for p in item.paths]
        assert weights == sorted(weights, reverse=True) and len(item.paths) <= 3
        for path in item.paths:
            ids = [node["id"] for node in path.nodes]
            assert ids[0] == user and ids[-1] == item.id and 2 <= len(path.relations) <= 3
            for i, (relation, forward) in enumerate(zip(path.relations, path.forward, strict=True)):
                head, tail = (ids[i], ids[i + 1]) if forward else (ids[i + 1], ids[i])
                assert _edge_exists(movies, head, relation, tail), (head, relation, tail)
            names = [str(node["name"]) for node in path.nodes[1:] if node["name"]]
            assert names and all(name in path.sentence for name in names), path.sentence
            assert path.sentence.startswith("you watched ")
            believe = model_beliefs(model.score_facts, model.entities, model.relations)
            beliefs = believe([(ids[i], r, ids[i + 1]) if f else (ids[i + 1], r, ids[i])
                               for i, (r, f) in enumerate(zip(path.relations, path.forward, strict=True))])
            assert all(b is not None and 0 < b < 1 for b in beliefs), "every hop is judged by the model"
            assert path.weight < 1.0
    assert found.to_json() == asdict(found), "the API's JSON is the dataclasses' own shape"


def test_unknown_user_and_relation_without_a_job_are_clear_errors(movies: GraphStore) -> None:
    with pytest.raises(NotFound, match="nobody"):
        recommend(movies, "nobody", "WATCHED")
    with pytest.raises(InvalidInput, match="finished completion job"):
        recommend(movies, "u_91", "DIRECTED")


def test_evaluate_recs_reports_both_protocols_for_every_model(store: GraphStore) -> None:
    """The movie graph through the evaluation: every model gets every metric, each a share in [0, 1]."""
    load_graph(store, read_graph([shared_data("movies")], "movies"))
    found = evaluate_recommenders(store, "WATCHED", TrainConfig(model="distmult", dim=16, epochs=3, seed=0,
                                                                regime="negative-sampling"))
    assert set(found) == {"topk", "ctr"}
    for protocol, metrics in (("topk", {"recall@20", "ndcg@20"}), ("ctr", {"auc", "f1"})):
        assert set(found[protocol]) == {"ours", "popularity", "bpr"}
        for values in found[protocol].values():
            assert set(values) == metrics and all(0.0 <= v <= 1.0 for v in values.values())
    assert found["ctr"]["popularity"]["auc"] > 0.6, "popular films are watched more: the protocol sees it"


@pytest.mark.parametrize("model", ["distmult", "rgcn"])
def test_a_user_the_job_wrote_nothing_for_is_scored_on_demand(movies: GraphStore, model: str) -> None:
    """With every prediction of a user rejected, the job's model ranks the rest for them now (a GNN as well)."""
    job_id = JobBook(movies).list_jobs()[0].job_id
    if model != "distmult":
        spec = replace(SPEC, train=replace(SPEC.train, model=model, dim=16, epochs=2))
        job_id = execute_job(movies, movies.settings, record_job(JobBook(movies), spec).job_id, "test").job_id
    predicted = movies.list_predictions(job_id, limit=10_000)
    user = predicted[0].head
    rejected = {p.tail for p in predicted if p.head == user}
    for tail in rejected:
        assert movies.reject_prediction(user, "WATCHED", tail, job_id)
    found = recommend(movies, user, "WATCHED", k=5, paths=1, job_id=job_id)
    assert found.job_id == job_id
    seen = {row[0] for row in movies.run_readonly("MATCH (:Entity {id: $u})-[:WATCHED]->(m) RETURN m.id",
                                                  {"u": user}, row_cap=10_000).rows}
    assert len(found.items) == 5 and not {i.id for i in found.items} & (seen | rejected)
    assert all(0 < i.score < 1 for i in found.items)
    assert [i.score for i in found.items] == sorted((i.score for i in found.items), reverse=True)


def _top_user(store: GraphStore) -> str:
    return str(store.run_readonly("MATCH (u:Entity)-[:WATCHED]->() RETURN u.id, count(*) AS n ORDER BY n DESC, u.id "
                                  "LIMIT 1").rows[0][0])


Hops = tuple[tuple[str, ...], tuple[str, ...], tuple[bool, ...]]


def _stored(path: Path) -> Hops:
    return path.node_ids, path.relations, path.forward


def _shown(path: Explanation) -> Hops:
    return tuple(str(node["id"]) for node in path.nodes), tuple(path.relations), tuple(path.forward)


def test_stored_paths_are_shown_while_true_and_dropped_once_an_edge_goes(movies: GraphStore) -> None:
    """The job stored each prediction's paths; a request shows them re-checked, and never one whose edge was deleted."""
    user = _top_user(movies)
    stored = {row[0]: paths_from_json(row[1]) for row in movies.run_readonly(
        "MATCH (:Entity {id: $u})-[p:PREDICTED]->(i) RETURN i.id, p.paths", {"u": user}, row_cap=1000).rows}
    assert stored and any(stored.values()), "the job stored paths with its predictions"
    found = recommend(movies, user, "WATCHED", k=10, paths=3)
    for item in found.items:
        assert [(_shown(p), p.weight) for p in item.paths] == [(_stored(p), w) for p, w in stored[item.id][:3]]
    item = next(i for i in found.items if i.paths)
    gone = item.paths[0]
    before = _shown(gone)[0][-2]
    head, tail = (before, item.id) if gone.forward[-1] else (item.id, before)
    movies.run_write(f"MATCH (:Entity {{id: $h}})-[e:`{gone.relations[-1]}`]->(:Entity {{id: $t}}) DELETE e",
                     {"h": head, "t": tail})
    assert not _edge_exists(movies, head, gone.relations[-1], tail)
    again = next(i for i in recommend(movies, user, "WATCHED", k=10, paths=3).items if i.id == item.id)
    assert _shown(gone) not in {_shown(p) for p in again.paths}, "a path with a deleted edge is never shown"
    for path in again.paths:
        ids, relations, forward = _shown(path)
        for i, relation in enumerate(relations):
            head, tail = (ids[i], ids[i + 1]) if forward[i] else (ids[i + 1], ids[i])
            assert _edge_exists(movies, head, relation, tail)


def test_the_jobs_snapshot_and_the_live_graph_find_the_same_paths(movies: GraphStore) -> None:
    """Explanations stored by a job (searched in its snapshot) are those a request would find in the graph."""
    everything = 10_000  # no cap binds on this graph: both sources read every edge
    snapshot, live = SnapshotEdges(pull_subgraph(movies), everything), StoreEdges(movies, everything)
    user = _top_user(movies)
    items = sorted({p.tail for p in movies.list_predictions(limit=10_000) if p.head == user})
    assert max(live.degrees([user, *items, *(e.other for e in live.edges([user]))]).values()) > EDGES_PER_NODE, \
        "a hub is near: the default cap would bind"
    model = load_saved_model(movies.settings.data_dir.resolve() / "jobs" / JobBook(movies).list_jobs()[0].job_id,
                             movies)
    assert model is not None
    believe = model_beliefs(model.score_facts, model.entities, model.relations)
    both = [best_paths(source, find_paths(source, user, items), 5, believe) for source in (snapshot, live)]
    assert sum(len(paths) for paths in both[0].values()) > len(items)
    for item in items:
        assert [(_stored(p), w) for p, w in both[0][item]] == [(_stored(p), w) for p, w in both[1][item]]
