"""Node and edge CSV files with typed property columns, told apart by their headers.

* node file: ``id`` (required), ``labels`` (``|``-separated type labels), then property columns;
* edge file: ``head``, ``relation``, ``tail`` (required), then property columns.

A property column is ``name`` or ``name:type`` with type ``string`` (default), ``int``, ``float``,
``bool`` or ``list`` (``|``-separated strings), the convention of ``neo4j-admin import``. An empty
cell means "no such property". This is also the layout ``kgplatform export --format csv`` writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput
from kgplatform.ingest.parsed import ParsedGraph, csv_header, csv_rows, parse_number
from kgplatform.names import check_label, check_relation

NODE_KEYS = ("id", "labels")
EDGE_KEYS = ("head", "relation", "tail")
RESERVED = {"load_id"}
_COLUMN = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]{0,63})(?::(?P<type>[a-z]+))?$")


def _bool(source: str, value: str, column: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise InvalidInput(source, value, f"true or false in column {column}")


_PARSERS: dict[str, Callable[[str, str, str], Any]] = {
    "string": lambda source, value, column: value,
    "int": lambda source, value, column: parse_number(source, value, int, column),
    "float": lambda source, value, column: parse_number(source, value, float, column),
    "bool": _bool,
    "list": lambda source, value, column: [v for v in value.split("|") if v],
}


def _columns(path: Path, header: list[str], keys: Sequence[str]) -> dict[str, tuple[str, Callable[..., Any]]]:
    """Map each property column to (property name, parser), rejecting unknown or reserved columns."""
    columns: dict[str, tuple[str, Callable[..., Any]]] = {}
    for column in header:
        if column in keys:
            continue
        match = _COLUMN.match(column)
        kind = (match.group("type") or "string") if match else None
        if match is None or kind not in _PARSERS:
            raise InvalidInput(f"{path}:1", column, "a column named name or name:TYPE with TYPE one of "
                               f"{sorted(_PARSERS)} (or one of {list(keys)})")
        name = match.group("name")
        if name in RESERVED or name in keys:
            raise InvalidInput(f"{path}:1", column, f"a column name other than the reserved {sorted(RESERVED)}")
        columns[column] = (name, _PARSERS[kind])
    return columns


def _props(source: str, row: dict[str, str], columns: dict[str, tuple[str, Callable[..., Any]]]) -> dict[str, Any]:
    return {name: parse(source, row[col], name) for col, (name, parse) in columns.items() if row[col] != ""}


def file_kind(path: Path) -> str:
    """``nodes`` or ``edges`` by the header, else fail naming what a header must hold."""
    header = csv_header(path)
    if all(k in header for k in EDGE_KEYS):
        return "edges"
    if "id" in header:
        return "nodes"
    raise InvalidInput(f"{path}:1", ",".join(header), "a node header with an id column, or an edge header "
                       "with head, relation and tail columns")


def read_tables(paths: Sequence[Path]) -> ParsedGraph:
    """Parse node and edge CSV files (nodes first, whatever the order given).

    Raises:
        InvalidInput: an unknown column, a bad label or relation name, or a bad value, with ``file:line``.
    """
    graph = ParsedGraph()
    kinds = {path: file_kind(path) for path in paths}
    for path in (p for p in paths if kinds[p] == "nodes"):
        columns = _columns(path, csv_header(path), NODE_KEYS)
        for source, row in csv_rows(path):
            entity_id = row["id"].strip()
            if not entity_id:
                raise InvalidInput(source, row["id"], "a non-empty id")
            labels = tuple(check_label(label.strip(), source) for label in row.get("labels", "").split("|")
                           if label.strip())
            graph.rows_read += 1
            graph.add_entity(Entity(entity_id, labels, _props(source, row, columns)), source)
    for path in (p for p in paths if kinds[p] == "edges"):
        columns = _columns(path, csv_header(path), EDGE_KEYS)
        for source, row in csv_rows(path):
            head, relation, tail = (row[k].strip() for k in EDGE_KEYS)
            if not head or not tail:
                raise InvalidInput(source, f"{head!r} -> {tail!r}", "non-empty head and tail ids")
            check_relation(relation, source)
            graph.rows_read += 1
            graph.add_edge(Edge(head, relation, tail, _props(source, row, columns)), source)
    return graph
