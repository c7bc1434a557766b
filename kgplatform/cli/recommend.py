"""``kgplatform recommend``: a user's top items with the graph paths that explain them."""

from __future__ import annotations

from typing import Any

import click

from kgplatform.cli.base import cli, echo, json_option, settings_of, store_of


@cli.command()
@click.argument("user_id")
@click.option("--k", type=int, default=10, show_default=True, help="Items to recommend.")
@click.option("--paths", type=int, default=3, show_default=True, help="Explanations per item.")
@click.option("--relation", help="Interaction relation (default: KG_INTERACTION_RELATION).")
@click.option("--job", "job_id", help="Scores from this job (default: the latest that completed the relation).")
@json_option
@click.pass_context
def recommend(ctx: click.Context, user_id: str, k: int, paths: int, relation: str | None, job_id: str | None) -> None:
    """Recommend items for USER_ID, each with the graph paths that support it."""
    from kgplatform.recommend import interaction_relation
    from kgplatform.recommend import recommend as run

    found = run(store_of(ctx), user_id, interaction_relation(relation, settings_of(ctx).interaction_relation),
                k=k, paths=paths, job_id=job_id)

    def text(p: dict[str, Any]) -> str:
        lines = [f"for {p['user']} ({p['relation']}, job {p['job_id']}):"]
        for rank, item in enumerate(p["items"], start=1):
            lines.append(f"{rank:2d}. {item['name'] or item['id']}  ({item['score']:.3f})")
            lines += [f"      because {path['sentence']}" for path in item["paths"]]
        return "\n".join(lines) if p["items"] else lines[0] + " nothing to recommend"

    echo(ctx, found.to_json(), text)


@cli.command("evaluate-recs")
@click.option("--relation", help="Interaction relation (default: KG_INTERACTION_RELATION).")
@click.option("--model", default="distmult", show_default=True,
              type=click.Choice(["transe", "distmult", "complex", "rotate", "rgcn", "compgcn"]))
@click.option("--dim", type=int, default=64, show_default=True)
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--k", type=int, default=20, show_default=True, help="Cut-off of Recall@k and NDCG@k.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--linked-only", is_flag=True,
              help="Only items with a knowledge-graph edge, as KGCN evaluates (Last.FM: 3,846 artists).")
@json_option
@click.pass_context
def evaluate_recs(ctx: click.Context, relation: str | None, model: str, dim: int, epochs: int, k: int,
                  seed: int, linked_only: bool) -> None:
    """Recall@k / NDCG@k (KGIN) and AUC / F1 (KGCN) of a model, popularity and BPR-MF, trained now."""
    from kgplatform.completion.training import TrainConfig
    from kgplatform.rec_evaluation import evaluate_recommenders
    from kgplatform.recommend import interaction_relation

    config = TrainConfig(model=model, dim=dim, epochs=epochs, regime="negative-sampling", seed=seed)
    found = evaluate_recommenders(store_of(ctx), interaction_relation(relation, settings_of(ctx).interaction_relation),
                                  config, k=k, seed=seed, linked_only=linked_only)

    def text(p: dict[str, Any]) -> str:
        return "\n".join(f"{protocol:5s} {name:10s} " + "  ".join(f"{m} {v:.4f}" for m, v in values.items())
                         for protocol, models in p.items() for name, values in models.items())

    echo(ctx, found, text)
