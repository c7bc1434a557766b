"""``kgplatform serve``: the web app and HTTP API (joins the CLI through an entry point)."""

from __future__ import annotations

import click

from kgplatform.cli.base import settings_of


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app and HTTP API."""
    from webui import create_app

    app = create_app(settings_of(ctx))
    click.echo(f"kgplatform web app on http://{host}:{port}/ (API under /api)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
