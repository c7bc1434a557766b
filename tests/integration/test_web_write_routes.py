"""Every route that takes POST, PUT, PATCH or DELETE (from the url_map), against every caller who may not write.

A route added without a guard fails here twice: it is not in :data:`WRITES` or :data:`NOT_WRITES`,
and once listed, a refused caller that changed the graph shows in the digest. Then sessions (sign-out,
CSRF rotation, cookie flags) and secrets (never in logs, pages or JSON).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from kgplatform.domain import Prediction
from kgplatform.ingest import load_graph, read_graph
from kgplatform.store import GraphStore
from tests.conftest import TINY_KG
from tests.integration.conftest import AUTH, TOKEN, form_csrf, signed_in

PASSWORDS = {"ada": "ada-very-secret-pw", "rex": "rex-very-secret-pw"}
HASHES = {name: generate_password_hash(password, "pbkdf2:sha256:1000") for name, password in PASSWORDS.items()}
USERS = f"ada:admin:{HASHES['ada']};rex:reader:{HASHES['rex']}"
SECRET_KEY = "session-signing-key-never-shown"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Write(NamedTuple):
    path: str  # the rule with its variables filled in by :func:`_path`
    form: bool  # a browser form (fields) rather than a JSON API call
    body: dict[str, Any]
    done: int  # the status when an admin or the token calls it


#: The routes that change something, each with a call that would.
WRITES: dict[str, Write] = {
    "/api/cypher": Write("/api/cypher", False, {"query": "CREATE (:Entity {id: 'intruder'})", "write": True}, 200),
    "/api/jobs": Write("/api/jobs", False, {"model": "distmult", "relations": ["LIKES"], "epochs": 1}, 201),
    "/api/jobs/<job_id>/cancel": Write("/api/jobs/{job}/cancel", False, {}, 200),
    "/jobs/new": Write("/jobs/new", True, {"model": "distmult", "relations": "LIKES", "epochs": "1"}, 302),
    "/predictions/decide": Write("/predictions/decide", True,
                                 {"decision": "accept", "chosen": json.dumps(["alice", "LIKES", "alien", "{job}"])},
                                 302),
    "/predictions/retract": Write("/predictions/retract", True, {"job": "{job}"}, 302),
}
#: POST routes that write nothing, and why they are POST.
NOT_WRITES = {
    "/api/graph/edges": "a read whose list of ids is too long for a URL",
    "/signin": "the sign-in form (CSRF-checked like every form)",
    "/signout": "ends the caller's own session",
}


@pytest.fixture
def site(make_app: Callable[..., Flask]) -> Flask:
    """tiny_kg, accounts ada (admin) and rex (reader), a queued job and one visible prediction of it."""
    app = make_app(users=USERS, secret_key=SECRET_KEY)
    store = _store(app)
    load_graph(store, read_graph([TINY_KG], "triples"))
    job = app.test_client().post("/api/jobs", json={"model": "distmult", "relations": ["LIKES"]}, headers=AUTH)
    app.config["job"] = job.get_json()["job_id"]
    store.write_predictions(app.config["job"], "distmult",
                            [Prediction("alice", "LIKES", "alien", 0.9, 1, "distmult", app.config["job"])])
    store.publish_predictions(app.config["job"])
    return app


def _store(app: Flask) -> GraphStore:
    found: GraphStore = app.extensions["kg"].store
    return found


def _call(app: Flask, client: FlaskClient, rule: str, headers: dict[str, str] | None = None,
          csrf: str | None = None) -> Any:
    write = WRITES[rule]
    body = {k: v.replace("{job}", app.config["job"]) if isinstance(v, str) else v for k, v in write.body.items()}
    path = write.path.replace("{job}", app.config["job"])
    headers = dict(headers or {})
    if write.form:
        return client.post(path, data={**body, **({"csrf_token": csrf} if csrf else {})}, headers=headers)
    return client.post(path, json=body, headers={**headers, **({"X-CSRF-Token": csrf} if csrf else {})})


def test_the_write_routes_are_the_listed_ones(site: Flask) -> None:
    found = {rule.rule for rule in site.url_map.iter_rules() if UNSAFE & (rule.methods or set())}
    assert found, "the app has routes that take POST"
    assert found == set(WRITES) | set(NOT_WRITES), "a new route that takes POST: guard it and list it here"
    assert not set(WRITES) & set(NOT_WRITES)


class Caller(NamedTuple):
    client: Callable[[Flask], tuple[FlaskClient, str | None]]  # a client and the CSRF token it sends
    headers: dict[str, str]
    api: int  # the status of a JSON API call
    form: int  # the status of a browser form


def _anonymous(app: Flask) -> tuple[FlaskClient, str | None]:
    return app.test_client(), None


def _anonymous_with_csrf(app: Flask) -> tuple[FlaskClient, str | None]:
    client = app.test_client()
    return client, form_csrf(client)


def _reader(app: Flask) -> tuple[FlaskClient, str | None]:
    return signed_in(app, "rex", PASSWORDS["rex"])


def _admin_without_csrf(app: Flask) -> tuple[FlaskClient, str | None]:
    return signed_in(app, "ada", PASSWORDS["ada"])[0], None


def _admin_with_wrong_csrf(app: Flask) -> tuple[FlaskClient, str | None]:
    client, token = signed_in(app, "ada", PASSWORDS["ada"])
    return client, token[::-1]


def _admin_with_old_csrf(app: Flask) -> tuple[FlaskClient, str | None]:
    """The token of the session before signing in (it must not survive the sign-in)."""
    client = app.test_client()
    old = form_csrf(client)
    signed = client.post("/signin", data={"name": "ada", "password": PASSWORDS["ada"], "csrf_token": old})
    assert signed.status_code == 302
    return client, old


#: A form from a stranger fails the CSRF check (400) before anyone asks who sent it.
CALLERS = {
    "anonymous": Caller(_anonymous, {}, 401, 400),
    "anonymous-with-csrf": Caller(_anonymous_with_csrf, {}, 401, 401),
    "wrong-token": Caller(_anonymous, {"Authorization": "Bearer wrong-" + TOKEN}, 401, 400),
    "token-as-basic": Caller(_anonymous, {"Authorization": f"Basic {TOKEN}"}, 401, 400),
    "empty-bearer": Caller(_anonymous, {"Authorization": "Bearer "}, 401, 400),
    "reader": Caller(_reader, {}, 403, 403),
    "admin-without-csrf": Caller(_admin_without_csrf, {}, 400, 400),
    "admin-with-wrong-csrf": Caller(_admin_with_wrong_csrf, {}, 400, 400),
    "admin-with-pre-sign-in-csrf": Caller(_admin_with_old_csrf, {}, 400, 400),
}


@pytest.mark.parametrize("who", list(CALLERS))
@pytest.mark.parametrize("rule", list(WRITES))
def test_each_write_route_refuses_whoever_may_not_write(site: Flask, rule: str, who: str) -> None:
    caller = CALLERS[who]
    client, csrf = caller.client(site)
    before, jobs = _store(site).digest(), _queued(site)
    response = _call(site, client, rule, caller.headers, csrf)
    assert response.status_code == (caller.form if WRITES[rule].form else caller.api), response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert re.search(r"CSRF|admin|KG_API_TOKEN", text), text
    assert _store(site).digest() == before and _queued(site) == jobs


@pytest.mark.parametrize("rule", list(WRITES))
def test_each_write_route_works_for_an_admin_and_the_token(site: Flask, rule: str) -> None:
    """The refusals above are refusals of these same calls, which do work for a caller who may write."""
    client, csrf = signed_in(site, "ada", PASSWORDS["ada"])
    assert _call(site, client, rule, csrf=csrf).status_code == WRITES[rule].done
    if not WRITES[rule].form:
        assert _call(site, site.test_client(), rule, AUTH).status_code in (WRITES[rule].done, 409, 400)


def test_no_write_over_http_without_a_token_or_accounts(make_app: Callable[..., Flask]) -> None:
    app = make_app(api_token="", users="")
    refused = app.test_client().post("/api/cypher", json={"query": "CREATE (:Entity {id: 'x'})", "write": True})
    assert refused.status_code == 403 and "disabled" in refused.get_json()["error"]
    assert app.test_client().post("/api/jobs", json={"model": "distmult"}, headers={"Authorization": "Bearer "}
                                  ).status_code == 403


def _queued(app: Flask) -> list[str]:
    return sorted(j.job_id for j in app.extensions["kg"].jobs.list_jobs(limit=100))


# -- sessions ------------------------------------------------------------------------------------


def test_sign_in_rotates_the_csrf_token_and_sets_safe_cookie_flags(site: Flask) -> None:
    client = site.test_client()
    before = form_csrf(client)
    response = client.post("/signin", data={"name": "ada", "password": PASSWORDS["ada"], "csrf_token": before})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    after = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").get_data(as_text=True))
    assert after and after.group(1) != before


def test_sign_out_ends_the_session(site: Flask) -> None:
    client, csrf = signed_in(site, "ada", PASSWORDS["ada"])
    assert client.post("/signout", data={"csrf_token": csrf}).status_code == 302
    assert "ada (admin)" not in client.get("/").get_data(as_text=True)
    before = _store(site).digest()
    write = {"query": "CREATE (:Entity {id: 'intruder'})", "write": True}
    assert client.post("/api/cypher", json=write, headers={"X-CSRF-Token": csrf}).status_code == 401
    assert _store(site).digest() == before


def test_a_signed_out_session_cookie_expires(site: Flask) -> None:
    """Sessions are signed cookies, so a copy taken before sign-out works until it expires: keep that short."""
    lifetime = site.permanent_session_lifetime.total_seconds()
    assert 0 < lifetime <= 12 * 3600


def test_a_removed_account_is_signed_out(make_app: Callable[..., Flask]) -> None:
    app = make_app(users=USERS, secret_key=SECRET_KEY)
    client, csrf = signed_in(app, "ada", PASSWORDS["ada"])
    demoted = make_app(users=f"rex:reader:{HASHES['rex']}", secret_key=SECRET_KEY)
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = demoted.test_client()
    other.set_cookie("session", cookie.value)
    write = {"query": "CREATE (:Entity {id: 'intruder'})", "write": True}
    assert other.post("/api/cypher", json=write, headers={"X-CSRF-Token": csrf}).status_code == 401


# -- secrets are never logged nor shown ---------------------------------------------------------------


def test_secrets_never_reach_logs_pages_or_json(site: Flask, caplog: pytest.LogCaptureFixture,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    site.logger.setLevel(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.DEBUG)
    shown: list[str] = []
    client = site.test_client()
    token = form_csrf(client)
    shown.append(client.post("/signin", data={"name": "ada", "password": "wrong-" + PASSWORDS["ada"],
                                               "csrf_token": token}).get_data(as_text=True))
    shown.append(client.post("/signin", data={"name": "ada", "password": PASSWORDS["ada"], "csrf_token": token}
                             ).get_data(as_text=True))
    for path in ("/", "/console", "/jobs", "/jobs/new", "/predictions", "/no-such-page"):
        shown.append(client.get(path).get_data(as_text=True))
    api = site.test_client()
    for headers in (AUTH, {"Authorization": "Bearer wrong"}):
        shown.append(api.post("/api/jobs", json={"model": "distmult", "relations": ["LIKES"]},
                              headers=headers).get_data(as_text=True))
        shown.append(api.post("/api/jobs", json={"model": "nope"}, headers=headers).get_data(as_text=True))
        shown.append(api.post("/api/cypher", json={"query": "RETURN 1", "write": True},
                              headers=headers).get_data(as_text=True))
        shown.append(api.post("/api/cypher", json={"query": "RETURN nope("}, headers=headers).get_data(as_text=True))
        shown.append(api.get(f"/api/jobs/{site.config['job']}", headers=headers).get_data(as_text=True))
    out, err = capfd.readouterr()
    logged = "\n".join([caplog.text, out, err, *(repr(r.args) for r in caplog.records)])
    for secret in (TOKEN, SECRET_KEY, *PASSWORDS.values(), *HASHES.values()):
        assert secret not in logged
        assert all(secret not in page for page in shown)


def test_settings_do_not_print_their_secrets(site: Flask) -> None:
    """A settings object in a log line or a traceback shows no password, token, key or hash."""
    settings = site.extensions["kg"].settings
    text = repr(settings) + str(settings)
    for secret in (TOKEN, SECRET_KEY, *HASHES.values()):
        assert secret not in text
