"""``POST /api/cypher``: ``{"query", "params", "write"}`` -> columns and rows, read-only unless the caller may write.

Reads run in the store's read-only mode (FalkorDB ``GRAPH.RO_QUERY``; Neo4j EXPLAIN's query type
plus a READ session), so a write hidden anywhere in a query is refused by the engine, not by
guessing from its text. ``"write": true`` needs a signed-in admin or the API token. Every query
runs under the configured timeout and row cap, and the answer says both. Errors carry the
engine's message and, when it gives one, the position (line, column).
"""

from __future__ import annotations

import re
import time
from typing import Any

from flask import jsonify, request

from kgplatform.errors import InvalidInput, QueryError, WriteRefused
from webui.access import may_write, refusal
from webui.api import api
from webui.services import services

MAX_QUERY_CHARS = 20_000
_POSITION = re.compile(r"line:? (\d+), column:? (\d+)")


@api.post("/cypher")
def run_cypher() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("body", request.get_data(as_text=True)[:200],
                           'a JSON object {"query": ..., "params": {...}}')
    query, params, write = body.get("query"), body.get("params") or {}, body.get("write", False)
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
        raise InvalidInput("query", query if not isinstance(query, str) else query[:200],
                           f"a Cypher query of 1 to {MAX_QUERY_CHARS} characters")
    if not isinstance(params, dict):
        raise InvalidInput("params", params, "a JSON object of parameter values")
    if not isinstance(write, bool):
        raise InvalidInput("write", write, "true or false")
    settings = services().settings
    if write and not may_write(settings):
        return refusal()
    started = time.perf_counter()
    store = services().store
    try:
        result = (store.run_write if write else store.run_readonly)(query, params)
    except WriteRefused as exc:
        if may_write(settings):
            return jsonify({"error": f'{exc}: send "write": true to run it', "mode": "read"}), 400
        return refusal(str(exc))
    except QueryError as exc:
        return jsonify({"error": str(exc), "position": _position(str(exc))}), 400
    return jsonify({"columns": list(result.columns), "rows": [list(row) for row in result.rows],
                    "truncated": result.truncated, "row_cap": settings.row_cap,
                    "timeout_ms": settings.query_timeout_ms, "mode": "write" if write else "read",
                    "elapsed_ms": round(1000 * (time.perf_counter() - started), 1)})


def _position(message: str) -> dict[str, int] | None:
    found = _POSITION.search(message)
    return {"line": int(found.group(1)), "column": int(found.group(2))} if found else None
