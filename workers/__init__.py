"""Celery workers for completion jobs (the tasks arrive with the jobs issue)."""
