"""``kgplatform demo``: the whole platform on one machine, from an empty data directory.

Loads the demo graph, starts a worker, completes the users' ``WATCHED`` edges on it (so the
first thing a user sees is a real job on a real worker), then serves the web app with the
worker still running. The worker and the web app are separate processes and plugins, reached
through the command line, so this core package imports neither Celery nor Flask.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from dataclasses import asdict
from typing import Any

import click

from kgplatform.cli.base import cli, echo, json_option, settings_of, store_of
from kgplatform.errors import KGError
from kgplatform.jobs.local import LocalWorker

#: The demo's completion job: which films each user would watch next.
DEMO_SPEC: dict[str, Any] = {"model": "complex", "relations": ["WATCHED"], "dim": 100, "epochs": 20,
                             "batch_size": 512, "lr": 0.1, "optimizer": "adagrad", "top_k": 10, "seed": 0}


@cli.command()
@click.option("--no-serve", is_flag=True, help="Do everything but serve the web app.")
@click.option("--new-job", is_flag=True, help="Run the completion job even if the demo already has one.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@json_option
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, new_job: bool, host: str, port: int) -> None:
    """Load the demo graph, complete it on a worker, and serve the web app."""
    from kgplatform.cli.jobs import describe
    from kgplatform.ingest import load_graph, read_graph
    from kgplatform.jobs.dispatch import load_dispatcher, submit_job
    from kgplatform.jobs.records import JobBook
    from kgplatform.jobs.specs import spec_from_json

    settings, store = settings_of(ctx), store_of(ctx)
    serve = None if no_serve else cli.get_command(ctx, "serve")
    if not no_serve and serve is None:
        raise KGError("the web app is not installed (its `serve` command is missing): pip install -e .")
    report = load_graph(store, read_graph([], "demo"))
    book = JobBook(store)
    previous = book.list_jobs(status="succeeded", relation=DEMO_SPEC["relations"][0], limit=1)
    with contextlib.ExitStack() as running:
        log = settings.data_dir / "demo-worker.log"
        if new_job or not previous or serve:
            running.enter_context(LocalWorker(settings, log))
        if new_job or not previous:
            if not ctx.find_root().obj["json"]:
                click.echo(f"completing the users' WATCHED edges on a worker (log: {log}) ...", err=True)
            record = submit_job(book, spec_from_json(DEMO_SPEC), load_dispatcher(settings))
            job = book.wait(record.job_id, timeout=900)
            if not job.final:
                raise KGError(f"demo job {job.job_id} did not end in 15 minutes; see {settings.data_dir}")
        else:
            job = previous[0]
        payload = {"load": asdict(report), "stats": asdict(store.stats()), "job": job.to_json(),
                   "served": serve is not None, "url": f"http://{host}:{port}/" if serve else None,
                   "data_dir": str(settings.data_dir)}
        echo(ctx, payload, lambda p: (
            f"demo graph loaded: {p['stats']['entities']} entities, {p['stats']['facts']} facts "
            f"({p['load']['edges']} edges written by this run)\n{describe(p['job'])}\n"
            f"try: kgplatform predictions list --job {p['job']['job_id']} --limit 5\n"
            f"     kgplatform recommend user:demo-001 --relation WATCHED --k 5"))
        if serve is not None:
            # SIGTERM (a service manager, `kill`) leaves like Ctrl-C does: through the block, stopping the worker
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            ctx.invoke(serve, host=host, port=port)
