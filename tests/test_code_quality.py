"""The code stays as the style guide asks: ruff-clean everywhere, mypy --strict on the library, workers and web app."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_core_library_imports_neither_flask_nor_celery() -> None:
    code = "import sys, kgplatform.cli, kgplatform.ingest, kgplatform.subgraph, kgplatform.store.falkordb, " \
           "kgplatform.jobs.runner, kgplatform.jobs.dispatch; " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'celery')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
