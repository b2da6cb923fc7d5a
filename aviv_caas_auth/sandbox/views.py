"""How one API version shows the classifieds and statuses that every version shares.

A classified belongs to its offerer in one environment, whichever version wrote it (AVIV's v3 → v4
runbook migrates an agency by sending v4 updates of its existing classifieds: they are the same
classifieds). Each version shows them through its own spec, derived from that spec alone:

- **inline media** (v4's ``media`` array): shown only by a version whose ``AvivClassified`` has
  ``media``. A classified created or last replaced through v3 has none until a v4 write sends them
  (v3's media, attached through its media endpoints, stay v3's: v4 has no media endpoints), and a
  v3 write keeps the inline media a v4 write sent (v3 cannot express them).
- **portals** a version does not list (v3's ``LR`` and ``LI`` in v4) are not shown by it.
- **statuses**: a status value a version does not list is shown as the value it extends
  (``UPDATED_WITH_MEDIA_ERROR`` → ``UPDATED`` in v3: the classified is published), a sub-status it
  does not list (v3's ``RECEIVED_PATCH`` in v4) is left out, and ``mediaStatuses`` are shown only
  by a version whose ``ClassifiedStatus`` has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aviv_caas_auth.sandbox.spec import ApiSpec, pointer

MEDIA = "media"
PORTALS = pointer("components", "schemas", "AvivClassified", "properties", "portals", "items", "enum")
STATUSES = pointer("components", "schemas", "ClassifiedStatus", "properties", "status", "enum")
SUB_STATUSES = pointer("components", "schemas", "ClassifiedStatus", "properties", "subStatus", "enum")
WITH_MEDIA_ERROR = "_WITH_MEDIA_ERROR"


class VersionView:
    """One version's view of shared classifieds and statuses (see the module's docstring)."""

    def __init__(self, spec: ApiSpec) -> None:
        self.inline_media = spec.has_property("AvivClassified", MEDIA)
        self.media_statuses = spec.has_property("ClassifiedStatus", "mediaStatuses")
        self._portals = frozenset(spec.enum_at(PORTALS))
        self._statuses = frozenset(spec.enum_at(STATUSES))
        self._sub_statuses = frozenset(spec.enum_at(SUB_STATUSES))

    def classified(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` as this version shows it."""
        shown = dict(body)
        if not self.inline_media:
            shown.pop(MEDIA, None)
        if self._portals and isinstance(shown.get("portals"), list):
            shown["portals"] = self.portals(shown["portals"])
        return shown

    def portals(self, portals: list[Any]) -> list[Any]:
        """The portals this version lists, in their order."""
        return [portal for portal in portals if not self._portals or portal in self._portals]

    def written(self, old: Mapping[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        """The body to store when this version replaces ``old`` by ``new`` (v3 keeps v4's inline media)."""
        if not self.inline_media and old is not None and MEDIA in old:
            return {**new, MEDIA: old[MEDIA]}
        return new

    def status(self, body: dict[str, Any]) -> dict[str, Any]:
        """A ``ClassifiedStatus`` JSON as this version shows it."""
        status = body.get("status")
        if self._statuses and status not in self._statuses and str(status).endswith(WITH_MEDIA_ERROR):
            body["status"] = str(status)[: -len(WITH_MEDIA_ERROR)]
        if self._sub_statuses and "subStatus" in body and body["subStatus"] not in self._sub_statuses:
            del body["subStatus"]
        if not self.media_statuses:
            body.pop("mediaStatuses", None)
        if isinstance(body.get("portals"), list):
            body["portals"] = self.portals(body["portals"])
        return body
