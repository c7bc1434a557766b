"""Timestamps as the graph stores them: ISO 8601 UTC text with milliseconds.

Text, not a store-specific date type, so both stores compare them the same way (as strings, in
time order) and JSON carries them unchanged.
"""

from __future__ import annotations

import re
import time

#: A date or time as records store them (any prefix of ``2026-11-22T09:05:06.123Z``).
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,3})?)?)?Z?)?$")


def now_iso() -> str:
    """Now, e.g. ``2026-11-22T09:05:06.123Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
