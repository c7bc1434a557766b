"""The load ledger: a ``(:Load)`` record per unfinished load, so a load cut off by a crash is rolled back.

Why: :meth:`GraphStore.load` rolls back a load that fails in its own process, but when that
process or the server is killed mid-load only the graph can remember what was half written. So
a load records itself (owner, lease) before its first write and removes the record in the query
that ends it; a record whose owner is gone is a half-written load, and :func:`recover_loads`
deletes what that load created, then the record. The rules mirror the job leases
(:mod:`kgplatform.jobs.records`):

* the owner is ``host:pid-namespace:pid``; it is gone when it is this very process and the load
  is not running here any more, when it is a dead pid on this machine, or, for any owner (another
  machine), when a heartbeat thread has not renewed its lease for ``load_lease_s``;
* a rollback first takes the record over with a compare-and-set on its owner, so two recoveries
  roll a load back once, and a load whose record was taken over cannot commit (it rolls back).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from kgplatform.clock import now_iso
from kgplatform.errors import KGError

if TYPE_CHECKING:
    from kgplatform.store.base import GraphStore

log = logging.getLogger(__name__)

#: Loads running in this process: their records' owner is alive, whatever their lease says.
_RUNNING: set[str] = set()
_RUNNING_LOCK = threading.Lock()


class LoadTakenOver(KGError):
    """A load's record was taken over by recovery (its lease ran out), so the load may not commit."""


@dataclass(frozen=True)
class RolledBack:
    """An unfinished load that recovery rolled back."""

    load_id: str
    owner: str
    started_at: str
    removed: int


def owner_name() -> str:
    """This process as a load owner: host, pid namespace (containers reuse pids) and pid."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = "-"
    return f"{socket.gethostname()}:{namespace}:{os.getpid()}"


def owner_gone(owner: str, load_id: str) -> bool:
    """Whether the owner of ``load_id`` is certainly dead (False when it cannot be told: the lease decides)."""
    me = owner_name()
    if owner == me:
        with _RUNNING_LOCK:
            return load_id not in _RUNNING
    place, _, pid = owner.rpartition(":")  # place: host and pid namespace
    if place != me.rpartition(":")[0] or place.endswith(":-") or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class LoadLease:
    """The ledger record of one running load, renewed by a heartbeat thread until :meth:`commit` or :meth:`abandon`."""

    def __init__(self, store: GraphStore, load_id: str, lease_s: float) -> None:
        self.store, self.load_id, self.lease_s = store, load_id, lease_s
        self.owner = owner_name()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"load-lease-{load_id}", daemon=True)

    def __enter__(self) -> LoadLease:
        with _RUNNING_LOCK:
            _RUNNING.add(self.load_id)
        try:
            self.store.run_named("begin_load", {"load_id": self.load_id, "worker": self.owner, "now": now_iso(),
                                                **self._lease()}, write=True)
        except BaseException:
            self._forget()
            raise
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop()
        self._forget()

    def commit(self) -> None:
        """End the load: remove its record, in one query that checks it is still ours.

        Raises:
            LoadTakenOver: recovery took the record over (the heartbeat could not renew it in time).
        """
        self._stop()
        if not self._end():
            raise LoadTakenOver(f"load {self.load_id} outlived its lease of {self.lease_s:g} s and was taken over "
                                "by recovery; it is rolled back")

    def abandon(self) -> None:
        """Remove the record after the load rolled itself back (a record taken over is left to its new owner)."""
        self._stop()
        self._end()

    def _end(self) -> bool:
        return self.store._count("end_load", {"load_id": self.load_id, "worker": self.owner}, write=True) > 0

    def _lease(self) -> dict[str, int]:
        return {"now_ms": int(time.time() * 1000), "lease_ms": int(self.lease_s * 1000)}

    def _beat(self) -> None:
        while not self._done.wait(max(0.1, self.lease_s / 3)):
            try:
                self.store.run_named("renew_load", {"load_id": self.load_id, "worker": self.owner, **self._lease()},
                                     write=True)
            except Exception:  # the store is away for a moment (or for good: the load fails on its own)
                log.warning("load %s: lease renewal failed", self.load_id, exc_info=True)

    def _stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _forget(self) -> None:
        with _RUNNING_LOCK:
            _RUNNING.discard(self.load_id)


def recover_loads(store: GraphStore, lease_s: float) -> list[RolledBack]:
    """Roll back every unfinished load whose owner is gone; returns what was rolled back.

    Safe to run from several processes at once, and while other loads run: a live owner's load
    is left alone, and each dead one is taken over, and so rolled back, by one process.
    """
    me, now_ms = owner_name(), int(time.time() * 1000)
    rolled: list[RolledBack] = []
    for row in store.run_named("list_loads"):
        load_id, owner = row["load_id"], row["owner"]
        if (row["lease_until"] or 0) >= now_ms and not owner_gone(owner, load_id):
            continue
        claim = {"load_id": load_id, "owner": owner, "worker": me, "now_ms": now_ms, "lease_ms": int(lease_s * 1000)}
        if not store.run_named("claim_load", claim, write=True):
            continue  # another process took it first
        removed = store.delete_load(load_id)
        store.run_named("end_load", {"load_id": load_id, "worker": me}, write=True)
        log.warning("load %s of %s (started %s) was left unfinished; rolled back %d nodes and edges",
                    load_id, owner, row["started_at"], removed)
        rolled.append(RolledBack(load_id, owner, row["started_at"] or "", removed))
    return rolled
