"""Recommendations on the real movie graph (../shared/data/movies): unseen items, true paths, real names.

One completion job on ``WATCHED`` (DistMult, a few epochs; quality is bench/ territory) gives the
scores. Every path returned is then checked edge by edge with a separate Cypher query, so a path
that does not exist in the graph fails the test.
"""

from __future__ import annotations

import pytest

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.saved import load_saved_model
from kgplatform.completion.training import TrainConfig
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job
from kgplatform.rec_evaluation import evaluate_recommenders
from kgplatform.recommend import recommend
from kgplatform.store import GraphStore
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
    model = load_saved_model(movies.settings.data_dir.resolve() / "jobs" / found.job_id)
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
            beliefs = model.plausibility([(ids[i], r, ids[i + 1]) if f else (ids[i + 1], r, ids[i])
                                          for i, (r, f) in enumerate(zip(path.relations, path.forward, strict=True))])
            assert all(b is not None and 0 < b < 1 for b in beliefs), "every hop is judged by the model"
            assert path.weight < 1.0


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


def test_a_user_the_job_wrote_nothing_for_is_scored_on_demand(movies: GraphStore) -> None:
    """With every prediction of a user rejected, the job's model ranks the rest for them now."""
    job_id = JobBook(movies).list_jobs()[0].job_id
    predicted = movies.list_predictions(job_id, limit=10_000)
    user = predicted[0].head
    rejected = {p.tail for p in predicted if p.head == user}
    for tail in rejected:
        assert movies.reject_prediction(user, "WATCHED", tail, job_id)
    found = recommend(movies, user, "WATCHED", k=5, paths=1)
    seen = {row[0] for row in movies.run_readonly("MATCH (:Entity {id: $u})-[:WATCHED]->(m) RETURN m.id",
                                                  {"u": user}, row_cap=10_000).rows}
    assert len(found.items) == 5 and not {i.id for i in found.items} & (seen | rejected)
    assert all(0 < i.score < 1 for i in found.items)
    assert [i.score for i in found.items] == sorted((i.score for i in found.items), reverse=True)
