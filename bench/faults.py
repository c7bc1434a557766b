"""Faults at a larger size than tests/faults: what a crash mid-load costs, and how long recovery takes.

Each scenario runs on a fresh data directory with its own server:

* **server killed mid-load**: a load of N entities and N edges, the server SIGKILLed once a third
  of the entities are in; figures: seconds to kill, to restart (AOF replay), rows rolled back and
  the seconds it took, and whether the digest is the one from before the load;
* **loader killed mid-load**: the same load by ``kgplatform load`` in a child process, SIGKILLed;
  the next store opening rolls it back;
* **restart after a load**: a clean stop and start after the whole load (AOF replay or snapshot).

Usage: ``python bench/faults.py [--size 100000] [--json out.json]``
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import emit, machine  # noqa: E402
from kgplatform.config import Settings  # noqa: E402
from kgplatform.store import open_store  # noqa: E402
from kgplatform.store.server import ensure_server, stop_server  # noqa: E402
from tests.faults.conftest import big_graph, count, kill_server, wait_for  # noqa: E402

HALF = "MATCH (n:Entity) WHERE n.id STARTS WITH 'big' RETURN count(n)"


def _seed(settings: Settings) -> str:
    with open_store(settings) as store:
        store.load(*big_graph("base", 1_000, 2_000))
        return store.digest()


def _recover(settings: Settings, before: str, restart: float, killed: float) -> dict[str, Any]:
    started = time.monotonic()
    with open_store(settings, schema=False) as store:
        rolled = store.recover_loads()
        seconds = time.monotonic() - started
        return {"kill_s": round(killed, 3), "restart_s": round(restart, 2), "rolled_back_rows": sum(r.removed for r in
                rolled), "rollback_s": round(seconds, 2), "digest_as_before": store.digest() == before}


def server_killed(data_dir: Path, size: int) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, graph="kg")
    before = _seed(settings)
    entities, edges = big_graph("big", size, size)
    loader, watcher = open_store(settings), open_store(settings)
    errors: list[str] = []
    thread = threading.Thread(target=lambda: _catch(lambda: loader.load(entities, edges), errors))
    thread.start()
    wait_for(lambda: count(watcher, HALF) >= size // 3, 600, "a third written")
    killed = kill_server(data_dir)
    thread.join()
    loader.close()
    watcher.close()
    started = time.monotonic()
    ensure_server(data_dir)
    return {**_recover(settings, before, time.monotonic() - started, killed), "loader_error": errors[0][:90]}


def loader_killed(data_dir: Path, size: int) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, graph="kg")
    before = _seed(settings)
    triples = data_dir.parent / "big.tsv"
    triples.write_text("".join(f"{e.head}\t{e.relation}\t{e.tail}\n" for e in big_graph("big", size, size)[1]))
    child = subprocess.Popen([sys.executable, "-m", "kgplatform.cli", "load", str(triples), "--format", "triples"],
                             cwd=ROOT, env={**os.environ, **settings.to_env()}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    with open_store(settings, schema=False) as watcher:
        wait_for(lambda: count(watcher, HALF) >= size // 4, 600, "a quarter written")
    started = time.monotonic()
    child.send_signal(signal.SIGKILL)
    child.wait()
    return _recover(settings, before, 0.0, time.monotonic() - started)


def restart_after_load(data_dir: Path, size: int) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, graph="kg")
    with open_store(settings) as store:
        started = time.monotonic()
        store.load(*big_graph("big", size, size))
        loaded = time.monotonic() - started
    stop_server(data_dir)
    started = time.monotonic()
    ensure_server(data_dir)
    restart = time.monotonic() - started
    aof = sum(p.stat().st_size for p in (data_dir / "appendonlydir").iterdir())
    return {"load_s": round(loaded, 2), "restart_s": round(restart, 2), "aof_bytes": aof}


def _catch(run: Any, errors: list[str]) -> None:
    try:
        run()
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="entities and edges of the killed load")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "size": args.size}
    for name, scenario in (("server_killed_mid_load", server_killed), ("loader_killed_mid_load", loader_killed),
                           ("restart_after_load", restart_after_load)):
        with tempfile.TemporaryDirectory(prefix="kg-faults-") as tmp:
            data_dir = Path(tmp) / "data"
            try:
                results[name] = scenario(data_dir, args.size)
            finally:
                stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
