"""The Celery app, configured from :class:`~kgplatform.config.Settings`.

The broker and result store are ``KG_BROKER_URL``, or the embedded FalkorDB server of the data
directory (it is a real Redis; Celery uses its database 1, the graphs live in database 0).

Delivery is at least once: a task is acknowledged after it ran (``acks_late``) and given back
when its worker process dies. Running a job twice is harmless, see :mod:`kgplatform.jobs.runner`.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from kgplatform.config import Settings
from kgplatform.store import open_store

QUEUES = ("cpu", "gpu")
RUN_JOB = "kgplatform.run_job"


def broker_url(settings: Settings) -> str:
    """``KG_BROKER_URL``, or database 1 of the embedded server (started if needed)."""
    if settings.broker_url:
        return settings.broker_url
    from kgplatform.store.server import ensure_server

    return ensure_server(settings.data_dir).url + "/1"


def make_app(settings: Settings) -> Celery:
    """A Celery app for ``settings`` with the job task registered."""
    url = broker_url(settings)
    app = Celery("kgplatform", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_default_queue="cpu",
        task_acks_late=True,  # acknowledged after the job ran: a dead worker's job is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a job is long: never hold one back behind another
        task_time_limit=settings.job_time_limit_s,
        task_soft_time_limit=int(settings.job_time_limit_s * 0.95),
        worker_max_tasks_per_child=settings.worker_max_tasks,
        # a redelivered duplicate is harmless (the job's lease refuses it), so the visibility
        # timeout only has to outlast the longest job
        broker_transport_options={"visibility_timeout": settings.job_time_limit_s + 600},
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name=RUN_JOB)  # type: ignore[untyped-decorator]
    def run_job(job_id: str) -> dict[str, Any]:
        """Run one recorded job (a no-op if it has ended or another worker holds it)."""
        from kgplatform.jobs.runner import execute_job

        with open_store(settings, schema=False) as store:
            record = execute_job(store, settings, job_id)
        return {"job_id": record.job_id, "status": record.status}

    return app
