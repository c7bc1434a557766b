"""What the fault tests share: a data directory with its own server, a way to kill it, big loads.

Every test here owns its data directory and so its own ``redis-server``; the ``fault_dir``
fixture stops that server (and SIGKILLs any left over in the directory) whatever the test did,
so a failed test leaves no process behind.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kgplatform.domain import Edge, Entity
from kgplatform.store import GraphStore
from kgplatform.store.server import _alive, server_status, stop_server
from tests.conftest import server_pids

RELATIONS = ("LINKS", "CITES")


@pytest.fixture
def fault_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh data directory; its server is stopped (or killed) afterwards."""
    path = tmp_path / "data"
    yield path
    stop_server(path)
    for pid in server_pids(path):
        os.kill(pid, signal.SIGKILL)


def kill_server(data_dir: Path) -> float:
    """SIGKILL the server of ``data_dir`` (a crash: no AOF flush, no goodbye); returns seconds until it is gone."""
    info = server_status(data_dir.resolve())
    assert info is not None, f"no server runs for {data_dir}"
    started = time.monotonic()
    os.kill(info.pid, signal.SIGKILL)
    while _alive(info.pid):
        time.sleep(0.005)
    return time.monotonic() - started


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> float:
    """Poll ``check`` until it holds; returns the seconds it took (fails the test after ``timeout``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(interval)
    return time.monotonic() - started


def big_graph(prefix: str, entities: int, edges: int, seed: int = 7) -> tuple[list[Entity], list[Edge]]:
    """``entities`` new :Thing entities and ``edges`` random edges among them (no duplicates)."""
    rng = random.Random(seed)
    nodes = [Entity(f"{prefix}{i}", ("Thing",), {"name": f"{prefix} thing {i}", "weight": i % 97}) for i in
             range(entities)]
    pairs: set[tuple[int, int, str]] = set()
    while len(pairs) < edges:
        pairs.add((rng.randrange(entities), rng.randrange(entities), rng.choice(RELATIONS)))
    return nodes, [Edge(f"{prefix}{h}", rel, f"{prefix}{t}") for h, t, rel in sorted(pairs)]


def count(store: GraphStore, cypher: str) -> int:
    """The single number a read query returns."""
    return int(store.run_readonly(cypher).rows[0][0])
