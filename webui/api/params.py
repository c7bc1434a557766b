"""Query-string values, checked before they reach the library."""

from __future__ import annotations

from flask import request

from kgplatform.errors import InvalidInput


def query_int(name: str, default: int, expected: str = "a non-negative integer") -> int:
    """``?name=`` as an int (``default`` when absent or empty); InvalidInput naming it otherwise.

    ``isdecimal``, not ``isdigit``: "²" is a digit that ``int()`` refuses. At most 18 digits: the
    value reaches the store as a 64-bit integer, and ``int()`` refuses more than 4300 digits.
    """
    raw = request.args.get(name) or str(default)
    if not raw.isdecimal() or len(raw) > 18:
        raise InvalidInput(name, raw, expected)
    return int(raw)
