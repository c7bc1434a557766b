"""The GraphStore contract: every backend passes these (embedded always, Neo4j when configured)."""

from __future__ import annotations

import pytest

from kgplatform.domain import Edge, Entity, Prediction
from kgplatform.errors import InvalidInput, QueryError
from kgplatform.store import GraphStore


def test_upsert_is_idempotent_and_returns_domain_objects(store: GraphStore) -> None:
    entities = [Entity("m1", ("Movie",), {"name": "Alien", "year": 1979}), Entity("p1", ("Person",), {"name": "Scott"})]
    edges = [Edge("p1", "DIRECTED", "m1", {"credited": True})]
    first = store.load(entities, edges)
    second = store.load(entities, edges)
    assert (first.entities, first.edges) == (2, 1)
    assert (second.entities, second.edges) == (2, 1)
    stats = store.stats()
    assert (stats.entities, stats.facts) == (2, 1)
    movie = store.get_entity("m1")
    assert movie == Entity("m1", ("Movie",), {"name": "Alien", "year": 1979})
    assert movie.name == "Alien"
    assert store.get_entity("nope") is None
    assert [e.properties for e in store.iter_edges()] == [{"credited": True}]


def test_entity_keeps_its_type_labels(store: GraphStore) -> None:
    store.load([Entity("x", ("Movie",), {})], [])
    with pytest.raises(InvalidInput, match="labels"):
        store.load([Entity("x", ("Person",), {})], [])
    assert store.get_entity("x").labels == ("Movie",)  # type: ignore[union-attr]


def test_neighbourhood_both_directions(tiny_store: GraphStore) -> None:
    around = {(n.relation, n.outgoing, n.entity_id) for n in tiny_store.neighbourhood("matrix")}
    assert around == {("LIKES", False, "alice"), ("LIKES", False, "bob"), ("DIRECTED", False, "wachowskis"),
                      ("HAS_GENRE", True, "scifi")}
    assert len(tiny_store.neighbourhood("matrix", limit=2)) == 2


def test_paths_between_shortest_first_with_direction(tiny_store: GraphStore) -> None:
    paths = tiny_store.paths_between("alice", "nolan", max_hops=3, limit=10)
    assert paths, "alice -LIKES-> inception <-DIRECTED- nolan exists"
    assert [len(p) for p in paths] == sorted(len(p) for p in paths)
    first = paths[0]
    assert first.node_ids == ("alice", "inception", "nolan")
    assert first.relations == ("LIKES", "DIRECTED")
    assert first.forward == (True, False)
    for path in paths:  # every returned path exists in the graph, edge by edge
        for i, rel in enumerate(path.relations):
            a, b = path.node_ids[i], path.node_ids[i + 1]
            head, tail = (a, b) if path.forward[i] else (b, a)
            assert any(n.entity_id == tail and n.relation == rel and n.outgoing
                       for n in tiny_store.neighbourhood(head))
    assert tiny_store.paths_between("alice", "nolan", max_hops=1) == []


def test_search_entities_by_name(store: GraphStore) -> None:
    store.load([Entity("m1", ("Movie",), {"name": "The Matrix"}), Entity("m2", ("Movie",), {"name": "Matrix Reloaded"}),
                Entity("m3", ("Movie",), {"name": "Alien"}), Entity("m4", ("Movie",), {"name": "Matrix"}),
                Entity("unnamed-matrix-id")], [])
    found = [e.id for e in store.search_entities("MATRIX")]
    assert found == ["m4", "m2", "m1", "unnamed-matrix-id"]  # names starting with it first, then shortest first
    assert [e.id for e in store.search_entities("m3")] == ["m3"]  # an exact id
    assert [e.id for e in store.search_entities("reloded matrx")] == ["m2"]  # a typo in each word
    assert [e.id for e in store.search_entities("alen")] == ["m3"]
    assert store.search_entities("xqzv") == []


def test_labels_relations_and_stats(tiny_store: GraphStore) -> None:
    assert tiny_store.relation_types() == ["DIRECTED", "HAS_GENRE", "LIKES"]
    stats = tiny_store.stats()
    assert stats.entities == 12
    assert stats.facts == 14
    assert stats.relations == {"DIRECTED": 4, "HAS_GENRE": 5, "LIKES": 5}


def test_digest_sees_any_change_and_nothing_else(tiny_store: GraphStore) -> None:
    before = tiny_store.digest()
    assert tiny_store.digest() == before  # reads change nothing
    tiny_store.run_readonly("MATCH (n) RETURN count(n)")
    assert tiny_store.digest() == before
    tiny_store.run_write("MATCH (n:Entity {id: 'alien'}) SET n.year = 1980")
    changed = tiny_store.digest()
    assert changed != before
    tiny_store.run_write("MATCH (n:Entity {id: 'alien'}) REMOVE n.year")
    assert tiny_store.digest() == before  # same content, same digest
    tiny_store.run_write("MATCH ()-[r:LIKES]->() WITH r LIMIT 1 SET r.weight = 2")
    assert tiny_store.digest() not in {before, changed}


def test_entity_with_degree_is_get_entity_and_degree_in_one(tiny_store: GraphStore) -> None:
    tiny_store.write_predictions("job-d", "distmult", [Prediction("carol", "LIKES", "alien", 0.9, 1, "distmult",
                                                                  "job-d")])
    tiny_store.publish_predictions("job-d")  # a prediction is not a fact: the degree stays the same
    for entity_id in ("scifi", "carol", "nolan"):
        assert tiny_store.entity_with_degree(entity_id) == (tiny_store.get_entity(entity_id),
                                                             tiny_store.degree(entity_id))
    assert tiny_store.entity_with_degree("carol")[1] == 1  # type: ignore[index]
    assert tiny_store.entity_with_degree("nobody") is None


def test_relation_texts(store: GraphStore) -> None:
    store.upsert_relation_texts({"isa": "is a", "part_of": "part of"})
    store.upsert_relation_texts({"isa": "is a kind of"})
    assert store.relation_texts() == {"isa": "is a kind of", "part_of": "part of"}
    assert store.stats().entities == 0  # relation texts are not entities


def _predictions(job: str) -> list[Prediction]:
    return [Prediction("carol", "LIKES", "matrix", 0.9, 1, "transe", job),
            Prediction("carol", "LIKES", "alien", 0.4, 2, "transe", job)]


def test_prediction_lifecycle(tiny_store: GraphStore) -> None:
    facts_before = tiny_store.stats().facts
    assert tiny_store.write_predictions("job1", "transe", _predictions("job1")) == 2
    assert tiny_store.write_predictions("job1", "transe", _predictions("job1")) == 2  # a replay
    assert tiny_store.list_predictions() == []  # hidden until the job commits
    assert tiny_store.publish_predictions("job1") == 2
    listed = tiny_store.list_predictions(job_id="job1")
    assert [(p.tail, p.score, p.rank, p.status) for p in listed] == [("matrix", 0.9, 1, "pending"),
                                                                        ("alien", 0.4, 2, "pending")]
    assert listed[0].created_at > 0 and listed[0].model == "transe"
    # predictions are not facts: stats, neighbourhoods and paths do not see them
    assert tiny_store.stats().facts == facts_before
    assert tiny_store.stats().predictions == 2
    assert all(n.entity_id != "matrix" for n in tiny_store.neighbourhood("carol"))
    assert tiny_store.paths_between("carol", "matrix", max_hops=1) == []

    assert tiny_store.accept_prediction("carol", "LIKES", "matrix", "job1")
    assert tiny_store.reject_prediction("carol", "LIKES", "alien", "job1")
    assert not tiny_store.accept_prediction("carol", "LIKES", "nolan", "job1")
    carol = {(n.relation, n.outgoing, n.entity_id) for n in tiny_store.neighbourhood("carol")}
    assert ("LIKES", True, "matrix") in carol
    assert tiny_store.stats().facts == facts_before + 1
    assert {p.tail: p.status for p in tiny_store.list_predictions()} == {"matrix": "accepted", "alien": "rejected"}
    assert [p.tail for p in tiny_store.list_predictions(status="rejected")] == ["alien"]

    assert tiny_store.retract_predictions("job1") == 2
    assert tiny_store.list_predictions() == []
    assert tiny_store.stats().facts == facts_before + 1  # the accepted one stays a fact


def test_readonly_query_refuses_writes(tiny_store: GraphStore) -> None:
    result = tiny_store.run_readonly("MATCH (n:Entity {id: $id})-[r]->(m) RETURN n, type(r) AS t, m.id AS m",
                                     {"id": "alice"})
    assert result.columns == ("n", "t", "m")
    assert {row[2] for row in result.rows} == {"matrix", "inception"}
    node = result.rows[0][0]
    assert "Entity" in node["labels"] and node["properties"]["id"] == "alice"
    with pytest.raises(QueryError):
        tiny_store.run_readonly("CREATE (:Entity {id: 'intruder'})")
    with pytest.raises(QueryError):
        tiny_store.run_readonly("MATCH (n) DETACH DELETE n")
    assert tiny_store.get_entity("intruder") is None
    assert tiny_store.stats().entities == 12
    written = tiny_store.run_write("CREATE (n:Entity {id: $id}) RETURN n.id AS id", {"id": "allowed"})
    assert written.rows == (("allowed",),)


def test_row_cap_and_syntax_errors(tiny_store: GraphStore) -> None:
    capped = tiny_store.run_readonly("MATCH (n:Entity) RETURN n.id AS id ORDER BY id", row_cap=3)
    assert capped.truncated and len(capped.rows) == 3
    full = tiny_store.run_readonly("MATCH (n:Entity) RETURN n.id AS id", row_cap=100)
    assert not full.truncated and len(full.rows) == 12
    with pytest.raises(QueryError):
        tiny_store.run_readonly("MATCH (n RETURN n")


def test_query_timeout(store: GraphStore) -> None:
    store.run_write("UNWIND range(1, 3000) AS i CREATE (:Entity {id: toString(i)})")
    with pytest.raises(QueryError, match=r"(?i)timed? ?out|timeout|terminated"):
        store.run_readonly("MATCH (a:Entity), (b:Entity), (c:Entity) RETURN count(*)", timeout_ms=50)


def test_rejects_unsafe_names(store: GraphStore) -> None:
    with pytest.raises(InvalidInput, match="relation type"):
        store.load([Entity("a"), Entity("b")], [Edge("a", "X`]->() DETACH DELETE n //", "b")])
    with pytest.raises(InvalidInput, match="label"):
        store.load([Entity("a", ("Bad\nLabel",))], [])
    with pytest.raises(InvalidInput, match="reserved"):
        store.load([Entity("a"), Entity("b")], [Edge("a", "PREDICTED", "b")])
    for bad_id in ("b\x01", " lead", "trail ", "new\nline"):  # crashed the embedded server (FalkorDB 4.16)
        with pytest.raises(InvalidInput, match="control characters or edge spaces"):
            store.load([Entity("ok"), Entity(bad_id)], [])
    assert store.stats().entities == 0
