"""What a fuzzed input may do, per target; anything else is a finding (an AssertionError or a stray exception).

* a load either lands whole (and reads back as parsed) or raises :class:`InvalidInput` that names
  the file, leaving :meth:`GraphStore.digest` unchanged;
* a job spec is either a :class:`CompletionSpec` or :class:`InvalidInput` naming a spec field;
* a search returns a list of entities;
* an HTTP request gets a non-5xx answer, JSON under ``/api``.

The hypothesis tests in this package and ``bench/fuzz.py`` call these same functions.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import torch
from flask.testing import FlaskClient

from kgplatform.cli.completion import complete
from kgplatform.errors import InvalidInput
from kgplatform.ingest import ParsedGraph, load_graph, read_graph
from kgplatform.jobs.specs import spec_from_json, spec_to_json
from kgplatform.store import GraphStore
from tests.conftest import TINY_KG

#: Where each format's files go: the paths a load names, relative to the input directory.
LOAD_PATHS = {"triples": ["train.txt"], "csv": ["nodes.csv", "edges.csv"], "lastfm": ["."], "movies": ["."]}


def reset(store: GraphStore) -> None:
    """Back to the tiny graph every load example starts from (loads may merge into its entities)."""
    store.drop_graph()
    store.ensure_schema()
    load_graph(store, read_graph([TINY_KG], "triples"))


def write_input(files: Mapping[str, bytes], root: Path) -> None:
    """Replace what ``root`` holds with ``files`` (name -> bytes)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for name, data in files.items():
        (root / name).write_bytes(data)


def read_and_load(store: GraphStore, fmt: str, root: Path) -> ParsedGraph:
    """Load the input in ``root`` as the CLI would (triples with ``names.txt`` as entity text)."""
    extra = {"entity_text": root / "names.txt"} if fmt == "triples" else {}
    graph = read_graph([root / p for p in LOAD_PATHS[fmt]], fmt, **extra)
    load_graph(store, graph)
    return graph


def check_load(store: GraphStore, fmt: str, files: Mapping[str, bytes], root: Path) -> str:
    """Write ``files`` under ``root``, load them, and check the outcome; returns ``loaded`` or ``refused``.

    A clean load is undone with :func:`reset`, so the next example starts from the same graph.
    """
    write_input(files, root)
    before = store.digest()
    try:
        graph = read_and_load(store, fmt, root)
    except InvalidInput as exc:
        assert exc.source.startswith(str(root)), f"the error names no input file: {exc}"
        after = store.digest()
        assert after == before, f"a refused load changed the graph: {exc}"
        return "refused"
    for entity in list(graph.entities.values())[:50]:
        stored = store.get_entity(entity.id)
        assert stored is not None, f"entity {entity.id!r} was parsed but not written"
        for key, value in entity.properties.items():
            assert stored.properties.get(key) == value, \
                f"entity {entity.id!r}: {key}={value!r} was stored as {stored.properties.get(key)!r}"
    reset(store)
    return "loaded"


def check_spec(data: Any) -> str:
    """Parse a JSON spec; ``valid`` or ``refused`` (naming a field of the spec, or ``spec`` itself)."""
    try:
        spec = spec_from_json(data)
    except InvalidInput as exc:
        assert exc.source == "spec" or (isinstance(data, Mapping) and exc.source in data), \
            f"the error names no spec field: {exc}"
        return "refused"
    flat = json.loads(json.dumps(spec_to_json(spec), allow_nan=False))  # as a job record stores it
    assert spec_from_json(flat) == spec, f"{data!r} does not survive the job record"
    assert torch.device("cpu" if spec.train.device == "auto" else spec.train.device).type in ("cpu", "cuda")
    return "valid"


def check_cli_spec(args: list[str]) -> str:
    """Parse ``kgplatform complete ARGS`` as the CLI does, up to the spec: a usage error is a clean refusal."""
    try:
        ctx = complete.make_context("complete", list(args), obj={})
    except (click.ClickException, click.exceptions.Exit):  # bad options; --help
        return "refused"
    options = {k: v for k, v in ctx.params.items() if k not in ("run_async", "inductive")}
    return check_spec({k: v for k, v in options.items() if v is not None and v != ()})


def check_search(store: GraphStore, text: str, limit: int = 20) -> str:
    """Search; a list of at most ``limit`` entities, or InvalidInput for text no store can take (a NUL)."""
    try:
        found = store.search_entities(text, limit=limit)
    except InvalidInput:
        assert "\x00" in text, f"search for {text!r} refused"
        return "refused"
    assert isinstance(found, list) and len(found) <= limit
    return "found" if found else "none"


def check_request(client: FlaskClient, method: str, path: str, **kwargs: Any) -> int:
    """One request; never a 5xx, and JSON (with an ``error`` on a 4xx) under ``/api``.

    Redirects (werkzeug's own, to a path with merged slashes) and 405s come from the router, not a view.
    """
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, f"{method} {path} {kwargs}: {response.status_code} {response.data[:300]!r}"
    if path.startswith("/api/") and not 300 <= response.status_code < 400 and response.status_code != 405:
        body = response.get_json(silent=True)
        assert body is not None, f"{method} {path}: not JSON: {response.data[:200]!r}"
        if response.status_code >= 400:
            assert isinstance(body, dict) and "error" in body, f"{method} {path}: {body!r}"
    return response.status_code
