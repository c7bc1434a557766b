"""Completion verbs: ``complete`` (in-process or on a worker) and ``predictions``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from kgplatform.cli.base import cli, echo, json_option, relations_option, settings_of, store_of


@cli.command()
@click.option("--model", default="complex", show_default=True,
              type=click.Choice(["transe", "distmult", "complex", "rotate", "rgcn", "compgcn", "text", "hybrid"]))
@click.option("--relations", callback=relations_option,
              help="Relation types to complete, comma-separated (default: all).")
@click.option("--epochs", type=int, default=50, show_default=True)
@click.option("--dim", type=int, default=200, show_default=True)
@click.option("--top-k", type=int, default=10, show_default=True, help="Predictions per entity and relation.")
@click.option("--eval/--no-eval", "evaluate", default=True, show_default=True,
              help="Hold out test edges and report metrics on them.")
@click.option("--both-directions", is_flag=True, help="Also propose new heads for each tail.")
@click.option("--regime", type=click.Choice(["1vsall", "kvsall", "negative-sampling"]), default="1vsall",
              show_default=True)
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--lr", type=float, default=0.01, show_default=True)
@click.option("--optimizer", type=click.Choice(["adam", "adagrad"]), default="adam", show_default=True)
@click.option("--reg-weight", type=float, default=0.01, show_default=True, help="N3 weight (bilinear models).")
@click.option("--seed", type=int, help="Random seed (drawn and recorded when absent).")
@click.option("--device", default="auto", show_default=True, help="auto (CUDA when present), cpu or cuda[:N].")
@click.option("--encoder", help="text/hybrid: a sentence-transformers name or path (default all-MiniLM-L6-v2).")
@click.option("--encoder-lr", type=float, help="text/hybrid: the encoder's learning rate (default 5e-5).")
@click.option("--structure-model", type=click.Choice(["transe", "distmult", "complex", "rotate", "rgcn", "compgcn"]),
              help="hybrid: the structure half (default complex).")
@click.option("--text-fields", callback=relations_option,
              help="text/hybrid: entity properties to read, comma-separated (default name,description).")
@click.option("--explain", type=int,
              help="Explanation paths stored with each prediction (default 3; 0: none; at most 10).")
@click.option("--rerank-top", type=int,
              help="Re-rank each entity's top N candidates with the LLM at KG_LLM_URL / KG_LLM_MODEL.")
@click.option("--inductive", is_flag=True,
              help="text: propose edges for entities added --since, with an earlier text job's model (no training).")
@click.option("--since", help="with --inductive: a text job's id, or an ISO date (entities created since).")
@click.option("--async", "run_async", is_flag=True, help="Queue the job for a worker and print its id.")
@json_option
@click.pass_context
def complete(ctx: click.Context, /, run_async: bool, inductive: bool, **options: Any) -> None:
    """Train a completion model on the graph and write its predicted edges back.

    In-process by default (the job is recorded all the same); with --async a worker runs it
    (start one with `kgplatform worker`).
    """
    from kgplatform.cli.jobs import describe
    from kgplatform.jobs.dispatch import load_dispatcher, record_job, submit_job
    from kgplatform.jobs.records import JobBook
    from kgplatform.jobs.runner import execute_job, worker_name
    from kgplatform.jobs.specs import spec_from_json as parse

    if inductive != bool(options.get("since")):
        raise click.UsageError("--inductive and --since go together (--since JOB_ID or --since 2026-11-22)")
    spec = parse({k: v for k, v in options.items() if v is not None and v != ()})
    settings, book = settings_of(ctx), JobBook(store_of(ctx))
    if run_async:
        record = submit_job(book, spec, load_dispatcher(settings))
        echo(ctx, {"job_id": record.job_id, "status": record.status},
             lambda p: f"job {p['job_id']} {p['status']} (follow it: kgplatform jobs wait {p['job_id']})")
        return
    record = record_job(book, spec)
    done = execute_job(book.store, settings, record.job_id, f"cli:{worker_name()}")
    echo(ctx, done.to_json(), describe)
    if done.status != "succeeded":
        ctx.exit(1)


@cli.group()
def predictions() -> None:
    """List, accept, reject or retract predicted edges."""


@predictions.command("list")
@click.option("--job", "job_id", help="Only this job's predictions.")
@click.option("--relation", help="Only this relation type.")
@click.option("--status", type=click.Choice(["pending", "accepted", "rejected"]))
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@click.pass_context
def predictions_list(ctx: click.Context, job_id: str | None, relation: str | None, status: str | None,
                     limit: int) -> None:
    """Visible predictions, best score first."""
    found = [asdict(p) for p in store_of(ctx).list_predictions(job_id, relation, status, limit)]
    echo(ctx, found, lambda rows: "\n".join(
        f"{r['score']:.3f}  {r['head']} -[{r['relation']}]-> {r['tail']}  (rank {r['rank']}, {r['model']}, "
        f"job {r['job_id']}, {r['status']})" for r in rows) or "no predictions")


def _decide(ctx: click.Context, verb: str, head: str, relation: str, tail: str, job_id: str) -> None:
    store = store_of(ctx)
    done = (store.accept_prediction if verb == "accept" else store.reject_prediction)(head, relation, tail, job_id)
    payload = {verb + "ed": done, "head": head, "relation": relation, "tail": tail, "job_id": job_id}
    echo(ctx, payload, lambda p: f"{verb}ed" if done else "no such visible prediction")
    if not done:
        ctx.exit(1)


def _decision_command(verb: str, summary: str) -> None:
    """Register ``predictions accept`` / ``predictions reject``: same arguments, different decision."""

    @predictions.command(verb, help=summary)
    @click.argument("head")
    @click.argument("relation")
    @click.argument("tail")
    @click.option("--job", "job_id", required=True)
    @json_option
    @click.pass_context
    def decide(ctx: click.Context, head: str, relation: str, tail: str, job_id: str) -> None:
        _decide(ctx, verb, head, relation, tail, job_id)


_decision_command("accept", "Make a prediction a fact (with its job as provenance).")
_decision_command("reject", "Mark a prediction rejected.")


@predictions.command("retract")
@click.option("--job", "job_id", required=True)
@json_option
@click.pass_context
def predictions_retract(ctx: click.Context, job_id: str) -> None:
    """Delete every prediction of a job (accepted ones stay facts)."""
    removed = store_of(ctx).retract_predictions(job_id)
    echo(ctx, {"retracted": removed, "job_id": job_id}, lambda p: f"retracted {p['retracted']} predictions")
