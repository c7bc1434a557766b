"""The API token check for write endpoints (``Authorization: Bearer <KG_API_TOKEN>``)."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import jsonify, request

from webui.services import services

View = TypeVar("View", bound=Callable[..., Any])


def token_required(view: View) -> View:
    """Refuse the call unless it carries the configured token (401), or when none is configured (403)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        expected = services().settings.api_token
        if not expected:
            return jsonify({"error": "writes over HTTP are disabled: set KG_API_TOKEN on the server"}), 403
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            return jsonify({"error": "missing or wrong API token (send Authorization: Bearer <token>)"}), 401
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
