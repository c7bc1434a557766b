"""Domain objects the store returns: plain frozen dataclasses, never driver records.

Both adapters (FalkorDB, Neo4j) build these, so callers cannot tell the stores apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    """A node of the knowledge graph: ``:Entity`` plus its type labels, a unique ``id`` and properties."""

    id: str
    labels: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        """The human-readable name, the text models and explanations read."""
        value = self.properties.get("name")
        return None if value is None else str(value)


@dataclass(frozen=True)
class Edge:
    """A fact edge ``head -[relation]-> tail`` with its properties."""

    head: str
    relation: str
    tail: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Neighbour:
    """One edge of an entity's neighbourhood, seen from that entity."""

    relation: str
    outgoing: bool
    entity_id: str
    labels: tuple[str, ...]
    name: str | None


@dataclass(frozen=True)
class Path:
    """A path of fact edges between two entities, hop by hop.

    ``forward[i]`` tells whether edge ``i`` points from ``node_ids[i]`` to ``node_ids[i + 1]``.
    """

    node_ids: tuple[str, ...]
    node_names: tuple[str | None, ...]
    relations: tuple[str, ...]
    forward: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.relations)


@dataclass(frozen=True)
class Prediction:
    """A completed edge proposed by a model, kept apart from facts until accepted."""

    head: str
    relation: str
    tail: str
    score: float
    rank: int
    model: str
    job_id: str
    created_at: int = 0  # milliseconds since the epoch (both stores have timestamp())
    status: str = "pending"  # pending | accepted | rejected
    #: The job's explanation paths from head to tail with their weights; None when it did not look.
    paths: tuple[tuple[Path, float], ...] | None = None


def paths_to_json(paths: Sequence[tuple[Path, float]]) -> str:
    """Explanation paths as stored on a prediction edge: ``[[node ids], [relations], [forward 0/1], weight]`` each.

    Names are left out: they are read from the graph when the paths are shown, so a renamed
    entity never shows its old name.
    """
    return json.dumps([[list(p.node_ids), list(p.relations), [int(f) for f in p.forward], w] for p, w in paths],
                      separators=(",", ":"))


def paths_from_json(text: str | None) -> list[tuple[Path, float]]:
    """The inverse of :func:`paths_to_json` (names None); nothing for a prediction stored without paths."""
    return [(Path(tuple(nodes), (None,) * len(nodes), tuple(relations), tuple(bool(f) for f in forward)), float(w))
            for nodes, relations, forward, w in json.loads(text or "[]")]


@dataclass(frozen=True)
class QueryResult:
    """Rows of a Cypher query as JSON-able values; ``truncated`` when the row cap cut it."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class GraphStats:
    """Counts of what the graph holds, facts and predictions apart."""

    entities: int
    facts: int
    predictions: int
    labels: Mapping[str, int]
    relations: Mapping[str, int]


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote; ``load_id`` tags every node and edge it created."""

    load_id: str
    entities: int
    edges: int
    seconds: float
    sources: tuple[str, ...] = ()

    @property
    def edges_per_second(self) -> float:
        """Load throughput (edges over the whole load, entities included in the time)."""
        return self.edges / self.seconds if self.seconds > 0 else 0.0
