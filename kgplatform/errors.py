"""The exceptions kgplatform raises, so callers can map them (CLI exit codes, HTTP statuses).

Every error carries the bad value and what was expected, because "invalid input" alone
sends a user hunting through a 300k-line file.
"""

from __future__ import annotations


class KGError(Exception):
    """Base of every error kgplatform raises on purpose."""


class InvalidInput(KGError):
    """Input that does not have the expected shape: a bad file line, name or parameter.

    Attributes:
        source: where the bad value came from (``path:line`` for files, a field name otherwise).
        value: the offending value, as read.
        expected: what would have been accepted.
    """

    def __init__(self, source: str, value: object, expected: str) -> None:
        self.source = source
        self.value = value
        self.expected = expected
        super().__init__(f"{source}: bad value {value!r}; expected {expected}")


class UnknownModel(KGError):
    """A completion model name that kgplatform does not provide."""


class QueryError(KGError):
    """A Cypher query was rejected by the store (syntax, semantics, timeout, or a write in read mode)."""


class WriteRefused(QueryError):
    """A query sent as read-only would write (the store's read-only mode refused it)."""


class StoreUnavailable(KGError):
    """The graph store cannot be reached or started."""


class Interrupted(KGError):
    """A job stopped at a step boundary: it was cancelled, or its worker lost its claim on it."""


class NotFound(InvalidInput):
    """An id that names nothing (a job, a user): HTTP 404, CLI exit code 2."""
