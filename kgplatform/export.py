"""Write the graph's facts back out, in layouts the loaders read (a round trip loses nothing).

* ``triples``: ``head<TAB>relation<TAB>tail`` lines (entities without edges and all properties are
  dropped, as the format has no place for them);
* ``csv``: ``nodes.csv`` and ``edges.csv`` in the CSV loader's layout, property types kept.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kgplatform.errors import InvalidInput
from kgplatform.store.base import GraphStore

EXPORT_FORMATS = ("triples", "csv")


def export_graph(store: GraphStore, out: Path, fmt: str) -> dict[str, int]:
    """Export every fact of the graph to ``out`` (a file for triples, a directory for csv).

    Returns:
        counts of entities and edges written.
    """
    if fmt == "triples":
        out.parent.mkdir(parents=True, exist_ok=True)
        edges = 0
        with open(out, "w", encoding="utf-8", newline="") as handle:
            for edge in store.iter_edges():
                handle.write(f"{edge.head}\t{edge.relation}\t{edge.tail}\n")
                edges += 1
        return {"entities": 0, "edges": edges}
    if fmt != "csv":
        raise InvalidInput("--format", fmt, f"one of {', '.join(EXPORT_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    entities = list(store.iter_entities())
    n_nodes = _write_csv(out / "nodes.csv", ["id", "labels"],
                         (({"id": e.id, "labels": "|".join(e.labels)}, e.properties) for e in entities))
    n_edges = _write_csv(out / "edges.csv", ["head", "relation", "tail"],
                         (({"head": e.head, "relation": e.relation, "tail": e.tail}, e.properties)
                          for e in store.iter_edges()))
    return {"entities": n_nodes, "edges": n_edges}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    return "string"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


def _write_csv(path: Path, keys: list[str], rows: Iterable[tuple[dict[str, str], Mapping[str, Any]]]) -> int:
    materialised = list(rows)
    kinds: dict[str, str] = {}
    for _, props in materialised:
        for name, value in props.items():
            kinds.setdefault(name, _kind(value))
    columns = {name: name if kind == "string" else f"{name}:{kind}" for name, kind in sorted(kinds.items())}
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys + list(columns.values()))
        writer.writeheader()
        for fixed, props in materialised:
            writer.writerow({**fixed, **{columns[k]: _cell(v) for k, v in props.items()}})
    return len(materialised)
