"""Benchmark: loading into the embedded store, and pulling the graph back to tensors.

Measured side by side in one run, on one fresh embedded server:

* **load** Last.FM (KG + interactions, ../shared/data/lastfm) and a generated 500k-edge graph with
  ``kgplatform``'s loader (parse + validate + batched UNWIND/MERGE), against the naive baseline of
  one MERGE query per edge (timed on a sample, as it would take minutes in full);
* **pull** the 500k-edge graph to ``edge_index``/``edge_type`` tensors with
  :func:`kgplatform.subgraph.pull_subgraph`, against the naive baseline of one Cypher query returning
  ``h.id, type(r), t.id`` through the client's default reply format, mapped to indices in Python.

Usage: ``python bench/load.py [--edges 500000] [--nodes 50000] [--json out.json]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore, open_store
from kgplatform.store.server import stop_server
from kgplatform.subgraph import pull_subgraph

ROOT = Path(__file__).resolve().parents[1]
LASTFM = ROOT.parent / "shared" / "data" / "lastfm"
NAIVE_SAMPLE = 5_000


def machine() -> str:
    """CPU model, cores and memory, for the results table."""
    cpu = platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    memory = ""
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/meminfo").read_text().splitlines()
        kib = int(next(line.split()[1] for line in lines if line.startswith("MemTotal")))
        memory = f", {kib / 2**20:.0f} GiB"
    return f"{cpu}, {os.cpu_count()} cores{memory}"


def emit(results: dict[str, Any], path: Path | None) -> None:
    """Print a benchmark's results as JSON, and write them to ``path`` when given (every script ends so)."""
    text = json.dumps(results, indent=2)
    print(text)
    if path is not None:
        path.write_text(text + "\n")


def generate(path: Path, nodes: int, edges: int, relations: int = 10, seed: int = 0) -> None:
    """A random typed graph with skewed degrees (heads drawn from a power law), as triples TSV."""
    rng = random.Random(seed)
    seen: set[tuple[int, int, int]] = set()
    with open(path, "w") as handle:
        while len(seen) < edges:
            head = min(int(rng.paretovariate(1.2)) - 1, nodes - 1)
            triple = (head, rng.randrange(relations), rng.randrange(nodes))
            if triple not in seen:
                seen.add(triple)
                handle.write(f"n{triple[0]}\tREL_{triple[1]}\tn{triple[2]}\n")


def timed_load(store: GraphStore, paths: list[Path], fmt: str) -> dict[str, Any]:
    started = time.perf_counter()
    graph = read_graph(paths, fmt)
    parsed = time.perf_counter()
    report = load_graph(store, graph)
    done = time.perf_counter()
    return {
        "entities": report.entities, "edges": report.edges,
        "parse_s": round(parsed - started, 2), "write_s": round(done - parsed, 2), "total_s": round(done - started, 2),
        "edges_per_s": round(report.edges / (done - started)),
        "write_edges_per_s": round(report.edges / (done - parsed)),
    }


def reloads(store: GraphStore) -> dict[str, float]:
    """Seconds to load Last.FM again unchanged, and again with a property of every entity and edge changed.

    What a reload pays for keeping the values it overwrites (kgplatform/store/undo.py): the first
    overwrites nothing, the second keeps an old value for each of its 133k entities and edges.
    """
    graph = read_graph([LASTFM], "lastfm")
    entities, edges = list(graph.entities.values()), graph.edges
    started = time.perf_counter()
    store.load(entities, edges)
    unchanged = time.perf_counter() - started
    entities = [replace(e, properties={**e.properties, "note": i}) for i, e in enumerate(entities)]
    edges = [replace(e, properties={**e.properties, "note": i}) for i, e in enumerate(edges)]
    started = time.perf_counter()
    store.load(entities, edges)
    return {"unchanged_s": round(unchanged, 2), "all_changed_s": round(time.perf_counter() - started, 2)}


def naive_load_rate(store: GraphStore, triples: list[tuple[str, str, str]]) -> float:
    """Edges/s of the naive loader: one MERGE query per edge (nodes and edge in one statement)."""
    started = time.perf_counter()
    for head, relation, tail in triples:
        store.run_write(
            f"MERGE (h:Entity {{id: $h}}) MERGE (t:Entity {{id: $t}}) MERGE (h)-[:`{relation}`]->(t)",
            {"h": head, "t": tail},
        )
    return len(triples) / (time.perf_counter() - started)


def naive_pull(store: GraphStore) -> tuple[float, int]:
    """Seconds to read every edge by id and type through the default client path, mapped to indices."""
    started = time.perf_counter()
    rows = store.run_readonly("MATCH (h:Entity)-[r]->(t:Entity) RETURN h.id, type(r), t.id",
                              timeout_ms=600_000, row_cap=10**8).rows
    entity: dict[str, int] = {}
    relation: dict[str, int] = {}
    heads = [entity.setdefault(h, len(entity)) for h, _, _ in rows]
    tails = [entity.setdefault(t, len(entity)) for _, _, t in rows]
    types = [relation.setdefault(r, len(relation)) for _, r, _ in rows]
    torch.tensor([heads, tails]), torch.tensor(types)
    return time.perf_counter() - started, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=500_000)
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kgbench-"))
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                               "python": platform.python_version(), "torch": torch.__version__}
    try:
        if LASTFM.exists():
            with open_store(Settings(data_dir=work / "data", graph="lastfm")) as store:
                results["lastfm"] = timed_load(store, [LASTFM], "lastfm")
                started = time.perf_counter()
                sub = pull_subgraph(store)
                results["lastfm"]["pull_s"] = round(time.perf_counter() - started, 2)
                results["lastfm"]["relation_types"] = sub.num_relations
                results["lastfm_reload"] = reloads(store)
        generated = work / "generated.tsv"
        generate(generated, args.nodes, args.edges)
        with open_store(Settings(data_dir=work / "data", graph="generated")) as store:
            results["generated"] = timed_load(store, [generated], "triples")
            pull_started = time.perf_counter()
            sub = pull_subgraph(store)
            results["pull"] = {"edges": sub.num_edges, "entities": sub.num_entities,
                               "seconds": round(time.perf_counter() - pull_started, 2)}
            naive_s, naive_rows = naive_pull(store)
            assert naive_rows == sub.num_edges
            results["pull"]["naive_seconds"] = round(naive_s, 2)
            results["pull"]["speedup_vs_naive"] = round(naive_s / results["pull"]["seconds"], 1)
        with open_store(Settings(data_dir=work / "data", graph="naive")) as store:
            lines = generated.read_text().splitlines()[:NAIVE_SAMPLE]
            rate = naive_load_rate(store, [tuple(line.split("\t")) for line in lines])  # type: ignore[misc]
            results["naive_load_edges_per_s"] = round(rate)
            results["generated"]["speedup_vs_naive"] = round(results["generated"]["edges_per_s"] / rate, 1)
    finally:
        stop_server(work / "data")
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
