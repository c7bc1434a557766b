"""Worker processes on this machine: what the demo, the tests and the job benchmark start.

A worker is the ``kgplatform worker`` command in a child process (this core package never
imports Celery). It runs in its own process group, so stopping it reaches its pool children and
killing it (SIGKILL, as a crash or the OOM killer would) takes them all down at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from kgplatform.config import Settings
from kgplatform.errors import KGError


class LocalWorker:
    """A ``kgplatform worker`` child process for ``settings``, logging to ``log``."""

    def __init__(self, settings: Settings, log: Path, *, queues: str = "cpu", concurrency: int | None = None) -> None:
        self.settings, self.log, self.queues, self.concurrency = settings, log, queues, concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalWorker:
        """Start the process (returns at once; see :meth:`wait_ready`)."""
        command = [sys.executable, "-m", "kgplatform.cli", "worker", "--queues", self.queues]
        if self.concurrency:
            command += ["--concurrency", str(self.concurrency)]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env={**os.environ, **self.settings.to_env()}, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 120.0) -> LocalWorker:
        """Block until the worker takes tasks.

        Raises:
            KGError: it exited or was not ready in time (with the end of its log).
        """
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                state = "exited" if self.process.poll() is not None else f"not ready in {timeout:.0f} s"
                raise KGError(f"worker {state}; its log {self.log} ends:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "start() first"
        return self.process.pid

    def owns(self, pid: int) -> bool:
        """Whether ``pid`` is this worker or one of its pool processes."""
        with contextlib.suppress(ProcessLookupError):
            return os.getpgid(pid) == self.pid
        return False

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self, timeout: float = 60.0) -> None:
        """Warm shutdown (SIGTERM: the current job ends first); SIGKILL after ``timeout`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> LocalWorker:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
