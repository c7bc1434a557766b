"""Durable job records: ``(:Job)`` nodes in the graph, so ``MATCH (j:Job)`` works on both stores.

Every state change is one Cypher query that checks and sets at once (see ``cypher/*_job.cypher``),
which is what makes a job record safe to share between processes: a lease gives one worker the
right to run a job, a heartbeat renews it, and only the lease holder can commit or end the job.
Specs, live metrics and results are stored as JSON strings, as node properties are flat.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kgplatform.clock import ISO_TIME, now_iso
from kgplatform.errors import InvalidInput, NotFound
from kgplatform.store.base import GraphStore

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class JobRecord:
    """A job as stored: what it asked for, where it stands, and what it produced."""

    job_id: str
    status: Status
    model: str
    relations: tuple[str, ...]
    queue: str
    spec: dict[str, Any]
    created_at: str
    stage: str = "queued"
    percent: float = 0.0
    live: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    written: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    updated_at: str | None = None
    worker: str | None = None
    attempts: int = 0
    cancel_requested: bool = False

    @property
    def final(self) -> bool:
        """Whether the job has ended (succeeded, failed or cancelled)."""
        return self.status in FINAL

    @classmethod
    def from_node(cls, props: Mapping[str, Any]) -> JobRecord:
        return cls(
            job_id=props["id"], status=props["status"], model=props.get("model", ""),
            relations=tuple(props.get("relations") or ()), queue=props.get("queue", "cpu"),
            spec=json.loads(props.get("spec") or "{}"), created_at=props.get("created_at", ""),
            stage=props.get("stage") or props["status"], percent=float(props.get("percent") or 0.0),
            live=json.loads(props.get("live") or "{}"), metrics=json.loads(props.get("metrics") or "{}"),
            written=int(props.get("written") or 0), details=json.loads(props.get("details") or "{}"),
            error=props.get("error"),
            started_at=props.get("started_at"), finished_at=props.get("finished_at"),
            updated_at=props.get("updated_at"), worker=props.get("worker"), attempts=int(props.get("attempts") or 0),
            cancel_requested=bool(props.get("cancel_requested")),
        )

    def to_json(self) -> dict[str, Any]:
        """The shape the CLI's ``--json`` and the HTTP API return."""
        return {
            "job_id": self.job_id, "status": self.status, "model": self.model, "relations": list(self.relations),
            "queue": self.queue, "progress": {"stage": self.stage, "percent": round(self.percent, 1),
                                              "metrics": self.live},
            "metrics": self.metrics, "written": self.written, "details": self.details, "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at, "updated_at": self.updated_at,
            "worker": self.worker, "attempts": self.attempts, "cancel_requested": self.cancel_requested,
            "spec": self.spec,
        }


@dataclass(frozen=True)
class Recovered:
    """A job whose worker vanished, and what became of it (queued again, failed or cancelled)."""

    job_id: str
    status: Status
    queue: str


#: How long a submitter has between recording a job and reporting it sent, before recovery sends it.
SEND_GRACE_S = 60.0


class JobBook:
    """The job records of one graph store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def _one(self, name: str, params: Mapping[str, Any], *, write: bool = True) -> JobRecord | None:
        rows = self.store.run_named(name, params, write=write)
        return JobRecord.from_node(rows[0]["job"]) if rows else None

    def create(self, spec: Mapping[str, Any], *, model: str, relations: tuple[str, ...], queue: str,
               job_id: str | None = None, send_within_s: float | None = None) -> JobRecord:
        """Record a queued job.

        ``send_within_s``: the job is to be sent to the workers, and is sent again by recovery
        unless :meth:`mark_sent` is called within that time (its submitter may die in between).
        """
        now = now_iso()
        props = {"status": "queued", "stage": "queued", "percent": 0.0, "model": model, "relations": list(relations),
                 "queue": queue, "spec": json.dumps(spec), "created_at": now, "updated_at": now, "attempts": 0}
        if send_within_s is not None:
            props["unsent_until"] = _ms() + int(send_within_s * 1000)
        record = self._one("create_job", {"job_id": job_id or uuid.uuid4().hex[:16], "props": props})
        assert record is not None  # CREATE always returns its node
        return record

    def get(self, job_id: str) -> JobRecord:
        """The record of ``job_id``.

        Raises:
            InvalidInput: no such job.
        """
        record = self._one("get_job", {"job_id": job_id}, write=False)
        if record is None:
            raise NotFound("job_id", job_id, "the id of an existing job")
        return record

    def list_jobs(self, *, status: str | None = None, model: str | None = None, relation: str | None = None,
             since: str | None = None, until: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Jobs newest first, filtered by status, model, relation and creation time (ISO dates or times)."""
        if status is not None and status not in STATUSES:
            raise InvalidInput("status", status, f"one of {list(STATUSES)}")
        if not isinstance(limit, int) or not 0 < limit <= 10_000:
            raise InvalidInput("limit", limit, "an integer from 1 to 10000")
        for name, value in (("since", since), ("until", until)):
            if value is not None and not ISO_TIME.match(value):
                raise InvalidInput(name, value, "an ISO 8601 UTC date or time, e.g. 2026-11-22 or 2026-11-22T09:30")
        rows = self.store.run_named("list_jobs", {"status": status, "model": model, "relation": relation,
                                                  "since": since, "until": until, "limit": limit})
        return [JobRecord.from_node(row["job"]) for row in rows]

    def wait(self, job_id: str, timeout: float | None = None, interval: float = 0.5) -> JobRecord:
        """Poll the record until the job ends or ``timeout`` seconds pass; return the last record read."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.final or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(interval)

    def claim(self, job_id: str, worker: str, lease_s: float, max_attempts: int) -> JobRecord | None:
        """Take the job for ``worker``; None when another worker holds it, it has ended, or it had its attempts."""
        return self._one("claim_job", {"job_id": job_id, "worker": worker, "now_ms": _ms(), "now": now_iso(),
                                       "lease_ms": int(lease_s * 1000), "max_attempts": max_attempts})

    def heartbeat(self, job_id: str, worker: str, lease_s: float, *, stage: str | None = None,
                  percent: float | None = None, live: Mapping[str, float] | None = None) -> tuple[bool, bool]:
        """Renew the lease and record progress; returns (still held, cancel asked for)."""
        rows = self.store.run_named("report_job_progress", {
            "job_id": job_id, "worker": worker, "now_ms": _ms(), "now": now_iso(), "lease_ms": int(lease_s * 1000),
            "stage": stage, "percent": percent, "live": json.dumps(dict(live)) if live is not None else None,
        }, write=True)
        if not rows:
            return False, False
        return bool(rows[0]["held"]), bool(rows[0]["cancel_requested"])

    def commit(self, job_id: str, worker: str, metrics: Mapping[str, Any], written: int,
               details: Mapping[str, Any]) -> bool:
        """Mark the job succeeded and publish its predictions, atomically; False when it was not ours to commit."""
        rows = self.store.run_named("commit_job", {
            "job_id": job_id, "worker": worker, "now": now_iso(), "metrics": json.dumps(metrics), "written": written,
            "details": json.dumps(details, default=str)}, write=True)
        return bool(rows and rows[0]["committed"])

    def end(self, job_id: str, worker: str, status: Literal["failed", "cancelled"],
            error: str | None = None) -> JobRecord | None:
        """End a job ``worker`` holds without publishing anything."""
        return self._one("end_job", {"job_id": job_id, "worker": worker, "status": status, "error": error,
                                     "now": now_iso()})

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel a queued job now, or ask a running one to stop; an ended job is returned unchanged.

        Raises:
            InvalidInput: no such job.
        """
        record = self._one("cancel_job", {"job_id": job_id, "now": now_iso()})
        if record is None:
            raise NotFound("job_id", job_id, "the id of an existing job")
        return record

    def recover_expired(self, max_attempts: int) -> list[Recovered]:
        """Queue again (or end) the running jobs whose worker stopped renewing its lease."""
        rows = self.store.run_named("recover_expired_jobs", {
            "now_ms": _ms(), "now": now_iso(), "max_attempts": max_attempts,
            "lost_error": f"its worker was lost {max_attempts} times (killed, or out of memory)",
        }, write=True)
        return [Recovered(row["job_id"], row["status"], row["queue"] or "cpu") for row in rows]

    def mark_sent(self, job_id: str) -> None:
        """The job's task is on the queue: recovery need not send it again."""
        self.store.run_named("mark_job_sent", {"job_id": job_id}, write=True)

    def resend_unsent(self, grace_s: float) -> list[Recovered]:
        """Queued jobs recorded for sending but never reported sent in time; each gets ``grace_s`` more."""
        rows = self.store.run_named("resend_unsent_jobs", {"now_ms": _ms(), "grace_ms": int(grace_s * 1000)},
                                    write=True)
        return [Recovered(row["job_id"], "queued", row["queue"] or "cpu") for row in rows]

    def discard_hidden_predictions(self, job_id: str) -> int:
        """Remove predictions an attempt wrote but never published."""
        return sum(int(row["n"]) for row in self.store.run_named("discard_hidden_predictions", {"job_id": job_id},
                                                                 write=True))


def _ms() -> int:
    return int(time.time() * 1000)
