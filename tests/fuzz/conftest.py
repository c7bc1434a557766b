"""Fuzz settings and the web fixtures the API fuzzing shares with tests/integration.

``KG_FUZZ_SCALE=20 pytest tests/fuzz`` runs twenty times the examples of the default run (which
keeps the whole package near a minute); ``bench/fuzz.py`` is the long, coverage-guided run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.integration.conftest import app, broker, client, make_app  # noqa: F401  (fixtures used here too)

SCALE = float(os.environ.get("KG_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    """``examples`` (times KG_FUZZ_SCALE) with no deadline: a store round trip varies with the machine's load.

    The store and app fixtures are made once per test and reset between examples where it matters.
    """
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
