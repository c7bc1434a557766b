"""The GraphStore port: intent-level graph operations that every backend provides alike.

Public methods validate their input, render the query from ``cypher/`` and run it through two
primitives each backend implements (:meth:`GraphStore._execute` and
:meth:`GraphStore._execute_pairs`), so the logic lives once and the adapters stay thin. Dialect
gaps are handled by override files in ``cypher/neo4j/``, not by branches here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kgplatform import queries
from kgplatform.clock import now_iso
from kgplatform.config import Settings
from kgplatform.domain import (
    Edge,
    Entity,
    GraphStats,
    LoadReport,
    Neighbour,
    Path,
    Prediction,
    QueryResult,
    paths_to_json,
)
from kgplatform.errors import InvalidInput, QueryError, StoreUnavailable, WriteRefused
from kgplatform.names import ENTITY, PREDICTED, RESERVED_LABELS, check_label, check_relation
from kgplatform.store.ledger import LoadLease, RolledBack, recover_loads
from kgplatform.store.undo import keep_entities, keep_then_set_edges, put_back_overwritten

log = logging.getLogger(__name__)

Rows = list[list[Any]]
ENTITY_ID_MAX = 512
#: What an entity id may not hold: FalkorDB 4.16 crashes (SIGSEGV in ``EnforceUniqueEntity``, found
#: by fuzzing) when a new id under the uniqueness constraint has a control character or starts or
#: ends with a space.
ENTITY_ID_BAD = re.compile(r"[\x00-\x1f\x7f]|^ | $")


class GraphStore(ABC):
    """A knowledge graph in a Cypher store (see shared/DESIGN.md, "The graph model")."""

    backend: queries.Backend

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- primitives each backend implements ---------------------------------------------------

    @abstractmethod
    def _execute(
        self, query: str, params: Mapping[str, Any], *, write: bool, timeout_ms: int | None = None,
        limit: int | None = None,
    ) -> tuple[list[str], Rows]:
        """Run one query atomically and return its columns and rows as plain Python values.

        ``limit``: fetch at most this many rows and drop the rest unread (user queries: a huge
        result is never held whole by the client).

        Raises:
            QueryError: the store rejected the query (syntax, timeout, a write in read mode).
            StoreUnavailable: the store cannot be reached.
        """

    @abstractmethod
    def _plan(self, query: str, params: Mapping[str, Any]) -> list[str]:
        """The operator names of the store's plan for ``query`` (EXPLAIN: nothing runs).

        Raises:
            QueryError: the store rejected the query.
        """

    @abstractmethod
    def _execute_pairs(self, query: str, params: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
        """Run a read query of two scalar columns and return them as two lists, as fast as the store allows."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the ``Entity.id`` and ``Job.id`` indexes and uniqueness constraints when missing (idempotent)."""

    @abstractmethod
    def drop_graph(self) -> None:
        """Delete every node, edge, index and constraint of this graph."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------------

    def run_named(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
                  **placeholders: Any) -> list[dict[str, Any]]:
        """Run the platform's query ``cypher/<name>.cypher`` (this backend's override when it has one)."""
        text = queries.render(name, self.backend, **placeholders)
        columns, rows = self._execute(text, params or {}, write=write)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _count(self, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False,
               **placeholders: Any) -> int:
        rows = self.run_named(name, params, write=write, **placeholders)
        return sum(int(r["n"]) for r in rows)

    def _batches(self, rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
        size = self.settings.batch_size
        for start in range(0, len(rows), size):
            yield rows[start:start + size]

    def _write_batches(self, name: str, groups: Mapping[Any, Sequence[Any]], extra: Mapping[str, Any],
                       placeholder: str | None = None,
                       then: Callable[[dict[str, Any], Any], None] | None = None) -> int:
        """Run write query ``name`` over each group's rows in batches, ``write_workers`` batches in flight.

        ``then(reply_row, key)``: called with each batch's reply row (and its group key) in the
        thread that ran the batch, before that thread takes another.

        ``groups`` maps a placeholder value (a relation type, a label set) to its rows. Batches touch
        disjoint rows, so their order does not matter; with two in flight the client serialises one
        while the store executes another (the store still applies writes one query at a time). The
        first failure is raised once every batch has finished, so a rollback after it sees all
        that was written.
        """
        schema = self._schema_names(placeholder)
        first: list[tuple[dict[str, Any], dict[str, Any]]] = []
        rest: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for key, rows in groups.items():
            # without a placeholder (predictions) the schema is not known here: the first batch goes alone
            new = placeholder is None or not ({key} if isinstance(key, str) else set(key)) <= schema
            for i, batch in enumerate(self._batches(rows)):
                task = ({"rows": list(batch), **extra}, {placeholder: key} if placeholder else {})
                (first if new and i == 0 else rest).append(task)

        def run(task: tuple[dict[str, Any], dict[str, Any]]) -> int:
            rows = self.run_named(name, task[0], write=True, **task[1])
            if then is not None:
                for row in rows:
                    then(row, task[1].get(placeholder) if placeholder else None)
            return sum(int(row["n"]) for row in rows)

        # A batch that brings a new label or relation type runs alone: FalkorDB 4.x crashed
        # (SIGSEGV in GraphContext_GetLabelID) when two writes created schema at the same time.
        written = sum(map(run, first))
        workers = max(1, min(self.settings.write_workers, len(rest)))
        if workers == 1:
            return written + sum(map(run, rest))
        with ThreadPoolExecutor(workers) as pool:
            return written + sum(pool.map(run, rest))

    def _schema_names(self, placeholder: str | None) -> set[str]:
        """The labels (``labels``) or relation types (``type``) the graph already has."""
        if placeholder == "labels":
            return set(self.labels())
        if placeholder == "type":
            return set(self.relation_types())
        return set()

    # -- writes of facts ----------------------------------------------------------------------

    def upsert_entities(self, entities: Iterable[Entity], load_id: str) -> int:
        """MERGE entities by id in batches, one label set per query; new nodes get ``load_id`` and ``created_at``.

        An id that exists with other type labels violates the ``Entity.id`` uniqueness
        constraint and fails the batch (see :meth:`load`, which rolls the whole load back).
        """
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for entity in entities:
            labels = tuple(sorted(set(entity.labels) - {ENTITY}))
            for label in labels:
                check_label(label, f"entity {entity.id!r}")
            groups[labels].append({"id": entity.id, "props": _clean_props(entity.properties)})
        return self._write_batches("upsert_entities", groups, {"load_id": load_id, "created_at": now_iso()}, "labels")

    def upsert_edges(self, edges: Iterable[Edge], load_id: str, new_ids: Set[str] = frozenset()) -> int:
        """MERGE fact edges between existing entities in batches, one relation type per query.

        ``new_ids``: entities this load created; an edge with such an end cannot exist yet. Every
        other edge may, and where its properties change it is set only after their old values
        are kept for a rollback (:mod:`kgplatform.store.undo`).
        """
        fresh: dict[str, list[list[Any]]] = defaultdict(list)
        known: dict[str, list[list[Any]]] = defaultdict(list)
        for edge in edges:
            row = [edge.head, edge.tail, _clean_props(edge.properties)]
            (fresh if edge.head in new_ids or edge.tail in new_ids else known)[edge.relation].append(row)
        for relation, rows in [*fresh.items(), *known.items()]:
            check_relation(relation, f"edge {rows[0][0]!r}->{rows[0][1]!r}")

        def overwrite(reply: dict[str, Any], relation: str) -> None:  # edges that existed, with changes
            if reply["held"]:
                keep_then_set_edges(self, load_id, relation, reply["held"])

        written = self._write_batches("upsert_edges", fresh, {"load_id": load_id}, "type")
        return written + self._write_batches("upsert_existing_edges", known, {"load_id": load_id}, "type",
                                             then=overwrite)

    def upsert_relation_texts(self, texts: Mapping[str, str]) -> int:
        """Store readable text for relation types (``music.artist.genre`` -> "genre of the artist")."""
        rows = [{"type": check_relation(rel, "relation text"), "text": text} for rel, text in sorted(texts.items())]
        return sum(self._count("upsert_relation_texts", {"rows": list(b)}, write=True) for b in self._batches(rows))

    def relation_texts(self) -> dict[str, str]:
        """Readable text of each relation type that has one."""
        return {r["type"]: r["text"] for r in self.run_named("list_relation_texts")}

    def missing_entities(self, ids: Iterable[str]) -> set[str]:
        """The ids among ``ids`` that no entity in the graph has."""
        missing: set[str] = set()
        for batch in self._batches(sorted(set(ids))):
            missing.update(r["id"] for r in self.run_named("find_missing_entities", {"ids": list(batch)}))
        return missing

    def delete_load(self, load_id: str) -> int:
        """Roll a load back: put back the properties it overwrote, then remove every node and edge it created.

        Returns how many nodes and edges were removed. Safe to run again after a crash half-way.
        """
        restored = put_back_overwritten(self, load_id)
        if restored:
            log.info("load %s: put back the old properties of %d entities and edges", load_id, restored)
        edges = self._count("delete_load_edges", {"load_id": load_id}, write=True)
        return edges + self._count("delete_load_entities", {"load_id": load_id}, write=True)

    def load(self, entities: Sequence[Entity], edges: Sequence[Edge],
             edge_sources: Sequence[str] | None = None) -> LoadReport:
        """Write a validated graph as one load: all of it, or (on any failure) none of it.

        None of it includes the properties it set on entities and edges that existed: their old
        values are kept before the first write (:mod:`kgplatform.store.undo`) and put back by a
        rollback. A failure here rolls the load back at once; a crash of this process or of the server is
        rolled back by the next load or store opening, through the load ledger (:mod:`kgplatform.store.ledger`).

        Every edge endpoint must be among ``entities`` or already in the graph; otherwise nothing
        is written and the error names the first bad edge's source (``file:line``).

        Raises:
            InvalidInput: an edge refers to an unknown entity, or an id clashes with an existing one.
        """
        started = time.perf_counter()
        _check_entities(entities)
        # A load cut off by a crash goes first: what this load finds in the graph (the ends of its
        # edges, the old values it keeps) must not include what that rollback removes or restores.
        self.recover_loads()
        declared = {e.id for e in entities}
        endpoints = {e.head for e in edges} | {e.tail for e in edges}
        missing = self.missing_entities(endpoints - declared)
        if missing:
            index = next(i for i, e in enumerate(edges) if e.head in missing or e.tail in missing)
            bad = edges[index]
            source = edge_sources[index] if edge_sources else f"edge {index + 1}"
            value = bad.head if bad.head in missing else bad.tail
            raise InvalidInput(source, value, "the id of an entity in this load or in the graph "
                               f"({len(missing)} unknown ids in all)")
        existing = self._existing_entities(entities)
        load_id = uuid.uuid4().hex
        with LoadLease(self, load_id, self.settings.load_lease_s) as lease:
            try:
                keep_entities(self, load_id, existing)
                n_entities = self.upsert_entities(entities, load_id)
                n_edges = self.upsert_edges(edges, load_id, new_ids=declared - existing.keys())
                lease.commit()
            except BaseException as exc:
                self._roll_back(load_id, lease, exc)
                raise
        return LoadReport(load_id, n_entities, n_edges, time.perf_counter() - started)

    def _roll_back(self, load_id: str, lease: LoadLease, cause: BaseException) -> None:
        """Remove what a failed load wrote, then its ledger record.

        Raises:
            StoreUnavailable: the store went away (the usual cause: its server was killed or the
                disk is full); the ledger record stays, and :meth:`recover_loads` finishes the
                rollback once the store is back.
        """
        try:
            removed = self.delete_load(load_id)
            lease.abandon()
        except StoreUnavailable as lost:
            raise StoreUnavailable(f"load {load_id} stopped half-way and could not be rolled back yet ({lost}); "
                                   "what it wrote is rolled back when the store is next opened, by the next load, "
                                   "or by `kgplatform recover`") from cause
        log.warning("load %s failed (%s); rolled back %d nodes and edges", load_id, cause, removed)

    def recover_loads(self) -> list[RolledBack]:
        """Roll back the loads a crash left unfinished (see :mod:`kgplatform.store.ledger`)."""
        return recover_loads(self, self.settings.load_lease_s)

    def _existing_entities(self, entities: Sequence[Entity]) -> dict[str, dict[str, Any]]:
        """The load's entities that exist already, by id, each with the old values of the keys the load changes.

        Raises:
            InvalidInput: an entity exists with other type labels; caught before writing, since
                MERGE would hit the ``Entity.id`` constraint half-way.
        """
        wanted = {e.id: tuple(sorted(set(e.labels) - {ENTITY})) for e in entities}
        found: dict[str, dict[str, Any]] = {}
        for batch in self._batches(list(wanted)):
            for row in self.run_named("find_entity_labels", {"ids": list(batch)}):
                if _labels(row["labels"]) != wanted[row["id"]]:
                    raise InvalidInput(f"entity {row['id']!r}", wanted[row["id"]],
                                       f"the type labels it has in the graph, {_labels(row['labels'])}")
                found[row["id"]] = {}
        # a second query, for existing entities only: a new entity's properties are not sent twice
        rows = [{"id": e.id, "props": props} for e in entities
                if e.id in found and (props := _clean_props(e.properties))]
        for batch in self._batches(rows):
            for row in self.run_named("find_changed_props", {"rows": list(batch)}):
                for key, value in row["old"]:
                    found[row["id"]].setdefault(key, value)
        return found

    # -- reads --------------------------------------------------------------------------------

    def get_entity(self, entity_id: str) -> Entity | None:
        """One entity by id, or None."""
        rows = self.run_named("get_entity", {"id": entity_id})
        return _entity(rows[0]) if rows else None

    def entity_with_degree(self, entity_id: str) -> tuple[Entity, int] | None:
        """One entity and its fact degree (:meth:`get_entity` and :meth:`degree` in one query), or None."""
        rows = self.run_named("get_entity_with_degree", {"id": entity_id})
        return (_entity(rows[0]), int(rows[0]["degree"])) if rows else None

    def neighbourhood(self, entity_id: str, limit: int = 100, *, relation: str | None = None,
                      skip: int = 0) -> list[Neighbour]:
        """Fact edges around an entity (both directions), predictions excluded, by relation then id.

        ``relation``: only this type; ``skip``: leave out the first ones (the next page of a hub).
        """
        if relation is not None:
            check_relation(relation, "relation")
        if not isinstance(skip, int) or skip < 0:
            raise InvalidInput("skip", skip, "a non-negative integer")
        rows = self.run_named("get_neighbourhood", {"id": entity_id, "relation": relation, "skip": skip,
                                                    "limit": _positive(limit, "limit")})
        return [Neighbour(r["relation"], bool(r["outgoing"]), r["id"], _labels(r["labels"]), r["name"])
                for r in rows]

    def relation_degrees(self, entity_id: str) -> dict[str, int]:
        """How many fact edges of each relation type the entity has (either direction), by type."""
        return {r["relation"]: int(r["n"]) for r in self.run_named("count_entity_relations", {"id": entity_id})}

    def degree(self, entity_id: str) -> int:
        """How many fact edges the entity has (either direction)."""
        rows = self.run_named("count_degrees", {"ids": [entity_id]})
        return int(rows[0]["degree"]) if rows else 0

    def entity_predictions(self, entity_id: str, limit: int = 100) -> list[tuple[Neighbour, Prediction]]:
        """The visible, not rejected predictions touching an entity (either end), best first."""
        rows = self.run_named("list_entity_predictions", {"id": entity_id, "limit": _positive(limit, "limit")})
        return [(Neighbour(r["relation"], bool(r["outgoing"]), r["id"], _labels(r["labels"]), r["name"]),
                 Prediction(entity_id if r["outgoing"] else r["id"], r["relation"],
                            r["id"] if r["outgoing"] else entity_id, float(r["score"]), int(r["rank"]),
                            r["model"], r["job_id"], status=r["status"])) for r in rows]

    def edges_among(self, ids: Sequence[str], limit: int = 1000) -> list[Prediction | Edge]:
        """Facts and visible predictions between the given entities (a graph view of query results)."""
        rows = self.run_named("list_edges_among", {"ids": list(ids), "limit": _positive(limit, "limit")})
        return [Prediction(r["source"], r["relation"], r["target"], float(r["score"]), 0, "", "")
                if r["type"] == PREDICTED else Edge(r["source"], r["type"], r["target"]) for r in rows]

    def paths_between(self, source: str, target: str, max_hops: int = 3, limit: int = 10) -> list[Path]:
        """Fact paths between two entities, shortest first, at most ``max_hops`` edges each.

        Lengths are tried in increasing order, so a short path is never crowded out by long ones
        and long paths are not enumerated once ``limit`` is reached.
        """
        limit = _positive(limit, "limit")
        found: list[Path] = []
        for hops in range(1, max_hops + 1):
            rows = self.run_named("find_paths", {"source": source, "target": target, "limit": limit - len(found)},
                             hops=hops)
            for r in rows:
                ids = tuple(r["ids"])
                forward = tuple(start == ids[i] for i, start in enumerate(r["starts"]))
                found.append(Path(ids, tuple(r["names"]), tuple(r["types"]), forward))
            if len(found) >= limit:
                break
        return found

    def search_entities(self, text: str, limit: int = 20) -> list[Entity]:
        """Entities by name, best first: the exact id, names containing ``text`` (prefix first, any case),
        then names with each word of ``text`` within one typo (a full-text index), when room is left.

        Words shorter than :data:`FUZZY_MIN_CHARS` are not matched fuzzily: one edit away from
        "it" is half the dictionary. Only the first :data:`FUZZY_MAX_WORDS` distinct words are.
        """
        limit = _positive(limit, "limit")
        found = [_entity(r) for r in self.run_named("search_entities", {"text": text, "limit": limit})]
        words = [w for w in dict.fromkeys(re.findall(r"[^\W_]+", text.lower())) if len(w) >= FUZZY_MIN_CHARS]
        words = words[:FUZZY_MAX_WORDS]
        if len(found) < limit and words:
            seen = {e.id for e in found}
            fuzzy = self.run_named("search_entities_fuzzy", {"words": words, "limit": limit})
            found += [e for e in map(_entity, fuzzy) if e.id not in seen][:limit - len(found)]
        return found

    def relation_types(self) -> list[str]:
        """The fact relation types in the graph (the reserved prediction type left out)."""
        return sorted(r["type"] for r in self.run_named("list_relation_types") if r["type"] != PREDICTED)

    def labels(self) -> list[str]:
        """The type labels in the graph (``Entity`` left out)."""
        return sorted(r["label"] for r in self.run_named("list_labels") if r["label"] not in RESERVED_LABELS)

    def stats(self) -> GraphStats:
        """Counts of entities, facts and predictions, by label and relation type."""
        labels = {label: self._count("count_label", labels=(label,)) for label in self.labels()}
        types = {r["type"] for r in self.run_named("list_relation_types")}  # facts and PREDICTED, one query
        relations = {rel: self._count("count_relation", type=rel) for rel in sorted(types - {PREDICTED})}
        labels = {k: v for k, v in labels.items() if v}
        relations = {k: v for k, v in relations.items() if v}
        predictions = self._count("count_relation", type=PREDICTED) if PREDICTED in types else 0
        return GraphStats(
            entities=self._count("count_label", labels=(ENTITY,)),
            facts=sum(relations.values()),
            predictions=predictions,
            labels=labels,
            relations=relations,
        )

    def digest(self) -> str:
        """A SHA-256 of every node and edge with its labels, type and properties, order-free.

        Why: "the graph is unchanged" (after a refused query, a failed load, a killed server) is
        checked by comparing two digests, which sees any change a count would miss.
        """
        lines = [json.dumps([sorted(r["labels"]), r["props"]], sort_keys=True, default=str)
                 for r in self.run_named("digest_nodes")]
        lines += [json.dumps([r["head"], r["type"], r["tail"], r["props"]], sort_keys=True, default=str)
                  for r in self.run_named("digest_edges")]
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    def iter_entities(self) -> Iterator[Entity]:
        """Every entity, ordered by id (for export)."""
        for r in self.run_named("export_entities"):
            yield _entity(r)

    def iter_edges(self, relations: Sequence[str] | None = None) -> Iterator[Edge]:
        """Every fact edge, by relation type then head and tail (for export)."""
        for relation in relations if relations is not None else self.relation_types():
            check_relation(relation, "relation")
            for r in self.run_named("export_edges", type=relation):
                yield Edge(r["head"], relation, r["tail"], _clean_props(r["props"], drop_internal=True))

    def pull_pairs(self, query: str, **placeholders: Any) -> tuple[list[Any], list[Any]]:
        """Run a two-column pull query (``pull_*``) and return its columns; used by :mod:`kgplatform.subgraph`."""
        params = placeholders.pop("params", {})
        return self._execute_pairs(queries.render(query, self.backend, **placeholders), params)

    def expand(self, ids: Sequence[str], relation_types: Sequence[str]) -> set[str]:
        """The neighbours of ``ids`` over the given fact relation types (one breadth-first hop)."""
        found: set[str] = set()
        for batch in self._batches(list(ids)):
            rows = self.run_named("expand_frontier", {"ids": list(batch), "types": list(relation_types)})
            found.update(r["id"] for r in rows)
        return found

    # -- predictions --------------------------------------------------------------------------

    def write_predictions(self, job_id: str, model: str, predictions: Sequence[Prediction]) -> int:
        """Write a job's predictions, hidden until :meth:`publish_predictions`; replays write nothing new."""
        created_at = int(time.time() * 1000)
        rows = [{"h": p.head, "t": p.tail, "relation": check_relation(p.relation, "prediction"),
                 "score": float(p.score), "rank": int(p.rank),
                 "paths": None if p.paths is None else paths_to_json(p.paths)} for p in predictions]
        extra = {"job_id": job_id, "model": model, "created_at": created_at}
        return self._write_batches("write_predictions", {None: rows}, extra)

    def publish_predictions(self, job_id: str) -> int:
        """Make all of a job's predictions visible in one atomic step (the job's commit)."""
        return self._count("publish_predictions", {"job_id": job_id}, write=True)

    def list_predictions(self, job_id: str | None = None, relation: str | None = None,
                         status: str | None = None, limit: int = 100) -> list[Prediction]:
        """Visible predictions, best score first."""
        rows = self.run_named("list_predictions", {"job_id": job_id, "relation": relation, "status": status,
                                              "limit": _positive(limit, "limit")})
        return [Prediction(**r) for r in rows]

    def accept_prediction(self, head: str, relation: str, tail: str, job_id: str) -> bool:
        """Turn a visible prediction into a fact edge (with ``source_job``); False when there is none."""
        check_relation(relation, "relation")
        params = {"head": head, "tail": tail, "relation": relation, "job_id": job_id,
                  "now": int(time.time() * 1000)}
        return self._count("accept_prediction", params, write=True, type=relation) > 0

    def reject_prediction(self, head: str, relation: str, tail: str, job_id: str) -> bool:
        """Mark a visible prediction rejected; False when there is none."""
        params = {"head": head, "tail": tail, "relation": relation, "job_id": job_id}
        return self._count("reject_prediction", params, write=True) > 0

    def retract_predictions(self, job_id: str) -> int:
        """Delete every prediction of a job; accepted ones stay as facts."""
        return self._count("retract_predictions", {"job_id": job_id}, write=True)

    # -- user Cypher --------------------------------------------------------------------------

    def run_readonly(self, cypher: str, params: Mapping[str, Any] | None = None,
                     timeout_ms: int | None = None, row_cap: int | None = None) -> QueryResult:
        """Run user Cypher that may not write, under a timeout and a row cap.

        Raises:
            QueryError: a syntax error, a write attempt or a timeout, with the store's message.
        """
        return self._user_query(cypher, params, write=False, timeout_ms=timeout_ms, row_cap=row_cap)

    def run_write(self, cypher: str, params: Mapping[str, Any] | None = None,
                  timeout_ms: int | None = None, row_cap: int | None = None) -> QueryResult:
        """Run user Cypher that may write; only for callers allowed to write."""
        return self._user_query(cypher, params, write=True, timeout_ms=timeout_ms, row_cap=row_cap)

    def _user_query(self, cypher: str, params: Mapping[str, Any] | None, *, write: bool,
                    timeout_ms: int | None, row_cap: int | None) -> QueryResult:
        cap = _positive(row_cap or self.settings.row_cap, "row_cap")
        timeout = _positive(timeout_ms or self.settings.query_timeout_ms, "timeout_ms")
        params = dict(params or {})
        # The plan settles it (comments may split the clause), but without the letters "csv" a
        # query has no LOAD CSV, so most reads skip the extra EXPLAIN round trip.
        if not write and "csv" in cypher.lower() and any(_LOAD_CSV.fullmatch(op) for op in self._plan(cypher, params)):
            raise WriteRefused("LOAD CSV makes the graph server read a file or fetch a URL, so it runs only "
                               "as a write")
        try:
            columns, rows = self._execute(cypher, params, write=write, timeout_ms=timeout, limit=cap + 1)
        except QueryError as exc:
            if _TIMED_OUT.search(str(exc)):
                raise QueryError(f"{exc}: the query ran past its limit of {timeout} ms (KG_QUERY_TIMEOUT_MS); "
                                 "bound its patterns (e.g. [*1..3]) or add a LIMIT") from exc
            raise
        return QueryResult(tuple(columns), tuple(tuple(r) for r in rows[:cap]), truncated=len(rows) > cap)


#: The plan operator of LOAD CSV (FalkorDB ``Load CSV``, Neo4j ``LoadCSV@neo4j``).
_LOAD_CSV = re.compile(r"(?i)load ?csv(@\w+)?")
#: How the stores word a query stopped by its timeout.
_TIMED_OUT = re.compile(r"(?i)timed? ?out|TransactionTimedOut")

#: Shortest word of a search that may match with a typo.
FUZZY_MIN_CHARS = 4
#: Most words matched fuzzily: FalkorDB's full-text parser refuses a query of about 60 fuzzy terms
#: (found by fuzzing), and no name needs more.
FUZZY_MAX_WORDS = 16


def _positive(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(name, value, "a positive integer")
    return value


def _labels(raw: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(label for label in raw if label != ENTITY))


def _entity(row: Mapping[str, Any]) -> Entity:
    return Entity(row["id"], _labels(row["labels"]), _clean_props(row["props"], drop_internal=True))


def _clean_props(props: Mapping[str, Any], drop_internal: bool = False) -> dict[str, Any]:
    """Drop nulls (neither store keeps them) and, when reading, the bookkeeping ``id``/``load_id``/``created_at``."""
    if not props:
        return {}
    hidden = {"id", "load_id", "created_at"} if drop_internal else set()
    return {k: v for k, v in props.items() if v is not None and k not in hidden}


def _check_entities(entities: Sequence[Entity]) -> None:
    seen: dict[str, tuple[str, ...]] = {}
    for entity in entities:
        if not isinstance(entity.id, str) or not entity.id or len(entity.id) > ENTITY_ID_MAX:
            raise InvalidInput("entity id", entity.id, f"a non-empty string of at most {ENTITY_ID_MAX} characters")
        if ENTITY_ID_BAD.search(entity.id):
            raise InvalidInput("entity id", entity.id, "an entity id without control characters or edge spaces")
        labels = tuple(sorted(set(entity.labels) - {ENTITY}))
        previous = seen.setdefault(entity.id, labels)
        if previous != labels:
            raise InvalidInput(f"entity {entity.id!r}", labels, f"the same labels as before, {previous}")


def plain_node(labels: Iterable[str], properties: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON shape of a node in user query results, the same for every backend."""
    return {"labels": sorted(labels), "properties": _clean_props(properties)}


def plain_edge(relation: str | None, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON shape of a relationship in user query results, the same for every backend."""
    return {"type": relation, "properties": _clean_props(properties)}
