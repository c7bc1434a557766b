"""Benchmark: recommendations on Last.FM against popularity and BPR-MF, trained in the same run, and explanations.

* **accuracy**: :func:`kgplatform.rec_evaluation.evaluate_recommenders` on the ``LISTENED``
  edges of ../shared/data/lastfm (KG included): Recall@20 and NDCG@20 (KGIN protocol, 20% of each
  user's artists held out) and AUC / F1 (KGCN protocol, 6:2:2, one sampled negative per positive),
  for our model, item popularity and BPR-MF; then again on KGCN's item set, the artists linked
  to the KG (``linked_only``), so AUC / F1 compare with KGCN's published 0.796 / 0.721;
* **explanations**: a completion job on ``LISTENED`` (recorded and executed as the CLI does), then
  ``recommend(k=10, paths=3)`` for 100 users: share of items with at least one path, mean path
  length, distinct relation patterns, and latency p50/p99 in-process.

Usage: ``python bench/recs.py [--model distmult] [--dim 64] [--epochs 10] [--json out.json]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
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
from kgplatform.rec_evaluation import evaluate_recommenders  # noqa: E402
from kgplatform.recommend import recommend  # noqa: E402
from kgplatform.store import open_store  # noqa: E402
from kgplatform.store.server import stop_server  # noqa: E402

LASTFM = ROOT.parent / "shared" / "data" / "lastfm"
RELATION = "LISTENED"


def explanations(store: Any, settings: Settings, config: TrainConfig, users: int = 100) -> dict[str, Any]:
    spec = CompletionSpec(train=config, relations=(RELATION,), top_k=10, evaluate=False)
    job = execute_job(store, settings, record_job(JobBook(store), spec).job_id, "bench")
    assert job.status == "succeeded", job.error
    sample = [row[0] for row in store.run_readonly(
        f"MATCH (u:Entity)-[:{RELATION}]->() RETURN DISTINCT u.id ORDER BY u.id LIMIT {users}").rows]
    items = with_path = paths = hops = 0
    patterns: set[tuple[str, ...]] = set()
    latencies = []
    for user in sample:
        started = time.perf_counter()
        found = recommend(store, user, RELATION, k=10, paths=3, job_id=job.job_id)
        latencies.append(time.perf_counter() - started)
        for item in found.items:
            items += 1
            with_path += bool(item.paths)
            for path in item.paths:
                paths += 1
                hops += len(path.relations)
                patterns.add(tuple(r if f else f"^{r}" for r, f in zip(path.relations, path.forward, strict=True)))
    latencies.sort()
    return {"users": len(sample), "items": items, "coverage": round(with_path / max(items, 1), 4),
            "mean_path_length": round(hops / max(paths, 1), 3), "distinct_patterns": len(patterns),
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "latency_p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="distmult")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    config = TrainConfig(model=args.model, dim=args.dim, epochs=args.epochs, regime="negative-sampling", lr=0.01,
                         seed=0)
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-recs-"))
    settings = Settings(data_dir=data_dir, graph="lastfm")
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                               "config": {"model": args.model, "dim": args.dim, "epochs": args.epochs,
                                          "regime": "negative-sampling (32), Adam 0.01"}}
    try:
        with open_store(settings) as store:
            load_graph(store, read_graph([LASTFM], "lastfm"))
            started = time.perf_counter()
            results["accuracy"] = evaluate_recommenders(store, RELATION, config)
            results["accuracy_seconds"] = round(time.perf_counter() - started, 1)
            print("accuracy", results["accuracy"], flush=True)
            results["accuracy_linked_only"] = evaluate_recommenders(store, RELATION, config, linked_only=True)
            print("accuracy, linked items only", results["accuracy_linked_only"], flush=True)
            results["explanations"] = explanations(store, replace(settings), config)
            print("explanations", results["explanations"], flush=True)
    finally:
        stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
