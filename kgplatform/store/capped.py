"""Read a FalkorDB query reply only up to a number of rows, then hang up.

Why: FalkorDB has no per-query row limit (``RESULTSET_SIZE`` is server-wide, and the platform's
own pulls need millions of rows), and redis-py parses a whole reply before returning it. A user
query such as a six-way cartesian product of a 12-node graph is computed by the server in about a
second, but its 3M rows took 80 s and gigabytes to parse in the client. This reader parses the
RESP2 reply as it arrives, keeps the first ``limit`` rows and closes the connection, so the
server drops the rest and the client never holds more than the cap.
"""

from __future__ import annotations

import socket
from typing import Any, BinaryIO

import redis


def query_capped(host: str, port: int, command: list[str], limit: int, timeout_s: float) -> list[Any]:
    """Send one ``GRAPH.QUERY``/``GRAPH.RO_QUERY`` command and return its reply with at most ``limit`` rows.

    The reply has redis-py's shape (``[header, rows, stats]``, or ``[stats]``), so the falkordb
    client's ``QueryResult`` parses it; when rows were left unread, ``stats`` is empty.

    Raises:
        redis.ResponseError: the server refused the query (its message).
        redis.ConnectionError: the server cannot be reached or does not answer in ``timeout_s``.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock, sock.makefile("rb") as reply:
            sock.sendall(_encode(command))
            return _read_top(reply, limit)
    except OSError as exc:
        raise redis.ConnectionError(f"FalkorDB at {host}:{port}: {exc}") from exc


def _encode(command: list[str]) -> bytes:
    parts = [f"*{len(command)}\r\n".encode()]
    for arg in command:
        data = arg.encode()
        parts += [f"${len(data)}\r\n".encode(), data, b"\r\n"]
    return b"".join(parts)


def _read_top(reply: BinaryIO, limit: int) -> list[Any]:
    kind, head = _line(reply)
    if kind == b"-":
        raise redis.ResponseError(head)
    if kind != b"*":
        raise redis.ConnectionError(f"unexpected reply from FalkorDB: {kind!r}{head}")
    size = int(head)
    if size != 3:  # no result set: statistics only, or an error
        return [_read(reply) for _ in range(size)]
    header = _read(reply)
    kind, head = _line(reply)
    if kind != b"*":  # a run-time error in place of the rows
        return [header, _value(reply, kind, head)]
    total = int(head)
    rows = [_read(reply) for _ in range(min(total, limit))]
    return [header, rows, _read(reply) if total <= limit else []]


def _line(reply: BinaryIO) -> tuple[bytes, str]:
    line = reply.readline()
    if not line.endswith(b"\r\n"):
        raise OSError("connection closed in the middle of a reply")
    # errors="replace": FalkorDB quotes the bad input in its error lines and may cut a character
    # in two (a fullwidth letter in a query did).
    return line[:1], line[1:-2].decode(errors="replace")


def _read(reply: BinaryIO) -> Any:
    kind, head = _line(reply)
    return _value(reply, kind, head)


def _value(reply: BinaryIO, kind: bytes, head: str) -> Any:
    if kind == b"*":
        size = int(head)
        return None if size < 0 else [_read(reply) for _ in range(size)]
    if kind == b"$":
        size = int(head)
        return None if size < 0 else reply.read(size + 2)[:-2].decode()
    if kind == b":":
        return int(head)
    if kind == b"+":
        return head
    if kind == b"-":
        return redis.ResponseError(head)
    raise redis.ConnectionError(f"unexpected reply type from FalkorDB: {kind!r}")
