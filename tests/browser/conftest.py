"""The browser tests' world: the demo graph, ``kgplatform serve`` as its own process, and real headless Chromium.

Chromium is Debian's (``apt-get install -y chromium``), driven by Playwright's Python package
(never ``playwright install``). Without it the tests skip, saying so; under ``CI=true`` they fail.
Every test leaves a full-page screenshot in ``test-results/screenshots/`` (a failing one too).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.security import generate_password_hash

from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.training import TrainConfig
from kgplatform.config import Settings
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.dispatch import record_job
from kgplatform.jobs.local import LocalWorker
from kgplatform.jobs.records import JobBook
from kgplatform.jobs.runner import execute_job
from kgplatform.store import GraphStore, open_store
from kgplatform.store.server import ensure_server
from tests.conftest import ROOT
from webui.served import ServedApp

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-results" / "screenshots"
ADMIN = ("ada", "ada-secret")
#: The job the site starts with: recommendations and predictions to look at.
JOB = CompletionSpec(train=TrainConfig(model="distmult", dim=32, epochs=10, seed=0), relations=("WATCHED",),
                     top_k=10, evaluate=False)


@dataclass
class Site:
    """A running web app: where it answers, and its store (to check what the browser did)."""

    url: str
    store: GraphStore


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI installs Debian's chromium (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox", "--disable-gpu",
                                                    "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def site(data_dir: Path) -> Iterator[Site]:
    """The demo graph with one finished job on ``WATCHED``, served by ``kgplatform serve`` on a free port,
    with a ``kgplatform worker`` for the jobs the browser starts."""
    settings = Settings(store="embedded", data_dir=data_dir, graph=f"ui_{uuid.uuid4().hex[:10]}",
                        broker_url=ensure_server(data_dir).url + "/2",  # its own queues: other tests' stay theirs
                        api_token="ui-token", interaction_relation="WATCHED",
                        users=f"{ADMIN[0]}:admin:{generate_password_hash(ADMIN[1], 'pbkdf2:sha256:1000')}")
    store = open_store(settings)
    load_graph(store, read_graph([], "demo"))
    done = execute_job(store, settings, record_job(JobBook(store), JOB).job_id, "browser-tests")
    assert done.status == "succeeded", done.error
    worker = LocalWorker(settings, data_dir / f"{settings.graph}-worker.log").start()
    app = ServedApp(settings).start()
    try:
        worker.wait_ready()
        yield Site(app.url, store)
    finally:
        app.stop()
        worker.stop()
        store.drop_graph()
        store.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context's page; its screenshot is saved whatever the outcome."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
