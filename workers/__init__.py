"""Celery workers for completion jobs: the app, its one task, the dispatcher and ``kgplatform worker``.

Tasks stay thin: they call :func:`kgplatform.jobs.runner.execute_job`, which holds every rule
about leases, commits and cancels, so a job behaves the same on a worker and in-process.
"""
