"""The KGCN / RippleNet Last.FM layout (HetRec 2011 listening data linked to a Freebase KG).

Files in one directory: ``user_artists.dat`` (userID, artistID, weight; header),
``artists.dat`` (id, name, url, pictureURL; header), ``item_index2entity_id.txt``
(artistID -> KG entity index) and ``kg.txt`` (head index, relation, tail index).

Graph written: ``User`` ``user:<id>`` -[:LISTENED {weight}]-> ``Artist`` ``artist:<id>``; the KG
triples keep their Freebase relation names, with KG entities that are artists merged into the
``Artist`` nodes and the others as untyped entities ``lastfm:<index>``.
"""

from __future__ import annotations

from pathlib import Path

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.ingest.parsed import ParsedGraph, need_fields, parse_number, tsv_lines
from kgplatform.names import check_relation

FILES = ("user_artists.dat", "artists.dat", "item_index2entity_id.txt", "kg.txt")


def read_lastfm(directory: Path) -> ParsedGraph:
    """Parse a Last.FM directory.

    Raises:
        InvalidInput: a missing file, a malformed line, or an interaction naming an unknown artist.
    """
    for name in FILES:
        if not (directory / name).is_file():
            raise InvalidInput(str(directory), name, f"a directory holding {', '.join(FILES)}")
    graph = ParsedGraph()
    for source, fields in tsv_lines(directory / "artists.dat", header=True):
        if len(fields) < 2 or not fields[0].strip():
            raise InvalidInput(source, "\t".join(fields), "id, name, url, pictureURL")
        artist = parse_number(source, fields[0], int, "id")
        props = {"name": fields[1], "artist_id": artist}
        if len(fields) > 2 and fields[2]:
            props["url"] = fields[2]
        graph.add_entity(Entity(f"artist:{artist}", ("Artist",), props), source)

    entity_of_index: dict[str, str] = {}
    for source, fields in tsv_lines(directory / "item_index2entity_id.txt"):
        artist, index = need_fields(source, fields, 2, "artistID, entity index")
        parse_number(source, index, int, "entity index")
        entity_of_index[index] = f"artist:{parse_number(source, artist, int, 'artistID')}"

    for source, fields in tsv_lines(directory / "user_artists.dat", header=True):
        user, artist, weight = need_fields(source, fields, 3, "userID, artistID, weight")
        user_id = f"user:{parse_number(source, user, int, 'userID')}"
        artist_id = f"artist:{parse_number(source, artist, int, 'artistID')}"
        if artist_id not in graph.entities:
            raise InvalidInput(source, artist, "an artistID listed in artists.dat")
        if user_id not in graph.entities:
            graph.add_entity(Entity(user_id, ("User",), {"name": f"Last.FM user {user}"}), source)
        graph.rows_read += 1
        graph.add_edge(Edge(user_id, "LISTENED", artist_id, {"weight": parse_number(source, weight, int, "weight")}),
                       source)

    for source, fields in tsv_lines(directory / "kg.txt"):
        head, relation, tail = need_fields(source, fields, 3, "head index, relation, tail index")
        check_relation(relation, source)
        ends = []
        for index in (head, tail):
            parse_number(source, index, int, "entity index")
            entity_id = entity_of_index.get(index, f"lastfm:{index}")
            if entity_id not in graph.entities:
                graph.add_entity(Entity(entity_id, (), {}), source)
            ends.append(entity_id)
        graph.rows_read += 1
        graph.add_edge(Edge(ends[0], relation, ends[1]), source)
    return graph
