"""The jobs HTTP API end to end: the real Flask app, the embedded store and the Celery dispatcher.

Covered: health; submitting a job (201, Location, the record it leaves, the task it sends to the
broker); listing with each filter; bad specs and bad query parameters (400 naming the field, and
nothing recorded or sent); the API token (401 without or with a wrong one, 403 when the server has
none, reads open to all); unknown ids (404); cancelling a queued job, twice.

Why real components: the API's promises live in the seams (a spec refused before a record exists,
a record written before the broker gets its id, a cancel that is one check-and-set query), which a
mocked store or dispatcher would not exercise. No worker runs, so a submitted job stays queued.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job
from kgplatform.jobs.specs import spec_from_json
from tests.integration.conftest import AUTH, QUEUES, TOKEN

SPEC: dict[str, Any] = {"model": "distmult", "relations": ["LIKES"], "epochs": 2}


def _queued_task_args(broker: redis.Redis) -> list[list[Any]]:
    """The positional args of every task message waiting on the job queues."""
    found = []
    for queue in QUEUES:
        for raw in broker.lrange(queue, 0, -1):
            body = json.loads(base64.b64decode(json.loads(raw)["body"]))
            found.append(body[0])
    return found


def _submit(client: FlaskClient, spec: dict[str, Any] | None = None) -> str:
    """Submit a job and return its id (asserting the 201)."""
    response = client.post("/api/jobs", json=spec or SPEC, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    job_id: str = response.get_json()["job_id"]
    return job_id


def _listed(client: FlaskClient, query: str = "") -> list[str]:
    """The ids GET /api/jobs returns for ``query``, in order."""
    response = client.get(f"/api/jobs{query}")
    assert response.status_code == 200, response.get_json()
    return [job["job_id"] for job in response.get_json()["jobs"]]


def test_health_reports_the_store(client: FlaskClient) -> None:
    """Health answers 200 and names the backend it reached."""
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "store": "falkordb"}


def test_submit_records_a_queued_job_and_sends_its_id(client: FlaskClient, broker: redis.Redis) -> None:
    """201 with the id and a Location; the record holds the spec; only the id reaches the broker."""
    response = client.post("/api/jobs", json=SPEC, headers=AUTH)

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"job_id", "status"} and body["status"] == "queued"
    job_id = body["job_id"]
    assert response.headers["Location"].endswith(f"/api/jobs/{job_id}")

    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    record = shown.get_json()
    assert record["job_id"] == job_id and record["status"] == "queued"
    assert record["progress"] == {"stage": "queued", "percent": 0.0, "metrics": {}}
    assert record["metrics"] == {} and record["error"] is None
    assert record["model"] == "distmult" and record["relations"] == ["LIKES"] and record["queue"] == "cpu"
    assert record["spec"]["epochs"] == 2 and record["spec"]["model"] == "distmult"
    assert isinstance(record["spec"]["seed"], int)  # a missing seed is drawn and recorded
    assert record["finished_at"] is None and record["cancel_requested"] is False

    assert [job_id] in _queued_task_args(broker)


def test_list_filters(client: FlaskClient) -> None:
    """Status, model, relation and time filters each keep or drop the job; newest first; limit."""
    first = _submit(client)
    time.sleep(0.01)  # created_at has millisecond resolution
    second = _submit(client, {"model": "transe", "relations": ["DIRECTED"], "epochs": 1})
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")

    assert _listed(client) == [second, first]
    assert _listed(client, "?limit=1") == [second]
    assert _listed(client, "?status=queued") == [second, first]
    assert _listed(client, "?status=running") == []
    assert _listed(client, "?model=distmult") == [first]
    assert _listed(client, "?relation=LIKES") == [first]
    assert _listed(client, "?model=transe") == [second]
    assert _listed(client, "?model=complex") == []
    assert _listed(client, f"?since={yesterday}") == [second, first]
    assert _listed(client, f"?since={tomorrow}") == []
    assert _listed(client, f"?until={yesterday}") == []
    assert _listed(client, "?model=distmult&relation=DIRECTED") == []
    assert _listed(client, "?status=&model=&relation=&since=") == [second, first], "empty form fields: no filter"


def test_list_of_a_fresh_graph_is_empty(client: FlaskClient) -> None:
    """No job yet: an empty list, not an error."""
    assert client.get("/api/jobs").get_json() == {"jobs": []}


@pytest.mark.parametrize(("request_kwargs", "field"), [
    ({"json": {**SPEC, "model": "gpt"}}, "model"),
    ({"json": {**SPEC, "epochs": "2"}}, "epochs"),
    ({"json": {**SPEC, "epochs": 0}}, "epochs"),
    ({"json": {**SPEC, "colour": "blue"}}, "colour"),
    ({"json": {**SPEC, "relations": ["LI`KES"]}}, "relations"),
    ({"json": {**SPEC, "relations": ["NOT_IN_GRAPH"]}}, "relations"),
    ({"json": ["distmult"]}, "spec"),
    ({"data": "model=distmult", "content_type": "text/plain"}, "body"),
    ({"data": "{\"model\": ", "content_type": "application/json"}, "body"),
], ids=["unknown-model", "epochs-string", "epochs-zero", "unknown-field", "backtick-relation", "relation-not-in-graph",
        "not-an-object",
        "not-json", "broken-json"])
def test_bad_spec_is_refused_before_anything_is_recorded(
    client: FlaskClient, broker: redis.Redis, request_kwargs: dict[str, Any], field: str,
) -> None:
    """400 naming the field with a readable reason; no record, no task."""
    tasks_before = len(_queued_task_args(broker))

    response = client.post("/api/jobs", headers=AUTH, **request_kwargs)

    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert body["error"].startswith(f"{field}: bad value ") and "; expected " in body["error"]
    assert body["expected"]
    assert _listed(client) == []
    assert len(_queued_task_args(broker)) == tasks_before


@pytest.mark.parametrize("query", ["?limit=abc", "?limit=-1", "?limit=0", "?limit=10001", "?limit=%C2%B2"])
def test_bad_limit_is_a_400_naming_limit(client: FlaskClient, query: str) -> None:
    """A limit that is not an integer in 1..10000 (a superscript digit included) is refused, not a 500."""
    response = client.get(f"/api/jobs{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == "limit"
    assert "an integer from 1 to 10000" in response.get_json()["error"]


@pytest.mark.parametrize(("query", "field"), [("?status=done", "status"), ("?since=abc", "since"),
                                               ("?until=22/11/2026", "until")])
def test_unknown_status_or_bad_date_filter_is_a_400(client: FlaskClient, query: str, field: str) -> None:
    """A status outside the job statuses, or a date that is not ISO 8601, is refused, naming the filter."""
    response = client.get(f"/api/jobs{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {TOKEN}x"},
], ids=["none", "wrong", "other-scheme", "token-prefix"])
def test_submit_without_the_right_token_is_a_401(client: FlaskClient, headers: dict[str, str]) -> None:
    """No token, a wrong one or another scheme: 401 saying how to send it, and no job recorded."""
    response = client.post("/api/jobs", json=SPEC, headers=headers)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.get_json()["error"]
    assert _listed(client) == []


def test_writes_are_disabled_when_the_server_has_no_token(make_app: Callable[..., Flask]) -> None:
    """api_token="" refuses every write with 403 naming KG_API_TOKEN, whatever token is sent."""
    client = make_app(api_token="").test_client()

    for headers in ({}, AUTH, {"Authorization": "Bearer "}):
        response = client.post("/api/jobs", json=SPEC, headers=headers)
        assert response.status_code == 403
        assert "KG_API_TOKEN" in response.get_json()["error"]
    assert client.post("/api/jobs/anything/cancel", headers=AUTH).status_code == 403
    assert _listed(client) == []


def test_reads_need_no_token(client: FlaskClient) -> None:
    """Health, the list and a job's record answer without an Authorization header."""
    job_id = _submit(client)
    assert client.get("/api/health").status_code == 200
    assert _listed(client) == [job_id]
    assert client.get(f"/api/jobs/{job_id}").status_code == 200


def test_unknown_job_is_a_404(client: FlaskClient) -> None:
    """Showing or cancelling an id that names no job: 404 quoting the id."""
    shown = client.get("/api/jobs/no-such-job")
    assert shown.status_code == 404
    assert shown.get_json()["field"] == "job_id"
    assert "'no-such-job'" in shown.get_json()["error"] and "existing job" in shown.get_json()["error"]

    cancelled = client.post("/api/jobs/no-such-job/cancel", headers=AUTH)
    assert cancelled.status_code == 404
    assert cancelled.get_json()["field"] == "job_id"


def test_cancel_a_queued_job(client: FlaskClient) -> None:
    """Cancel needs the token; it ends a queued job at once; cancelling again leaves it as it is."""
    job_id = _submit(client)

    refused = client.post(f"/api/jobs/{job_id}/cancel")
    assert refused.status_code == 401
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "queued"

    response = client.post(f"/api/jobs/{job_id}/cancel", headers=AUTH)
    assert response.status_code == 200
    record = response.get_json()
    assert record["job_id"] == job_id and record["status"] == "cancelled"
    assert record["progress"]["stage"] == "cancelled" and record["finished_at"] is not None
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "cancelled"
    assert _listed(client, "?status=cancelled") == [job_id]
    assert _listed(client, "?status=queued") == []

    again = client.post(f"/api/jobs/{job_id}/cancel", headers=AUTH)
    assert again.status_code == 200
    assert again.get_json()["status"] == "cancelled"
    assert again.get_json()["finished_at"] == record["finished_at"]


def test_overview_page_shows_counts_and_jobs(client: FlaskClient) -> None:
    """The landing page renders the graph's counts and links each recent job to its record."""
    empty = client.get("/").get_data(as_text=True)
    assert "No jobs yet" in empty and "12 entities, 14 facts" in empty
    job_id = _submit(client)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/jobs/{job_id}"' in page and ">queued<" in page and "distmult" in page


def test_user_recommendations_over_http(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    """After a finished LIKES job: 200 with items, scores and paths; unknown user 404; no relation 400."""
    store = app.extensions["kg"].store
    spec = spec_from_json({"model": "distmult", "relations": ["LIKES"], "dim": 8, "epochs": 3, "seed": 0})
    job = execute_job(store, replace(store.settings, data_dir=tmp_path), record_job(JobBook(store), spec).job_id, "t")
    assert job.status == "succeeded"
    users = {p.head for p in store.list_predictions(job.job_id, limit=100)}
    user = sorted(users)[0]

    found = client.get(f"/api/users/{user}/recommendations?k=3&paths=2&relation=LIKES")
    assert found.status_code == 200
    body = found.get_json()
    assert body["user"] == user and body["job_id"] == job.job_id and 0 < len(body["items"]) <= 3
    assert all({"id", "name", "score", "paths"} <= item.keys() and len(item["paths"]) <= 2 for item in body["items"])
    assert all({"nodes", "relations", "sentence"} <= path.keys() for item in body["items"] for path in item["paths"])

    missing = client.get("/api/users/nobody/recommendations?relation=LIKES")
    assert missing.status_code == 404 and "nobody" in missing.get_json()["error"]
    unnamed = client.get(f"/api/users/{user}/recommendations")
    assert unnamed.status_code == 400 and unnamed.get_json()["field"] == "relation"
