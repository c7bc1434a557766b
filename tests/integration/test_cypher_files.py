"""Every file in cypher/ runs on the embedded store and lints clean as Neo4j would parse it.

No Neo4j server runs here, so Neo4j's own Cypher front end (npm ``@neo4j-cypher/language-support``)
checks each query with the Neo4j overrides applied: syntax, semantics, known functions and
procedures, and declared parameters.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest

from kgplatform import queries
from kgplatform.store import GraphStore
from tests.conftest import ROOT

SAMPLES: dict[str, Any] = {
    "rows": [{"id": "x", "h": "alice", "t": "matrix", "props": {"note": "n"}, "relation": "LIKES", "score": 0.5,
              "rank": 1, "type": "LIKES", "text": "likes"}],
    "edge_rows": [["alice", "matrix", {"note": "n"}]],
    "load_id": "load-1", "ids": ["alice", "nobody"], "id": "alice", "limit": 5, "source": "alice",
    "target": "nolan", "text": "ali", "types": ["LIKES", "DIRECTED"], "relation": "LIKES", "job_id": "job-1",
    "model": "transe", "created_at": 1, "status": None, "head": "carol", "tail": "matrix", "now": 2,
    "worker": "host:1", "owner": "host:2", "now_ms": 1000, "lease_ms": 3000, "grace_ms": 60000, "max_attempts": 3,
    "stage": "train", "percent": 50.0,
    "live": "{}", "metrics": "{}", "details": "{}", "written": 0, "error": None, "lost_error": "lost",
    "props": {"status": "queued", "relations": ["LIKES"]}, "since": None, "until": None, "per_node": 5, "user": "alice",
    "hops": [{"h": "alice", "r": "LIKES", "t": "matrix"}], "skip": 0, "words": ["matrx"],
    "part": 0, "kind": "entities", "records": '[["alice", {"name": null}]]',
}
PLACEHOLDERS: dict[str, Any] = {"labels": ("Entity",), "type": "LIKES", "types": ("LIKES", "DIRECTED"), "hops": 2}


def _declared(text: str) -> set[str]:
    header = " ".join(line for line in text.splitlines() if line.startswith("// params:"))
    return set(re.findall(r"\$(\w+)", header))


def _used(text: str) -> set[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return set(re.findall(r"\$(\w+)", body))


def _params(name: str, text: str) -> dict[str, Any]:
    """Sample values for the query's parameters (edge upserts take rows as lists)."""
    params = {k: SAMPLES[k] for k in _used(text)}
    if name in ("upsert_edges", "upsert_existing_edges"):
        params["rows"] = SAMPLES["edge_rows"]
    return params


def _render(name: str, backend: queries.Backend) -> str:
    needed = queries.placeholders(name, backend)
    return queries.render(name, backend, **{k: v for k, v in PLACEHOLDERS.items() if k in needed})


@pytest.mark.parametrize("name", queries.names())
def test_header_declares_exactly_the_params_used(name: str) -> None:
    for backend in ("falkordb", "neo4j"):
        text = queries.load(name, backend)
        assert text.lstrip().startswith("//"), f"{name}: starts with a comment saying what it is for"
        assert _declared(text) == _used(text), f"{name} ({backend}): // params header and $params differ"
        assert _used(text) <= SAMPLES.keys()


def test_overrides_replace_existing_queries_only() -> None:
    overrides = {p.stem for p in (ROOT / "cypher" / "neo4j").glob("*.cypher")}
    assert overrides and overrides <= set(queries.names())


@pytest.mark.parametrize("name", queries.names())
def test_runs_on_the_embedded_store(tiny_store: GraphStore, name: str) -> None:
    if name in ("create_entity_index", "create_job_index", "create_name_index"):  # ran when the store opened
        tiny_store.ensure_schema()
        return
    text = _render(name, "falkordb")
    params = _params(name, text)
    write = bool(re.search(r"\b(MERGE|CREATE|SET|DELETE)\b", text))
    columns, _ = tiny_store._execute(text, params, write=write)
    documented = re.search(r"^// columns: (.*)$", text, re.M)
    if documented:
        names = [c.split("(")[0].strip() for c in documented.group(1).split(",")]
        assert columns == names, f"{name}: the // columns header matches what the query returns"


def test_lints_clean_as_neo4j_parses_it() -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail("Neo4j's Cypher linter is not installed: run ./dev setup (needs Node.js and npm)")
    items = [{"name": name, "query": _render(name, "neo4j"),
              "parameters": _params(name, queries.load(name, "neo4j"))}
             for name in queries.names()]
    done = subprocess.run([node, str(ROOT / "tools" / "lint_cypher.mjs")], input=json.dumps(items),
                          capture_output=True, text=True, check=True, timeout=120)
    problems = {r["name"]: r["diagnostics"] for r in json.loads(done.stdout) if r["diagnostics"]}
    assert problems == {}


def test_the_linter_catches_what_neo4j_would_reject() -> None:
    """The lint test above can fail: Neo4j-invalid Cypher is reported."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing")
    bad = [{"name": "syntax", "query": "MATCH (n RETURN n", "parameters": {}},
           {"name": "falkordb-only", "query": "CALL db.idx.fulltext.queryNodes('Entity', $q) YIELD node RETURN node",
            "parameters": {"q": "x"}},
           {"name": "undeclared", "query": "RETURN $nope", "parameters": {}}]
    done = subprocess.run([node, str(ROOT / "tools" / "lint_cypher.mjs")], input=json.dumps(bad),
                          capture_output=True, text=True, check=True, timeout=120)
    assert all(any(d["severity"] == "error" for d in r["diagnostics"]) for r in json.loads(done.stdout))
