"""Benchmark: completion jobs on Celery workers against the same jobs run in-process.

Measured in one run on one fresh embedded server (broker, result store and graph):

* **overhead**: 20 small jobs (the demo graph's ``WATCHED`` edges, DistMult, 5 epochs) run one
  after another in-process with :func:`~kgplatform.completion.pipeline.run_completion` (the naive
  baseline: no record, no queue, no lease), then through the job runner in-process (record, lease,
  heartbeat, commit), then submitted at once to one and to two workers; jobs/s and latency from
  submission to success;
* **heartbeat cost** on a longer job (ComplEx, 30 epochs): the job runner against plain
  ``run_completion``;
* **cancel latency**: a cancel request until the job is recorded cancelled, 5 times;
* **recovery**: a worker SIGKILLed mid-job until another worker has claimed the job again, with
  a 5 s lease (the wait is about a lease and a half: the lease runs out, then the next recovery
  round, every half lease, queues the job again).

Usage: ``python bench/jobs.py [--jobs 20] [--json out.json]``
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
from kgplatform.completion.pipeline import run_completion  # noqa: E402
from kgplatform.config import Settings  # noqa: E402
from kgplatform.ingest import load_graph, read_graph  # noqa: E402
from kgplatform.jobs.dispatch import record_job, submit_job  # noqa: E402
from kgplatform.jobs.local import LocalWorker  # noqa: E402
from kgplatform.jobs.records import JobBook, JobRecord  # noqa: E402
from kgplatform.jobs.runner import execute_job  # noqa: E402
from kgplatform.jobs.specs import spec_from_json  # noqa: E402
from kgplatform.store import open_store  # noqa: E402
from kgplatform.store.server import stop_server  # noqa: E402
from workers.dispatch import CeleryDispatcher  # noqa: E402

SMALL = {"model": "distmult", "relations": ["WATCHED"], "dim": 64, "epochs": 5, "eval_every": 5, "seed": 0}
LONGER = {"model": "complex", "relations": ["WATCHED"], "dim": 100, "epochs": 30, "eval_every": 30,
          "batch_size": 128, "seed": 0}
ENDLESS = {**SMALL, "epochs": 100_000, "eval_every": 100_000, "batch_size": 16}


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def overhead(settings: Settings, book: JobBook, count: int) -> dict[str, Any]:
    """``count`` small jobs: in-process plain, in-process as jobs, then on one and on two workers."""
    spec = spec_from_json(SMALL)
    out: dict[str, Any] = {"jobs": count}
    started = time.perf_counter()
    for _ in range(count):
        run_completion(book.store, spec, artifacts_root=settings.data_dir / "plain")
    out["in_process_plain_s"] = _seconds(started)
    started = time.perf_counter()
    for _ in range(count):
        execute_job(book.store, settings, record_job(book, spec).job_id, "bench")
    out["in_process_jobs_s"] = _seconds(started)
    dispatcher = CeleryDispatcher(settings)
    for workers in (1, 2):
        pool = [LocalWorker(settings, settings.data_dir / f"overhead-{workers}-{i}.log", concurrency=1).start()
                for i in range(workers)]
        for worker in pool:
            worker.wait_ready()
        started = time.perf_counter()
        submitted = {submit_job(book, spec, dispatcher).job_id: time.perf_counter() for _ in range(count)}
        latencies = []
        for job_id, at in submitted.items():
            job = book.wait(job_id, timeout=600, interval=0.05)
            assert job.status == "succeeded", job.to_json()
            latencies.append(time.perf_counter() - at)
        out[f"workers_{workers}_s"] = _seconds(started)
        out[f"workers_{workers}_latency_p50_s"] = _percentile(latencies, 0.5)
        for worker in pool:
            worker.stop()
    out["jobs_per_s"] = {name: round(count / out[key], 2) for name, key in (
        ("in-process, plain", "in_process_plain_s"), ("in-process, as jobs", "in_process_jobs_s"),
        ("1 worker", "workers_1_s"), ("2 workers", "workers_2_s"))}
    return out


def heartbeat_cost(settings: Settings, book: JobBook) -> dict[str, Any]:
    """One longer job, plain against through the job runner (lease, heartbeat thread, progress)."""
    spec = spec_from_json(LONGER)
    started = time.perf_counter()
    run_completion(book.store, spec, artifacts_root=settings.data_dir / "plain")
    plain = _seconds(started)
    started = time.perf_counter()
    job = execute_job(book.store, settings, record_job(book, spec).job_id, "bench")
    as_job = _seconds(started)
    assert job.status == "succeeded"
    return {"plain_s": plain, "as_job_s": as_job, "ratio": round(as_job / plain, 3)}


def _running(book: JobBook, job_id: str) -> JobRecord:
    while (job := book.get(job_id)).stage != "train":
        time.sleep(0.05)
    return job


def cancel_latency(settings: Settings, book: JobBook, times: int = 5) -> dict[str, Any]:
    dispatcher, waits = CeleryDispatcher(settings), []
    with LocalWorker(settings, settings.data_dir / "cancel.log", concurrency=1) as worker:
        worker.wait_ready()
        for _ in range(times):
            job_id = submit_job(book, spec_from_json(ENDLESS), dispatcher).job_id
            _running(book, job_id)
            started = time.perf_counter()
            book.cancel(job_id)
            assert book.wait(job_id, timeout=60, interval=0.02).status == "cancelled"
            waits.append(time.perf_counter() - started)
    return {"times": times, "p50_s": _percentile(waits, 0.5), "max_s": round(max(waits), 3)}


def recovery(settings: Settings, book: JobBook) -> dict[str, Any]:
    settings = replace(settings, job_lease_s=5.0)
    workers = [LocalWorker(settings, settings.data_dir / f"recovery-{i}.log", concurrency=1).start() for i in (0, 1)]
    for worker in workers:
        worker.wait_ready()
    job_id = submit_job(book, spec_from_json({**SMALL, "epochs": 300, "eval_every": 300, "batch_size": 16}),
                        CeleryDispatcher(settings)).job_id
    holder = int((_running(book, job_id).worker or "").rsplit(":", 1)[1])
    next(w for w in workers if w.owns(holder)).kill()
    killed = time.perf_counter()
    while book.get(job_id).attempts < 2:
        time.sleep(0.05)
    reclaimed = _seconds(killed)
    done = book.wait(job_id, timeout=600)
    for worker in workers:
        worker.stop()
    return {"lease_s": settings.job_lease_s, "kill_to_reclaimed_s": reclaimed, "final_status": done.status,
            "attempts": done.attempts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="kg-bench-jobs-"))
    settings = Settings(data_dir=data_dir, graph="bench")
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    try:
        with open_store(settings) as store:
            load_graph(store, read_graph([], "demo"))
            book = JobBook(store)
            for name, measure in (("overhead", lambda: overhead(settings, book, args.jobs)),
                                  ("heartbeat", lambda: heartbeat_cost(settings, book)),
                                  ("cancel", lambda: cancel_latency(settings, book)),
                                  ("recovery", lambda: recovery(settings, book))):
                results[name] = measure()
                print(name, results[name], flush=True)
    finally:
        stop_server(data_dir)
    emit(results, args.json)


if __name__ == "__main__":
    main()
