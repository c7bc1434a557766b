"""Loads cut off by a crash: the server SIGKILLed mid-load, and the loading process SIGKILLed mid-load.

Either way the load's writes that were acknowledged before the crash are durable (AOF,
``appendfsync always``), so the graph holds half a load until recovery rolls it back through the
load ledger. What is shown: the loader sees a clear error; after a restart the graph's digest is
the digest from before the load (nothing of the half load, nothing earlier lost); the same load
then succeeds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kgplatform.config import Settings
from kgplatform.domain import Edge, Entity
from kgplatform.errors import InvalidInput, QueryError, StoreUnavailable
from kgplatform.store import open_store
from kgplatform.store.server import ensure_server
from kgplatform.store.undo import keep_entities
from tests.conftest import ROOT
from tests.faults.conftest import big_graph, count, kill_server, wait_for

#: Big enough to take seconds in batches of 500, so the kill lands mid-load.
ENTITIES, EDGES = 20_000, 20_000
HALF_WRITTEN = "MATCH (n:Entity) WHERE n.id STARTS WITH 'big' RETURN count(n)"


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, graph="kg", batch_size=500)


def _seeded(settings: Settings) -> str:
    """Load a small graph (acknowledged writes the crash must not lose); returns the digest after it."""
    with open_store(settings) as store:
        store.load(*big_graph("base", 300, 600))
        return store.digest()


def test_server_killed_mid_load_is_rolled_back_after_restart(fault_dir: Path) -> None:
    """The load also renames the 300 entities already there (its first batch): the rollback puts their names back."""
    settings = _settings(fault_dir)
    before = _seeded(settings)
    entities, edges = big_graph("big", ENTITIES, EDGES)
    entities = [Entity(f"base{i}", ("Thing",), {"name": "renamed", "colour": "red"}) for i in range(300)] + entities
    loader, watcher = open_store(settings), open_store(settings)
    failure: list[BaseException] = []

    def load() -> None:
        try:
            loader.load(entities, edges)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    wait_for(lambda: count(watcher, HALF_WRITTEN) >= ENTITIES // 3, 60, "a third of the load written")
    kill_server(fault_dir)
    thread.join(60)
    loader.close()
    watcher.close()
    assert len(failure) == 1 and isinstance(failure[0], StoreUnavailable), failure
    assert "stopped half-way" in str(failure[0]) and "rolled back" in str(failure[0])

    ensure_server(fault_dir)
    with open_store(settings, schema=False) as store:  # the half load is still there: nothing has recovered yet
        assert count(store, HALF_WRITTEN) >= ENTITIES // 3
        assert [row["status"] for row in store.run_named("list_loads")] == ["writing"]
        rolled = store.recover_loads()  # the owner is this process, and the load no longer runs in it
        assert len(rolled) == 1 and rolled[0].removed >= ENTITIES // 3
        assert store.digest() == before, "the graph is as it was before the load"
        assert store.get_entity("base0").properties == {"name": "base thing 0", "weight": 0}  # type: ignore[union-attr]
        report = store.load(entities, edges)
        assert (report.entities, report.edges) == (300 + ENTITIES, EDGES)
        assert count(store, HALF_WRITTEN) == ENTITIES and store.stats().facts == 600 + EDGES


def test_loading_process_killed_mid_load_is_rolled_back_when_the_store_opens(fault_dir: Path,
                                                                             tmp_path: Path) -> None:
    settings = _settings(fault_dir)
    before = _seeded(settings)
    _, edges = big_graph("big", ENTITIES, EDGES)
    triples = tmp_path / "big.tsv"
    triples.write_text("".join(f"{e.head}\t{e.relation}\t{e.tail}\n" for e in edges))
    env = {**os.environ, **settings.to_env()}
    loading = subprocess.Popen([sys.executable, "-m", "kgplatform.cli", "load", str(triples), "--format", "triples"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open_store(settings, schema=False) as watcher:
        wait_for(lambda: count(watcher, HALF_WRITTEN) >= 3_000, 60, "part of the load written")
        loading.send_signal(signal.SIGKILL)
        loading.communicate(timeout=30)
        half = count(watcher, HALF_WRITTEN)
        assert 0 < half < len({e.head for e in edges} | {e.tail for e in edges}), "killed mid-load"
        assert watcher.digest() != before

    with open_store(settings) as store:  # what every verb, the web app and the next load do first
        assert store.run_named("list_loads") == [] and store.digest() == before
    done = subprocess.run([sys.executable, "-m", "kgplatform.cli", "--json", "load", str(triples), "--format",
                           "triples"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open_store(settings) as store:
        assert store.stats().facts == 600 + EDGES


def test_a_live_load_elsewhere_is_left_alone_and_a_lapsed_one_is_rolled_back(fault_dir: Path) -> None:
    """Records other processes left: a live owner keeps its load, a lapsed lease loses it (`kgplatform recover`)."""
    settings = _settings(fault_dir)
    before = _seeded(settings)
    with open_store(settings) as store:
        store.upsert_entities([Entity("x1", ("Thing",)), Entity("x2", ("Thing",))], "elsewhere")
        store.upsert_edges([Edge("x1", "LINKS", "x2")], "elsewhere")
        store.run_named("begin_load", {"load_id": "elsewhere", "worker": "other-host:1:1", "now": "t",
                                       "now_ms": 0, "lease_ms": 10**15}, write=True)
        assert store.recover_loads() == [], "another machine's load with a live lease is not touched"
        store.run_named("renew_load", {"load_id": "elsewhere", "worker": "other-host:1:1", "now_ms": 0,
                                       "lease_ms": 0}, write=True)
        done = subprocess.run([sys.executable, "-m", "kgplatform.cli", "--json", "recover"], cwd=ROOT,
                              env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert [(r["load_id"], r["removed"]) for r in json.loads(done.stdout)["loads"]] == [("elsewhere", 3)]
        assert store.digest() == before


def test_a_load_stopped_by_ctrl_c_rolls_itself_back(fault_dir: Path, tmp_path: Path) -> None:
    """Ctrl-C: the loader rolls back at once, nothing is left for recovery."""
    settings = _settings(fault_dir)
    before = _seeded(settings)
    _, edges = big_graph("big", ENTITIES // 3, EDGES // 3)
    triples = tmp_path / "big.tsv"
    triples.write_text("".join(f"{e.head}\t{e.relation}\t{e.tail}\n" for e in edges))
    loading = subprocess.Popen([sys.executable, "-m", "kgplatform.cli", "load", str(triples), "--format", "triples"],
                               cwd=ROOT, env={**os.environ, **settings.to_env()}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    with open_store(settings, schema=False) as watcher:
        wait_for(lambda: count(watcher, HALF_WRITTEN) > 0, 60, "part of the load written")
        loading.send_signal(signal.SIGINT)
        loading.communicate(timeout=60)
        assert loading.returncode != 0
        assert watcher.run_named("list_loads") == [] and watcher.digest() == before


def test_a_load_finds_the_graph_as_it_is_after_recovering_a_crashed_one(fault_dir: Path) -> None:
    """A crashed load renamed an entity and created another: the next load sees neither change.

    Its edge to the entity only the crashed load made is refused as unknown (not silently lost
    when recovery deletes that entity), and the old name it keeps for its own rollback is the
    name from before the crash.
    """
    settings = _settings(fault_dir)
    _seeded(settings)
    with open_store(settings) as store:
        store.run_named("begin_load", {"load_id": "crashed", "worker": "other-host:1:1", "now": "t", "now_ms": 0,
                                       "lease_ms": 0}, write=True)  # its lease long over
        keep_entities(store, "crashed", {"base0": {"name": "base thing 0"}})
        store.upsert_entities([Entity("base0", ("Thing",), {"name": "crashed name"}),
                               Entity("ghost", ("Thing",), {})], "crashed")
        with pytest.raises(InvalidInput, match="ghost"):
            store.load([], [Edge("base1", "LINKS", "ghost")])
        assert store.get_entity("ghost") is None and store.run_named("list_loads") == []
        before = store.digest()
        with pytest.raises(QueryError):  # the store refuses the map property: the load rolls back
            store.load([Entity("base0", ("Thing",), {"name": "new name"})],
                       [Edge("base0", "LINKS", "base1", {"bad": {"nested": 1}})])
        assert store.get_entity("base0").properties["name"] == "base thing 0"  # type: ignore[union-attr]
        assert store.digest() == before
