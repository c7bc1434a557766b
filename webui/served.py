"""``kgplatform serve`` as a child process on a free port: what the browser tests and the HTTP benchmark drive.

Like :class:`kgplatform.jobs.local.LocalWorker` for workers: the app runs as its own process, as
a user runs it, so what is measured or tested includes the real HTTP server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from types import TracebackType

from kgplatform.config import Settings
from kgplatform.errors import KGError


class ServedApp:
    """The web app for ``settings``, served on a free local port until :meth:`stop`.

    ``gunicorn=(workers, threads)`` serves it as docker-compose does (``gunicorn webui.wsgi:app``)
    instead of ``kgplatform serve``'s single process.
    """

    def __init__(self, settings: Settings, *, gunicorn: tuple[int, int] | None = None) -> None:
        self.settings = settings
        self.gunicorn = gunicorn
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 60.0) -> ServedApp:
        """Start the server and wait until ``/api/health`` answers.

        Raises:
            KGError: it exited or did not answer in time.
        """
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self.process = subprocess.Popen(self._command(port), env={**os.environ, **self.settings.to_env()},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/health", timeout=2).read()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise KGError(f"kgplatform serve did not answer on {self.url} within {timeout:.0f} s") from None
                time.sleep(0.2)

    def _command(self, port: int) -> list[str]:
        if self.gunicorn is None:
            return [sys.executable, "-m", "kgplatform.cli", "serve", "--port", str(port)]
        workers, threads = self.gunicorn
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--threads", str(threads), "--timeout", "60", "webui.wsgi:app"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
