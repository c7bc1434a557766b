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
