"""Hostile Cypher, one row per attempt: through the store's read-only path and ``POST /api/cypher``.

Every attempt is refused (a write, LOAD CSV, an unknown procedure, a second statement), capped
(a huge result) or stopped by the timeout (a runaway pattern), each with a message that says why,
and the graph's digest is the same afterwards. Names from load files and job specs, which cannot
be ``$params``, are refused with ``file:line`` or the field before they reach a query. The graph is
tests/data/tiny_kg.tsv plus a complete directed graph on seven ``ring`` nodes, so that unbounded
variable-length patterns have cycles to run around.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import redis
from flask import Flask
from werkzeug.security import generate_password_hash

from kgplatform.errors import InvalidInput, QueryError, WriteRefused
from kgplatform.ingest import load_graph, read_graph
from kgplatform.jobs.records import JobBook
from kgplatform.store import GraphStore
from kgplatform.store.server import ensure_server
from tests.conftest import TINY_KG
from tests.integration.conftest import AUTH, signed_in

READER = ("rex", "rex-secret")
USERS = f"rex:reader:{generate_password_hash(READER[1], 'pbkdf2:sha256:1000')}"
ROW_CAP, TIMEOUT_MS = 100, 1000
#: A runaway query may overrun the store's timeout a little (the engine checks it between steps).
SLACK_S = 5.0


class Case(NamedTuple):
    query: str
    outcome: str  # write (refused as a write), error (refused by the engine), invalid, capped, timeout, harmless
    message: str  # a regex the store's and the API's message must match
    params: dict[str, Any] | None = None


WRITE = r"writes, and the caller may only read"
LOAD_CSV = r"LOAD CSV makes the graph server read a file or fetch a URL"
TIMED_OUT = rf"ran past its limit of {TIMEOUT_MS} ms \(KG_QUERY_TIMEOUT_MS\)"
SYNTAX = r"Invalid input"

CASES: dict[str, Case] = {
    # writes, plain and disguised
    "create": Case("CREATE (:Entity {id: 'intruder'})", "write", WRITE),
    "merge": Case("MERGE (:Entity {id: 'intruder'})", "write", WRITE),
    "set": Case("MATCH (n:Entity) SET n.name = 'pwned'", "write", WRITE),
    "delete-edges": Case("MATCH ()-[r]->() DELETE r", "write", WRITE),
    "detach-delete": Case("MATCH (n) DETACH DELETE n", "write", WRITE),
    "remove-property": Case("MATCH (n:Entity) REMOVE n.id", "write", WRITE),
    "remove-label": Case("MATCH (n:Entity) REMOVE n:Entity", "write", WRITE),
    "mixed-case": Case("cReAtE (:Entity {id: 'intruder'})", "write", WRITE),
    "tautology": Case("MATCH (n) WHERE n.id = '' OR true DETACH DELETE n", "write", WRITE),
    "after-line-comment": Case("// only a read\nMATCH (n) DETACH DELETE n", "write", WRITE),
    "after-block-comment": Case("/* MATCH (n) RETURN n */ CREATE (:Entity {id: 'intruder'})", "write", WRITE),
    "comment-between-keywords": Case("MATCH (n) DETACH/**/DELETE n", "write", WRITE),
    "call-subquery-create": Case("CALL { CREATE (:Entity {id: 'intruder'}) RETURN 1 AS one } RETURN one",
                                 "write", WRITE),
    "call-subquery-delete": Case("MATCH (n) CALL { WITH n DETACH DELETE n } RETURN count(*)", "write", WRITE),
    "call-subquery-merge": Case("MATCH (a:Entity {id: 'alice'}) CALL { WITH a MERGE (a)-[:OWNS]->(:Loot) "
                                "RETURN 1 AS x } RETURN x", "write", WRITE),
    "foreach": Case("MATCH (n) FOREACH (x IN [1] | SET n.pwned = x)", "write", WRITE),
    "unwind-merge": Case("UNWIND range(1, 3) AS i MERGE (:Entity {id: 'x' + toString(i)})", "write", WRITE),
    "explain-create": Case("EXPLAIN CREATE (:Entity {id: 'intruder'})", "write", WRITE),
    "profile-delete": Case("PROFILE MATCH (n) DETACH DELETE n", "write", WRITE),
    "create-index": Case("CREATE INDEX FOR (n:Entity) ON (n.name)", "write", WRITE),
    "drop-index": Case("DROP INDEX ON :Entity(id)", "write", WRITE),
    "procedure-drop-fulltext": Case("CALL db.idx.fulltext.drop('Entity')", "write", WRITE),
    "procedure-create-fulltext": Case("CALL db.idx.fulltext.createNodeIndex('Entity', 'secret')", "write", WRITE),
    # LOAD CSV: the server would read its files or fetch URLs for whoever asks
    "load-csv-file": Case("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", "write", LOAD_CSV),
    "load-csv-traversal": Case("LOAD CSV FROM 'file://../../../../etc/passwd' AS row RETURN row", "write", LOAD_CSV),
    "load-csv-http": Case("LOAD CSV FROM 'http://169.254.169.254/latest/meta-data/' AS row RETURN row",
                          "write", LOAD_CSV),
    "load-csv-https": Case("LOAD CSV WITH HEADERS FROM 'https://10.255.255.1/x.csv' AS row RETURN row",
                           "write", LOAD_CSV),
    "load-csv-commented": Case("LOAD/**/CSV FROM 'https://10.255.255.1/x.csv' AS row RETURN row", "write", LOAD_CSV),
    "load-csv-in-subquery": Case("CALL { LOAD CSV FROM 'https://10.255.255.1/x' AS row RETURN row } RETURN row",
                                 "write", LOAD_CSV),
    "load-csv-from-param": Case("LOAD CSV FROM $url AS row RETURN row", "write", LOAD_CSV,
                                {"url": "file:///etc/passwd"}),
    "load-csv-then-create": Case("LOAD CSV FROM 'file:///etc/passwd' AS row CREATE (:Entity {id: row[0]})",
                                 "write", LOAD_CSV),
    # administration the engine does not offer, several statements, keywords it does not read
    "procedure-create-user": Case("CALL dbms.security.createUser('eve', 'pw', false)", "error", "not registered"),
    "procedure-clear-caches": Case("CALL db.clearQueryCaches()", "error", "not registered"),
    "two-statements": Case("RETURN 1; MATCH (n) DETACH DELETE n", "error", "more than one statement"),
    "read-then-write": Case("MATCH (n) RETURN n; CREATE (:Entity {id: 'intruder'})", "error",
                            "more than one statement"),
    "unicode-escape-keyword": Case("CR\\u0045ATE (:Entity {id: 'intruder'})", "error", SYNTAX),
    "fullwidth-keyword": Case("MATCH (n) \uff23\uff32\uff25\uff21\uff34\uff25 (:Entity {id: 'intruder'})", "error",
                              SYNTAX),
    "look-alike-keyword": Case("MATCH (n) \u13dfREATE (:Entity {id: 'intruder'})", "error", SYNTAX),
    "backticked-keyword": Case("`CREATE` (:Entity {id: 'intruder'})", "error", SYNTAX),
    "redis-graph-delete": Case("GRAPH.DELETE kg", "error", SYNTAX),
    "redis-flushall": Case("FLUSHALL", "error", SYNTAX),
    "redis-config-set": Case("CONFIG SET dir /tmp", "error", SYNTAX),
    "resp-smuggling": Case("RETURN 1\r\n*1\r\n$8\r\nFLUSHALL\r\n", "error", SYNTAX),
    # values are $params: text that looks like Cypher stays text
    "param-quote-injection": Case("RETURN $q AS q", "harmless", "", {"q": "' }) MATCH (n) DETACH DELETE n //"}),
    "param-escape-injection": Case("RETURN $q AS q", "harmless", "", {"q": '\\" MATCH (n) DETACH DELETE n //'}),
    "param-name-injection": Case("RETURN 1 AS one", "harmless", "", {"x=1 MATCH (n) DETACH DELETE n //": 1}),
    "param-name-backtick": Case("RETURN 1 AS one", "invalid", "parameter or property name",
                                {"x` MATCH (n) DETACH DELETE n //": 1}),
    "param-nul": Case("RETURN $q AS q", "invalid", "NUL", {"q": "a\x00') DETACH DELETE n"}),
    "write-in-line-comment": Case("MATCH (n:Entity) RETURN n.id // ; CREATE (:Entity {id: 'intruder'})",
                                  "harmless", ""),
    "write-in-block-comment": Case("MATCH (n:Entity) RETURN n.id /* ; MATCH (n) DETACH DELETE n */",
                                   "harmless", ""),
    "read-procedure": Case("CALL dbms.procedures()", "harmless", ""),
    # too much: capped, or stopped by the timeout
    "cartesian-product": Case("MATCH (a), (b), (c), (d) RETURN a.id, b.id, c.id, d.id", "capped", ""),
    "cartesian-of-nodes": Case("MATCH (a), (b), (c) RETURN a, b, c", "capped", ""),
    "unwind-millions": Case("UNWIND range(1, 2000000) AS i RETURN i", "capped", ""),
    "var-length-unbounded": Case("MATCH p = (a)-[*]-(b) RETURN p", "timeout", TIMED_OUT),
    "var-length-100": Case("MATCH p = (a)-[*1..100]-(b) RETURN p", "timeout", TIMED_OUT),
    "var-length-count": Case("MATCH p = (a:Entity)-[*1..100]-(b:Entity) RETURN count(p)", "timeout", TIMED_OUT),
}


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Flask:
    """tiny_kg plus a complete directed graph on seven nodes; a reader account; small limits."""
    app = make_app(users=USERS, row_cap=ROW_CAP, query_timeout_ms=TIMEOUT_MS)
    store = app.extensions["kg"].store
    load_graph(store, read_graph([TINY_KG], "triples"))
    store.run_write("UNWIND range(1, 7) AS i CREATE (:Entity {id: 'ring' + toString(i)})")
    store.run_write("MATCH (a:Entity), (b:Entity) WHERE a.id STARTS WITH 'ring' AND b.id STARTS WITH 'ring' "
                    "AND a <> b CREATE (a)-[:LINKS]->(b)")
    return app


def _store(app: Flask) -> GraphStore:
    found: GraphStore = app.extensions["kg"].store
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_store_read_path(site: Flask, name: str) -> None:
    case, store = CASES[name], _store(site)
    before = store.digest()
    started = time.monotonic()
    if case.outcome in ("write", "error", "timeout", "invalid"):
        error = {"write": WriteRefused, "invalid": InvalidInput}.get(case.outcome, QueryError)
        with pytest.raises(error, match=case.message) as info:
            store.run_readonly(case.query, case.params or {})
        if case.outcome != "write":
            assert not isinstance(info.value, WriteRefused)
    else:
        result = store.run_readonly(case.query, case.params or {})
        assert result.truncated is (case.outcome == "capped")
        assert len(result.rows) == ROW_CAP if case.outcome == "capped" else len(result.rows) <= ROW_CAP
        if case.params and "q" in case.params:
            assert result.rows == ((case.params["q"],),), "a value comes back as the text it was"
    assert time.monotonic() - started < TIMEOUT_MS / 1000 + SLACK_S
    assert store.digest() == before


@pytest.mark.parametrize("who", ["anonymous", "reader"])
@pytest.mark.parametrize("name", list(CASES))
def test_cypher_api(site: Flask, name: str, who: str) -> None:
    case, store = CASES[name], _store(site)
    if who == "reader":
        client, csrf = signed_in(site, *READER)
        headers = {"X-CSRF-Token": csrf}
    else:
        client, headers = site.test_client(), {}
    before = store.digest()
    response = client.post("/api/cypher", json={"query": case.query, "params": case.params}, headers=headers)
    body = response.get_json()
    if case.outcome == "write":
        assert response.status_code == (403 if who == "reader" else 401), body
        assert _matches(case.message, body["error"]) and "admin" in body["error"]
    elif case.outcome in ("error", "timeout", "invalid"):
        assert response.status_code == 400, body
        assert _matches(case.message, body["error"])
    else:
        assert response.status_code == 200, body
        assert body["truncated"] is (case.outcome == "capped") and body["row_cap"] == ROW_CAP
        assert len(body["rows"]) == ROW_CAP if case.outcome == "capped" else len(body["rows"]) <= ROW_CAP
    assert store.digest() == before


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def test_the_api_reaches_the_server_only_through_query_commands(site: Flask, data_dir: Path) -> None:
    """Redis commands in a query or a value are query text: no GRAPH.DELETE, FLUSHALL or CONFIG SET runs."""
    server = redis.Redis.from_url(ensure_server(data_dir).url, decode_responses=True)
    graph = site.extensions["kg"].settings.graph
    store = _store(site)
    before, keys, folder = store.digest(), server.dbsize(), server.config_get("dir")
    calls_before = _command_calls(server)
    client = site.test_client()
    for text in (f"GRAPH.DELETE {graph}", "FLUSHALL", "FLUSHDB", "CONFIG SET dir /tmp", "SHUTDOWN NOSAVE",
                 f"RETURN 1\r\n*2\r\n$12\r\nGRAPH.DELETE\r\n${len(graph)}\r\n{graph}\r\n"):
        for body in ({"query": text}, {"query": "RETURN $x AS x", "params": {"x": text}},
                     {"query": text, "write": True}):
            response = client.post("/api/cypher", json=body, headers=AUTH if body.get("write") else {})
            assert response.status_code in (200, 400), response.get_json()
    sent = {name for name, count in _command_calls(server).items() if count != calls_before.get(name, 0)}
    assert sent <= {"graph.RO_QUERY", "graph.QUERY", "graph.EXPLAIN", "client|setinfo", "info"}, sent
    assert server.dbsize() == keys and server.config_get("dir") == folder
    assert graph in server.execute_command("GRAPH.LIST") and store.digest() == before
    server.close()


def _command_calls(server: redis.Redis) -> dict[str, int]:
    return {name.removeprefix("cmdstat_"): int(stats["calls"]) for name, stats in server.info("commandstats").items()}


# -- names that cannot be $params: labels and relation types from load files and job specs ------------

INJECTED = "LIKES`]->() MATCH (n) DETACH DELETE n //"


@pytest.mark.parametrize(("name", "fmt", "text", "line", "kind"), [
    ("edges.tsv", "triples", f"alice\tLIKES\tmatrix\nbob\t{INJECTED}\tmatrix\n", 2, "relation type"),
    ("edges.tsv", "triples", "alice\tLIKES\tmatrix\nbob\tLIKES\x07\tmatrix\n", 2, "relation type"),
    ("edges.csv", "csv", f'head,relation,tail\nalice,LIKES,matrix\nbob,"{INJECTED}",matrix\n', 3, "relation type"),
    ("edges.csv", "csv", "head,relation,tail\nalice,PREDICTED,matrix\n", 2, "reserved"),
    ("nodes.csv", "csv", "id,labels\nm1,Movie\nm2,\"Movie`) MATCH (n) DETACH DELETE n //\"\n", 3, "label"),
    ("nodes.csv", "csv", 'id,labels\nm1,"Movie|Bad\nLabel"\n', 3, "label"),  # the line its record ends on
    ("nodes.csv", "csv", "id,labels\nm1,Job\n", 2, "reserved"),
], ids=["tsv-relation", "tsv-relation-control", "csv-relation", "csv-reserved-relation", "csv-label",
        "csv-label-newline", "csv-reserved-label"])
def test_names_in_load_files_are_refused_with_file_and_line(tiny_store: GraphStore, tmp_path: Path, name: str,
                                                            fmt: str, text: str, line: int, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode())
    before = tiny_store.digest()
    with pytest.raises(InvalidInput, match=kind) as info:
        load_graph(tiny_store, read_graph([path], fmt))
    assert info.value.source.startswith(f"{path}:{line}")
    assert tiny_store.digest() == before


@pytest.mark.parametrize("relations", [[INJECTED], "LIKES,X`]->() DETACH DELETE n //", ["PREDICTED"],
                                       ["LIKES\nMATCH (n) DETACH DELETE n"]],
                         ids=["list", "comma-text", "reserved", "newline"])
def test_names_in_job_specs_are_refused_before_anything_is_recorded(app: Flask, relations: Any) -> None:
    store = _store(app)
    before = store.digest()
    response = app.test_client().post("/api/jobs", json={"model": "distmult", "relations": relations}, headers=AUTH)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == "relations"
    assert JobBook(store).list_jobs() == [] and store.digest() == before
