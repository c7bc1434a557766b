"""Parsers read a whole input before anything is written and name the bad line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.errors import InvalidInput
from kgplatform.ingest import read_graph


def test_triples_tolerate_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"a\tR\tb\r\n\r\nb\tS\tc\r\n")
    graph = read_graph([path], "triples")
    assert [(e.head, e.relation, e.tail) for e in graph.edges] == [("a", "R", "b"), ("b", "S", "c")]
    assert graph.edge_sources == [f"{path}:1", f"{path}:3"]


def test_triples_directory_means_its_splits(tmp_path: Path) -> None:
    for split in ("train", "valid", "test"):
        (tmp_path / f"{split}.txt").write_text(f"{split}\tR\tx\n")
    assert {e.head for e in read_graph([tmp_path], "triples").edges} == {"train", "valid", "test"}
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match=r"train\.txt"):
        read_graph([tmp_path / "empty"], "triples")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes("caf\xe9\tR\tb\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        read_graph([path], "triples")


def test_csv_row_with_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "nodes.csv"
    path.write_text("id,name\na,A\nb,B,extra\n")
    with pytest.raises(InvalidInput, match=rf"{path}:3"):
        read_graph([path], "csv")


def test_csv_same_id_with_two_label_sets(tmp_path: Path) -> None:
    path = tmp_path / "nodes.csv"
    path.write_text("id,labels\na,Movie\na,Person\n")
    with pytest.raises(InvalidInput, match=rf"{path}:3"):
        read_graph([path], "csv")


def test_lastfm_interaction_with_unknown_artist(tmp_path: Path) -> None:
    (tmp_path / "artists.dat").write_text("id\tname\turl\tpictureURL\n1\tA\t\t\n")
    (tmp_path / "item_index2entity_id.txt").write_text("1\t0\r\n")
    (tmp_path / "kg.txt").write_text("0\tmusic.artist.genre\t1\r\n")
    (tmp_path / "user_artists.dat").write_text("userID\tartistID\tweight\n7\t1\t10\n7\t2\t5\n")
    with pytest.raises(InvalidInput) as info:
        read_graph([tmp_path], "lastfm")
    assert info.value.source == f"{tmp_path / 'user_artists.dat'}:3" and info.value.value == "2"
    (tmp_path / "user_artists.dat").write_text("userID\tartistID\tweight\n7\t1\t10\n")
    graph = read_graph([tmp_path], "lastfm")
    assert {(e.head, e.relation, e.tail) for e in graph.edges} == {
        ("user:7", "LISTENED", "artist:1"), ("artist:1", "music.artist.genre", "lastfm:1")}


def test_format_and_path_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="one of"):
        read_graph([tmp_path], "parquet")
    with pytest.raises(InvalidInput, match="existing"):
        read_graph([tmp_path / "missing.tsv"], "triples")
    with pytest.raises(InvalidInput, match="directory"):
        read_graph([tmp_path], "movies")
