"""The embedded server: one per data directory, shared by processes, durable across crashes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgplatform.config import Settings
from kgplatform.domain import Entity
from kgplatform.store import open_store
from kgplatform.store.server import ensure_server, replaying_aof, server_status, stop_server
from tests.conftest import server_pids


def _cli(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kgplatform.cli", "--data-dir", str(data_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def fresh_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path / "data"
    stop_server(tmp_path / "data")


def test_two_processes_starting_at_once_share_one_server(fresh_dir: Path) -> None:
    procs = [_cli(fresh_dir, "server", "start", "--json") for _ in range(3)]
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len({(o["pid"], o["port"]) for o in outputs}) == 1
    assert server_pids(fresh_dir) == [outputs[0]["pid"]]
    # a later process (here: this one) reuses it too
    assert ensure_server(fresh_dir).pid == outputs[0]["pid"]


def test_cli_start_status_stop(fresh_dir: Path) -> None:
    status = _cli(fresh_dir, "server", "status", "--json")
    assert status.wait(30) == 1 and json.loads(status.communicate()[0]) == {"running": False}
    assert _cli(fresh_dir, "server", "start").wait(60) == 0
    status = _cli(fresh_dir, "server", "status", "--json")
    assert status.wait(30) == 0 and json.loads(status.communicate()[0])["running"] is True
    stop = _cli(fresh_dir, "server", "stop", "--json")
    assert stop.wait(60) == 0 and json.loads(stop.communicate()[0]) == {"stopped": True}
    assert server_status(fresh_dir) is None and server_pids(fresh_dir) == []


def test_a_clean_stop_and_a_crash_lose_no_acknowledged_write(fresh_dir: Path) -> None:
    settings = Settings(data_dir=fresh_dir, graph="durable")
    with open_store(settings) as store:
        store.load([Entity(f"e{i}", ("Thing",), {"n": i}) for i in range(500)], [])
    stop_server(fresh_dir)
    with open_store(settings) as store:
        assert store.stats().entities == 500
        store.load([Entity("last", ("Thing",), {"n": -1})], [])  # acknowledged ...
    pid = server_status(fresh_dir).pid  # type: ignore[union-attr]
    os.kill(pid, signal.SIGKILL)  # ... then the server dies without a chance to flush
    deadline = time.monotonic() + 10
    while server_status(fresh_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    with open_store(settings) as store:  # restarted on demand, replaying the AOF
        assert server_status(fresh_dir).pid != pid  # type: ignore[union-attr]
        assert store.stats().entities == 501
        assert store.get_entity("last").properties == {"n": -1}  # type: ignore[union-attr]


def test_a_stale_pid_file_pointing_at_another_server_is_not_trusted(fresh_dir: Path, data_dir: Path) -> None:
    other = server_status(data_dir)
    assert other is not None
    fresh_dir.mkdir(parents=True)
    (fresh_dir / "server.json").write_text(json.dumps({"host": other.host, "port": other.port, "pid": other.pid}))
    assert server_status(fresh_dir) is None
    own = ensure_server(fresh_dir)
    assert own.port != other.port and server_pids(fresh_dir) == [own.pid]


def _logged_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in (data_dir / "appendonlydir").glob("*.incr.aof"))


def test_a_crash_replays_the_log_and_a_clean_stop_leaves_a_snapshot(fresh_dir: Path) -> None:
    """A crash leaves the whole AOF to replay, and replay grows faster than the log (3,000 entities:
    0.35 s; 6,000: 2 s; Last.FM: over five minutes); a clean stop leaves a snapshot instead."""
    settings = Settings(data_dir=fresh_dir, graph="replay")
    with open_store(settings) as store:
        store.load([Entity(f"e{i}", ("Thing",), {"n": i}) for i in range(8000)], [])
    assert _logged_bytes(fresh_dir) > 64 * 1024  # under the rewrite threshold: all of it is replayed
    os.kill(server_status(fresh_dir).pid, signal.SIGKILL)  # type: ignore[union-attr]
    with open_store(settings) as store:
        assert store.stats().entities == 8000
    replayed = re.findall(r"DB loaded from incr file \S+: ([\d.]+) seconds", (fresh_dir / "server.log").read_text())
    assert float(replayed[-1]) > 1.0, "a replay of several seconds"
    stop_server(fresh_dir)
    assert _logged_bytes(fresh_dir) < 4096, "a clean stop rewrites the AOF as a snapshot"
    with open_store(settings) as store:
        assert store.stats().entities == 8000
        assert store.get_entity("e7999").properties == {"n": 7999}  # type: ignore[union-attr]


def test_a_start_knows_a_replaying_server_from_a_stuck_one(tmp_path: Path) -> None:
    """A server replaying its AOF answers no one for minutes; the start waits for it instead of killing it."""
    log = tmp_path / "server.log"
    log.write_text("1:C * Redis version=8.2.3, bits=64, pid=41, just started\n1:M * Ready to accept connections tcp\n"
                   "2:C * Redis version=8.2.3, bits=64, pid=42, just started\n"
                   "2:M * Reading RDB base file on AOF loading...\n")
    assert replaying_aof(log, 42) and not replaying_aof(log, 41) and not replaying_aof(log, 43)
    log.write_text(log.read_text() + "2:M * Ready to accept connections tcp\n")
    assert not replaying_aof(log, 42)
    assert not replaying_aof(tmp_path / "missing.log", 42)
