"""What every input format parses into, and the line readers they share.

Formats parse a whole input into a :class:`ParsedGraph` before anything is written, so a bad
line anywhere fails the load with its ``file:line`` and writes nothing.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.store.base import ENTITY_ID_BAD, ENTITY_ID_MAX

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass
class ParsedGraph:
    """Entities and edges read from files, each edge with the ``file:line`` it came from."""

    entities: dict[str, Entity] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    edge_sources: list[str] = field(default_factory=list)
    relation_texts: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0

    def add_entity(self, entity: Entity, source: str) -> None:
        """Add an entity, merging properties with an earlier mention of the same id.

        Raises:
            InvalidInput: the id was seen before with other type labels.
        """
        check_id(source, entity.id)
        known = self.entities.get(entity.id)
        if known is None:
            self.entities[entity.id] = entity
            return
        if known.labels and entity.labels and set(known.labels) != set(entity.labels):
            raise InvalidInput(source, entity.id, f"an entity with the labels it had before, {known.labels}")
        self.entities[entity.id] = Entity(
            entity.id, known.labels or entity.labels, {**known.properties, **entity.properties}
        )

    def add_edge(self, edge: Edge, source: str) -> None:
        """Add an edge and remember where it was read."""
        self.edges.append(edge)
        self.edge_sources.append(source)


def tsv_lines(path: Path, *, header: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Yield ``(file:line, fields)`` for each non-blank line of a tab-separated file (CRLF and a BOM tolerated)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if (header and number == 1) or not line.strip():
                    continue
                _refuse_nul(f"{path}:{number}", line)
                yield f"{path}:{number}", line.split("\t")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}", exc.object[max(0, exc.start - 20):exc.end + 20], "UTF-8 text") from None
    except OSError as exc:
        raise InvalidInput(str(path), exc.strerror, "a readable file") from None


def csv_rows(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ``(file:line, row)`` for each row of a CSV file with a header line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                source = f"{path}:{reader.line_num}"
                if None in row or any(v is None for v in row.values()):
                    raise InvalidInput(source, list(row.values()), f"{len(reader.fieldnames or [])} fields "
                                       f"as in the header {reader.fieldnames}")
                for value in row.values():
                    _refuse_nul(source, value)
                yield source, row
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}", exc.object[max(0, exc.start - 20):exc.end + 20], "UTF-8 text") from None
    except csv.Error as exc:
        raise InvalidInput(str(path), str(exc), "well-formed CSV") from None
    except OSError as exc:
        raise InvalidInput(str(path), exc.strerror, "a readable file") from None


def _refuse_nul(source: str, text: str) -> None:
    """Refuse a NUL here, with its ``file:line``: the store would refuse it later without either."""
    if "\x00" in text:
        raise InvalidInput(source, text, "text without NUL characters (the graph store cannot hold them)")


def csv_header(path: Path) -> list[str]:
    """The header line of a CSV file."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(str(path), str(exc), "a readable UTF-8 CSV file") from None


def need_fields(source: str, fields: list[str], count: int, what: str) -> list[str]:
    """Return ``fields`` when there are ``count`` non-empty ones, else fail naming the line."""
    stripped = [f.strip() for f in fields]
    if len(stripped) != count or not all(stripped):
        raise InvalidInput(source, "\t".join(fields), f"{count} non-empty tab-separated fields: {what}")
    return stripped


def check_id(source: str, entity_id: str) -> str:
    """Refuse an entity id the store cannot take, while its ``file:line`` is known (once per new entity).

    The store refuses the same ids (:data:`ENTITY_ID_BAD`, :data:`ENTITY_ID_MAX`), but without the line.
    """
    if len(entity_id) > ENTITY_ID_MAX:
        raise InvalidInput(source, entity_id[:100] + "...", f"an entity id of at most {ENTITY_ID_MAX} characters")
    if ENTITY_ID_BAD.search(entity_id):
        raise InvalidInput(source, entity_id, "an entity id without control characters or edge spaces")
    return entity_id


def parse_number(source: str, value: str, kind: type, column: str) -> Any:
    """Parse an int or float cell, naming the line and column when it is not one.

    Only numbers the store holds as given pass: it clamps integers beyond 64 bits (without an
    error) and refuses infinities and NaN.
    """
    expected = f"an integer from {INT64_MIN} to {INT64_MAX}" if kind is int else "a finite number"
    try:
        number = kind(value)
    except ValueError:
        raise InvalidInput(source, value, f"{expected} in column {column}") from None
    if not (INT64_MIN <= number <= INT64_MAX if kind is int else math.isfinite(number)):
        raise InvalidInput(source, value, f"{expected} in column {column}")
    return number
