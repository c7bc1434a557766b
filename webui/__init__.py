"""The Flask web app: HTTP API now, browser pages on top of it (the UI issue).

``create_app(settings)`` builds one app per deployment; it holds one graph store (its clients are
thread-safe) and the job dispatcher, both made on first use so that importing the app starts
nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from kgplatform.config import Settings
from kgplatform.errors import InvalidInput as InvalidInputError
from kgplatform.errors import KGError, NotFound, QueryError, StoreUnavailable


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the app for ``settings`` (default: from ``KG_*`` variables)."""
    from webui.api import api
    from webui.pages import pages
    from webui.services import Services

    app = Flask(__name__)
    app.config.update(config)
    app.extensions["kg"] = Services(settings or Settings.from_env())
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(pages)
    _register_errors(app)
    return app


def _register_errors(app: Flask) -> None:
    """kgplatform errors as JSON with the status a client can act on."""

    def body(error: Exception, status: int) -> tuple[Any, int]:
        payload: dict[str, Any] = {"error": str(error)}
        if isinstance(error, InvalidInputError):
            payload |= {"field": error.source, "value": error.value, "expected": error.expected}
        return jsonify(payload), status

    app.register_error_handler(NotFound, lambda e: body(e, 404))
    app.register_error_handler(InvalidInputError, lambda e: body(e, 400))
    app.register_error_handler(QueryError, lambda e: body(e, 400))
    app.register_error_handler(StoreUnavailable, lambda e: body(e, 503))
    app.register_error_handler(KGError, lambda e: body(e, 500))
    app.register_error_handler(HTTPException, lambda e: (jsonify({"error": e.description}), e.code or 500))
