"""Benchmark: recommendation latency over HTTP, from a load generator in another process.

Loads Last.FM, runs one completion job on ``LISTENED`` in-process (recorded, as the CLI does),
starts ``kgplatform serve`` as its own process, then sends ``GET /api/users/<id>/recommendations
?k=10&paths=3`` for ``--users`` users from ``--clients`` concurrent client threads in this process,
and reports p50 / p90 / p99 latency and throughput.

Usage: ``python bench/recs_http.py [--users 200] [--clients 2] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import emit, machine  # noqa: E402
from kgplatform.completion.pipeline import CompletionSpec  # noqa: E402
from kgplatform.completion.training import TrainConfig  # noqa: E402
from kgplatform.config import Settings  # noqa: E402
from kgplatform.ingest import load_graph, read_graph  # noqa: E402
from kgplatform.jobs.dispatch import record_job  # noqa: E402
from kgplatform.jobs.records import JobBook  # noqa: E402
from kgplatform.jobs.runner import execute_job  # noqa: E402
from kgplatform.store import open_store  # noqa: E402
from kgplatform.store.server import stop_server  # noqa: E402

LASTFM = ROOT.parent / "shared" / "data" / "lastfm"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-http-"))
    settings = Settings(data_dir=data_dir, graph="lastfm", interaction_relation="LISTENED")
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "users": args.users,
                               "clients": args.clients}
    server = None
    try:
        with open_store(settings) as store:
            load_graph(store, read_graph([LASTFM], "lastfm"))
            spec = CompletionSpec(train=TrainConfig(model="distmult", dim=64, epochs=5, regime="negative-sampling",
                                                    seed=0), relations=("LISTENED",), top_k=10, evaluate=False)
            job = execute_job(store, settings, record_job(JobBook(store), spec).job_id, "bench")
            users = [row[0] for row in store.run_readonly(
                f"MATCH (u:User) RETURN u.id ORDER BY u.id LIMIT {args.users}", row_cap=args.users).rows]
            results["edges"] = store.stats().facts
            results["job"] = job.job_id
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "kgplatform.cli", "serve", "--port", str(port)],
                                  env={**os.environ, **settings.to_env()}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the web app did not start"
                time.sleep(0.2)
        urllib.request.urlopen(f"{base}/users/{users[0]}/recommendations?k=10&paths=3").read()  # warm caches

        def one(user: str) -> float:
            started = time.perf_counter()
            body = json.loads(urllib.request.urlopen(f"{base}/users/{user}/recommendations?k=10&paths=3",
                                                     timeout=60).read())
            assert body["user"] == user
            return time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = sorted(pool.map(one, users))
        wall = time.perf_counter() - started
        pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)  # noqa: E731
        results |= {"p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99),
                    "requests_per_s": round(len(users) / wall, 2)}
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
