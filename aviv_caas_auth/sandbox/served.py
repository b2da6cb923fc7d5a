"""One API version as the sandbox serves it: its spec, environments, state and operations.

A sandbox serves every version side by side (``/caas/v3``, ``/sandbox/caas/v3``, ``/caas/v4``,
``/sandbox/caas/v4``), with one token endpoint, one token-reuse report and one clock. The
classifieds are shared: one :class:`~aviv_caas_auth.sandbox.state.Inventory` per sandbox, kept per
(environment, client_id, intermediary_id), so a classified created through v3 is the one a v4
update replaces; each version shows it through its own spec
(:mod:`aviv_caas_auth.sandbox.views`). A token is for one audience, hence one version and one
environment.
"""

from __future__ import annotations

from dataclasses import dataclass

from aviv_caas_auth.apis import package_of
from aviv_caas_auth.sandbox.clock import SandboxTime
from aviv_caas_auth.sandbox.config import Environment, SandboxConfig
from aviv_caas_auth.sandbox.media import InlineMedia
from aviv_caas_auth.sandbox.operations import Operations
from aviv_caas_auth.sandbox.processing import ProcessingKnobs
from aviv_caas_auth.sandbox.spec import ApiSpec, pointer
from aviv_caas_auth.sandbox.state import Inventory, Store
from aviv_caas_auth.sandbox.views import VersionView

# The portals a v3 media is processed for (one status per portal): the enum of MediaStatus.portal.
MEDIA_PORTALS = pointer("components", "schemas", "MediaStatus", "properties", "portal", "enum")


@dataclass(frozen=True)
class ServedApi:
    """An API version (``v3``, ``v4``) served from its prepared spec."""

    api: str
    spec: ApiSpec
    environments: tuple[Environment, ...]
    store: Store
    operations: Operations

    @classmethod
    def start(
        cls,
        api: str,
        config: SandboxConfig,
        clock: SandboxTime,
        processing: ProcessingKnobs,
        spec: ApiSpec | None = None,
        inventory: Inventory | None = None,
    ) -> ServedApi:
        """Serve ``api`` from ``spec`` (default: the configured path, else its generated package's).

        ``inventory``: the classifieds shared with the other versions served (default: its own).
        """
        if spec is None:
            spec = ApiSpec.load(config.spec_path_of(api), package=package_of(api))
        store = Store(
            clock,
            config.status_step,
            spec.enum_at(MEDIA_PORTALS),
            processing.flow,
            InlineMedia.of(spec, processing.media_failure),
            inventory,
            VersionView(spec).status,
        )
        operations = Operations(spec, store, clock, config.media_page_size)
        return cls(api, spec, spec.environments(api), store, operations)
