"""Reviewing predictions: filter by job, relation, status and score; accept or reject one or many; retract a job."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kgplatform.errors import InvalidInput
from webui.access import local_path, write_required
from webui.services import services

review = Blueprint("review", __name__)

#: Predictions listed at once (best first); narrower filters reach the rest.
SHOWN = 200


@review.get("/predictions")
def page() -> str:
    job, relation = request.args.get("job") or None, request.args.get("relation") or None
    status = request.args.get("status") or None
    if status not in (None, "pending", "accepted", "rejected"):
        raise InvalidInput("status", status, "pending, accepted or rejected")
    raw_score = request.args.get("min_score") or "0"
    try:
        min_score = float(raw_score)
    except ValueError:
        raise InvalidInput("min_score", raw_score, "a number from 0 to 1") from None
    found = [p for p in services().store.list_predictions(job, relation, status, SHOWN) if p.score >= min_score]
    return render_template("predictions.html", predictions=found, job=job or "", relation=relation or "",
                           status=status or "", min_score=raw_score, shown=SHOWN,
                           relations=services().store.relation_types())


@review.post("/predictions/decide")
@write_required
def decide() -> Response:
    """Accept or reject every ticked prediction (each a JSON ``[head, relation, tail, job]``)."""
    verb = request.form.get("decision")
    if verb not in ("accept", "reject"):
        raise InvalidInput("decision", verb, "accept or reject")
    store = services().store
    done = 0
    for key in request.form.getlist("chosen"):
        try:
            parts = json.loads(key)
        except ValueError:
            parts = None
        if not isinstance(parts, list) or len(parts) != 4 or not all(isinstance(p, str) for p in parts):
            raise InvalidInput("chosen", key, "[head, relation, tail, job id] of a listed prediction")
        head, relation, tail, job = parts
        done += (store.accept_prediction if verb == "accept" else store.reject_prediction)(head, relation, tail, job)
    flash(f"{verb}ed {done} prediction{'s' if done != 1 else ''}")
    return redirect(local_path(request.form.get("back", "")) or url_for("review.page"))


@review.post("/predictions/retract")
@write_required
def retract() -> Response:
    job = request.form.get("job", "").strip()
    if not job:
        raise InvalidInput("job", job, "the id of the job whose predictions to retract")
    flash(f"retracted {services().store.retract_predictions(job)} predictions of job {job}")
    return redirect(url_for("review.page", job=job))
