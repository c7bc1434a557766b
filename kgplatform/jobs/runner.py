"""Run one recorded job under a lease: claim, heartbeat, train, commit or end. Also: recovery.

The worker task and the in-process ``kgplatform complete`` both call :func:`execute_job`, so a job
behaves the same wherever it runs. The rules that make a job safe to run at least once:

* only the lease holder runs a job; a heartbeat thread renews the lease while it runs, and a
  job whose worker died is found by :func:`recover_jobs` once its lease expires;
* an attempt first removes predictions a dead attempt left unpublished, writes its own with
  idempotent MERGEs, and publishes them in the same atomic query that marks the job succeeded;
* a cancel request is seen by the heartbeat, and the job stops at its next batch or stage.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from kgplatform.completion.pipeline import run_completion
from kgplatform.completion.rerank import LLMEndpoint
from kgplatform.config import Settings
from kgplatform.errors import Interrupted
from kgplatform.jobs.records import SEND_GRACE_S, JobBook, JobRecord
from kgplatform.jobs.specs import spec_from_json
from kgplatform.store.base import GraphStore

log = logging.getLogger(__name__)

#: Share of a job's overall progress at the start of each stage (training takes most of the time).
STAGE_START = {"claimed": 0.0, "pull": 1.0, "train": 5.0, "evaluate": 85.0, "calibrate": 90.0, "score": 92.0,
               "write": 95.0}
STAGE_END = {"train": 85.0}


def worker_name() -> str:
    """This process as a lease holder: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobControl:
    """The heartbeat of a running job, on its own thread.

    It renews the lease at a third of its length (so a busy training step never lets it lapse),
    writes the latest progress to the record, and raises the flags :meth:`should_stop` reads.
    """

    def __init__(self, book: JobBook, job_id: str, worker: str, lease_s: float) -> None:
        self.book, self.job_id, self.worker, self.lease_s = book, job_id, worker, lease_s
        self.cancelled = threading.Event()
        self.lost = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._progress: tuple[str, float, dict[str, float]] | None = None
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> JobControl:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join()

    def report(self, stage: str, percent: float, metrics: dict[str, float]) -> None:
        """Progress callback for the pipeline: remembered here, written by the next heartbeat."""
        start = STAGE_START.get(stage, 0.0)
        overall = start + (STAGE_END.get(stage, start) - start) * percent / 100.0
        with self._lock:
            self._progress = (stage, overall, {k: round(float(v), 6) for k, v in metrics.items()})

    def should_stop(self) -> bool:
        """Whether the job must stop: a cancel was asked for, or another worker took it over."""
        return self.cancelled.is_set() or self.lost.is_set()

    def _beat(self) -> None:
        interval = min(1.0, self.lease_s / 3)
        while not self._done.wait(interval):
            with self._lock:
                stage, percent, live = self._progress or (None, None, None)
            try:
                held, cancel = self.book.heartbeat(self.job_id, self.worker, self.lease_s, stage=stage,
                                                   percent=percent, live=live)
            except Exception:  # a store hiccup: keep beating; the lease outlives a few missed beats
                log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
                continue
            if not held:
                self.lost.set()
            if cancel:
                self.cancelled.set()


def execute_job(store: GraphStore, settings: Settings, job_id: str, worker: str | None = None) -> JobRecord:
    """Run the recorded job ``job_id`` here if nobody else holds it; return its record afterwards.

    Raises:
        whatever the pipeline raised (the job is first marked failed with it), except
        :class:`Interrupted`, which ends the job as cancelled (or leaves it to its new holder).
    """
    book = JobBook(store)
    worker = worker or worker_name()
    record = book.claim(job_id, worker, settings.job_lease_s, settings.job_max_attempts)
    if record is None:  # ended, held by a live worker, or out of attempts (recovery ends it)
        return book.get(job_id)
    book.discard_hidden_predictions(job_id)  # an earlier attempt's leftovers
    log.info("job %s: attempt %d on %s", job_id, record.attempts, worker)
    with JobControl(book, job_id, worker, settings.job_lease_s) as control:
        try:
            spec = spec_from_json(record.spec)
            llm = LLMEndpoint.from_settings(settings) if spec.rerank_top else None
            result = run_completion(store, spec, artifacts_root=settings.data_dir / "jobs", job_id=job_id,
                                    progress=control.report, stop=control.should_stop, publish=False, llm=llm)
        except Interrupted:
            return _end(book, job_id, worker, "cancelled")
        except BaseException as exc:
            _end(book, job_id, worker, "failed", f"{type(exc).__name__}: {exc}")
            raise
    summary = {k: v for k, v in result.to_json().items() if k not in ("job_id", "status", "metrics", "written")}
    if not book.commit(job_id, worker, result.metrics, result.written, summary):
        return _end(book, job_id, worker, "cancelled")  # a cancel arrived after the last step
    return book.get(job_id)


def _end(book: JobBook, job_id: str, worker: str, status: str, error: str | None = None) -> JobRecord:
    """End a job we hold and drop its unpublished predictions; a job we lost is left to its holder."""
    ended = book.end(job_id, worker, "failed" if status == "failed" else "cancelled", error)
    if ended is not None:
        book.discard_hidden_predictions(job_id)
        log.info("job %s %s%s", job_id, ended.status, f": {error}" if error else "")
    return book.get(job_id)


def recover_jobs(book: JobBook, settings: Settings, send: Callable[[str, str], None]) -> int:
    """Queue again the jobs whose worker died (lease expired), or end them, and send the jobs whose
    submitter died before sending them; returns how many were found.

    ``send(job_id, queue)`` hands a re-queued job to the workers. Several workers may run this at
    once: the query that re-queues a job does so once, so each job is sent once.
    """
    recovered = book.recover_expired(settings.job_max_attempts)
    for job in recovered:
        log.warning("job %s: its worker vanished; now %s", job.job_id, job.status)
        if job.status == "queued":
            send(job.job_id, job.queue)
        else:
            book.discard_hidden_predictions(job.job_id)
    unsent = book.resend_unsent(SEND_GRACE_S)
    for job in unsent:
        log.warning("job %s: recorded but never sent (its submitter died?); sending it", job.job_id)
        send(job.job_id, job.queue)
        book.mark_sent(job.job_id)
    return len(recovered) + len(unsent)
