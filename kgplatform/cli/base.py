"""The root ``kgplatform`` command group and what every verb shares: settings, store, output.

Every verb reads the same :class:`~kgplatform.config.Settings` (``KG_*`` variables, overridden by
``--data-dir`` and ``--store``), so the CLI, the web app and the workers see one graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kgplatform.config import Settings
from kgplatform.store import GraphStore, open_store


def echo(ctx: click.Context, payload: Any, text: Callable[[Any], str]) -> None:
    """Print ``payload`` as JSON under ``--json``, else as ``text(payload)``."""
    if ctx.find_root().obj["json"]:
        click.echo(json.dumps(payload, default=str, ensure_ascii=False))
    else:
        click.echo(text(payload))


def settings_of(ctx: click.Context) -> Settings:
    """The settings the root group built from the environment and its options."""
    settings: Settings = ctx.find_root().obj["settings"]
    return settings


def store_of(ctx: click.Context) -> GraphStore:
    """A store for this invocation, closed when the command ends."""
    store = open_store(settings_of(ctx))
    ctx.call_on_close(store.close)
    return store


@click.group()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="KG_DATA_DIR",
              help="Embedded store's data directory (default ./.kgdata).")
@click.option("--store", "store_kind", type=click.Choice(["embedded", "neo4j"]), envvar="KG_STORE",
              help="Graph store backend.")
@click.option("--graph", envvar="KG_GRAPH", help="Graph (FalkorDB key) to use.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, store_kind: str | None, graph: str | None, as_json: bool) -> None:
    """Knowledge-graph completion and explainable recommendation."""
    ctx.obj = {"settings": Settings.from_env(data_dir=data_dir, store=store_kind, graph=graph), "json": as_json}


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` after the verb too (``kgplatform stats --json``)."""

    def set_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
        if value:
            ctx.find_root().obj["json"] = True

    return click.option("--json", "as_json", is_flag=True, expose_value=False, callback=set_json,
                        help="Print results as JSON.")(func)


def relations_option(_: click.Context, __: click.Parameter, value: str | None) -> tuple[str, ...]:
    """Split a comma-separated ``--relations`` value."""
    return tuple(r.strip() for r in (value or "").split(",") if r.strip())
