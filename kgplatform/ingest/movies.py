"""The movie CSV layout (OMDb cast and genres with MovieLens watches, as in ../shared/data/movies).

Graph written, using the same schema as the shipped demo so explanations read alike:
``User`` -[:WATCHED {rating}]-> ``Movie`` <-[:ACTED_IN|DIRECTED]- ``Person``, and
``Movie`` -[:HAS_GENRE]-> ``Genre``. Movie ids get the prefix ``m_`` (the others carry their own).
``sub_genre.csv`` lists several names per genre (translations) and ``sub_movie.csv`` several titles
per movie (300 rows, 245 movies): the first one names it, other titles become ``aliases``.
"""

from __future__ import annotations

from pathlib import Path

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.ingest.parsed import ParsedGraph, csv_rows, parse_number

PEOPLE = ("sub_people.csv", "sub_actor.csv", "sub_director.csv")
EDGES = (  # file, relation, head column, tail column
    ("sub_actor_act_movie.csv", "ACTED_IN", "people_id", "movie_id"),
    ("sub_director_direct_movie.csv", "DIRECTED", "people_id", "movie_id"),
    ("sub_movie_withgenre_genre.csv", "HAS_GENRE", "movie_id", "genre_id"),
    ("sub_user_watched_movies.csv", "WATCHED", "user_id", "movie_id"),
)
NULL = "\\N"


def _id(column: str, value: str) -> str:
    return f"m_{value}" if column == "movie_id" else value


def _need(path: Path, *names: str) -> None:
    for name in names:
        if not (path / name).is_file():
            raise InvalidInput(str(path), name, "a directory in the movie CSV layout (sub_movie.csv, ...)")


def read_movies(directory: Path) -> ParsedGraph:
    """Parse a movie CSV directory.

    Raises:
        InvalidInput: a missing file or column, or an edge naming an unknown user, movie or person.
    """
    _need(directory, "sub_user.csv", "sub_movie.csv", "sub_genre.csv", *PEOPLE, *(e[0] for e in EDGES))
    graph = ParsedGraph()
    for source, row in csv_rows(directory / "sub_user.csv"):
        graph.add_entity(Entity(_field(source, row, "user_id"), ("User",), {"name": f"user {row['user_id']}"}), source)
    for source, row in csv_rows(directory / "sub_movie.csv"):
        movie, title = _id("movie_id", _field(source, row, "movie_id")), _field(source, row, "name")
        known = graph.entities.get(movie)
        if known is None:
            graph.add_entity(Entity(movie, ("Movie",), {"name": title}), source)
        else:  # a movie listed again under another title: keep the first, remember the rest
            aliases = [*known.properties.get("aliases", []), title]
            graph.entities[movie] = Entity(movie, known.labels, {**known.properties, "aliases": aliases})
    for name in PEOPLE:
        for source, row in csv_rows(directory / name):
            props = {"name": _field(source, row, "name")}
            if row.get("birth_date") not in (None, "", NULL):
                props["birth_date"] = row["birth_date"]
            graph.add_entity(Entity(_field(source, row, "people_id"), ("Person",), props), source)
    for source, row in csv_rows(directory / "sub_genre.csv"):
        genre = _field(source, row, "genre_id")
        if genre not in graph.entities:
            graph.add_entity(Entity(genre, ("Genre",), {"name": _field(source, row, "name_y")}), source)

    for name, relation, head_col, tail_col in EDGES:
        for source, row in csv_rows(directory / name):
            head, tail = _id(head_col, _field(source, row, head_col)), _id(tail_col, _field(source, row, tail_col))
            if tail_col == "genre_id" and tail not in graph.entities:
                graph.warnings.append(f"{source}: genre {tail} has no name in sub_genre.csv")
                graph.add_entity(Entity(tail, ("Genre",), {}), source)
            props = {"rating": parse_number(source, row["rate"], float, "rate")} if "rate" in row else {}
            graph.rows_read += 1
            graph.add_edge(Edge(head, relation, tail, props), source)
    return graph


def _field(source: str, row: dict[str, str], column: str) -> str:
    value = row.get(column)
    if value is None or not value.strip():
        raise InvalidInput(source, value, f"a non-empty {column} column")
    return value.strip()
