"""The ``kgplatform`` command line: one entry point, a verb per task, ``--json`` wherever it prints results.

Verbs that need Celery or Flask (``worker``, ``serve``) live with the workers and the web app and
join the group through the ``kgplatform.commands`` entry points, so this core package imports
neither.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from kgplatform.cli import completion, demo, graph, jobs, recommend  # noqa: F401  (they register their verbs)
from kgplatform.cli.base import cli
from kgplatform.errors import InvalidInput, KGError, QueryError, StoreUnavailable, UnknownModel

EXIT_CODES = {InvalidInput: 2, UnknownModel: 2, StoreUnavailable: 3, QueryError: 4}


def _add_plugin_commands() -> None:
    for entry in entry_points(group="kgplatform.commands"):
        if entry.name not in cli.commands:
            cli.add_command(entry.load(), entry.name)


def main() -> None:
    """Entry point: run the CLI, turning kgplatform errors into a message and an exit code."""
    _add_plugin_commands()
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
