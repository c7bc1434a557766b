"""Job pages: the list, the form that starts a job, and a job's page with live progress.

The form posts to this blueprint (signed-in admins, with the CSRF token) and is checked by the
same spec parser as ``POST /api/jobs``; a refused field comes back next to that field, with the
values typed kept. A job's page follows it by polling ``GET /api/jobs/<id>``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kgplatform.completion.models import MODELS
from kgplatform.errors import InvalidInput
from kgplatform.jobs.dispatch import submit_job
from kgplatform.jobs.specs import spec_from_json
from webui.access import write_required
from webui.services import services

jobpages = Blueprint("jobpages", __name__)

MODEL_CHOICES = [*MODELS, "text", "hybrid"]
#: Form field -> how its text becomes a spec value (empty fields are left to the defaults).
FIELDS: dict[str, Any] = {"model": str, "relations": str, "epochs": int, "dim": int, "top_k": int, "device": str}
DEFAULTS = {"model": "distmult", "relations": "", "epochs": "20", "dim": "64", "top_k": "10", "device": "auto"}


@jobpages.get("/jobs")
def list_page() -> str:
    status = request.args.get("status") or None
    return render_template("jobs.html", jobs=[j.to_json() for j in services().jobs.list_jobs(status=status, limit=100)],
                           status=status)


@jobpages.get("/jobs/new")
def new_page() -> str:
    return _form(dict(DEFAULTS), {})


@jobpages.post("/jobs/new")
@write_required
def create() -> Response | tuple[str, int]:
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    spec: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if values[name]:
            try:
                spec[name] = kind(values[name])
            except ValueError:
                errors[name] = f"{values[name]!r} is not a whole number"
    if not errors:
        try:
            record = submit_job(services().jobs, spec_from_json(spec), services().dispatcher)
        except InvalidInput as exc:
            errors[exc.source if exc.source in FIELDS else "form"] = str(exc)
        else:
            return redirect(url_for("jobpages.job_page", job_id=record.job_id))
    return _form(values, errors), 400


def _form(values: dict[str, str], errors: dict[str, str]) -> str:
    store = services().store
    return render_template("job_new.html", values=values, errors=errors, models=MODEL_CHOICES,
                           relations=store.relation_types())


@jobpages.get("/jobs/<job_id>")
def job_page(job_id: str) -> str:
    return render_template("job.html", job=services().jobs.get(job_id).to_json())
