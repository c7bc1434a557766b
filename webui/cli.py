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
    from webui import create_app, settle_heap

    app = create_app(settings_of(ctx))
    settle_heap()
    click.echo(f"kgplatform web app on http://{host}:{port}/ (API under /api)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.command("hash-password")
@click.option("--name", required=True, help="The account name (letters, digits, '_', '.' and '-').")
@click.option("--role", type=click.Choice(["admin", "reader"]), default="reader", show_default=True)
@click.password_option(help="Asked for when not given (twice).")
def hash_password(name: str, role: str, password: str) -> None:
    """Print a KG_USERS entry (name:role:hash) for one web account; the password itself is never stored."""
    from werkzeug.security import generate_password_hash

    from webui.access import ACCOUNT_NAME

    if not ACCOUNT_NAME.fullmatch(name):
        raise click.BadParameter("letters, digits, '_', '.' and '-' only (at most 64)", param_hint="--name")
    click.echo(f"{name}:{role}:{generate_password_hash(password)}")
