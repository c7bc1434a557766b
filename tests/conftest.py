"""Shared fixtures: a real embedded FalkorDB server for the session, a fresh graph per test.

The contract fixtures also run on Neo4j when ``KG_TEST_NEO4J_URI`` is set (with
``KG_TEST_NEO4J_USER``/``KG_TEST_NEO4J_PASSWORD``/``KG_TEST_NEO4J_DATABASE``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore, open_store
from kgplatform.store.server import ensure_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
TINY_KG = Path(__file__).parent / "data" / "tiny_kg.tsv"
NEO4J_URI = os.environ.get("KG_TEST_NEO4J_URI")
BACKENDS = ["embedded"] + ([pytest.param("neo4j", marks=pytest.mark.neo4j)] if NEO4J_URI else [])


def shared_data(*parts: str) -> Path:
    """A path in ../shared/data; skips the test when it is absent (fails under CI=true)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI needs ../shared/data beside the checkout")
        pytest.skip(f"{path} is absent (real datasets live in ../shared/data)")
    return path


def server_pids(data_dir: Path) -> list[int]:
    """redis-server processes running in ``data_dir`` (the server rewrites its command line, not its cwd)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if (proc / "comm").read_text().strip() == "redis-server" and (proc / "cwd").resolve() == data_dir.resolve():
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return pids


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory with a running embedded server, stopped at the end of the session."""
    path = tmp_path_factory.mktemp("kgdata")
    ensure_server(path)
    yield path
    stop_server(path)


def _settings(backend: str, data_dir: Path, **overrides: object) -> Settings:
    graph = f"test_{uuid.uuid4().hex[:12]}"
    if backend == "neo4j":
        return Settings(
            store="neo4j", neo4j_uri=NEO4J_URI or "", graph=graph,
            neo4j_user=os.environ.get("KG_TEST_NEO4J_USER", "neo4j"),
            neo4j_password=os.environ.get("KG_TEST_NEO4J_PASSWORD", ""),
            neo4j_database=os.environ.get("KG_TEST_NEO4J_DATABASE", "neo4j"), **overrides,  # type: ignore[arg-type]
        )
    return Settings(store="embedded", data_dir=data_dir, graph=graph, **overrides)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def make_store(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[object]:
    """A factory of fresh, empty stores (settings overridable), dropped after the test."""
    opened: list[GraphStore] = []

    def make(**overrides: object) -> GraphStore:
        store = open_store(_settings(request.param, data_dir, **overrides))
        store.drop_graph()
        store.ensure_schema()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.drop_graph()
        store.close()


@pytest.fixture
def store(make_store) -> GraphStore:  # type: ignore[no-untyped-def]
    """A fresh, empty graph."""
    return make_store()  # type: ignore[no-any-return]


@pytest.fixture
def tiny_store(store: GraphStore) -> GraphStore:
    """A graph seeded from tests/data/tiny_kg.tsv through the loader the CLI uses."""
    load_graph(store, read_graph([TINY_KG], "triples"))
    return store
