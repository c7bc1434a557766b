"""Job records on the store (contract: embedded, and Neo4j when configured), in one process.

These are the rules the workers rely on: one lease holder at a time, commits and ends only by
the holder, cancels seen by the heartbeat, dead workers' jobs queued again or ended, unpublished
predictions of a dead attempt never published by the next one.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.training import TrainConfig
from kgplatform.config import Settings
from kgplatform.domain import Prediction
from kgplatform.errors import NotFound
from kgplatform.jobs.records import JobBook, JobRecord
from kgplatform.jobs.runner import execute_job, recover_jobs
from kgplatform.jobs.specs import spec_to_json
from kgplatform.store import GraphStore

SPEC = CompletionSpec(train=TrainConfig(model="distmult", dim=16, epochs=3, seed=1), relations=("LIKES",), top_k=2)


def _record(book: JobBook, spec: CompletionSpec = SPEC) -> JobRecord:
    return book.create(spec_to_json(spec), model=spec.train.model, relations=spec.relations, queue="cpu")


def _settings(store: GraphStore, tmp_path_factory: pytest.TempPathFactory, **overrides: object) -> Settings:
    return replace(store.settings, data_dir=tmp_path_factory.mktemp("artifacts"), **overrides)  # type: ignore[arg-type]


def test_one_lease_holder_at_a_time(tiny_store: GraphStore) -> None:
    book = JobBook(tiny_store)
    job = _record(book)
    claimed = book.claim(job.job_id, "w1", lease_s=30, max_attempts=3)
    assert claimed is not None and claimed.status == "running" and claimed.worker == "w1" and claimed.attempts == 1
    assert book.claim(job.job_id, "w2", lease_s=30, max_attempts=3) is None, "a live lease refuses another worker"
    assert book.heartbeat(job.job_id, "w2", 30, stage="train") == (False, False)
    assert book.heartbeat(job.job_id, "w1", 30, stage="train", percent=40.0, live={"loss": 1.5}) == (True, False)
    seen = book.get(job.job_id)
    assert (seen.stage, seen.percent, seen.live) == ("train", 40.0, {"loss": 1.5})
    assert not book.commit(job.job_id, "w2", {"mrr": 1.0}, 0, {}), "only the holder commits"
    assert book.end(job.job_id, "w2", "failed", "not mine") is None
    assert book.commit(job.job_id, "w1", {"mrr": 0.5}, 0, {"seconds": 1})
    done = book.get(job.job_id)
    assert done.status == "succeeded" and done.metrics == {"mrr": 0.5} and done.final
    assert book.claim(job.job_id, "w1", lease_s=30, max_attempts=3) is None, "an ended job is not run again"


def test_expired_lease_lets_another_worker_take_over(tiny_store: GraphStore) -> None:
    book = JobBook(tiny_store)
    job = _record(book)
    assert book.claim(job.job_id, "dead", lease_s=0.05, max_attempts=3) is not None
    time.sleep(0.1)
    taken = book.claim(job.job_id, "alive", lease_s=30, max_attempts=3)
    assert taken is not None and taken.worker == "alive" and taken.attempts == 2
    assert book.heartbeat(job.job_id, "dead", 30) == (False, False), "the old holder learns it lost the job"


def test_cancel_queued_at_once_and_running_through_the_heartbeat(tiny_store: GraphStore) -> None:
    book = JobBook(tiny_store)
    queued, running = _record(book), _record(book)
    assert book.cancel(queued.job_id).status == "cancelled"
    assert book.claim(queued.job_id, "w", lease_s=30, max_attempts=3) is None
    book.claim(running.job_id, "w", lease_s=30, max_attempts=3)
    flagged = book.cancel(running.job_id)
    assert flagged.status == "running" and flagged.cancel_requested
    assert book.heartbeat(running.job_id, "w", 30) == (True, True)
    assert not book.commit(running.job_id, "w", {}, 0, {}), "a job asked to stop does not commit"
    with pytest.raises(NotFound):
        book.cancel("no-such-job")


def test_lists_filter_by_status_model_relation_and_date(tiny_store: GraphStore) -> None:
    book = JobBook(tiny_store)
    first = _record(book)
    other = _record(book, replace(SPEC, train=replace(SPEC.train, model="transe"), relations=("DIRECTED",)))
    book.cancel(other.job_id)
    assert [j.job_id for j in book.list_jobs()] == [other.job_id, first.job_id], "newest first"
    assert [j.job_id for j in book.list_jobs(status="queued")] == [first.job_id]
    assert [j.job_id for j in book.list_jobs(model="transe")] == [other.job_id]
    assert [j.job_id for j in book.list_jobs(relation="LIKES")] == [first.job_id]
    assert book.list_jobs(since="2999-01-01") == [] and len(book.list_jobs(until="2999-01-01")) == 2
    assert len(book.list_jobs(limit=1)) == 1


def test_recovery_requeues_then_fails_a_job_that_keeps_losing_its_worker(tiny_store: GraphStore) -> None:
    book = JobBook(tiny_store)
    job = _record(book)
    settings = replace(tiny_store.settings, job_max_attempts=2)
    sent: list[tuple[str, str]] = []
    for attempt in (1, 2):
        assert book.claim(job.job_id, f"dies-{attempt}", lease_s=0.01, max_attempts=2) is not None
        time.sleep(0.05)
        assert recover_jobs(book, settings, lambda job_id, queue: sent.append((job_id, queue))) == 1
    assert sent == [(job.job_id, "cpu")], "queued again once, then given up"
    failed = book.get(job.job_id)
    assert failed.status == "failed" and "lost 2 times" in (failed.error or "")
    assert recover_jobs(book, settings, lambda *_: None) == 0


def test_rerun_after_a_dead_attempt_publishes_only_its_own_predictions(
        tiny_store: GraphStore, tmp_path_factory: pytest.TempPathFactory) -> None:
    book = JobBook(tiny_store)
    job = _record(book)
    book.claim(job.job_id, "dead", lease_s=0.01, max_attempts=3)
    leftover = Prediction("alice", "LIKES", "nolan", 0.9, 1, "distmult", job.job_id)  # not a candidate LIKES tail
    assert tiny_store.write_predictions(job.job_id, "distmult", [leftover]) == 1
    time.sleep(0.05)
    settings = _settings(tiny_store, tmp_path_factory)
    done = execute_job(tiny_store, settings, job.job_id, "alive")
    assert done.status == "succeeded" and done.attempts == 2
    visible = tiny_store.list_predictions(job.job_id, limit=1000)
    assert len(visible) == done.written > 0
    assert all(p.tail != "nolan" for p in visible), "the dead attempt's unpublished prediction is gone"
    again = execute_job(tiny_store, settings, job.job_id, "late-duplicate")
    assert again.status == "succeeded" and again.attempts == 2, "the duplicate did not claim the ended job"
    assert len(tiny_store.list_predictions(job.job_id, limit=1000)) == done.written, "a duplicate run adds nothing"


def test_a_failing_job_is_marked_failed_with_its_error(tiny_store: GraphStore,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    book = JobBook(tiny_store)
    job = _record(book, replace(SPEC, relations=("NO_SUCH_RELATION",)))
    with pytest.raises(Exception, match="NO_SUCH_RELATION"):
        execute_job(tiny_store, _settings(tiny_store, tmp_path_factory), job.job_id, "w")
    failed = book.get(job.job_id)
    assert failed.status == "failed" and "NO_SUCH_RELATION" in (failed.error or "")
    assert tiny_store.list_predictions(job.job_id) == []


def test_a_job_recorded_but_never_sent_is_sent_by_recovery_once(tiny_store: GraphStore) -> None:
    """The submitter died between recording a job and sending it: recovery sends it, once."""
    book = JobBook(tiny_store)
    orphan = book.create(spec_to_json(SPEC), model="distmult", relations=("LIKES",), queue="cpu", send_within_s=0.01)
    sent_in_time = book.create(spec_to_json(SPEC), model="distmult", relations=("LIKES",), queue="cpu",
                               send_within_s=0.01)
    book.mark_sent(sent_in_time.job_id)
    in_process = _record(book)  # run where it was recorded: never sent
    time.sleep(0.05)
    sent: list[tuple[str, str]] = []
    assert recover_jobs(book, tiny_store.settings, lambda job_id, queue: sent.append((job_id, queue))) == 1
    assert sent == [(orphan.job_id, "cpu")]
    time.sleep(0.05)
    assert recover_jobs(book, tiny_store.settings, lambda *_: None) == 0, "sent once"
    assert {book.get(j.job_id).status for j in (orphan, sent_in_time, in_process)} == {"queued"}
