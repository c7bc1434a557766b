"""Every route of the web app with arbitrary path, query-string, JSON and form values: never a 5xx, JSON under /api.

Requests carry the API token (so write routes run their parsers, not just the refusal) or nothing
(a reader); one app on the tiny graph serves every example.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import event, example, given

from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.inputs import http_requests
from tests.fuzz.oracles import check_request
from tests.integration.conftest import AUTH


@fuzz_settings(500)
@given(call=http_requests())
@example(call=("GET", "/api/entities", {"query_string": {"q": "alice " * 200}}))  # found: 500 (full-text syntax)
@example(call=("POST", "/api/jobs", {"headers": AUTH, "json": {"model": []}}))  # found: 500 (unhashable model)
@example(call=("GET", "/api/entities", {"query_string": {"q": "a", "limit": "9" * 5000}}))  # found: 500 (int())
@example(call=("GET", "/api/entities/alice/neighbourhood", {"query_string": {"skip": "9" * 25}}))
def test_no_route_answers_a_server_error(client: FlaskClient, call: tuple[str, str, dict[str, Any]]) -> None:
    method, path, kwargs = call
    event(str(check_request(client, method, path, **kwargs)))
