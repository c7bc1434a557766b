"""Submitting a job: record it, then hand its id to the workers through a dispatcher.

The dispatcher that ships with kgplatform sends Celery tasks; it lives in ``workers/`` and is
found through the ``kgplatform.dispatchers`` entry point, so this core package never imports
Celery. Only the job id crosses the queue; the spec stays in the job record.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.config import Settings
from kgplatform.errors import InvalidInput, KGError, StoreUnavailable
from kgplatform.jobs.records import SEND_GRACE_S, JobBook, JobRecord
from kgplatform.jobs.specs import queue_for, spec_to_json


class Dispatcher(Protocol):
    """Hands a recorded job to the workers of a queue (``cpu`` or ``gpu``)."""

    def send(self, job_id: str, queue: str) -> None: ...


def load_dispatcher(settings: Settings) -> Dispatcher:
    """The installed dispatcher (Celery, from ``workers``), built for ``settings``.

    Raises:
        KGError: none is installed (kgplatform installed without its ``workers`` package).
    """
    found = list(entry_points(group="kgplatform.dispatchers"))
    if not found:
        raise KGError("no job dispatcher is installed: install kgplatform with its workers package "
                      "(pip install -e .) to run jobs on workers, or run `kgplatform complete` without --async")
    dispatcher: Dispatcher = found[0].load()(settings)
    return dispatcher


def record_job(book: JobBook, spec: CompletionSpec, job_id: str | None = None,
               send_within_s: float | None = None) -> JobRecord:
    """Check ``spec`` against the graph and record it as a queued job.

    A spec naming a relation type or label the graph does not have is refused here, with the
    field, rather than failing later on a worker.

    Raises:
        InvalidInput: a bad field, or a relation type or label the graph lacks.
    """
    spec = spec.validated()
    for field, wanted, present in (("relations", spec.relations, book.store.relation_types),
                                   ("labels", spec.labels, book.store.labels)):
        if wanted:
            known = present()
            for name in wanted:
                if name not in known:
                    raise InvalidInput(field, name, f"one of the graph's {field}: {', '.join(sorted(known))}")
    return book.create(spec_to_json(spec), model=spec.train.model, relations=spec.relations,
                       queue=queue_for(spec), job_id=job_id, send_within_s=send_within_s)


def submit_job(book: JobBook, spec: CompletionSpec, dispatcher: Dispatcher, job_id: str | None = None) -> JobRecord:
    """Record ``spec`` as a queued job (see :func:`record_job`) and send it to its queue.

    Raises:
        InvalidInput: the spec does not fit the graph; nothing is recorded.
        StoreUnavailable: the broker could not take the job (the record is marked failed, saying so).
    """
    record = record_job(book, spec, job_id, send_within_s=SEND_GRACE_S)
    try:
        dispatcher.send(record.job_id, record.queue)
        book.mark_sent(record.job_id)
    except Exception as exc:
        submitter = f"submitter:{record.job_id}"
        if book.claim(record.job_id, submitter, lease_s=60, max_attempts=1) is not None:
            book.end(record.job_id, submitter, "failed", f"the job queue could not take it: {exc}")
        raise StoreUnavailable(f"job {record.job_id} could not be queued: {exc}") from exc
    return record
