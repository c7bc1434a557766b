"""Names from data are checked before they reach query text; query files render only checked values."""

from __future__ import annotations

import pytest

from kgplatform import queries
from kgplatform.errors import InvalidInput
from kgplatform.names import check_label, check_name, check_relation, quote


@pytest.mark.parametrize("name", ["LIKES", "music.artist.genre", "co-occurs_with", "Ünïcode Name", "a" * 128])
def test_accepts_data_names(name: str) -> None:
    assert check_name(name, "src") == name
    assert quote(name) == f"`{name}`"


@pytest.mark.parametrize("name", ["", " ", "a`b", "tab\there", "new\nline", "\x00", "a" * 129, " lead", "trail "])
def test_rejects_unsafe_names(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_name(name, "edges.csv:7")
    assert info.value.source == "edges.csv:7" and info.value.value == name
    assert "backtick" in info.value.expected


def test_reserved_names() -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        check_relation("PREDICTED", "x")
    for label in ("Entity", "Job", "RelationType"):
        with pytest.raises(InvalidInput, match="reserved"):
            check_label(label, "x")


def test_render_fills_placeholders_from_checked_values_only() -> None:
    assert "(n:Entity:`Movie`:`Person` {id: row.id})" in queries.render(
        "upsert_entities", labels=("Movie", "Person"))
    assert "[r:`music.artist.genre`]" in queries.render("upsert_edges", type="music.artist.genre")
    assert "[*3]" in queries.render("find_paths", hops=3)
    with pytest.raises(InvalidInput):
        queries.render("upsert_edges", type="X`]->(m) DETACH DELETE m //")
    with pytest.raises(InvalidInput):
        queries.render("upsert_edges")
    for hops in (0, 6, "2"):
        with pytest.raises(InvalidInput):
            queries.render("find_paths", hops=hops)  # type: ignore[arg-type]


def test_neo4j_overrides_apply_only_on_neo4j() -> None:
    assert "elementId" in queries.load("pull_edges", "neo4j")
    assert "elementId" not in queries.load("pull_edges", "falkordb")
    assert queries.load("get_entity", "neo4j") == queries.load("get_entity", "falkordb")
    with pytest.raises(KeyError):
        queries.load("no_such_query")
