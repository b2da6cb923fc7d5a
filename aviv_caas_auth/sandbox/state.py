"""The sandbox's memory: classifieds, media, their statuses, and webhook subscriptions.

Everything belongs to a tenant, (environment, client_id, intermediary_id): an offerer (each
agency, i.e. each intermediary_id, apart) sees only its own classifieds, separately in each
environment, and the same ones through every API version: the classifieds live in one
:class:`Inventory` that each version's :class:`Store` shares (a classified created through v3 is
the one a v4 update replaces, as in AVIV's migration runbook; how each version shows it:
:mod:`aviv_caas_auth.sandbox.views`). Webhook subscriptions are per version. Statuses are
scheduled on the clock when a request is accepted (RECEIVED at once, then one step every
``status_step`` seconds) and become visible, and announced to webhooks, only when the clock
reaches them.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aviv_caas_auth.sandbox.clock import SandboxTime
from aviv_caas_auth.sandbox.media import InlineMedia, MediaStatus
from aviv_caas_auth.sandbox.problems import (
    ProblemError,
    duplicated_classified,
    duplicated_media,
    not_found,
    precondition_failed,
)

Tenant = tuple[str, str, str]
"""(environment, client_id, intermediary_id): the environment's name (``sandbox``, ``production``)."""

Step = tuple[str, str | None, str]
"""(status, subStatus, message)."""


def _flow(verb: str, doing: str, done: str, done_message: str) -> tuple[Step, ...]:
    return (
        ("RECEIVED", f"RECEIVED_{verb}", "The classified has successfully been received in our system"),
        (doing, None, f"The classified is being processed ({doing.lower()})"),
        (done, None, done_message),
    )


CLASSIFIED_FLOWS: dict[str, tuple[Step, ...]] = {
    "POST": _flow("POST", "CREATING", "CREATED", "The classified has been created on the portals"),
    "PUT": _flow("PUT", "UPDATING", "UPDATED", "The classified has been updated on the portals"),
    "PATCH": _flow("PATCH", "UPDATING", "UPDATED", "The classified has been updated on the portals"),
    "DELETE": _flow("DELETE", "DELETING", "DELETED", "The classified has been deleted from the portals"),
}
MEDIA_FLOW: tuple[Step, ...] = (
    ("RECEIVED", None, "The media has been received in our system"),
    ("DOWNLOADING", None, "The media is being downloaded"),
    ("DOWNLOADED", None, "The media has been successfully downloaded in our system"),
    ("AV_SCANNING", None, "The media is being scanned for viruses"),
    ("AV_SCANNED", None, "The media has been scanned for viruses"),
    ("AV_CLEANED", None, "The media is clean and ready to be published"),
)
MEDIA_DELETE_FLOW: tuple[Step, ...] = (("DELETED", None, "The media has been deleted"),)


@dataclass
class StatusEvent:
    """One status of a classified (or, with ``portal`` set, of a media on one portal)."""

    status_id: str
    seq: int
    due: float
    status: str
    sub_status: str | None
    message: str
    revision: int
    portals: tuple[str, ...]
    media_statuses: tuple[MediaStatus, ...] | None = None

    def status_body(self, wall: datetime) -> dict[str, Any]:
        """The ``ClassifiedStatus`` JSON (also the webhook callback's body); v4's carry ``mediaStatuses``."""
        body: dict[str, Any] = {
            "portals": list(self.portals),
            "status": self.status,
            "message": self.message,
            "statusDate": wall.isoformat().replace("+00:00", "Z"),
        }
        if self.sub_status:
            body["subStatus"] = self.sub_status
        if self.media_statuses is not None:
            body["mediaStatuses"] = [dict(item) for item in self.media_statuses]
        return body


@dataclass
class MediaRecord:
    """A media attached to a classified."""

    media_id: str
    classified_id: str
    seq: int
    body: dict[str, Any]
    statuses: list[StatusEvent] = field(default_factory=list)
    deleted: bool = False


@dataclass
class ClassifiedRecord:
    """A classified, its revision (the ETag), media and statuses."""

    classified_id: str
    tenant: Tenant
    seq: int
    body: dict[str, Any]
    revision: int = 1
    statuses: list[StatusEvent] = field(default_factory=list)
    media: dict[str, MediaRecord] = field(default_factory=dict)
    deleted: bool = False

    @property
    def etag(self) -> str:
        """The strong ETag of the current revision, e.g. ``"2"``."""
        return f'"{self.revision}"'

    @property
    def offerer_estate_id(self) -> str:
        """``data.metaData.source.offererEstateId`` (required by the schema)."""
        return str(self.body["data"]["metaData"]["source"]["offererEstateId"])

    @property
    def portals(self) -> tuple[str, ...]:
        """The portals the classified is published on."""
        return tuple(self.body.get("portals", ()))


@dataclass(frozen=True)
class Subscription:
    """A webhook subscription: where to POST status callbacks, and for which statuses (all if None)."""

    url: str
    statuses: frozenset[str] | None


@dataclass(frozen=True)
class Notification:
    """A status callback due for delivery."""

    url: str
    classified_id: str
    body: dict[str, Any]


def if_match_allows(if_match: str | None, etag: str) -> bool:
    """Whether an ``If-Match`` header (absent, ``*`` or a list of ETags) accepts ``etag``."""
    if if_match is None:
        return True
    tags = [tag.strip() for tag in if_match.split(",")]
    return "*" in tags or etag in tags


class Inventory:
    """The classifieds of every tenant, shared by the API versions a sandbox serves. Thread-safe.

    It also keeps the classified statuses not yet announced, by due time, so that each request
    announces what the clock reached without walking every status.
    """

    def __init__(self) -> None:
        self.classifieds: dict[str, ClassifiedRecord] = {}
        self.seq = itertools.count(1)
        self.lock = threading.RLock()
        self._unannounced: list[tuple[float, int, StatusEvent, ClassifiedRecord]] = []

    def scheduled(self, event: StatusEvent, record: ClassifiedRecord) -> None:
        """Remember ``event`` of ``record`` until it is due."""
        with self.lock:
            heapq.heappush(self._unannounced, (event.due, event.seq, event, record))

    def take_due(self, now: float) -> list[tuple[StatusEvent, ClassifiedRecord]]:
        """The classified statuses due by ``now`` not taken before, in due order (each taken once)."""
        due: list[tuple[StatusEvent, ClassifiedRecord]] = []
        with self.lock:
            while self._unannounced and self._unannounced[0][0] <= now:
                _, _, event, record = heapq.heappop(self._unannounced)
                due.append((event, record))
        return due


class Store:
    """One API version's access to the shared :class:`Inventory`, and its webhook subscriptions."""

    def __init__(
        self,
        clock: SandboxTime,
        status_step: float,
        media_portals: Collection[str],
        flows: Callable[[str, ClassifiedRecord], tuple[Step, ...]] | None = None,
        inline_media: InlineMedia | None = None,
        inventory: Inventory | None = None,
        view: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self._clock = clock
        # v4: the media inside the classified are processed with each write (None in v3).
        self._inline_media = inline_media
        # The statuses a write goes through (``processing.ProcessingKnobs.flow`` may make it fail).
        self._flow = flows or (lambda method, _record: CLASSIFIED_FLOWS[method])
        self._step = status_step
        self._media_portals = tuple(media_portals)
        self.inventory = inventory if inventory is not None else Inventory()
        self._classifieds = self.inventory.classifieds
        self._seq = self.inventory.seq
        self.lock = self.inventory.lock
        # How this version shows a status callback's body (views.VersionView.status).
        self._status_view = view or (lambda body: body)
        self._subscriptions: dict[Tenant, Subscription] = {}

    # --- classifieds -------------------------------------------------------------------------
    def create_classified(self, tenant: Tenant, body: dict[str, Any]) -> ClassifiedRecord:
        """Store a new classified; 400 Duplicated classified if its offererEstateId is taken."""
        with self.lock:
            record = ClassifiedRecord(str(uuid.uuid4()), tenant, next(self._seq), copy.deepcopy(body))
            self._check_unique(record)
            self._classifieds[record.classified_id] = record
            flow, media = self._with_media(self._flow("POST", record), None, record.body)
            self._schedule(record.statuses, flow, record.revision, lambda: [record.portals], media, record)
            return record

    def classifieds(self, tenant: Tenant, offerer_estate_id: str | None = None) -> list[ClassifiedRecord]:
        """The tenant's live classifieds in creation order, optionally filtered by offererEstateId."""
        with self.lock:
            return [
                r
                for r in self._classifieds.values()
                if r.tenant == tenant
                and not r.deleted
                and (offerer_estate_id is None or r.offerer_estate_id == offerer_estate_id)
            ]

    def classified(
        self, tenant: Tenant, classified_id: str, *, deleted_too: bool = False
    ) -> ClassifiedRecord:
        """The tenant's classified; 404 if unknown, another tenant's, or deleted (unless ``deleted_too``)."""
        with self.lock:
            record = self._classifieds.get(classified_id)
            if record is None or record.tenant != tenant or (record.deleted and not deleted_too):
                raise ProblemError(not_found(classified_id))
            return record

    def update_classified(
        self,
        tenant: Tenant,
        classified_id: str,
        if_match: str | None,
        method: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> ClassifiedRecord:
        """Replace (PUT) or patch (PATCH) a classified: 412 on a stale ``If-Match``, then ``change(body)``."""
        with self.lock:
            record = self.classified(tenant, classified_id)
            if not if_match_allows(if_match, record.etag):
                raise ProblemError(precondition_failed(record.etag))
            new_body = change(copy.deepcopy(record.body))
            candidate = ClassifiedRecord(record.classified_id, tenant, record.seq, new_body)
            self._check_unique(candidate)
            old_body, record.body = record.body, new_body
            record.revision += 1
            flow, media = self._with_media(self._flow(method, record), old_body, new_body)
            self._schedule(record.statuses, flow, record.revision, lambda: [record.portals], media, record)
            return record

    def delete_classified(self, tenant: Tenant, classified_id: str) -> ClassifiedRecord:
        """Delete a classified (its statuses stay readable) and detach its media."""
        with self.lock:
            record = self.classified(tenant, classified_id)
            record.deleted = True
            flow = self._flow("DELETE", record)
            self._schedule(record.statuses, flow, record.revision, lambda: [record.portals], None, record)
            for media in record.media.values():
                self._detach(record, media)
            return record

    def _check_unique(self, candidate: ClassifiedRecord) -> None:
        for other in self._classifieds.values():
            if (
                other.tenant == candidate.tenant
                and not other.deleted
                and other.classified_id != candidate.classified_id
                and other.offerer_estate_id == candidate.offerer_estate_id
            ):
                raise ProblemError(duplicated_classified(candidate.offerer_estate_id, other.classified_id))

    # --- media -------------------------------------------------------------------------------
    def attach_media(self, tenant: Tenant, classified_id: str, body: dict[str, Any]) -> MediaRecord:
        """Attach a media; 400 Duplicated media if the classified already has one with this url."""
        with self.lock:
            record = self.classified(tenant, classified_id)
            for other in record.media.values():
                if not other.deleted and other.body.get("url") == body.get("url"):
                    raise ProblemError(duplicated_media(str(body.get("url")), other.media_id, classified_id))
            media = MediaRecord(str(uuid.uuid4()), classified_id, next(self._seq), copy.deepcopy(body))
            record.media[media.media_id] = media
            self._schedule(
                media.statuses, MEDIA_FLOW, record.revision, lambda: self._media_portal_sets(record)
            )
            return media

    def media_list(self, tenant: Tenant, classified_id: str) -> list[MediaRecord]:
        """The classified's attached media, in attachment order."""
        with self.lock:
            record = self.classified(tenant, classified_id)
            return [m for m in record.media.values() if not m.deleted]

    def media(
        self, tenant: Tenant, classified_id: str, media_id: str, *, deleted_too: bool = False
    ) -> MediaRecord:
        """One media of the tenant's classified; 404 otherwise."""
        with self.lock:
            record = self.classified(tenant, classified_id, deleted_too=deleted_too)
            media = record.media.get(media_id)
            if media is None or (media.deleted and not deleted_too):
                raise ProblemError(not_found(media_id))
            return media

    def update_media(
        self,
        tenant: Tenant,
        classified_id: str,
        media_id: str,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> MediaRecord:
        """Apply ``change`` to a media's metadata."""
        with self.lock:
            media = self.media(tenant, classified_id, media_id)
            media.body = change(copy.deepcopy(media.body))
            return media

    def detach_media(self, tenant: Tenant, classified_id: str, media_id: str | None) -> list[MediaRecord]:
        """Detach one media (or all when ``media_id`` is None); they get a DELETED status."""
        with self.lock:
            record = self.classified(tenant, classified_id)
            targets = (
                [self.media(tenant, classified_id, media_id)]
                if media_id
                else self.media_list(tenant, classified_id)
            )
            for media in targets:
                self._detach(record, media)
            return targets

    def _detach(self, record: ClassifiedRecord, media: MediaRecord) -> None:
        if not media.deleted:
            media.deleted = True
            self._schedule(
                media.statuses, MEDIA_DELETE_FLOW, record.revision, lambda: self._media_portal_sets(record)
            )

    def _media_portal_sets(self, record: ClassifiedRecord) -> list[tuple[str, ...]]:
        portals = [p for p in record.portals if p in self._media_portals] or list(self._media_portals[:1])
        return [(portal,) for portal in portals]

    # --- statuses ----------------------------------------------------------------------------
    def _with_media(
        self, flow: tuple[Step, ...], old: dict[str, Any] | None, new: dict[str, Any]
    ) -> tuple[tuple[Step, ...], tuple[MediaStatus, ...] | None]:
        """``flow`` ending as the processing of ``new``'s inline media makes it (v4), and their statuses."""
        if self._inline_media is None or not flow or flow[-1][0].endswith("_FAILED"):
            return flow, None
        outcomes = self._inline_media.outcomes(old, new)
        if outcomes is None:
            return flow, None
        return (*flow[:-1], self._inline_media.final_step(flow[-1], outcomes)), outcomes

    def _schedule(
        self,
        statuses: list[StatusEvent],
        flow: Iterable[Step],
        revision: int,
        portal_sets: Callable[[], list[tuple[str, ...]]],
        media_statuses: tuple[MediaStatus, ...] | None = None,
        record: ClassifiedRecord | None = None,
    ) -> None:
        """Add ``flow``'s statuses, one step per ``status_step``; the last one carries ``media_statuses``.

        Statuses of a classified (``record`` given) are announced to webhooks when due.
        """
        now = self._clock.now()
        busy_until = max((s.due for s in statuses), default=now)
        start = max(now, busy_until)
        steps = list(flow)
        for index, (status, sub_status, message) in enumerate(steps):
            due = now if index == 0 else start + index * self._step
            final_media = media_statuses if index == len(steps) - 1 else None
            for portals in portal_sets():
                event = StatusEvent(
                    str(uuid.uuid4()),
                    next(self._seq),
                    due,
                    status,
                    sub_status,
                    message,
                    revision,
                    portals,
                    media_statuses=final_media,
                )
                statuses.append(event)
                if record is not None:
                    self.inventory.scheduled(event, record)
        statuses.sort(key=lambda s: (s.due, s.seq))

    def visible(self, statuses: Iterable[StatusEvent]) -> list[StatusEvent]:
        """The statuses the clock has reached, oldest first."""
        now = self._clock.now()
        with self.lock:
            return [s for s in statuses if s.due <= now]

    # --- webhooks ----------------------------------------------------------------------------
    def subscribe(self, tenant: Tenant, subscription: Subscription) -> None:
        """Set (or replace) the tenant's webhook subscription."""
        with self.lock:
            self._subscriptions[tenant] = subscription

    def unsubscribe(self, tenant: Tenant) -> bool:
        """Remove the tenant's subscription; False if it had none."""
        with self.lock:
            return self._subscriptions.pop(tenant, None) is not None

    def due_notifications(self) -> list[Notification]:
        """Status callbacks for every classified status the clock reached since the last call.

        For a sandbox serving one version; with several, :meth:`notifications` of the statuses
        taken once from the shared inventory (``SandboxApp.tick``).
        """
        return self.notifications(self.inventory.take_due(self._clock.now()))

    def notifications(self, due: Iterable[tuple[StatusEvent, ClassifiedRecord]]) -> list[Notification]:
        """The callbacks this version's subscriptions get for the statuses ``due`` (as it shows them)."""
        notifications: list[Notification] = []
        with self.lock:
            for event, record in due:
                subscription = self._subscriptions.get(record.tenant)
                if subscription is None:
                    continue
                body = self._status_view(event.status_body(self._clock.wall(event.due)))
                if subscription.statuses is None or body["status"] in subscription.statuses:
                    url = f"{subscription.url.rstrip('/')}/classifieds/{record.classified_id}/statuses"
                    notifications.append(Notification(url, record.classified_id, body))
        return notifications
