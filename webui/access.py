"""Who may do what: browser sign-in for people, the API token for scripts, CSRF for forms, security headers.

Everything that only reads works without signing in (unless ``KG_READ_REQUIRES_LOGIN``). Writes
(starting and cancelling jobs, accepting and rejecting predictions, write Cypher) need either a
signed-in account with the ``admin`` role or ``Authorization: Bearer <KG_API_TOKEN>``.

Accounts come from ``KG_USERS``: ``name:role:hash`` entries separated by ``;``, the hash made by
``kgplatform hash-password`` (werkzeug's salted scrypt), the role ``admin`` or ``reader``. A
request that a browser sends with the session cookie and that changes something must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``): another site can make
a browser send the cookie, but cannot read the token. A bearer-token call needs none, since
browsers never add that header on their own.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from flask import Response, abort, jsonify, request, session
from werkzeug.security import check_password_hash

from kgplatform.config import Settings
from kgplatform.errors import InvalidInput
from webui.services import services

View = TypeVar("View", bound=Callable[..., Any])
Role = Literal["admin", "reader"]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")

#: Sent with every response: no framing, no sniffing, scripts and styles only from this origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True)
class Account:
    """A person who can sign in, and what they may do."""

    name: str
    role: Role
    password_hash: str

    @property
    def may_write(self) -> bool:
        return self.role == "admin"


def accounts(settings: Settings) -> dict[str, Account]:
    """The accounts in ``KG_USERS``.

    Raises:
        InvalidInput: an entry that is not ``name:role:hash`` with a known role.
    """
    found: dict[str, Account] = {}
    for entry in filter(None, (part.strip() for part in settings.users.split(";"))):
        name, _, rest = entry.partition(":")
        role, _, password_hash = rest.partition(":")
        if not ACCOUNT_NAME.fullmatch(name) or role not in ("admin", "reader") or not password_hash:
            raise InvalidInput("KG_USERS", entry.split(":")[0] + ":...",
                               "name:role:hash entries separated by ';' (role admin or reader; the hash from "
                               "kgplatform hash-password)")
        found[name] = Account(name, role, password_hash)  # type: ignore[arg-type]
    return found


def sign_in(settings: Settings, name: str, password: str) -> Account | None:
    """The account when the password is right (the session then remembers it), else None."""
    account = accounts(settings).get(name)
    if account is None or not check_password_hash(account.password_hash, password):
        return None
    session.clear()
    session["account"] = account.name
    session["csrf"] = secrets.token_urlsafe(32)
    return account


def sign_out() -> None:
    session.clear()


def current_account(settings: Settings) -> Account | None:
    """The signed-in account of this request, if any (an account removed from settings is signed out)."""
    name = session.get("account")
    return accounts(settings).get(name) if isinstance(name, str) else None


def bearer_ok(settings: Settings) -> bool:
    """Whether the request carries the configured API token."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(settings.api_token) and scheme.lower() == "bearer" and \
        hmac.compare_digest(given.strip().encode(), settings.api_token.encode())


def may_write(settings: Settings) -> bool:
    """Whether this request may change the graph or the jobs: the API token, or a signed-in admin."""
    if bearer_ok(settings):
        return True
    account = current_account(settings)
    return account is not None and account.may_write


def csrf_token() -> str:
    """This session's CSRF token (made on first use), for forms and the page scripts."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_request(settings: Settings) -> None:
    """Before every request: the CSRF check of cookie-carried writes, and sign-in for reads when required."""
    if _carries_cookie_write() and not bearer_ok(settings):
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(given.encode(), expected.encode()):
            abort(400, "missing or stale CSRF token: reload the page and try again")
    if settings.read_requires_login and request.endpoint not in ("access.signin", "api.health", "static") \
            and current_account(settings) is None and not bearer_ok(settings):
        abort(401, "sign in first (KG_READ_REQUIRES_LOGIN is set)")


def _carries_cookie_write() -> bool:
    """A change requested with the browser's credentials: by a signed-in session, or from a form (sign-in too)."""
    return request.method in UNSAFE_METHODS and (session.get("account") is not None or bool(request.form))


def add_headers(response: Response) -> Response:
    """After every request: the security headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def write_required(view: View) -> View:
    """Refuse the call (see :func:`refusal`) unless it may write."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs) if may_write(services().settings) else refusal()

    return guarded  # type: ignore[return-value]


def refusal(reason: str = "") -> Any:
    """Why this request may not write: 403 signed in without the admin role or no way to write is set
    up on the server, else 401 (anonymous, or a wrong token). JSON under ``/api``, an error page elsewhere.

    ``reason``: what was refused, said first (the engine's word that a query writes).
    """
    settings = services().settings
    if current_account(settings) is not None:
        status, message = 403, "your account may only read: writes need the admin role"
    elif not settings.api_token and not settings.users:
        status, message = 403, "writes over HTTP are disabled: set KG_API_TOKEN or KG_USERS on the server"
    else:
        status, message = 401, "sign in as an admin, or send Authorization: Bearer <KG_API_TOKEN>"
    message = f"{reason}: {message}" if reason else message
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    abort(status, message)


def local_path(target: str) -> str:
    """``target`` if it is a path on this site, else ``""``: a redirect after a form never leaves the site.

    ``//host`` and ``/\\host`` name other hosts to a browser, so a backslash anywhere is refused too.
    """
    on_site = target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
    return target if on_site and "\\" not in target else ""
