"""The Celery dispatcher: what ``kgplatform complete --async`` and ``POST /api/jobs`` send jobs with.

Registered as the ``kgplatform.dispatchers`` entry point ``celery`` (see pyproject.toml).
"""

from __future__ import annotations

from kgplatform.config import Settings
from workers.celery_app import RUN_JOB, make_app


class CeleryDispatcher:
    """Sends a job id to a queue as a ``kgplatform.run_job`` task."""

    def __init__(self, settings: Settings) -> None:
        self.app = make_app(settings)

    def send(self, job_id: str, queue: str) -> None:
        """Queue ``job_id`` on ``queue``; raises when the broker cannot be reached."""
        self.app.send_task(RUN_JOB, args=[job_id], queue=queue)
