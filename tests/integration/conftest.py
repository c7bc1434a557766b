"""Fixtures of the web tests: apps on fresh graphs of the session's embedded server, and its Celery broker."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.records import JobBook
from kgplatform.store.server import ensure_server
from tests.conftest import TINY_KG
from webui import create_app

TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUEUES = ("cpu", "gpu")


@pytest.fixture
def broker(data_dir: Path) -> Iterator[redis.Redis]:
    """The Celery broker the dispatcher uses: database 1 of the session's embedded server."""
    client = redis.Redis.from_url(ensure_server(data_dir).url + "/1")
    yield client
    client.close()


@pytest.fixture
def make_app(data_dir: Path, broker: redis.Redis) -> Iterator[Callable[..., Flask]]:
    """A factory of apps, each on its own fresh graph; graphs and their queued tasks go afterwards."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        settings = Settings(store="embedded", data_dir=data_dir, graph=f"test_{uuid.uuid4().hex[:12]}",
                            **{"api_token": TOKEN, **overrides})
        app = create_app(settings, TESTING=True)
        apps.append(app)
        return app

    yield make
    for app in apps:
        store = app.extensions["kg"].store
        ours = {job.job_id for job in JobBook(store).list_jobs(limit=10_000)}
        for queue in QUEUES:  # leave no task behind for a worker another test may start on this server
            for raw in broker.lrange(queue, 0, -1):
                if json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0] in ours:
                    broker.lrem(queue, 0, raw)
        store.drop_graph()
        store.close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app whose graph holds tests/data/tiny_kg.tsv (relations LIKES, DIRECTED, HAS_GENRE)."""
    made = make_app()
    load_graph(made.extensions["kg"].store, read_graph([TINY_KG], "triples"))
    return made


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def kg(data_dir: Path):  # type: ignore[no-untyped-def]
    """Run ``kgplatform ARGS`` on a fresh graph of the session's server; returns (code, stdout, stderr)."""
    env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_GRAPH": f"cli_{uuid.uuid4().hex[:10]}"}

    def run(*args: str) -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-m", "kgplatform.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr

    yield run
    run("query", "--write", "MATCH (n) DETACH DELETE n")


def form_csrf(client: FlaskClient) -> str:
    """The CSRF token the sign-in form carries for ``client``'s session."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").get_data(as_text=True))
    assert found, "the sign-in form carries a CSRF token"
    return found.group(1)


def signed_in(app: Flask, name: str, password: str) -> tuple[FlaskClient, str]:
    """A client signed in through the form, and the CSRF token its pages carry (signing in makes a new one)."""
    client = app.test_client()
    token = form_csrf(client)
    response = client.post("/signin", data={"name": name, "password": password, "csrf_token": token})
    assert response.status_code == 302
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").get_data(as_text=True))
    assert found and found.group(1) != token, "a new token after signing in"
    return client, found.group(1)
