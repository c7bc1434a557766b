"""Settings come from KG_* variables, then explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgplatform.config import Settings
from kgplatform.errors import InvalidInput


def test_defaults_run_locally() -> None:
    settings = Settings.from_env({})
    assert settings.store == "embedded" and settings.data_dir == Path(".kgdata") and settings.broker_url == ""


def test_environment_then_overrides() -> None:
    env = {"KG_STORE": "neo4j", "KG_NEO4J_URI": "neo4j://db:7687", "KG_ROW_CAP": "50", "KG_DATA_DIR": "/x"}
    settings = Settings.from_env(env, data_dir=Path("/y"), graph=None)
    assert settings.store == "neo4j" and settings.neo4j_uri == "neo4j://db:7687"
    assert settings.row_cap == 50 and settings.data_dir == Path("/y") and settings.graph == "kg"


@pytest.mark.parametrize(("name", "value"), [("KG_ROW_CAP", "many"), ("KG_STORE", "sqlite")])
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({name: value})
    assert info.value.source == name and info.value.value == value
