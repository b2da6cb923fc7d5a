"""``aviv-caas``: the command line (needs the ``cli`` extra: ``pip install 'aviv-caas[cli]'``).

- :mod:`~aviv_caas_auth.cli.main` — the commands (click).
- :mod:`~aviv_caas_auth.cli.settings` — credentials, environment, API version, the local sandbox.
- :mod:`~aviv_caas_auth.cli.exits` — the exit codes a cron job acts on, and which error gives which.
- :mod:`~aviv_caas_auth.cli.output` — text (rich) or ``--json`` output, the progress bar.
"""
