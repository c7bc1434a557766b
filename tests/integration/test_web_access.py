"""Who may do what over HTTP, with the real app and store: sign-in, roles, CSRF, the API token, the Cypher API.

The graph is tests/data/tiny_kg.tsv. Writes are checked by their effect on the graph (a node
count), not by the status alone: a refused write must leave the graph as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from kgplatform.ingest import load_graph, read_graph
from tests.conftest import TINY_KG
from tests.integration.conftest import AUTH, form_csrf, signed_in
from webui.served import ServedApp

PASSWORDS = {"ada": "ada-secret", "rex": "rex-secret"}
USERS = ";".join([f"ada:admin:{generate_password_hash(PASSWORDS['ada'], 'pbkdf2:sha256:1000')}",
                  f"rex:reader:{generate_password_hash(PASSWORDS['rex'], 'pbkdf2:sha256:1000')}"])
CREATE = "CREATE (:Entity {id: 'intruder'})"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(users=USERS)
    load_graph(app.extensions["kg"].store, read_graph([TINY_KG], "triples"))
    return app


def _entities(app: Flask) -> int:
    return int(app.extensions["kg"].store.run_readonly("MATCH (n:Entity) RETURN count(n)").rows[0][0])


def _cypher(client: FlaskClient, query: str, **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    return client.post("/api/cypher", json={"query": query, **extra}, headers=headers)


def test_sign_in_checks_the_password_and_the_csrf_token(site: Flask) -> None:
    client = site.test_client()
    token = form_csrf(client)
    wrong = client.post("/signin", data={"name": "ada", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.get_data(as_text=True)
    forged = client.post("/signin", data={"name": "ada", "password": PASSWORDS["ada"]})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)
    done = client.post("/signin", data={"name": "ada", "password": PASSWORDS["ada"], "csrf_token": token,
                                        "next": "//evil.example/steal"})
    assert done.status_code == 302 and done.headers["Location"] == "/", "never an open redirect"
    assert "ada (admin)" in client.get("/").get_data(as_text=True)


def test_anyone_reads_through_the_cypher_api_within_the_row_cap(site: Flask) -> None:
    found = _cypher(site.test_client(), "MATCH (n:Entity) RETURN n.id AS id ORDER BY id")
    assert found.status_code == 200
    body = found.get_json()
    assert body["columns"] == ["id"] and ["alice"] in body["rows"] and body["mode"] == "read"
    assert body["row_cap"] == 1000 and body["timeout_ms"] == 10_000 and body["truncated"] is False
    capped = site.extensions["kg"].store.settings.row_cap
    assert capped == 1000
    many = _cypher(site.test_client(), "UNWIND range(1, 5000) AS i RETURN i").get_json()
    assert len(many["rows"]) == 1000 and many["truncated"] is True


@pytest.mark.parametrize("who", ["anonymous", "reader", "wrong token"])
def test_a_write_is_refused_to_whoever_may_only_read_and_the_graph_is_unchanged(site: Flask, who: str) -> None:
    before = _entities(site)
    if who == "reader":
        client, token = signed_in(site, "rex", PASSWORDS["rex"])
        headers = {"X-CSRF-Token": token}
    else:
        client, headers = site.test_client(), ({"Authorization": "Bearer wrong"} if who == "wrong token" else {})
    for write in (False, True):  # hidden in a read, or asked for outright
        refused = _cypher(client, CREATE, write=write, headers=headers)
        assert refused.status_code == (403 if who == "reader" else 401), refused.get_json()
        assert "admin" in refused.get_json()["error"]
    assert "writes" in _cypher(client, CREATE, headers=headers).get_json()["error"]
    assert _entities(site) == before


def test_an_admin_writes_with_the_csrf_token_and_the_api_token_writes_without(site: Flask) -> None:
    client, token = signed_in(site, "ada", PASSWORDS["ada"])
    before = _entities(site)
    forged = _cypher(client, CREATE, write=True)
    assert forged.status_code == 400 and "CSRF" in forged.get_json()["error"]
    hidden = _cypher(client, CREATE, headers={"X-CSRF-Token": token})
    assert hidden.status_code == 400 and '"write": true' in hidden.get_json()["error"]
    assert _entities(site) == before
    assert _cypher(client, CREATE, write=True, headers={"X-CSRF-Token": token}).status_code == 200
    assert _cypher(site.test_client(), "CREATE (:Entity {id: 'script'})", write=True, headers=AUTH).status_code == 200
    assert _entities(site) == before + 2


def test_cypher_errors_carry_the_engine_message_and_position(site: Flask) -> None:
    client = site.test_client()
    broken = _cypher(client, "MATCH (n:Entity)\nRETURN n.id AS id ORDER BY")
    assert broken.status_code == 400
    body = broken.get_json()
    assert body["error"] and body["position"] and body["position"]["line"] >= 1
    for bad, field in (({"query": ""}, "query"), ({"query": "RETURN 1", "params": [1]}, "params"),
                       ({"query": "RETURN 1", "write": "yes"}, "write")):
        response = client.post("/api/cypher", json=bad)
        assert response.status_code == 400 and response.get_json()["field"] == field
    assert client.post("/api/cypher", data="not json").get_json()["field"] == "body"


def test_every_response_has_the_security_headers(site: Flask) -> None:
    client = site.test_client()
    for path in ("/", "/api/health", "/signin", "/no-such-page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_reads_can_require_sign_in(make_app: Callable[..., Flask]) -> None:
    app = make_app(users=USERS, read_requires_login=True)
    client = app.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/api/health").status_code == 200, "health stays open for load balancers"
    assert client.get("/api/jobs", headers=AUTH).status_code == 200
    signed, _ = signed_in(app, "rex", PASSWORDS["rex"])
    assert signed.get("/").status_code == 200


def test_hash_password_prints_an_entry_that_signs_in(kg: Any, make_app: Callable[..., Flask]) -> None:
    code, out, err = kg("hash-password", "--name", "neo", "--role", "admin", "--password", "red-pill")
    assert code == 0, err
    assert out.startswith("neo:admin:") and "red-pill" not in out
    client = make_app(users=out.strip()).test_client()
    token = form_csrf(client)
    assert client.post("/signin", data={"name": "neo", "password": "red-pill", "csrf_token": token}).status_code == 302
    bad, _, message = kg("hash-password", "--name", "a:b", "--password", "x")
    assert bad == 2 and "--name" in message


def test_gunicorn_serves_the_wsgi_app_as_docker_compose_runs_it(site: Flask) -> None:
    """``gunicorn webui.wsgi:app`` with the settings in the environment: health, a page and the headers."""
    with ServedApp(site.extensions["kg"].settings, gunicorn=(2, 2)) as server:
        page = urllib.request.urlopen(f"{server.url}/explore?q=nolan", timeout=10)
        assert "/entity/nolan" in page.read().decode() and page.headers["X-Frame-Options"] == "DENY"


def test_the_production_entry_point_leaves_its_start_up_heap_out_of_garbage_collection(tmp_path: Path) -> None:
    """``webui.wsgi`` freezes what start-up made (torch, the app): full collections then skip it, not every request."""
    probe = ("import gc, webui.wsgi; "
             "print(gc.get_freeze_count(), len(gc.get_objects()), 'torch' in __import__('sys').modules)")
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "KG_DATA_DIR": str(tmp_path)},
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frozen, tracked, torch_loaded = done.stdout.split()
    assert torch_loaded == "True", "the serving process imports the model code, which is what makes the heap big"
    assert int(frozen) > 100_000 and int(tracked) < int(frozen) // 10, done.stdout
