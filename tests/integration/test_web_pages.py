"""Every page's errors with the real app and store: bad ids are 404 pages, bad forms 400 with the field's message.

The graph is tests/data/tiny_kg.tsv; writes need a signed-in admin (the sign-in is done through
the form, CSRF token included) and nothing refused may change the graph or record a job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from kgplatform.domain import Prediction
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.records import JobBook
from tests.conftest import TINY_KG
from tests.integration.conftest import signed_in

ADMIN = ("ada", "ada-secret")


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(users=f"{ADMIN[0]}:admin:{generate_password_hash(ADMIN[1], 'pbkdf2:sha256:1000')}",
                   interaction_relation="LIKES")
    store = app.extensions["kg"].store
    load_graph(store, read_graph([TINY_KG], "triples"))
    store.write_predictions("job-x", "distmult", [Prediction("carol", "LIKES", "alien", 0.87, 1, "distmult", "job-x"),
                                                  Prediction("alice", "LIKES", "alien", 0.42, 1, "distmult", "job-x")])
    store.publish_predictions("job-x")
    return app


def _page(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    assert "<html" in text, "an HTML page, not JSON"
    return text


@pytest.mark.parametrize("path, says", [
    ("/entity/nobody", "nobody"),
    ("/jobs/no-such-job", "no-such-job"),
    ("/recommendations?user=nobody", "nobody"),
    ("/no/such/page", "not found"),
])
def test_bad_ids_are_404_pages(site: Flask, path: str, says: str) -> None:
    response = site.test_client().get(path)
    assert response.status_code == 404 and says in _page(response).lower()


@pytest.mark.parametrize("path, field", [
    ("/predictions?status=maybe", "maybe"),
    ("/predictions?min_score=high", "high"),
    ("/entity/alice?skip=-3", "-3"),
    ("/recommendations?user=alice&k=0", "k"),
])
def test_bad_query_values_are_400_pages_naming_them(site: Flask, path: str, field: str) -> None:
    response = site.test_client().get(path)
    assert response.status_code == 400 and field in _page(response)


def test_the_job_form_puts_each_error_beside_its_field_and_records_nothing(site: Flask) -> None:
    client, token = signed_in(site, *ADMIN)
    bad = client.post("/jobs/new", data={"csrf_token": token, "model": "distmult", "epochs": "ten",
                                         "relations": "LIKES", "dim": "16", "top_k": "5"})
    assert bad.status_code == 400
    assert re.search(r'id="epochs-error">[^<]*not a whole number', _page(bad))
    assert 'value="LIKES"' in _page(bad), "what was typed stays"
    unknown = client.post("/jobs/new", data={"csrf_token": token, "model": "distmult", "relations": "HATES"})
    assert unknown.status_code == 400 and re.search(r'id="relations-error">[^<]*HATES', _page(unknown))
    negative = client.post("/jobs/new", data={"csrf_token": token, "model": "distmult", "top_k": "-2"})
    assert negative.status_code == 400 and 'id="top_k-error"' in _page(negative)
    assert JobBook(site.extensions["kg"].store).list_jobs() == []


def test_pages_that_write_refuse_anonymous_callers_and_forms_without_the_token(site: Flask) -> None:
    anonymous = site.test_client()
    page = anonymous.get("/jobs/new")
    assert page.status_code == 200 and 'id="admin-needed"' in _page(page)
    refused = anonymous.post("/predictions/decide", data={"decision": "accept"})
    assert refused.status_code == 400 and "CSRF" in _page(refused)
    client, _ = signed_in(site, *ADMIN)
    forged = client.post("/predictions/retract", data={"job": "job-x"})
    assert forged.status_code == 400
    assert len(site.extensions["kg"].store.list_predictions("job-x")) == 2


def test_accept_reject_and_retract_from_the_review_page(site: Flask) -> None:
    client, token = signed_in(site, *ADMIN)
    listed = _page(client.get("/predictions?job=job-x&min_score=0.5"))
    assert "carol" in listed and "alice" not in listed.split('id="prediction-list"')[1]
    chosen = '["carol", "LIKES", "alien", "job-x"]'
    done = client.post("/predictions/decide", data={"csrf_token": token, "decision": "accept", "chosen": chosen},
                       follow_redirects=True)
    assert "accepted 1 prediction" in _page(done)
    store = site.extensions["kg"].store
    assert store.run_readonly("MATCH (:Entity {id: 'carol'})-[r:LIKES]->(:Entity {id: 'alien'}) RETURN count(r)"
                              ).rows[0][0] == 1
    bad = client.post("/predictions/decide", data={"csrf_token": token, "decision": "accept", "chosen": "carol"})
    assert bad.status_code == 400 and "chosen" in _page(bad)
    assert client.post("/predictions/decide", data={"csrf_token": token, "decision": "maybe"}).status_code == 400
    for back, went in (("/predictions?job=job-x", "/predictions?job=job-x"), ("https://evil.example/", "/predictions"),
                       ("//evil.example/", "/predictions"), ("/\\evil.example/", "/predictions")):
        moved = client.post("/predictions/decide", data={"csrf_token": token, "decision": "reject", "back": back})
        assert moved.status_code == 302 and moved.headers["Location"] == went, f"never an open redirect: {back}"
    retracted = client.post("/predictions/retract", data={"csrf_token": token, "job": "job-x"},
                            follow_redirects=True)
    assert "retracted 2 predictions of job job-x" in _page(retracted)
    assert store.list_predictions("job-x") == []
    assert store.run_readonly("MATCH (:Entity {id: 'carol'})-[r:LIKES]->(:Entity {id: 'alien'}) RETURN count(r)"
                              ).rows[0][0] == 1, "the accepted one stays, as a fact"
