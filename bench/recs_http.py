"""Benchmark: recommendation latency over HTTP, from a load generator in another process.

Loads Last.FM ``--copies`` times (disjoint copies, ids suffixed ``~k``: 10 copies make 1.08M
edges with Last.FM's own degree distribution), runs one completion job on ``LISTENED``
in-process (recorded, as the CLI does; it stores 3 explanation paths per prediction), starts
``kgplatform serve`` as its own process, then sends ``GET /api/users/<id>/recommendations
?k=10&paths=3`` for ``--users`` users spread over the copies from ``--clients`` concurrent
client threads in this process, and reports p50 / p90 / p99 latency and throughput.

Usage: ``python bench/recs_http.py [--copies 10] [--users 200] [--clients 2] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
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
from kgplatform.domain import Edge, Entity  # noqa: E402
from kgplatform.ingest import ParsedGraph, load_graph, read_graph  # noqa: E402
from kgplatform.jobs.dispatch import record_job  # noqa: E402
from kgplatform.jobs.records import JobBook, JobRecord  # noqa: E402
from kgplatform.jobs.runner import execute_job  # noqa: E402
from kgplatform.store import GraphStore, open_store  # noqa: E402
from kgplatform.store.server import stop_server  # noqa: E402
from webui.served import ServedApp  # noqa: E402

LASTFM = ROOT.parent / "shared" / "data" / "lastfm"


def replicate(graph: ParsedGraph, copies: int) -> ParsedGraph:
    """``copies`` disjoint copies of ``graph``; copy 0 keeps the original ids, copy k suffixes them ``~k``."""
    out = ParsedGraph(relation_texts=graph.relation_texts)
    for k in range(copies):
        tag = (lambda i: i) if k == 0 else (lambda i, k=k: f"{i}~{k}")
        for entity in graph.entities.values():
            out.add_entity(Entity(tag(entity.id), entity.labels, entity.properties), "copy")
        for edge, source in zip(graph.edges, graph.edge_sources, strict=True):
            out.add_edge(Edge(tag(edge.head), edge.relation, tag(edge.tail), edge.properties), source)
    return out


def load_and_complete(store: GraphStore, settings: Settings, copies: int) -> JobRecord:
    """Load ``copies`` of Last.FM and run the recommendations job on LISTENED, in-process and recorded.

    Batch 8192: Adam updates the whole entity table each step, which dominates at 250k entities.
    """
    load_graph(store, replicate(read_graph([LASTFM], "lastfm"), copies))
    spec = CompletionSpec(train=TrainConfig(model="distmult", dim=64, epochs=5, regime="negative-sampling",
                                            batch_size=8192, lr=0.05, seed=0),
                          relations=("LISTENED",), top_k=10, evaluate=False)
    return execute_job(store, settings, record_job(JobBook(store), spec).job_id, "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-http-"))
    settings = Settings(data_dir=data_dir, graph="lastfm", interaction_relation="LISTENED")
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "users": args.users,
                               "clients": args.clients, "copies": args.copies}
    server = None
    try:
        with open_store(settings) as store:
            started = time.perf_counter()
            job = load_and_complete(store, settings, args.copies)
            results["load_and_job_s"] = round(time.perf_counter() - started, 1)
            everyone = [row[0] for row in store.run_readonly("MATCH (u:User) RETURN u.id ORDER BY u.id",
                                                             row_cap=1_000_000).rows]
            users = everyone[::max(1, len(everyone) // args.users)][:args.users]
            results |= {"edges": store.stats().facts, "job": job.job_id, "job_s": job.details.get("seconds"),
                        "predictions": job.written}
        server = ServedApp(settings).start()
        base = f"{server.url}/api"
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

        def pick(q: float) -> float:
            return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

        results |= {"p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99),
                    "requests_per_s": round(len(users) / wall, 2)}
    finally:
        if server is not None:
            server.stop()
        stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
