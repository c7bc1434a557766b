"""Jobs over HTTP: submit (``POST /api/jobs``), list, show and cancel.

A spec is the flat JSON of :mod:`kgplatform.jobs.specs`; a bad one gets 400 naming the field and
what was expected, before anything is recorded.
"""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, request, url_for

from kgplatform.errors import InvalidInput
from kgplatform.jobs.dispatch import submit_job
from kgplatform.jobs.specs import spec_from_json
from webui.access import write_required
from webui.api import api
from webui.api.params import query_int
from webui.services import services


@api.post("/jobs")
@write_required
def create_job() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("body", request.get_data(as_text=True)[:200],
                           "a JSON object (Content-Type: application/json)")
    spec = spec_from_json(body)
    record = submit_job(services().jobs, spec, services().dispatcher)
    response = jsonify({"job_id": record.job_id, "status": record.status})
    response.headers["Location"] = url_for("api.show_job", job_id=record.job_id)
    return response, 201


@api.get("/jobs")
def list_jobs() -> Any:
    args = {key: value for key, value in request.args.items() if value != ""}  # an empty form field: no filter
    found = services().jobs.list_jobs(status=args.get("status"), model=args.get("model"),
                                      relation=args.get("relation"), since=args.get("since"),
                                      until=args.get("until"),
                                      limit=query_int("limit", 100, "an integer from 1 to 10000"))
    return jsonify({"jobs": [job.to_json() for job in found]})


@api.get("/jobs/<job_id>")
def show_job(job_id: str) -> Any:
    return jsonify(services().jobs.get(job_id).to_json())


@api.get("/jobs/<job_id>/history")
def job_history(job_id: str) -> Any:
    """The per-epoch metrics (loss, validation MRR) the job saved with its model; empty until it has."""
    job = services().jobs.get(job_id)
    path = services().settings.data_dir / "jobs" / job.job_id / "metrics.json"
    try:
        found = json.loads(path.read_text()).get("history", [])
    except (OSError, ValueError):
        found = []
    return jsonify({"job_id": job.job_id, "history": [row for row in found if isinstance(row, dict)]})


@api.post("/jobs/<job_id>/cancel")
@write_required
def cancel_job(job_id: str) -> Any:
    return jsonify(services().jobs.cancel(job_id).to_json())
