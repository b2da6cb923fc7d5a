"""``python -m aviv_caas_auth.cli``: the same as the ``aviv-caas`` console script."""

from aviv_caas_auth.cli import run

if __name__ == "__main__":
    run()
