"""Property maps as the stores keep them: shared by the store port and the load's undo records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Bookkeeping keys the platform sets on nodes and edges, hidden from what a reader gets back.
INTERNAL_KEYS = frozenset({"id", "load_id", "created_at"})


def clean_props(props: Mapping[str, Any] | None, drop_internal: bool = False) -> dict[str, Any]:
    """Drop nulls (neither store keeps them) and, when reading, the bookkeeping ``id``/``load_id``/``created_at``."""
    if not props:
        return {}
    hidden = INTERNAL_KEYS if drop_internal else frozenset()
    return {k: v for k, v in props.items() if v is not None and k not in hidden}
