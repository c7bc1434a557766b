"""Graph stores: the :class:`GraphStore` port and :func:`open_store`, the one factory that picks a backend."""

from __future__ import annotations

from kgplatform.config import Settings
from kgplatform.store.base import GraphStore


def open_store(settings: Settings, *, schema: bool = True) -> GraphStore:
    """Connect to the store the settings name (starting the embedded server when needed).

    Args:
        settings: ``store`` picks the backend: ``embedded`` (FalkorDB in ``data_dir``) or ``neo4j``.
        schema: create the ``Entity.id`` index and constraint if missing, and roll back the loads
            a crash left unfinished (see :mod:`kgplatform.store.ledger`).

    Raises:
        StoreUnavailable: the store cannot be reached or started.
    """
    store: GraphStore
    if settings.store == "neo4j":
        from kgplatform.store.neo4j import Neo4jStore

        store = Neo4jStore(settings)
    else:
        from kgplatform.store.falkordb import FalkorDBStore
        from kgplatform.store.server import ensure_server

        info = ensure_server(settings.data_dir)
        store = FalkorDBStore(settings, info.host, info.port)
    if schema:
        store.ensure_schema()
        store.recover_loads()
    return store


__all__ = ["GraphStore", "open_store"]
