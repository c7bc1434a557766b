"""Entity and relation text: readable names, ``name: description``, and the report of entities without text."""

from __future__ import annotations

import pytest

from kgplatform.completion.text import build_text, entity_text, readable


@pytest.mark.parametrize(("name", "words"), [
    ("film.actor.film", "film actor film"), ("DIRECTED", "directed"), ("derivative_of", "derivative of"),
    ("hasGenre", "has genre"), ("person:michael-mann", "michael mann"), ("Heat", "heat"),
])
def test_readable_names(name: str, words: str) -> None:
    assert readable(name) == words


def test_entity_text_joins_name_and_description_and_skips_blanks() -> None:
    assert entity_text({"name": "Heat", "description": "A 1995 crime film."}) == "Heat: A 1995 crime film."
    assert entity_text({"name": "Heat", "description": " "}) == "Heat"
    assert entity_text({"title": "Heat"}) is None
    assert entity_text({"title": "Heat", "plot": "Cops and robbers."}, ("title", "plot")) == "Heat: Cops and robbers."


def test_build_text_falls_back_to_readable_ids_and_reports_them() -> None:
    text = build_text(["film:heat", "person:mann"], ["DIRECTED"], {"film:heat": {"name": "Heat"}},
                      {"DIRECTED": "was directed by"})
    assert text.entities == ["Heat", "mann"] and text.missing == ["person:mann"]
    assert text.relations == ["was directed by"] and text.inverses == ["inverse of was directed by"]
    assert text.query_texts() == ["was directed by", "inverse of was directed by"]
