"""The WSGI entry point for a production server: ``gunicorn webui.wsgi:app`` (settings from ``KG_*``)."""

from __future__ import annotations

from webui import create_app, settle_heap

app = create_app()
settle_heap()
