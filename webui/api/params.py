"""Query-string values, checked before they reach the library."""

from __future__ import annotations

from flask import request

from kgplatform.errors import InvalidInput


def query_int(name: str, default: int, expected: str = "a non-negative integer") -> int:
    """``?name=`` as an int (``default`` when absent or empty); InvalidInput naming it otherwise.

    ``isdecimal``, not ``isdigit``: "²" is a digit that ``int()`` refuses.
    """
    raw = request.args.get(name) or str(default)
    if not raw.isdecimal():
        raise InvalidInput(name, raw, expected)
    return int(raw)
