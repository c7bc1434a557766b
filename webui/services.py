"""What the views share: the settings, one graph store and the job dispatcher, made on first use."""

from __future__ import annotations

import threading

from flask import current_app

from kgplatform.config import Settings
from kgplatform.jobs.dispatch import Dispatcher, load_dispatcher
from kgplatform.jobs.records import JobBook
from kgplatform.store import GraphStore, open_store


class Services:
    """Lazily opened store and dispatcher of one app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: GraphStore | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def store(self) -> GraphStore:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings)
            return self._store

    @property
    def dispatcher(self) -> Dispatcher:
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = load_dispatcher(self.settings)
            return self._dispatcher

    @property
    def jobs(self) -> JobBook:
        return JobBook(self.store)


def services() -> Services:
    """The services of the app handling this request."""
    found: Services = current_app.extensions["kg"]
    return found
