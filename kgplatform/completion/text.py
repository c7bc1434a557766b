"""Text of entities and relations, for text models: what a language model reads about the graph.

An entity's text is its ``name`` and ``description`` properties (configurable), ``"name: description"``.
An entity with none of them falls back to its id made readable, and is reported, since a text
model then knows little more about it than a structure model does. A relation's text is its
stored text (``kgplatform load --relation-text``) or its name made readable:
``film.actor.film`` reads "film actor film", ``DIRECTED`` reads "directed".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kgplatform.store.base import GraphStore

DEFAULT_FIELDS = ("name", "description")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[._/:\-]+|\s+")


@functools.lru_cache(maxsize=8192)
def readable(name: str) -> str:
    """A graph name as words: ``film.actor.film`` -> "film actor film", ``hasGenre`` -> "has genre".

    Cached: every explanation sentence of every recommendations request words its relations again."""
    local = name.split(":", 1)[1] if ":" in name and " " not in name else name  # an id prefix: "person:x"
    words = _SEPARATORS.sub(" ", _CAMEL.sub(" ", local).replace("_", " ")).strip().lower()
    return words or name


@dataclass(frozen=True)
class GraphText:
    """Texts indexed like a subgraph's entities and relations.

    Attributes:
        entities: entity index -> text.
        relations: relation index -> text of the relation as stated (head to tail).
        inverses: relation index -> text of its reciprocal (tail to head), "inverse of ...".
        missing: ids of entities that had no text property (their readable id stands in).
    """

    entities: list[str]
    relations: list[str]
    inverses: list[str]
    missing: list[str]

    def query_texts(self) -> list[str]:
        """Relation texts for relation ids ``0..2R-1``: the R relations, then their reciprocals."""
        return self.relations + self.inverses


def entity_text(props: Mapping[str, object], fields: Sequence[str] = DEFAULT_FIELDS) -> str | None:
    """``"name: description"`` from the first field and the rest; None when all are empty."""
    values = [str(props[f]).strip() for f in fields if props.get(f) not in (None, "")]
    values = [v for v in values if v]
    if not values:
        return None
    return values[0] + (": " + " ".join(values[1:]) if len(values) > 1 else "")


def graph_text(store: GraphStore, entity_ids: Sequence[str], relation_types: Sequence[str],
               fields: Sequence[str] = DEFAULT_FIELDS, batch: int = 5_000) -> GraphText:
    """Read the texts of ``entity_ids`` and ``relation_types`` from the store."""
    props: dict[str, Mapping[str, object]] = {}
    for start in range(0, len(entity_ids), batch):
        for row in store.run_named("get_entity_texts", {"ids": list(entity_ids[start:start + batch])}):
            props[row["id"]] = row["props"]
    return build_text(entity_ids, relation_types, props, store.relation_texts(), fields)


def build_text(entity_ids: Sequence[str], relation_types: Sequence[str], props: Mapping[str, Mapping[str, object]],
               relation_texts: Mapping[str, str], fields: Sequence[str] = DEFAULT_FIELDS) -> GraphText:
    """Texts from entity properties and stored relation texts; readable names where they are missing."""
    texts, missing = [], []
    for entity_id in entity_ids:
        text = entity_text(props.get(entity_id, {}), fields)
        if text is None:
            missing.append(entity_id)
            text = readable(entity_id)
        texts.append(text)
    relations = [relation_texts.get(r) or readable(r) for r in relation_types]
    return GraphText(texts, relations, [f"inverse of {r}" for r in relations], missing)
