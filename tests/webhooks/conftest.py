"""The webhook tests share the workflow suite's sandbox fixtures."""

from tests.workflows.conftest import (  # noqa: F401 - fixtures
    caas_sandbox_factory,
    checker,
    client,
    make_client,
    poll,
    sandbox,
    sandbox_config,
    sleeps,
    spec,
)
