"""The ``kgplatform`` command line: one entry point, a verb per task, ``--json`` wherever it prints results.

Every verb reads the same :class:`~kgplatform.config.Settings` (``KG_*`` variables, overridden by
``--data-dir`` and ``--store``), so the CLI, the web app and the workers see one graph.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from kgplatform.config import Settings
from kgplatform.errors import InvalidInput, KGError, QueryError, StoreUnavailable, UnknownModel
from kgplatform.store import GraphStore, open_store

EXIT_CODES = {InvalidInput: 2, UnknownModel: 2, StoreUnavailable: 3, QueryError: 4}


def _echo(ctx: click.Context, payload: Any, text: Callable[[Any], str]) -> None:
    if ctx.obj["json"]:
        click.echo(json.dumps(payload, default=str, ensure_ascii=False))
    else:
        click.echo(text(payload))


def _store(ctx: click.Context) -> GraphStore:
    store = open_store(ctx.obj["settings"])
    ctx.call_on_close(store.close)
    return store


@click.group()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="KG_DATA_DIR",
              help="Embedded store's data directory (default ./.kgdata).")
@click.option("--store", "store_kind", type=click.Choice(["embedded", "neo4j"]), envvar="KG_STORE",
              help="Graph store backend.")
@click.option("--graph", envvar="KG_GRAPH", help="Graph (FalkorDB key) to use.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, store_kind: str | None, graph: str | None, as_json: bool) -> None:
    """Knowledge-graph completion and explainable recommendation."""
    ctx.obj = {"settings": Settings.from_env(data_dir=data_dir, store=store_kind, graph=graph), "json": as_json}


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` after the verb too (``kgplatform stats --json``)."""

    def set_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
        if value:
            ctx.find_root().obj["json"] = True

    return click.option("--json", "as_json", is_flag=True, expose_value=False, callback=set_json,
                        help="Print results as JSON.")(func)


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

    info = ensure_server(ctx.obj["settings"].data_dir)
    _echo(ctx, {"running": True, **asdict(info), "url": info.url},
          lambda p: f"embedded server running: pid {p['pid']}, {p['url']}")


@server.command("stop")
@json_option
@click.pass_context
def server_stop(ctx: click.Context) -> None:
    """Stop the server cleanly."""
    from kgplatform.store.server import stop_server

    stopped = stop_server(ctx.obj["settings"].data_dir)
    _echo(ctx, {"stopped": stopped}, lambda p: "server stopped" if p["stopped"] else "no server was running")


@server.command("status")
@json_option
@click.pass_context
def server_status(ctx: click.Context) -> None:
    """Say whether the server runs; exit 1 when it does not."""
    from kgplatform.store.server import server_status as status

    info = status(ctx.obj["settings"].data_dir.resolve())
    payload = {"running": info is not None, **(asdict(info) | {"url": info.url} if info else {})}
    _echo(ctx, payload, lambda p: f"running: pid {p['pid']}, {p['url']}" if p["running"] else "not running")
    if info is None:
        ctx.exit(1)


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
    report = load_graph(_store(ctx), graph)
    payload = {**asdict(report), "rows_read": graph.rows_read, "edges_per_second": round(report.edges_per_second),
               "warnings": graph.warnings}
    _echo(ctx, payload, lambda p: (f"loaded {p['entities']} entities and {p['edges']} edges from {p['rows_read']} "
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
    store = _store(ctx)
    run = store.run_write if write else store.run_readonly
    result = run(cypher, params, timeout_ms=timeout_ms, row_cap=row_cap)
    payload = {"columns": list(result.columns), "rows": [list(r) for r in result.rows], "truncated": result.truncated}

    def text(p: dict[str, Any]) -> str:
        lines = ["\t".join(p["columns"])]
        lines += ["\t".join(json.dumps(v, default=str, ensure_ascii=False) for v in row) for row in p["rows"]]
        if p["truncated"]:
            lines.append(f"(truncated at {len(p['rows'])} rows)")
        return "\n".join(lines)

    _echo(ctx, payload, text)


@cli.command()
@json_option
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Count entities, facts and predictions by label and relation type."""
    result = asdict(_store(ctx).stats())

    def text(p: dict[str, Any]) -> str:
        lines = [f"entities {p['entities']}  facts {p['facts']}  predictions {p['predictions']}"]
        lines += [f"  :{k} {v}" for k, v in p["labels"].items()]
        lines += [f"  -[:{k}]- {v}" for k, v in p["relations"].items()]
        return "\n".join(lines)

    _echo(ctx, result, text)


@cli.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["triples", "csv"]), default="csv", show_default=True)
@json_option
@click.pass_context
def export(ctx: click.Context, out: Path, fmt: str) -> None:
    """Write the graph's facts to OUT (a TSV file for triples, a directory for csv)."""
    from kgplatform.export import export_graph

    counts = export_graph(_store(ctx), out, fmt)
    _echo(ctx, {**counts, "path": str(out), "format": fmt},
          lambda p: f"exported {p['entities']} entities and {p['edges']} edges to {p['path']}")


def _relations(_: click.Context, __: click.Parameter, value: str | None) -> tuple[str, ...]:
    return tuple(r.strip() for r in (value or "").split(",") if r.strip())


@cli.command()
@click.option("--model", default="complex", show_default=True,
              type=click.Choice(["transe", "distmult", "complex", "rotate", "rgcn", "compgcn"]))
@click.option("--relations", callback=_relations, help="Relation types to complete, comma-separated (default: all).")
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
@json_option
@click.pass_context
def complete(ctx: click.Context, model: str, relations: tuple[str, ...], epochs: int, dim: int, top_k: int,
             evaluate: bool, both_directions: bool, regime: str, batch_size: int, lr: float, optimizer: str,
             reg_weight: float, seed: int | None, device: str) -> None:
    """Train a completion model on the graph and write its predicted edges back (in-process)."""
    from kgplatform.completion.pipeline import CompletionSpec, run_completion
    from kgplatform.completion.training import TrainConfig

    train = TrainConfig(model=model, dim=dim, epochs=epochs, batch_size=batch_size, lr=lr, regime=regime,  # type: ignore[arg-type]
                        optimizer=optimizer, reg_weight=reg_weight, seed=seed, device=device)  # type: ignore[arg-type]
    spec = CompletionSpec(train=train, relations=relations, top_k=top_k, evaluate=evaluate,
                          both_directions=both_directions)
    settings = ctx.obj["settings"]
    result = run_completion(_store(ctx), spec, artifacts_root=settings.data_dir / "jobs")

    def text(p: dict[str, Any]) -> str:
        shown = ("mrr", "hits@1", "hits@3", "hits@10")
        metrics = "  ".join(f"{k} {v:.4f}" for k, v in p["metrics"].items() if k in shown)
        lines = [f"job {p['job_id']} {p['status']}: {metrics}", f"{p['written']} predictions written",
                 f"artifacts: {p['artifacts']}"]
        return "\n".join(lines + [f"warning: {w}" for w in p["warnings"]])

    _echo(ctx, result.to_json(), text)


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
    found = [asdict(p) for p in _store(ctx).list_predictions(job_id, relation, status, limit)]
    _echo(ctx, found, lambda rows: "\n".join(
        f"{r['score']:.3f}  {r['head']} -[{r['relation']}]-> {r['tail']}  (rank {r['rank']}, {r['model']}, "
        f"job {r['job_id']}, {r['status']})" for r in rows) or "no predictions")


def _decide(ctx: click.Context, verb: str, head: str, relation: str, tail: str, job_id: str) -> None:
    store = _store(ctx)
    done = (store.accept_prediction if verb == "accept" else store.reject_prediction)(head, relation, tail, job_id)
    payload = {verb + "ed": done, "head": head, "relation": relation, "tail": tail, "job_id": job_id}
    _echo(ctx, payload, lambda p: f"{verb}ed" if done else "no such visible prediction")
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
    removed = _store(ctx).retract_predictions(job_id)
    _echo(ctx, {"retracted": removed, "job_id": job_id}, lambda p: f"retracted {p['retracted']} predictions")


@cli.command()
@click.option("--no-serve", is_flag=True, help="Do everything but serve the UI.")
@json_option
@click.pass_context
def demo(ctx: click.Context, no_serve: bool) -> None:
    """Load the demo graph (real films, synthetic users) into the embedded store."""
    from kgplatform.ingest import load_graph, read_graph

    graph = read_graph([], "demo")
    store = _store(ctx)
    report = load_graph(store, graph)
    graph_stats = store.stats()
    payload = {"load": asdict(report), "stats": asdict(graph_stats), "served": False,
               "data_dir": str(ctx.obj["settings"].data_dir)}
    _echo(ctx, payload, lambda p: (
        f"demo graph loaded: {p['stats']['entities']} entities, {p['stats']['facts']} facts "
        f"({p['load']['edges']} edges written by this run)\n"
        f"try: kgplatform query \"MATCH (d:Person)-[:DIRECTED]->(m:Movie) RETURN d.name, count(m) AS films "
        f"ORDER BY films DESC LIMIT 5\""))


def main() -> None:
    """Entry point: run the CLI, turning kgplatform errors into a message and an exit code."""
    try:
        code = cli.main(standalone_mode=False)  # returns the code of ctx.exit() instead of raising
        sys.exit(code if isinstance(code, int) else 0)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except KGError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(next((code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), 1))


if __name__ == "__main__":
    main()
