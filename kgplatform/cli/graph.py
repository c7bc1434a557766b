"""Graph verbs: the embedded server, load, query, stats and export."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from kgplatform.cli.base import cli, echo, json_option, settings_of, store_of

# -- server -----------------------------------------------------------------------------------


@cli.group()
def server() -> None:
    """Start, stop or inspect the embedded FalkorDB server of the data directory."""


@server.command("start")
@json_option
@click.pass_context
def server_start(ctx: click.Context) -> None:
    """Start the server (or find the running one)."""
    from kgplatform.store.server import ensure_server

    info = ensure_server(settings_of(ctx).data_dir)
    echo(ctx, {"running": True, **asdict(info), "url": info.url},
          lambda p: f"embedded server running: pid {p['pid']}, {p['url']}")


@server.command("stop")
@json_option
@click.pass_context
def server_stop(ctx: click.Context) -> None:
    """Stop the server cleanly."""
    from kgplatform.store.server import stop_server

    stopped = stop_server(settings_of(ctx).data_dir)
    echo(ctx, {"stopped": stopped}, lambda p: "server stopped" if p["stopped"] else "no server was running")


@server.command("status")
@json_option
@click.pass_context
def server_status(ctx: click.Context) -> None:
    """Say whether the server runs; exit 1 when it does not."""
    from kgplatform.store.server import server_status as status

    info = status(settings_of(ctx).data_dir.resolve())
    payload = {"running": info is not None, **(asdict(info) | {"url": info.url} if info else {})}
    echo(ctx, payload, lambda p: f"running: pid {p['pid']}, {p['url']}" if p["running"] else "not running")
    if info is None:
        ctx.exit(1)


@cli.command()
@json_option
@click.pass_context
def recover(ctx: click.Context) -> None:
    """Roll back loads a crash left unfinished, and queue again the jobs whose worker died.

    Opening the store and every load already roll dead loads back, and workers recover jobs on
    their own; this is for a deployment without running workers, and says what a crash left.
    """
    from kgplatform.jobs.dispatch import Dispatcher, load_dispatcher
    from kgplatform.jobs.records import JobBook
    from kgplatform.jobs.runner import recover_jobs
    from kgplatform.store import open_store

    settings = settings_of(ctx)
    store = open_store(settings, schema=False)  # not the store_of() default, which would recover loads unseen
    ctx.call_on_close(store.close)
    store.ensure_schema()
    loads = [asdict(rolled) for rolled in store.recover_loads()]
    requeued: list[str] = []
    dispatchers: list[Dispatcher] = []

    def send(job_id: str, queue: str) -> None:
        dispatchers[:] = dispatchers or [load_dispatcher(settings)]
        dispatchers[0].send(job_id, queue)
        requeued.append(job_id)

    found = recover_jobs(JobBook(store), settings, send)
    echo(ctx, {"loads": loads, "jobs_found": found, "jobs_requeued": requeued},
         lambda p: (f"rolled back {len(p['loads'])} unfinished loads "
                    f"({sum(load['removed'] for load in p['loads'])} nodes and edges); "
                    f"{p['jobs_found']} jobs had lost their worker, {len(p['jobs_requeued'])} queued again"))


# -- load, query, stats, export ---------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(["triples", "csv", "lastfm", "movies", "demo"]),
              help="Input layout.")
@click.option("--entity-text", type=click.Path(exists=True, path_type=Path), help="triples: id<TAB>name file.")
@click.option("--entity-description", type=click.Path(exists=True, path_type=Path),
              help="triples: id<TAB>description file.")
@click.option("--relation-text", type=click.Path(exists=True, path_type=Path), help="triples: relation<TAB>text file.")
@json_option
@click.pass_context
def load(ctx: click.Context, paths: tuple[Path, ...], fmt: str, entity_text: Path | None,
         entity_description: Path | None, relation_text: Path | None) -> None:
    """Load PATHS into the graph: all of it, or nothing when any line is bad."""
    from kgplatform.ingest import load_graph, read_graph

    graph = read_graph(list(paths), fmt, entity_text=entity_text, relation_text=relation_text,
                       entity_description=entity_description)
    report = load_graph(store_of(ctx), graph)
    payload = {**asdict(report), "rows_read": graph.rows_read, "edges_per_second": round(report.edges_per_second),
               "warnings": graph.warnings}
    echo(ctx, payload, lambda p: (f"loaded {p['entities']} entities and {p['edges']} edges from {p['rows_read']} "
                                   f"rows in {p['seconds']:.2f} s (load {p['load_id']})"
                                   + "".join(f"\nwarning: {w}" for w in p["warnings"])))


def _parse_param(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE (VALUE as JSON, or a plain string)")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


@cli.command()
@click.argument("cypher")
@click.option("--param", "params", multiple=True, callback=_parse_param, help="NAME=VALUE, repeatable.")
@click.option("--write", is_flag=True, help="Allow the query to write.")
@click.option("--timeout", "timeout_ms", type=int, help="Milliseconds before the query is stopped.")
@click.option("--limit", "row_cap", type=int, help="Most rows to return.")
@json_option
@click.pass_context
def query(ctx: click.Context, cypher: str, params: dict[str, Any], write: bool, timeout_ms: int | None,
          row_cap: int | None) -> None:
    """Run CYPHER (read-only unless --write) with $params."""
    store = store_of(ctx)
    run = store.run_write if write else store.run_readonly
    result = run(cypher, params, timeout_ms=timeout_ms, row_cap=row_cap)
    payload = {"columns": list(result.columns), "rows": [list(r) for r in result.rows], "truncated": result.truncated}

    def text(p: dict[str, Any]) -> str:
        lines = ["\t".join(p["columns"])]
        lines += ["\t".join(json.dumps(v, default=str, ensure_ascii=False) for v in row) for row in p["rows"]]
        if p["truncated"]:
            lines.append(f"(truncated at {len(p['rows'])} rows)")
        return "\n".join(lines)

    echo(ctx, payload, text)


@cli.command()
@json_option
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Count entities, facts and predictions by label and relation type."""
    result = asdict(store_of(ctx).stats())

    def text(p: dict[str, Any]) -> str:
        lines = [f"entities {p['entities']}  facts {p['facts']}  predictions {p['predictions']}"]
        lines += [f"  :{k} {v}" for k, v in p["labels"].items()]
        lines += [f"  -[:{k}]- {v}" for k, v in p["relations"].items()]
        return "\n".join(lines)

    echo(ctx, result, text)


@cli.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["triples", "csv"]), default="csv", show_default=True)
@json_option
@click.pass_context
def export(ctx: click.Context, out: Path, fmt: str) -> None:
    """Write the graph's facts to OUT (a TSV file for triples, a directory for csv)."""
    from kgplatform.export import export_graph

    counts = export_graph(store_of(ctx), out, fmt)
    echo(ctx, {**counts, "path": str(out), "format": fmt},
          lambda p: f"exported {p['entities']} entities and {p['edges']} edges to {p['path']}")
