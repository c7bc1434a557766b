"""The overview page: graph counts and recent jobs (the other pages have their own blueprints)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, render_template

from webui.services import services

pages = Blueprint("pages", __name__)


@pages.get("/")
def overview() -> str:
    store = services().store
    jobs = services().jobs.list_jobs(limit=20)
    return render_template("overview.html", stats=asdict(store.stats()), jobs=[job.to_json() for job in jobs])
