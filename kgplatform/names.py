"""Labels and relation types come from data, so they are checked before they reach query text.

Cypher cannot take a label or a relationship type as a ``$param``; these names are therefore
validated against :data:`NAME_PATTERN` and backtick-quoted, and nothing else is ever spliced
into a query.
"""

from __future__ import annotations

import re

from kgplatform.errors import InvalidInput

#: No backtick, no control character, not blank, at most 128 characters (Last.FM's
#: ``music.artist.genre`` and other dotted names are fine once quoted).
NAME_PATTERN = re.compile(r"^(?=.*\S)[^`\x00-\x1f\x7f]{1,128}$")

#: Names the platform uses itself: data may not claim them.
PREDICTED = "PREDICTED"
ENTITY = "Entity"
RESERVED_TYPES = frozenset({PREDICTED})
RELATION_TYPE = "RelationType"
LOAD = "Load"
LOAD_UNDO = "LoadUndo"
RESERVED_LABELS = frozenset({ENTITY, "Job", LOAD, LOAD_UNDO, RELATION_TYPE})


def check_name(value: str, source: str, kind: str = "label or relation type") -> str:
    """Return ``value`` when it is a safe label or relation type name.

    Raises:
        InvalidInput: naming ``source`` (e.g. ``edges.csv:12``) and the rule broken.
    """
    if not isinstance(value, str) or not NAME_PATTERN.match(value) or value != value.strip():
        raise InvalidInput(
            source, value, f"a {kind}: 1-128 characters, no backtick, no control character, no edge spaces"
        )
    return value


def check_relation(value: str, source: str) -> str:
    """Like :func:`check_name` for a relation type, which may not be a reserved one."""
    check_name(value, source, "relation type")
    if value in RESERVED_TYPES:
        raise InvalidInput(source, value, f"a relation type other than the reserved {sorted(RESERVED_TYPES)}")
    return value


def check_label(value: str, source: str) -> str:
    """Like :func:`check_name` for a node label, which may not be a reserved one."""
    check_name(value, source, "label")
    if value in RESERVED_LABELS:
        raise InvalidInput(source, value, f"a label other than the reserved {sorted(RESERVED_LABELS)}")
    return value


def quote(name: str) -> str:
    """Backtick-quote a name that :func:`check_name` accepted."""
    check_name(name, "name")
    return f"`{name}`"
