"""Timestamps as the graph stores them: ISO 8601 UTC text with milliseconds.

Text, not a store-specific date type, so both stores compare them the same way (as strings, in
time order) and JSON carries them unchanged.
"""

from __future__ import annotations

import time


def now_iso() -> str:
    """Now, e.g. ``2026-11-22T09:05:06.123Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
