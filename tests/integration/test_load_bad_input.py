"""Bad input fails with file:line, the bad value and what was expected, and leaves the graph as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput, QueryError
from kgplatform.export import export_graph
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore


def _snapshot(store: GraphStore, tmp_path: Path) -> str:
    out = tmp_path / f"snap{len(list(tmp_path.iterdir()))}"
    export_graph(store, out, "csv")
    return (out / "nodes.csv").read_text() + (out / "edges.csv").read_text()


def _load_fails(store: GraphStore, tmp_path: Path, paths: list[Path], fmt: str, match: str) -> InvalidInput:
    before = _snapshot(store, tmp_path)
    with pytest.raises(InvalidInput, match=match) as info:
        load_graph(store, read_graph(paths, fmt))
    assert _snapshot(store, tmp_path) == before, "a failed load leaves the graph as it was"
    return info.value


def test_malformed_triples_line(tiny_store: GraphStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tR\tb\nc\tR\n")
    error = _load_fails(tiny_store, tmp_path, [bad], "triples", rf"{bad}:2")
    assert error.value == "c\tR" and "head, relation, tail" in error.expected


def test_a_file_that_fails_half_way_writes_nothing(tiny_store: GraphStore, tmp_path: Path) -> None:
    lines = [f"n{i}\tLINKS\tn{i + 1}" for i in range(10_000)]
    lines[5_000] = "n5000\tLINKS`])\tn5001"
    bad = tmp_path / "half.tsv"
    bad.write_text("\n".join(lines) + "\n")
    error = _load_fails(tiny_store, tmp_path, [bad], "triples", rf"{bad}:5001")
    assert error.value == "LINKS`])"


def test_bad_relation_name_in_edge_csv(tiny_store: GraphStore, tmp_path: Path) -> None:
    edges = tmp_path / "edges.csv"
    edges.write_text("head,relation,tail\nalice,LIKES,alien\nbob,\"BAD\x07TYPE\",alien\n")
    _load_fails(tiny_store, tmp_path, [edges], "csv", rf"{edges}:3.*relation type")


@pytest.mark.parametrize("header", ["id,labels,year:integer", "id,labels,load_id", "id,labels,bad name"])
def test_unknown_or_reserved_column(tiny_store: GraphStore, tmp_path: Path, header: str) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(f"{header}\nx,Movie,1999\n")
    _load_fails(tiny_store, tmp_path, [nodes], "csv", rf"{nodes}:1")


def test_header_that_is_neither_nodes_nor_edges(tiny_store: GraphStore, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("name,age\nx,1\n")
    _load_fails(tiny_store, tmp_path, [other], "csv", "node header with an id column")


def test_bad_typed_value(tiny_store: GraphStore, tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,labels,year:int\nm1,Movie,1999\nm2,Movie,nineteen\n")
    error = _load_fails(tiny_store, tmp_path, [nodes], "csv", rf"{nodes}:3")
    assert error.value == "nineteen" and "integer" in error.expected


def test_edge_to_unknown_entity(tiny_store: GraphStore, tmp_path: Path) -> None:
    nodes, edges = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    nodes.write_text("id,labels,name\nm9,Movie,Nine\n")
    edges.write_text("head,relation,tail\nalice,LIKES,m9\nalice,LIKES,ghost\n")
    error = _load_fails(tiny_store, tmp_path, [nodes, edges], "csv", rf"{edges}:3")
    assert error.value == "ghost"


def test_entity_with_other_labels_than_in_the_graph(tiny_store: GraphStore, tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,labels\nnew1,Movie\nalice,Movie\n")
    error = _load_fails(tiny_store, tmp_path, [nodes], "csv", "alice")
    assert error.value == ("Movie",) and "()" in error.expected


def test_store_failure_after_some_batches_rolls_back(make_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The store itself rejects the last batch (a map is no property value): earlier batches are undone."""
    store = make_store(batch_size=50)
    store.load([Entity("kept", ("Person",), {"name": "Kept"})], [])
    before = _snapshot(store, tmp_path)
    entities = [Entity(f"new{i}", ("Movie",), {}) for i in range(300)]
    edges = [Edge(f"new{i}", "SEQUEL_OF", f"new{i + 1}") for i in range(299)] + [
        Edge("new0", "SEQUEL_OF", "kept"), Edge("new1", "LAST", "kept", {"bad": {"nested": 1}})]
    with pytest.raises(QueryError):
        store.load(entities, edges)
    assert _snapshot(store, tmp_path) == before


def test_a_failed_load_puts_back_the_properties_it_overwrote(make_store) -> None:  # type: ignore[no-untyped-def]
    """A load changes an entity and an edge already there, then fails in the store: old values back, added keys gone."""
    store = make_store(batch_size=50)
    store.load([Entity("kept", ("Person",), {"name": "Kept", "born": 1970}), Entity("other", ("Person",), {}),
                *(Entity(f"old{i}", ("Person",), {}) for i in range(60))],
               [Edge("kept", "KNOWS", "other", {"since": 1999})])
    before = store.digest()
    entities = [Entity("kept", ("Person",), {"name": "Changed", "nick": "K"}),
                *(Entity(f"new{i}", ("Person",), {}) for i in range(120))]
    # Edges between entities already there go last, in batches of 50: the first of them changes
    # kept->other, the last one is refused by the store (a map is no property value).
    edges = [*(Edge(f"new{i}", "KNOWS", f"new{i + 1}") for i in range(119)),
             Edge("kept", "KNOWS", "other", {"since": 2024, "how": "work"}),
             *(Edge(f"old{i}", "KNOWS", f"old{i + 1}") for i in range(59)),
             Edge("other", "KNOWS", "kept", {"bad": {"nested": 1}})]
    with pytest.raises(QueryError):
        store.load(entities, edges)
    assert store.digest() == before
    assert store.get_entity("kept").properties == {"name": "Kept", "born": 1970}  # type: ignore[union-attr]
    assert store.run_readonly("MATCH (n:LoadUndo) RETURN count(n)").rows[0][0] == 0, "undo records end with the load"
    store.load(entities[:1], edges[119:120])
    assert store.get_entity("kept").properties == {"name": "Changed", "born": 1970, "nick": "K"}  # type: ignore[union-attr]
    assert store.run_readonly("MATCH (:Entity {id: 'kept'})-[r:KNOWS]->(:Entity {id: 'other'}) "
                              "RETURN r.since, r.how").rows == ((2024, "work"),), "a committed load's changes stay"
    assert store.run_readonly("MATCH (n:LoadUndo) RETURN count(n)").rows[0][0] == 0, "and with a committed one"


def test_reloading_the_same_file_changes_nothing(tiny_store: GraphStore, tmp_path: Path) -> None:
    nodes, edges = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    nodes.write_text("id,labels,name,year:int,tags:list,good:bool,score:float\nm1,Movie,One,1999,a|b,true,0.5\n")
    edges.write_text("head,relation,tail,weight:int\nalice,LIKES,m1,3\n")
    load_graph(tiny_store, read_graph([nodes, edges], "csv"))
    once = _snapshot(tiny_store, tmp_path)
    load_graph(tiny_store, read_graph([edges, nodes], "csv"))
    assert _snapshot(tiny_store, tmp_path) == once
    assert tiny_store.get_entity("m1").properties == {  # type: ignore[union-attr]
        "name": "One", "year": 1999, "tags": ["a", "b"], "good": True, "score": 0.5}


def test_export_csv_round_trips(tiny_store: GraphStore, make_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    nodes = tmp_path / "n.csv"
    nodes.write_text("id,labels,name,year:int\nm1,Movie,One,1999\n")
    load_graph(tiny_store, read_graph([nodes], "csv"))
    out = tmp_path / "export"
    export_graph(tiny_store, out, "csv")
    copy = make_store()
    load_graph(copy, read_graph([out / "nodes.csv", out / "edges.csv"], "csv"))
    assert copy.stats() == tiny_store.stats()
    assert _snapshot(copy, tmp_path) == _snapshot(tiny_store, tmp_path)
