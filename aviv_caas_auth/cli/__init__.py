"""``aviv-caas``: the command line (needs the ``cli`` extra: click and rich).

- :mod:`~aviv_caas_auth.cli.main` — the commands (click).
- :mod:`~aviv_caas_auth.cli.settings` — credentials, environment, API version, the local sandbox.
- :mod:`~aviv_caas_auth.cli.exits` — the exit codes a cron job acts on, and which error gives which.
- :mod:`~aviv_caas_auth.cli.output` — text (rich) or ``--json`` output, the progress bar.

:func:`run` is the console script: without the extra it prints one line giving the ``pip install``
command that adds it to this installation (:mod:`aviv_caas_auth.extras`), exit code 3
(configuration), instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import sys

EXTRA_MODULES = ("click", "rich")
"""What the ``cli`` extra installs."""


def run(argv: list[str] | None = None) -> None:
    """The ``aviv-caas`` console script (:func:`aviv_caas_auth.cli.main.run`), or why it cannot run."""
    try:
        from aviv_caas_auth.cli.main import run as run_command
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] not in EXTRA_MODULES:
            raise
        from aviv_caas_auth.extras import install_command

        print(
            f"error: the aviv-caas command line needs the cli extra, which is not installed (no module "
            f"named {missing.name!r}): {install_command('cli')}",
            file=sys.stderr,
        )
        raise SystemExit(3) from None
    run_command(argv)
