"""The web process and the workers killed, and the server restarted under them.

What test_workers does not: the web process SIGKILLed while clients write through it (every
acknowledged write is in the graph, it serves again once restarted); the server killed and
restarted while the web app and a worker keep running (they reconnect by themselves: the server
comes back on its old port); a worker and the server killed at once mid-job (a new worker
finishes the job, each prediction once).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import redis

from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.records import JobBook
from kgplatform.store import open_store
from kgplatform.store.server import ensure_server, server_status
from tests.conftest import TINY_KG
from tests.faults.conftest import kill_server, wait_for
from tests.integration.test_workers import LONG, SHORT, Deployment
from webui.served import ServedApp

TOKEN = "fault-token"


def _call(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {TOKEN}",
                                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _healthy(app: ServedApp) -> bool:
    try:
        return _call(f"{app.url}/api/health")[0] == 200
    except OSError:
        return False


def test_web_process_killed_during_writes_loses_no_acknowledged_one(fault_dir: Path) -> None:
    settings = Settings(data_dir=fault_dir, graph="kg", api_token=TOKEN)
    with open_store(settings) as store:
        load_graph(store, read_graph([TINY_KG], "triples"))
        facts = store.digest()
    app = ServedApp(settings).start()
    acknowledged: list[str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                status, body = _call(f"{app.url}/api/jobs", SHORT)
                assert status == 201, body
                acknowledged.append(body["job_id"])
                assert _call(f"{app.url}/api/entities/alice")[0] == 200
            except (OSError, http.client.HTTPException):  # the web process is gone, or died mid-reply
                return

    clients = [threading.Thread(target=client) for _ in range(3)]
    for thread in clients:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 10, 30, "ten jobs submitted through the web app")
    assert app.process is not None
    app.process.kill()  # SIGKILL mid-request
    app.process.wait()
    stop.set()
    for thread in clients:
        thread.join(30)

    with open_store(settings) as store:
        recorded = {job.job_id: job for job in JobBook(store).list_jobs(limit=1000)}
        assert set(acknowledged) <= recorded.keys(), "every acknowledged job is recorded"
        assert {job.status for job in recorded.values()} == {"queued"}
        broker = redis.Redis.from_url(ensure_server(fault_dir).url + "/1")
        queued = {json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0]
                  for raw in broker.lrange("cpu", 0, -1)}
        broker.close()
        assert set(acknowledged) <= queued, "and its task is in the queue"
        unsent = {row[0] for row in
                  store.run_readonly("MATCH (j:Job) WHERE j.unsent_until IS NOT NULL RETURN j.id").rows}
        assert recorded.keys() - queued <= unsent, "a job recorded but not queued is sent by recovery"
        store.run_write("MATCH (j:Job) DETACH DELETE j")
        assert store.digest() == facts, "nothing else changed"

    with ServedApp(settings) as again:  # a fresh web process serves the same graph
        assert _call(f"{again.url}/api/entities/alice")[0] == 200


def test_server_restarted_under_a_running_web_app_and_worker(fault_dir: Path) -> None:
    ensure_server(fault_dir)
    deployed = Deployment(fault_dir, api_token=TOKEN)
    try:
        load_graph(deployed.store, read_graph([TINY_KG], "triples"))
        deployed.start_worker()
        with ServedApp(deployed.settings) as app:
            port = server_status(fault_dir.resolve()).port  # type: ignore[union-attr]
            kill_server(fault_dir)
            assert not _healthy(app)
            assert ensure_server(fault_dir).port == port, "the server comes back on its old port"
            wait_for(lambda: _healthy(app), 10, "the same web process serves again")
            status, body = _call(f"{app.url}/api/jobs", SHORT)
            assert status == 201, body
            done = deployed.wait(body["job_id"], lambda job: job.final, timeout=90)  # the same worker runs it
            assert done.status == "succeeded", deployed.logs()
    finally:
        deployed.stop_workers()
        deployed.store.close()


def test_worker_and_server_killed_together_mid_job_a_new_worker_finishes_it(fault_dir: Path) -> None:
    ensure_server(fault_dir)
    deployed = Deployment(fault_dir)
    try:
        load_graph(deployed.store, read_graph([TINY_KG], "triples"))
        worker = deployed.start_worker()
        job_id = deployed.submit(LONG)
        running = deployed.wait(job_id, lambda job: job.stage == "train" and job.percent > 10.0)
        worker.kill()
        kill_server(fault_dir)  # the machine lost power, say
        deployed.workers.clear()
        ensure_server(fault_dir)
        cut_off = deployed.book.get(job_id)
        assert (cut_off.status, cut_off.worker) == ("running", running.worker), "as the last acknowledged write left it"
        started = time.monotonic()
        deployed.start_worker()
        done = deployed.wait(job_id, lambda job: job.final, timeout=120)
        assert done.status == "succeeded" and done.attempts == 2, done.to_json()
        assert time.monotonic() - started < 60
        edges = deployed.predictions(job_id)
        assert len(edges) == done.written > 0 and len(set(edges)) == len(edges) and all(v for *_, v in edges)
    finally:
        deployed.stop_workers()
        deployed.store.close()
