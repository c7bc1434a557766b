"""The production store: Neo4j 5 through the official ``neo4j`` driver.

One driver per process, every call names its database and its access mode (READ for reads, so
Neo4j itself refuses writes from read-only callers), and results are consumed inside managed
transactions, where the driver retries transient errors.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node, Path, Relationship

from kgplatform import queries
from kgplatform.config import Settings
from kgplatform.errors import QueryError, StoreUnavailable, WriteRefused
from kgplatform.store.base import GraphStore, Rows, plain_edge, plain_node

log = logging.getLogger(__name__)


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on a Neo4j 5 database."""

    backend = "neo4j"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        try:
            self._driver = GraphDatabase.driver(
                settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password)
            )
            self._driver.verify_connectivity()
        except (ServiceUnavailable, AuthError, ValueError) as exc:
            raise StoreUnavailable(f"Neo4j at {settings.neo4j_uri} is unreachable: {exc}") from exc

    def _execute(
        self, query: str, params: Mapping[str, Any], *, write: bool, timeout_ms: int | None = None,
        limit: int | None = None,
    ) -> tuple[list[str], Rows]:
        statement = neo4j.Query(query, timeout=None if timeout_ms is None else timeout_ms / 1000)

        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], Rows]:
            result = tx.run(statement, dict(params))  # type: ignore[arg-type]  # stubs want LiteralString
            keys = list(result.keys())
            # fetch() pulls only what it returns; the rest is discarded unread when the transaction ends
            records = list(result) if limit is None else result.fetch(limit)
            return keys, [[_plain(v) for v in record.values()] for record in records]

        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        try:
            with self._driver.session(database=self.settings.neo4j_database, default_access_mode=mode) as session:
                if not write:
                    self._check_reads_only(session, query, params)
                return session.execute_write(work) if write else session.execute_read(work)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j at {self.settings.neo4j_uri} is unreachable: {exc}") from exc
        except Neo4jError as exc:
            if not write and "AccessMode" in (exc.code or ""):
                raise WriteRefused(f"this query writes, and the caller may only read ({exc.message})") from exc
            raise QueryError(f"{exc.code}: {exc.message}") from exc

    @staticmethod
    def _check_reads_only(session: neo4j.Session, query: str, params: Mapping[str, Any]) -> None:
        """Refuse a query that EXPLAIN says writes: READ access mode alone lets a single server write."""
        kind = session.run("EXPLAIN " + query, dict(params)).consume().query_type
        if kind != "r":
            raise WriteRefused(f"this query writes (query type {kind!r}), and the caller may only read")

    def _plan(self, query: str, params: Mapping[str, Any]) -> list[str]:
        try:
            with self._driver.session(database=self.settings.neo4j_database,
                                      default_access_mode=neo4j.READ_ACCESS) as session:
                plan = session.run("EXPLAIN " + query, dict(params)).consume().plan
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"Neo4j at {self.settings.neo4j_uri} is unreachable: {exc}") from exc
        except Neo4jError as exc:
            raise QueryError(f"{exc.code}: {exc.message}") from exc
        operators: list[str] = []
        pending = [plan] if plan else []
        while pending:
            step = pending.pop()
            operators.append(str(step.get("operatorType", "")))
            pending.extend(step.get("children", []))
        return operators

    def _execute_pairs(self, query: str, params: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
        _, rows = self._execute(query, params, write=False)
        return [r[0] for r in rows], [r[1] for r in rows]

    def ensure_schema(self) -> None:
        for index in ("create_entity_index", "create_job_index", "create_name_index"):
            self._execute(queries.load(index, self.backend), {}, write=True)

    def drop_graph(self) -> None:
        with self._driver.session(database=self.settings.neo4j_database) as session:
            # the CALL { WITH n ... } form runs on every Neo4j 5 release (CALL (n) needs 5.23+)
            session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            session.run("DROP CONSTRAINT entity_id IF EXISTS").consume()

    def close(self) -> None:
        self._driver.close()


def _plain(value: Any) -> Any:
    """Turn driver objects into JSON-able values shaped like the FalkorDB adapter's."""
    if isinstance(value, Node):
        return plain_node(value.labels, dict(value))
    if isinstance(value, Relationship):
        return plain_edge(value.type, dict(value))
    if isinstance(value, Path):
        return {"nodes": [_plain(n) for n in value.nodes],
                "relationships": [_plain(r) for r in value.relationships]}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
