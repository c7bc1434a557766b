"""The demo graph shipped with kgplatform: real films as facts, plus synthetic users.

``demo/films.csv`` lists real films with their year, genres, directors and lead actors
(facts, written as ``Movie``, ``Person`` and ``Genre`` entities and ``DIRECTED``, ``ACTED_IN``,
``HAS_GENRE`` edges, the same schema as the movie CSV format).

**The users are synthetic.** Each one is generated from a declared taste: two favourite genres
and a favourite director. A user watches a film by the favourite director with probability
:data:`P_DIRECTOR`, a film of a favourite genre with :data:`P_GENRE` and any other film with
:data:`P_OTHER`; ratings are higher for films that match the taste. The rules are written on the
user (``taste``, ``synthetic``) so that a completion model's recommendations can be checked
against them: a good model recommends the favourite director's unwatched films.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from importlib import resources

from kgplatform.domain import Edge, Entity
from kgplatform.ingest.parsed import ParsedGraph, csv_rows

SEED = 7
USERS = 80
P_DIRECTOR, P_GENRE, P_OTHER = 0.8, 0.3, 0.02
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca",
    "Maya", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara",
)


def slug(text: str) -> str:
    """An ascii id fragment: ``Joel Coen`` -> ``joel-coen``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_demo(users: int = USERS, seed: int = SEED) -> ParsedGraph:
    """Build the demo graph: the films file as facts and ``users`` synthetic users drawn with ``seed``."""
    graph = ParsedGraph()
    films: list[tuple[str, list[str], list[str]]] = []  # film id, genres, directors
    path = resources.files("kgplatform.ingest") / "demo" / "films.csv"
    with resources.as_file(path) as films_csv:
        for source, row in csv_rows(films_csv):
            film = f"film:{row['film_id']}"
            graph.add_entity(Entity(film, ("Movie",), {"name": row["title"], "year": int(row["year"])}), source)
            genres = [g for g in row["genres"].split("|") if g]
            directors = [d for d in row["directors"].split("|") if d]
            for relation, names, label, prefix in (
                ("HAS_GENRE", genres, "Genre", "genre"),
                ("DIRECTED", directors, "Person", "person"),
                ("ACTED_IN", [a for a in row["actors"].split("|") if a], "Person", "person"),
            ):
                for name in names:
                    other = f"{prefix}:{slug(name)}"
                    graph.add_entity(Entity(other, (label,), {"name": name}), source)
                    edge = Edge(film, relation, other) if relation == "HAS_GENRE" else Edge(other, relation, film)
                    graph.add_edge(edge, source)
            graph.rows_read += 1
            films.append((film, genres, directors))
    _add_users(graph, films, users, seed)
    return graph


def _add_users(graph: ParsedGraph, films: list[tuple[str, list[str], list[str]]], users: int, seed: int) -> None:
    rng = random.Random(seed)
    by_director = Counter(d for _, _, directors in films for d in directors)
    directors = sorted(d for d, n in by_director.items() if n >= 4)
    genres = sorted({g for _, gs, _ in films for g in gs})
    for number in range(1, users + 1):
        liked_genres = rng.sample(genres, 2)
        director = rng.choice(directors)
        user = f"user:demo-{number:03d}"
        taste = f"likes {liked_genres[0]} and {liked_genres[1]} films and films directed by {director}"
        name = f"{FIRST_NAMES[(number - 1) % len(FIRST_NAMES)]} {number:03d}"
        graph.add_entity(Entity(user, ("User",), {
            "name": name, "synthetic": True, "taste": taste,
            "description": f"Synthetic demo user who {taste}.",
        }), f"demo user {number}")
        for film, film_genres, film_directors in films:
            by_taste = director in film_directors
            by_genre = bool(set(liked_genres) & set(film_genres))
            p = P_DIRECTOR if by_taste else P_GENRE if by_genre else P_OTHER
            if rng.random() < p:
                rating = rng.choice((4.0, 4.5, 5.0)) if by_taste or by_genre else rng.choice((2.0, 2.5, 3.0, 3.5))
                graph.add_edge(Edge(user, "WATCHED", film, {"rating": rating}), f"demo user {number}")
