"""The server SIGKILLed while a completion job writes its predictions back (the in-process runner).

The kill lands between two acknowledged batches of hidden predictions, deterministically (the
store's ``write_predictions`` is wrapped to kill the server half-way). After a restart: the facts
and the job record are all there, no prediction of the job is visible, and job recovery makes
the job's state true: re-run to success within its attempts (each prediction once), or failed
with its hidden predictions removed when it has no attempt left.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.training import TrainConfig
from kgplatform.config import Settings
from kgplatform.domain import Prediction
from kgplatform.errors import StoreUnavailable
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job, recover_jobs
from kgplatform.store import GraphStore, open_store
from kgplatform.store.server import ensure_server
from tests.conftest import TINY_KG
from tests.faults.conftest import count, kill_server, wait_for

SPEC = CompletionSpec(train=TrainConfig(model="distmult", dim=16, epochs=3, seed=1), relations=("LIKES",), top_k=3)


def _facts(store: GraphStore) -> tuple[list[object], list[object]]:
    return list(store.iter_entities()), list(store.iter_edges())


def _predicted(store: GraphStore, job_id: str, visible: bool) -> int:
    return count(store, f"MATCH ()-[p:PREDICTED {{job_id: '{job_id}'}}]->() WHERE p.visible = {str(visible).lower()} "
                        "RETURN count(p)")


def _crash_mid_write_back(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[str, tuple[object, ...], int]:
    """Run a job in-process and kill the server after half its predictions; returns (job id, facts, half)."""
    store = open_store(settings)
    load_graph(store, read_graph([TINY_KG], "triples"))
    facts = _facts(store)
    job = record_job(JobBook(store), SPEC)
    real = store.write_predictions
    halves: list[int] = []

    def cut(job_id: str, model: str, predictions: Sequence[Prediction]) -> int:
        halves.append(real(job_id, model, predictions[:len(predictions) // 2]))  # acknowledged, hidden
        kill_server(settings.data_dir)
        return real(job_id, model, predictions[len(predictions) // 2:])

    monkeypatch.setattr(store, "write_predictions", cut)
    with pytest.raises(StoreUnavailable):
        execute_job(store, settings, job.job_id, "runner-1")
    store.close()
    assert halves and halves[0] > 0
    return job.job_id, facts, halves[0]


def test_a_job_cut_off_mid_write_back_is_rerun_to_success(fault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=fault_dir, graph="kg", job_lease_s=1.0)
    job_id, facts, half = _crash_mid_write_back(settings, monkeypatch)
    ensure_server(fault_dir)
    with open_store(settings) as store:
        book = JobBook(store)
        assert _facts(store) == facts, "every fact loaded before the crash is there"
        cut_off = book.get(job_id)
        assert (cut_off.status, cut_off.attempts, cut_off.worker) == ("running", 1, "runner-1")
        assert _predicted(store, job_id, visible=False) == half and store.list_predictions(job_id) == []

        requeued: list[str] = []
        wait_for(lambda: recover_jobs(book, settings, lambda job, _queue: requeued.append(job)) > 0, 10,
                 "the dead attempt's lease runs out")
        assert requeued == [job_id] and book.get(job_id).status == "queued"
        done = execute_job(store, settings, job_id, "runner-2")  # what a worker does with the re-queued job
        assert (done.status, done.attempts) == ("succeeded", 2)
        assert _predicted(store, job_id, visible=True) == done.written > 0
        assert _predicted(store, job_id, visible=False) == 0
        assert len(store.list_predictions(job_id, limit=1000)) == done.written, "each prediction once"


def test_a_job_cut_off_with_no_attempt_left_fails_and_leaves_no_prediction(
        fault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=fault_dir, graph="kg", job_lease_s=1.0, job_max_attempts=1)
    job_id, facts, _ = _crash_mid_write_back(settings, monkeypatch)
    ensure_server(fault_dir)
    with open_store(settings) as store:
        book = JobBook(store)
        wait_for(lambda: recover_jobs(book, settings, lambda *_: pytest.fail("not queued again")) > 0, 10,
                 "the dead attempt's lease runs out")
        failed = book.get(job_id)
        assert failed.status == "failed" and "worker was lost" in (failed.error or "")
        assert _predicted(store, job_id, visible=False) == _predicted(store, job_id, visible=True) == 0
        assert _facts(store) == facts
