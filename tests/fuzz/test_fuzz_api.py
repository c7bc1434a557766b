"""Every route of the web app with arbitrary path, query-string, JSON and form values: never a 5xx, JSON under /api.

Requests carry the API token (so write routes run their parsers, not just the refusal) or nothing
(a reader); one app on the tiny graph serves every example.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.inputs import json_values, query_values, spec_inputs
from tests.fuzz.oracles import check_request
from tests.integration.conftest import AUTH

#: (method, path with {} for the path parameter, the query or form names the view reads)
ROUTES = [
    ("GET", "/", []), ("GET", "/api/health", []),
    ("GET", "/api/entities", ["q", "limit"]),
    ("GET", "/api/entities/{}/neighbourhood", ["limit", "skip", "relation"]),
    ("POST", "/api/graph/edges", []), ("POST", "/api/cypher", []), ("POST", "/api/jobs", []),
    ("GET", "/api/jobs", ["status", "model", "relation", "since", "until", "limit"]),
    ("GET", "/api/jobs/{}", []), ("GET", "/api/jobs/{}/history", []), ("POST", "/api/jobs/{}/cancel", []),
    ("GET", "/api/users/{}/recommendations", ["relation", "k", "paths", "job"]),
    ("GET", "/console", ["query"]), ("GET", "/explore", ["q"]), ("GET", "/entity/{}", ["skip"]),
    ("GET", "/jobs", ["status"]), ("GET", "/jobs/new", []), ("GET", "/jobs/{}", []),
    ("POST", "/jobs/new", ["model", "relations", "epochs", "dim", "top_k", "device"]),
    ("GET", "/predictions", ["job", "relation", "status", "min_score"]),
    ("POST", "/predictions/decide", ["decision", "chosen", "back"]), ("POST", "/predictions/retract", ["job"]),
    ("GET", "/recommendations", ["user", "relation", "k", "paths"]),
    ("GET", "/signin", ["next"]), ("POST", "/signin", ["name", "password", "csrf_token"]), ("POST", "/signout", []),
    ("GET", "/vendor/{}", []), ("GET", "/static/{}", []),
]
path_values = st.one_of(st.sampled_from(["alice", "matrix", "LIKES", "nobody", "0", "a/b", "..", "%00", "x" * 600]),
                        st.text(min_size=1, max_size=12))
bodies = st.one_of(spec_inputs, json_values, st.fixed_dictionaries(
    {"query": st.one_of(st.sampled_from(["RETURN 1", "MATCH (n) RETURN n", "RETURN $x", ""]), st.text(max_size=30)),
     "params": json_values, "write": json_values}), st.fixed_dictionaries({"ids": json_values}))


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """A route and the values of one call of it."""
    method, template, names = draw(st.sampled_from(ROUTES))
    path = template.format(quote(draw(path_values), safe=""))
    values = draw(st.dictionaries(st.one_of(st.sampled_from(names or ["x"]), st.text(max_size=5)), query_values,
                                  max_size=4))
    kwargs: dict[str, Any] = {"headers": AUTH if draw(st.booleans()) else {}}
    if method == "GET":
        kwargs["query_string"] = values
    elif template.startswith("/api/"):
        kind = draw(st.sampled_from(["json", "json", "text", "none"]))
        if kind == "json":
            kwargs["json"] = draw(bodies)
        elif kind == "text":
            kwargs |= {"data": draw(st.text(max_size=40)), "content_type": "application/json"}
    else:
        kwargs["data"] = values
    return method, path, kwargs


@fuzz_settings(250)
@given(call=requests())
@example(call=("GET", "/api/entities", {"query_string": {"q": "alice " * 200}}))  # found: 500 (full-text syntax)
@example(call=("POST", "/api/jobs", {"headers": AUTH, "json": {"model": []}}))  # found: 500 (unhashable model)
@example(call=("GET", "/api/entities", {"query_string": {"q": "a", "limit": "9" * 5000}}))  # found: 500 (int())
@example(call=("GET", "/api/entities/alice/neighbourhood", {"query_string": {"skip": "9" * 25}}))
def test_no_route_answers_a_server_error(client: FlaskClient, call: tuple[str, str, dict[str, Any]]) -> None:
    method, path, kwargs = call
    event(str(check_request(client, method, path, **kwargs)))
