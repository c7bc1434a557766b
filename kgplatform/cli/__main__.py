"""``python -m kgplatform.cli``: the same as the ``kgplatform`` command."""

from kgplatform.cli import main

main()
