"""Every loader format, fed mutated and random files: a clean load, or InvalidInput naming the file and no write."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import event, given

from kgplatform.errors import InvalidInput
from kgplatform.ingest import read_graph
from kgplatform.store import GraphStore
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.inputs import SEEDS, loader_files, seed_files
from tests.fuzz.oracles import check_load, read_and_load, write_input


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_seed_input_loads(tiny_store: GraphStore, tmp_path: Path, fmt: str) -> None:
    """The mutations start from inputs that load, so a refusal is the mutation's doing."""
    assert check_load(tiny_store, fmt, seed_files(fmt), tmp_path / "in") == "loaded"


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_fuzzed_input_loads_whole_or_is_refused_cleanly(tiny_store: GraphStore, tmp_path: Path, fmt: str) -> None:
    @fuzz_settings(120)
    @given(files=loader_files(fmt))
    def run(files: dict[str, bytes]) -> None:
        event(check_load(tiny_store, fmt, files, tmp_path / "in"))

    run()


NODES = b"id,labels,name,age:int,score:float\n"
#: Inputs the fuzzing found: each was refused without its file:line (by the store, at write time), or loaded
#: with another value (FalkorDB clamps integers beyond 64 bits to 2**63-1 without an error), or crashed the server.
FOUND = {
    "nul in a tsv cell": ("lastfm", "artists.dat", b"id\tname\turl\tpictureURL\n1\t\x00\tx\ty\n"),
    "nul in a csv cell": ("csv", "nodes.csv", NODES + b"n1,Person,a\x00b,1,1.0\n"),
    "int beyond 64 bits": ("csv", "nodes.csv", NODES + b"n1,Person,Ann,9223372036854775808,1.0\n"),
    "int far beyond 64 bits": ("csv", "nodes.csv", NODES + b"n1,Person,Ann," + b"9" * 30 + b",1.0\n"),
    "infinite float": ("csv", "nodes.csv", NODES + b"n1,Person,Ann,1,1e999\n"),
    "nan": ("csv", "nodes.csv", NODES + b"n1,Person,Ann,1,nan\n"),
    "infinite rating": ("movies", "sub_user_watched_movies.csv", b"user_id,rate,movie_id\nu_1,inf,1\n"),
    "weight beyond 64 bits": ("lastfm", "user_artists.dat", b"userID\tartistID\tweight\n2\t1\t" + b"9" * 19 + b"\n"),
    "node id too long": ("csv", "nodes.csv", NODES + b"x" * 513 + b",Person,Ann,1,1.0\n"),
    # the embedded server crashed (SIGSEGV in FalkorDB's uniqueness check) on a new id with a control character
    "control character in a triple's id": ("triples", "train.txt", b"a\tLIKES\tb\nb\tm\ta\x01\n"),
    "control character in a node id": ("csv", "nodes.csv", NODES + b"n\x01,Person,Ann,1,1.0\n"),
    "triple end too long": ("triples", "train.txt", b"a\tLIKES\tb\na\tLIKES\t" + b"x" * 513 + b"\n"),
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_found_inputs_are_refused_with_file_and_line(tiny_store: GraphStore, tmp_path: Path, name: str) -> None:
    fmt, file, data = FOUND[name]
    write_input({**seed_files(fmt), file: data}, tmp_path)
    before = tiny_store.digest()
    with pytest.raises(InvalidInput) as refused:
        read_and_load(tiny_store, fmt, tmp_path)
    assert refused.value.source == f"{tmp_path / file}:2"
    assert tiny_store.digest() == before


def test_byte_order_mark_is_not_part_of_the_first_id_or_column(tiny_store: GraphStore, tmp_path: Path) -> None:
    """Found by fuzzing: a BOM (as spreadsheet programs write) made the first id "\\ufeffn1", or hid the id column."""
    files = {name: b"\xef\xbb\xbf" + data for name, data in seed_files("csv").items()}
    assert check_load(tiny_store, "csv", files, tmp_path / "csv") == "loaded"
    write_input({"train.txt": b"\xef\xbb\xbfa\tLIKES\tb\n"}, tmp_path / "tsv")
    graph = read_graph([tmp_path / "tsv" / "train.txt"], "triples")
    assert sorted(graph.entities) == ["a", "b"]
