"""The Flask web app: the HTTP API and the browser pages on top of it.

``create_app(settings)`` builds one app per deployment; it holds one graph store (its clients are
thread-safe) and the job dispatcher, both made on first use so that importing the app starts
nothing. Who may write, CSRF and the security headers are :mod:`webui.access`.
"""

from __future__ import annotations

import gc
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kgplatform.config import Settings
from kgplatform.errors import InvalidInput as InvalidInputError
from kgplatform.errors import KGError, NotFound, QueryError, StoreUnavailable

#: How long a session cookie stays valid after sign-in (a working day).
SESSION_HOURS = 12


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the app for ``settings`` (default: from ``KG_*`` variables)."""
    from webui.access import add_headers, check_request, csrf_token, current_account
    from webui.api import api
    from webui.console import console
    from webui.explore import explore
    from webui.jobpages import jobpages
    from webui.pages import pages
    from webui.recommendations import recommendations
    from webui.review import review
    from webui.services import Services
    from webui.signin import signin_pages
    from webui.vendor import vendor

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.secret_key = settings.secret_key or _kept_secret(settings.data_dir)
    # Sessions are signed cookies that sign-out cannot revoke: a copy expires with the lifetime (not 31 days)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", MAX_CONTENT_LENGTH=1 << 20,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.config.update(config)
    app.extensions["kg"] = Services(settings)
    app.before_request(lambda: check_request(settings))
    app.after_request(add_headers)
    app.register_blueprint(api, url_prefix="/api")
    for blueprint in (pages, signin_pages, explore, recommendations, jobpages, review, console, vendor):
        app.register_blueprint(blueprint)
    app.context_processor(lambda: {"account": current_account(settings), "csrf_token": csrf_token,
                                   "endpoints": set(app.view_functions)})
    _register_errors(app)
    return app


def settle_heap() -> None:
    """Take what the process holds after start-up out of the garbage collector's view (``gc.freeze``).

    A serving process imports torch and the model code (about 180,000 tracked objects). Each full
    collection scanned them all, 30-40 ms holding the GIL, and every request thread of the process
    waited: under load these pauses were the worst 1% of latencies (bench/api_load.py). Objects made
    later, per request, are collected as usual. For server entry points, once the app is built.
    """
    gc.collect()
    gc.freeze()


def _kept_secret(data_dir: Path) -> str:
    """The session key kept in the data directory (made once, readable by its owner only)."""
    path = data_dir / "web_secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _register_errors(app: Flask) -> None:
    """kgplatform errors with the status a client can act on: JSON under ``/api``, an error page elsewhere."""

    def body(error: Exception, status: int) -> tuple[Any, int]:
        payload: dict[str, Any] = {"error": str(error)}
        if isinstance(error, InvalidInputError):
            payload |= {"field": error.source, "value": error.value, "expected": error.expected}
        if request.path.startswith("/api/"):
            return jsonify(payload), status
        return render_template("error.html", status=status, message=payload["error"]), status

    app.register_error_handler(NotFound, lambda e: body(e, 404))
    app.register_error_handler(InvalidInputError, lambda e: body(e, 400))
    app.register_error_handler(QueryError, lambda e: body(e, 400))
    app.register_error_handler(StoreUnavailable, lambda e: body(e, 503))
    app.register_error_handler(KGError, lambda e: body(e, 500))
    app.register_error_handler(HTTPException, lambda e: body(Exception(e.description), e.code or 500))
