"""``kgplatform worker``: a Celery worker for the cpu or gpu queue, plus job recovery.

Joins the ``kgplatform`` command group through the ``kgplatform.commands`` entry point. Besides
running tasks, each worker looks for jobs whose worker died (expired leases) and queues them
again, so a job survives its worker being killed even when the broker keeps the dead worker's
message for hours.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import click
from celery.signals import worker_ready, worker_shutdown

from kgplatform.cli.base import settings_of
from kgplatform.config import Settings
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import recover_jobs
from kgplatform.store import open_store
from workers.celery_app import QUEUES
from workers.dispatch import CeleryDispatcher

log = logging.getLogger(__name__)


class Recovery:
    """A thread in the worker's main process that runs :func:`recover_jobs` every half lease."""

    def __init__(self, settings: Settings, dispatcher: CeleryDispatcher) -> None:
        self.settings, self.dispatcher = settings, dispatcher
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-recovery", daemon=True)

    def start(self, **_: Any) -> None:
        self._thread.start()

    def stop(self, **_: Any) -> None:
        self._done.set()

    def _loop(self) -> None:
        with open_store(self.settings, schema=False) as store:
            book = JobBook(store)
            while not self._done.wait(max(0.5, self.settings.job_lease_s / 2)):
                try:
                    recover_jobs(book, self.settings, self.dispatcher.send)
                except Exception:  # the store or broker is away for a moment: try again next round
                    log.warning("job recovery failed", exc_info=True)


@click.command()
@click.option("--queues", default="cpu", show_default=True, help="Comma-separated: cpu, gpu or both.")
@click.option("--concurrency", type=int, help="Jobs at once (default: cores for cpu; always 1 for gpu).")
@click.option("--loglevel", default="info", show_default=True)
@click.pass_context
def worker(ctx: click.Context, queues: str, concurrency: int | None, loglevel: str) -> None:
    """Run a worker for completion jobs (Ctrl-C stops it after its current job)."""
    settings = settings_of(ctx)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown or not names:
        raise click.BadParameter(f"{unknown or queues!r}: expected queues from {list(QUEUES)}", param_hint="--queues")
    dispatcher = CeleryDispatcher(settings)
    recovery = Recovery(settings, dispatcher)
    worker_ready.connect(recovery.start, weak=False)
    worker_shutdown.connect(recovery.stop, weak=False)
    argv = ["worker", f"--queues={','.join(names)}", f"--loglevel={loglevel}",
            f"--hostname=kg-{'-'.join(names)}-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    if "gpu" in names:  # CUDA and fork do not mix: one job at a time in the worker process itself
        argv += ["--pool=solo", "--concurrency=1"]
    elif concurrency:
        argv.append(f"--concurrency={concurrency}")
    dispatcher.app.worker_main(argv)
