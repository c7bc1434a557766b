"""Job verbs: ``jobs list|show|cancel|wait``, reading and changing the durable job records."""

from __future__ import annotations

from typing import Any

import click

from kgplatform.cli.base import cli, echo, json_option, store_of
from kgplatform.jobs.records import STATUSES, JobBook


def describe(job: dict[str, Any]) -> str:
    """One job as a few lines of text."""
    progress = job["progress"]
    lines = [f"job {job['job_id']} {job['status']} ({progress['stage']}, {progress['percent']:.0f}%)  "
             f"{job['model']} on {','.join(job['relations']) or 'all relations'}  queue {job['queue']}  "
             f"created {job['created_at']}"]
    shown = {k: v for k, v in (job["metrics"] or progress["metrics"]).items()
             if k in ("mrr", "hits@1", "hits@10", "loss", "valid_mrr", "epoch")}
    if shown:
        lines.append("  " + "  ".join(f"{k} {v:.4g}" for k, v in shown.items()))
    if job["status"] == "succeeded":
        lines.append(f"  {job['written']} predictions written")
        lines += [f"  warning: {w}" for w in job["details"].get("warnings", [])]
    if job["error"]:
        lines.append(f"  error: {job['error']}")
    return "\n".join(lines)


@cli.group()
def jobs() -> None:
    """List, inspect, cancel or wait for completion jobs."""


@jobs.command("list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--model", help="Only jobs of this model.")
@click.option("--relation", help="Only jobs completing this relation type.")
@click.option("--since", help="Created at or after this ISO date/time (UTC), e.g. 2026-11-22.")
@click.option("--until", help="Created before this ISO date/time (UTC).")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@click.pass_context
def jobs_list(ctx: click.Context, status: str | None, model: str | None, relation: str | None, since: str | None,
              until: str | None, limit: int) -> None:
    """Jobs, newest first."""
    found = JobBook(store_of(ctx)).list_jobs(status=status, model=model, relation=relation, since=since,
                                             until=until, limit=limit)
    echo(ctx, [job.to_json() for job in found],
         lambda rows: "\n".join(describe(row).splitlines()[0] for row in rows) or "no jobs")


@jobs.command("show")
@click.argument("job_id")
@json_option
@click.pass_context
def jobs_show(ctx: click.Context, job_id: str) -> None:
    """One job: status, progress, metrics, error."""
    echo(ctx, JobBook(store_of(ctx)).get(job_id).to_json(), describe)


@jobs.command("cancel")
@click.argument("job_id")
@json_option
@click.pass_context
def jobs_cancel(ctx: click.Context, job_id: str) -> None:
    """Cancel a queued job, or stop a running one at its next step (its predictions are dropped)."""
    job = JobBook(store_of(ctx)).cancel(job_id)
    echo(ctx, job.to_json(), lambda j: (f"job {j['job_id']} {j['status']}" +
                                         (" (stopping)" if j["status"] == "running" else "")))


@jobs.command("wait")
@click.argument("job_id")
@click.option("--timeout", type=float, help="Seconds to wait at most (exit 5 when reached).")
@click.option("--interval", type=float, default=0.5, show_default=True, help="Seconds between looks.")
@json_option
@click.pass_context
def jobs_wait(ctx: click.Context, job_id: str, timeout: float | None, interval: float) -> None:
    """Wait until a job ends; exit 0 when it succeeded, 1 when it failed or was cancelled."""
    job = JobBook(store_of(ctx)).wait(job_id, timeout, interval)
    echo(ctx, job.to_json(), describe)
    if not job.final:
        ctx.exit(5)
    ctx.exit(0 if job.status == "succeeded" else 1)

