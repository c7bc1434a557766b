"""Completion jobs on real Celery worker processes, with the embedded server as broker and store.

No eager mode: each test starts ``kgplatform worker`` processes on a data directory of its own
(its own server, so its own queues) and drives them through the CLI, the dispatcher or the
record. What is shown: a job runs to success and its predictions appear once even when its task
is delivered twice; a running job is cancelled; a worker SIGKILLed mid-job does not lose the job
or duplicate its predictions; 50 jobs submitted at once from several processes all end; and the
job history survives restarting every process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.dispatch import submit_job
from kgplatform.jobs.local import LocalWorker
from kgplatform.jobs.records import JobBook, JobRecord
from kgplatform.jobs.specs import spec_from_json
from kgplatform.store import open_store
from kgplatform.store.server import ensure_server, stop_server
from tests.conftest import ROOT, TINY_KG
from workers.dispatch import CeleryDispatcher

LEASE_S = 2.0
#: A job of a few seconds here (one triple per batch): long enough to be caught running, short enough to run twice.
LONG = {"model": "distmult", "relations": ["LIKES"], "dim": 16, "epochs": 200, "batch_size": 1, "eval_every": 200,
        "seed": 3}
SHORT = {"model": "distmult", "relations": ["LIKES"], "dim": 16, "epochs": 3, "seed": 3}


class Deployment:
    """A data directory with its server, graph and worker processes, as one machine would run them."""

    def __init__(self, data_dir: Path, **overrides: Any) -> None:
        self.data_dir = data_dir
        self.settings = Settings(data_dir=data_dir, graph="kg", job_lease_s=LEASE_S, **overrides)
        self.env = {**os.environ, **self.settings.to_env(), "HF_HUB_OFFLINE": "1"}
        self.workers: list[LocalWorker] = []
        self.store = open_store(self.settings)

    @property
    def book(self) -> JobBook:
        return JobBook(self.store)

    def start_worker(self) -> LocalWorker:
        worker = LocalWorker(self.settings, self.data_dir / f"worker-{len(self.workers)}.log", concurrency=1)
        self.workers.append(worker.start())
        return worker.wait_ready()

    def kg(self, *args: str) -> Any:
        """Run the CLI with --json and return its output."""
        done = subprocess.run([sys.executable, "-m", "kgplatform.cli", "--json", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)

    def submit(self, spec: dict[str, Any]) -> str:
        return submit_job(self.book, spec_from_json(spec), CeleryDispatcher(self.settings)).job_id

    def wait(self, job_id: str, until: Callable[[JobRecord], bool], timeout: float = 90) -> JobRecord:
        deadline = time.monotonic() + timeout
        while True:
            job = self.book.get(job_id)
            if until(job):
                return job
            assert time.monotonic() < deadline, f"job {job_id} stuck: {job.to_json()}\n{self.logs()}"
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.data_dir.glob("worker-*.log")))

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()

    def predictions(self, job_id: str) -> list[tuple[str, str, str, bool]]:
        """Every PREDICTED edge of a job, visible or not, as (head, relation, tail, visible)."""
        result = self.store.run_readonly(
            "MATCH (h:Entity)-[p:PREDICTED {job_id: $job}]->(t:Entity) RETURN h.id, p.relation, t.id, p.visible",
            {"job": job_id}, row_cap=100_000)
        return [tuple(row) for row in result.rows]  # type: ignore[misc]


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """A deployment; a test marked ``settings(**overrides)`` gets those settings."""
    marker = request.node.get_closest_marker("settings")
    ensure_server(tmp_path)
    deployed = Deployment(tmp_path, **(marker.kwargs if marker else {}))
    load_graph(deployed.store, read_graph([TINY_KG], "triples"))
    yield deployed
    deployed.stop_workers()
    deployed.store.close()
    stop_server(tmp_path)


def _final(job: JobRecord) -> bool:
    return job.final


def test_job_runs_on_a_worker_and_a_duplicate_delivery_writes_nothing_twice(deployment: Deployment) -> None:
    deployment.start_worker()
    deployment.start_worker()
    queued = deployment.kg("complete", "--model", "distmult", "--relations", "LIKES", "--epochs", "3", "--dim", "16",
                           "--async")
    assert set(queued) == {"job_id", "status"} and queued["status"] == "queued"
    CeleryDispatcher(deployment.settings).send(queued["job_id"], "cpu")  # at-least-once: the task arrives twice
    waited = deployment.kg("jobs", "wait", queued["job_id"], "--timeout", "90")
    assert waited["status"] == "succeeded", waited
    assert {"mrr", "hits@1", "hits@10"} <= waited["metrics"].keys() and waited["progress"]["percent"] == 100
    edges = deployment.predictions(queued["job_id"])
    assert len(edges) == waited["written"] > 0 and all(visible for *_, visible in edges)
    assert len(set(edges)) == len(edges), "each prediction once"
    time.sleep(1)  # let the duplicate task run out
    assert deployment.book.get(queued["job_id"]).attempts == 1, "the duplicate found the job ended"
    listed = deployment.kg("jobs", "list", "--status", "succeeded")
    assert [job["job_id"] for job in listed] == [queued["job_id"]]


def test_a_running_job_is_cancelled_within_seconds_and_leaves_no_predictions(deployment: Deployment) -> None:
    deployment.start_worker()
    job_id = deployment.submit({**LONG, "epochs": 100_000, "eval_every": 100_000})
    running = deployment.wait(job_id, lambda job: job.stage == "train" and job.percent > 5.0)
    assert running.status == "running" and "loss" in running.live, "live metrics while training"
    asked = time.monotonic()
    cancel = deployment.kg("jobs", "cancel", job_id)
    assert cancel["cancel_requested"] is True, cancel
    cancelled = deployment.wait(job_id, _final, timeout=30)
    assert cancelled.status == "cancelled" and time.monotonic() - asked < 5
    assert deployment.predictions(job_id) == []
    assert deployment.kg("jobs", "show", job_id)["status"] == "cancelled"


def test_a_worker_killed_mid_job_does_not_lose_or_duplicate_it(deployment: Deployment) -> None:
    workers = [deployment.start_worker(), deployment.start_worker()]
    job_id = deployment.submit(LONG)
    running = deployment.wait(job_id, lambda job: job.stage == "train" and job.percent > 10.0)
    holder_pid = int((running.worker or "").rsplit(":", 1)[1])
    next(w for w in workers if w.owns(holder_pid)).kill()  # the worker and its pool child, mid-training
    done = deployment.wait(job_id, _final, timeout=120)
    assert done.status == "succeeded", done.to_json()
    assert done.attempts == 2 and done.worker != running.worker
    edges = deployment.predictions(job_id)
    assert len(edges) == done.written > 0 and len(set(edges)) == len(edges), "exactly one copy of each"
    assert all(visible for *_, visible in edges)


SUBMITTER = """
import json, sys
from kgplatform.config import Settings
from kgplatform.jobs.dispatch import submit_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.specs import spec_from_json
from kgplatform.store import open_store
from workers.dispatch import CeleryDispatcher
settings = Settings.from_env()
book, dispatcher = JobBook(open_store(settings)), CeleryDispatcher(settings)
spec = spec_from_json(json.loads(sys.argv[1]))
print(json.dumps([submit_job(book, spec, dispatcher).job_id for _ in range(int(sys.argv[2]))]))
"""


def test_fifty_concurrent_jobs_all_end_and_history_survives_a_restart(deployment: Deployment) -> None:
    deployment.start_worker()
    deployment.start_worker()
    submitters = [subprocess.Popen([sys.executable, "-c", SUBMITTER, json.dumps(SHORT), "10"], cwd=ROOT,
                                   env=deployment.env, stdout=subprocess.PIPE, text=True) for _ in range(5)]
    job_ids = [job_id for process in submitters for job_id in json.loads(process.communicate(timeout=120)[0])]
    assert len(set(job_ids)) == 50
    ended = {job_id: deployment.wait(job_id, _final, timeout=240) for job_id in job_ids}
    assert {job.status for job in ended.values()} == {"succeeded"}
    assert all(job.written > 0 for job in ended.values())

    deployment.stop_workers()
    deployment.store.close()
    assert stop_server(deployment.data_dir)
    deployment.store = open_store(deployment.settings)  # a fresh server process, reading the append-only file
    history = {job.job_id: job for job in deployment.book.list_jobs(limit=1000)}
    assert history.keys() == ended.keys()
    assert all(history[i].status == "succeeded" and history[i].metrics == ended[i].metrics for i in job_ids)


@pytest.mark.settings(job_time_limit_s=3)
def test_a_job_over_its_time_limit_fails_saying_so(deployment: Deployment) -> None:
    deployment.start_worker()
    job_id = deployment.submit({**LONG, "epochs": 100_000, "eval_every": 100_000})
    failed = deployment.wait(job_id, _final, timeout=60)
    assert failed.status == "failed" and "TimeLimit" in (failed.error or ""), failed.to_json()
    assert deployment.predictions(job_id) == []


def test_a_cuda_job_goes_to_the_gpu_queue_and_its_solo_worker(deployment: Deployment) -> None:
    """Routing and the GPU worker's pool; without CUDA here the job fails saying why, not on the cpu queue."""
    gpu = LocalWorker(deployment.settings, deployment.data_dir / "worker-gpu.log", queues="gpu")
    deployment.workers.append(gpu.start())
    gpu.wait_ready()
    assert "solo" in gpu.log.read_text(), "the GPU worker runs jobs in its own process"
    job_id = deployment.submit({**SHORT, "device": "cuda"})
    job = deployment.wait(job_id, _final, timeout=60)
    assert job.queue == "gpu" and job.worker and gpu.owns(int(job.worker.rsplit(":", 1)[1]))
    if job.status != "succeeded":  # no CUDA device on this machine
        assert job.status == "failed" and "no CUDA device" in (job.error or ""), job.to_json()
