"""The shipped demo graph: real films as facts, synthetic users who follow their declared taste."""

from __future__ import annotations

from collections import defaultdict

from kgplatform.ingest import read_graph


def test_films_have_year_genres_directors_and_actors() -> None:
    graph = read_graph([], "demo")
    films = {e.id: e for e in graph.entities.values() if "Movie" in e.labels}
    assert len(films) >= 150
    assert all(1900 < f.properties["year"] < 2030 and f.name for f in films.values())
    by_relation: dict[str, set[str]] = defaultdict(set)
    for edge in graph.edges:
        film = edge.head if edge.relation == "HAS_GENRE" else edge.tail
        by_relation[edge.relation].add(film)
    for relation in ("HAS_GENRE", "DIRECTED", "ACTED_IN"):
        assert by_relation[relation] >= set(films), f"every film has {relation}"
    nolan = {e.tail for e in graph.edges if e.head == "person:christopher-nolan" and e.relation == "DIRECTED"}
    assert {"film:inception-2010", "film:memento-2000"} <= nolan


def test_users_are_synthetic_and_follow_their_taste() -> None:
    graph = read_graph([], "demo")
    users = [e for e in graph.entities.values() if "User" in e.labels]
    assert users and all(u.properties["synthetic"] is True and "Synthetic" in u.properties["description"]
                         for u in users)
    directed = defaultdict(set)
    for edge in graph.edges:
        if edge.relation == "DIRECTED":
            directed[graph.entities[edge.head].name].add(edge.tail)
    films = {e.id for e in graph.entities.values() if "Movie" in e.labels}
    watched = defaultdict(set)
    for edge in graph.edges:
        if edge.relation == "WATCHED":
            watched[edge.head].add(edge.tail)
    hit_rates, base_rates = [], []
    for user in users:
        director = user.properties["taste"].split("directed by ")[1]
        favourite = directed[director]
        hit_rates.append(len(watched[user.id] & favourite) / len(favourite))
        base_rates.append(len(watched[user.id] - favourite) / len(films - favourite))
    assert sum(hit_rates) / len(hit_rates) > 0.6 > 0.2 > sum(base_rates) / len(base_rates)
    assert read_graph([], "demo").edges == graph.edges  # the same seed gives the same users
