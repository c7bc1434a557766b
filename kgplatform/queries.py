"""Load Cypher from ``cypher/`` by name, with the Neo4j override applied where one exists.

A file may hold placeholders that Cypher cannot parametrise, each rendered here from a
checked value and nothing else:

* ``{{labels}}``: zero or more ``:`Label``` segments (names checked, backtick-quoted);
* ``{{type}}``: one backtick-quoted relationship type;
* ``{{types}}``: one or more of them, joined by ``|`` (FalkorDB resolves ``type(r)`` of an edge
  matched without a type by searching every relation type, 0.35 ms an edge on Last.FM's 62);
* ``{{hops}}``: a path length, an int from 1 to :data:`MAX_HOPS`.

Values always travel as ``$params``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

from kgplatform.errors import InvalidInput
from kgplatform.names import quote

Backend = Literal["falkordb", "neo4j"]
MAX_HOPS = 5
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def load(name: str, backend: Backend = "falkordb") -> str:
    """Return the text of ``cypher/<name>.cypher``, or ``cypher/neo4j/<name>.cypher`` on Neo4j.

    Raises:
        KeyError: when no such query exists.
    """
    root = resources.files("cypher")
    candidates = [root / "neo4j" / f"{name}.cypher"] if backend == "neo4j" else []
    candidates.append(root / f"{name}.cypher")
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise KeyError(f"no Cypher file named {name!r}")


def names() -> list[str]:
    """All query names in ``cypher/`` (the overrides replace, never add)."""
    root = resources.files("cypher")
    return sorted(p.name.removesuffix(".cypher") for p in root.iterdir() if p.name.endswith(".cypher"))


def placeholders(name: str, backend: Backend = "falkordb") -> set[str]:
    """The placeholder names a query needs rendered."""
    return set(_PLACEHOLDER.findall(load(name, backend)))


def render(
    name: str,
    backend: Backend = "falkordb",
    *,
    labels: tuple[str, ...] = (),
    type: str | None = None,
    types: tuple[str, ...] = (),
    hops: int | None = None,
) -> str:
    """Return query ``name`` with its placeholders filled from checked values.

    Raises:
        InvalidInput: a placeholder the query needs was not given or is out of range.
    """
    text = load(name, backend)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "labels":
            return "".join(":" + quote(label) for label in labels)
        if key == "type":
            if type is None:
                raise InvalidInput(f"query {name}", None, "a relationship type")
            return quote(type)
        if key == "types":
            if not types:
                raise InvalidInput(f"query {name}", types, "one or more relationship types")
            return "|".join(quote(t) for t in types)
        if key == "hops":
            if not isinstance(hops, int) or not 1 <= hops <= MAX_HOPS:
                raise InvalidInput(f"query {name}", hops, f"a number of hops from 1 to {MAX_HOPS}")
            return str(hops)
        raise InvalidInput(f"query {name}", key, "a known placeholder (labels, type, types, hops)")

    return _PLACEHOLDER.sub(fill, text)
