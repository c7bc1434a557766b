"""Every format in ../shared/data loads with the counts its README gives, and a reload changes nothing."""

from __future__ import annotations

import pytest

from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore
from tests.conftest import shared_data

BENCHMARKS = {  # README: entities, relations, train + valid + test triples
    "nations": (14, 55, 1592 + 199 + 201),
    "kinships": (104, 25, 8544 + 1068 + 1074),
    "umls": (135, 46, 5216 + 652 + 661),
}


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_completion_benchmarks(store: GraphStore, name: str) -> None:
    entities, relations, triples = BENCHMARKS[name]
    report = load_graph(store, read_graph([shared_data(name)], "triples"))
    assert (report.entities, report.edges) == (entities, triples)
    stats = store.stats()
    assert (stats.entities, len(stats.relations), stats.facts) == (entities, relations, triples)
    again = load_graph(store, read_graph([shared_data(name)], "triples"))
    assert again.edges == triples and store.stats() == stats


def test_umls_with_kgbert_text(store: GraphStore) -> None:
    text = shared_data("umls", "text_kgbert")
    graph = read_graph([shared_data("umls", "train.txt")], "triples", entity_text=text / "entity2text.txt",
                       relation_text=text / "relation2text.txt", entity_description=text / "entity2textlong.txt")
    load_graph(store, graph)
    virus = store.get_entity("virus")
    assert virus is not None and virus.name == "virus"
    assert virus.properties["description"].startswith("A virus is a small infectious agent")
    assert len(store.relation_texts()) == 46
    assert store.relation_texts()["derivative_of"] == "derivative of"
    assert [e.id for e in store.search_entities("spatial concept")] == ["spatial_concept"]


def test_lastfm(store: GraphStore) -> None:
    graph = read_graph([shared_data("lastfm")], "lastfm")
    assert graph.rows_read == 92_834 + 15_518
    load_graph(store, graph)
    stats = store.stats()
    assert stats.labels["User"] == 1_892
    assert stats.relations["LISTENED"] == 92_834
    kg_relations = {k: v for k, v in stats.relations.items() if k != "LISTENED"}
    assert len(kg_relations) == 60
    distinct_kg = len({(e.head, e.relation, e.tail) for e in graph.edges if e.relation != "LISTENED"})
    assert sum(kg_relations.values()) == distinct_kg  # 15,518 lines, duplicates merged
    linked = store.run_readonly("MATCH (a:Artist)-[r]-() WHERE type(r) <> 'LISTENED' RETURN count(DISTINCT a)")
    assert 0 < linked.rows[0][0] <= 3_846
    top = store.run_readonly("MATCH (:User)-[l:LISTENED]->(a:Artist) RETURN a.name, sum(l.weight) AS w "
                             "ORDER BY w DESC LIMIT 1")
    assert top.rows[0][0] == "Britney Spears"


def test_movies(store: GraphStore) -> None:
    graph = read_graph([shared_data("movies")], "movies")
    load_graph(store, graph)
    stats = store.stats()
    assert stats.labels["User"] == 569
    assert stats.labels["Movie"] == 245  # 300 rows: some movies are listed under several titles
    primevil = store.get_entity("m_106")
    assert primevil is not None and primevil.name == "Primevil"
    assert primevil.properties["aliases"] == ["Alien Hunter", "Hunter"]
    watches = [e for e in graph.edges if e.relation == "WATCHED"]
    assert len(watches) == 4_810  # rows, as the README counts them
    assert stats.relations["WATCHED"] == len({(e.head, e.tail) for e in watches})  # one edge per user and movie
    assert stats.relations["DIRECTED"] == 249 and stats.relations["ACTED_IN"] == 3_732
    assert graph.warnings == [w for w in graph.warnings if "g_7142" in w] and len(graph.warnings) == 1
    path = store.paths_between("p_16767", "m_3", max_hops=1)
    assert path and path[0].node_names == ("Aki Kaurismäki", "Shadows in Paradise")
