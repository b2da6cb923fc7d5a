"""The operations of the Classified API, on top of the store.

Requests reach these handlers already authenticated and validated against the spec (parameters
typed, body checked); a handler applies the business rules (uniqueness, ETags, JSON patches,
loopback-only webhooks) and returns the body the spec documents for its answer.

The 15 operations of v3.1.3 have hand-written behaviour (``HANDLERS``). Any other operation the
spec declares (AVIV adds some in minor versions) is served generically from the spec
(:mod:`aviv_caas_auth.sandbox.generic`), and listed in ``Operations.generic``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aviv_caas_auth.pointers import pointer
from aviv_caas_auth.sandbox.errors import extra_missing

try:
    import jsonpatch
    import jsonpointer
except ModuleNotFoundError as missing:  # the sandbox extra is not installed: say so
    raise extra_missing(missing) from None

from aviv_caas_auth.sandbox.clock import SandboxTime
from aviv_caas_auth.sandbox.generic import GenericAnswers
from aviv_caas_auth.sandbox.pagination import paginate
from aviv_caas_auth.sandbox.problems import (
    FieldError,
    ProblemError,
    colliding_contacts,
    not_found,
    validation_error,
)
from aviv_caas_auth.sandbox.spec import ApiSpec, Operation
from aviv_caas_auth.sandbox.state import (
    ClassifiedRecord,
    MediaRecord,
    StatusEvent,
    Store,
    Subscription,
    Tenant,
)
from aviv_caas_auth.sandbox.validation import check_document
from aviv_caas_auth.sandbox.views import VersionView
from aviv_caas_auth.sandbox.webhooks import is_loopback_url

ACCEPTED = "Your request has been accepted"

# operationId -> the Operations method with its hand-written behaviour.
HANDLERS: dict[str, str] = {
    "getClassifieds": "get_classifieds",
    "createClassified": "create_classified",
    "GetClassified": "get_classified",
    "updateClassified": "update_classified",
    "SetClassified": "set_classified",
    "deleteClassified": "delete_classified",
    "getMedia": "get_media",
    "attachMediaToClassified": "attach_media",
    "detachAllMediaByClassifiedId": "detach_all_media",
    "setMediaMetadata": "set_media_metadata",
    "detachMediaByClassifiedId": "detach_media",
    "getClassifiedStatuses": "get_classified_statuses",
    "getMediaStatuses": "get_media_statuses",
    "createSubscriptionToWebhook": "subscribe",
    "deleteSubscriptionToWebhook": "unsubscribe",
}
# A patch is validated against the schema of the resource created by another operation.
PATCH_SCHEMA_FROM = {"SetClassified": "createClassified", "setMediaMetadata": "attachMediaToClassified"}


@dataclass(frozen=True)
class Call:
    """An authenticated, validated call of one operation."""

    operation_id: str
    tenant: Tenant
    params: dict[str, Any]
    body: Any
    if_match: str | None


@dataclass(frozen=True)
class Reply:
    """What an operation answers: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


def _colliding_contacts(body: dict[str, Any]) -> bool:
    """``data.contact.*`` set together with a ``specific.gsl`` contact person (AVIV's Colliding Contacts)."""
    contact = (body.get("data") or {}).get("contact") or {}
    gsl = (body.get("specific") or {}).get("gsl") or {}
    return bool(contact) and any(name in gsl for name in ("mainContactPerson", "additionalContactPerson"))


def apply_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply a JSON patch (RFC 6902) op by op; a failing op is a 400 naming it by ``/<index>/path``."""
    for index, op in enumerate(operations):
        try:
            document = jsonpatch.apply_patch(document, [op])
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as error:
            where = "the target" if op["op"] == "remove" else "the parent of the target"
            reason = f"cannot {op['op']} {op['path']}: {where} does not exist ({error.__class__.__name__})"
            raise ProblemError(validation_error([FieldError(pointer(index, "path"), reason)])) from error
    return document


class Operations:
    """Dispatches a ``Call`` to its handler by operationId."""

    def __init__(self, spec: ApiSpec, store: Store, clock: SandboxTime, media_page_size: int) -> None:
        self._spec = spec
        self._store = store
        self._clock = clock
        self._media_page_size = media_page_size
        self._view = VersionView(spec)
        self._patch_schemas = {
            patch: spec.by_id[source].body_content.get("application/json")
            for patch, source in PATCH_SCHEMA_FROM.items()
            if source in spec.by_id
        }
        self._handlers: dict[str, Callable[[Call], Reply]] = {
            op_id: getattr(self, method)
            for op_id, method in HANDLERS.items()
            if op_id in spec.by_id and (op_id not in PATCH_SCHEMA_FROM or self._patch_schemas.get(op_id))
        }
        self._generic = GenericAnswers(spec)
        #: The spec's operations without hand-written behaviour, answered from the spec alone.
        self.generic: tuple[Operation, ...] = tuple(
            op for op in spec.operations if op.operation_id not in self._handlers
        )

    def handle(self, call: Call) -> Reply:
        """Run the operation (its hand-written behaviour, else the spec's documented success answer)."""
        handler = self._handlers.get(call.operation_id)
        if handler is not None:
            return handler(call)
        operation = self._spec.by_id[call.operation_id]
        path_params = {p.name: call.params[p.name] for p in operation.parameters if p.location == "path"}
        status, body, _ = self._generic.answer(operation, path_params)
        return Reply(status, body)

    def _default(self, operation_id: str, name: str, fallback: int) -> int:
        param = next(p for p in self._spec.by_id[operation_id].parameters if p.name == name)
        return int(param.schema.get("default", fallback))

    # --- classifieds -------------------------------------------------------------------------
    def _classified_json(self, record: ClassifiedRecord) -> dict[str, Any]:
        return {**self._view.classified(record.body), "classifiedId": record.classified_id}

    @staticmethod
    def _classified_ack(record: ClassifiedRecord) -> dict[str, Any]:
        return {
            "classifiedId": record.classified_id,
            "links": [{"statuses": f"/classifieds/{record.classified_id}/statuses"}],
        }

    def _check_contacts(self, body: dict[str, Any]) -> dict[str, Any]:
        if _colliding_contacts(body):
            raise ProblemError(colliding_contacts())
        return body

    def get_classifieds(self, call: Call) -> Reply:
        """``GET /classifieds``: the tenant's classifieds, paginated, optionally by offererEstateId."""
        records = self._store.classifieds(call.tenant, call.params.get("offererEstateId"))
        limit = call.params.get("limit", self._default("getClassifieds", "limit", 250))
        page = paginate(records, lambda r: r.seq, "classifieds", limit, call.params.get("nextToken"))
        body: dict[str, Any] = {"items": [self._classified_json(r) for r in page.items]}
        if page.next_token:
            body["nextToken"] = page.next_token
        return Reply(200, body)

    def create_classified(self, call: Call) -> Reply:
        """``POST /classifieds``: accept a new classified; its statuses start at RECEIVED."""
        record = self._store.create_classified(call.tenant, self._check_contacts(call.body))
        return Reply(202, self._classified_ack(record))

    def get_classified(self, call: Call) -> Reply:
        """``GET /classifieds/{id}``: the classified, with its ETag."""
        record = self._store.classified(call.tenant, call.params["classifiedId"])
        return Reply(200, self._classified_json(record), (("ETag", record.etag),))

    def update_classified(self, call: Call) -> Reply:
        """``PUT /classifieds/{id}``: replace it (412 if ``If-Match`` is stale)."""
        body = self._check_contacts(call.body)
        record = self._store.update_classified(
            call.tenant,
            call.params["classifiedId"],
            call.if_match,
            "PUT",
            lambda old: self._view.written(old, body),
        )
        return Reply(202, self._classified_ack(record))

    def set_classified(self, call: Call) -> Reply:
        """``PATCH /classifieds/{id}``: apply a JSON patch, then validate the result as a classified."""

        def change(old: dict[str, Any]) -> dict[str, Any]:
            new = apply_patch(self._view.classified(old), call.body)
            check_document(self._spec, self._patch_schemas["SetClassified"] or "", new)
            return self._view.written(old, self._check_contacts(new))

        record = self._store.update_classified(
            call.tenant, call.params["classifiedId"], call.if_match, "PATCH", change
        )
        return Reply(202, self._classified_ack(record))

    def delete_classified(self, call: Call) -> Reply:
        """``DELETE /classifieds/{id}``: gone at once; statuses go on to DELETED."""
        record = self._store.delete_classified(call.tenant, call.params["classifiedId"])
        return Reply(202, self._classified_ack(record))

    # --- media -------------------------------------------------------------------------------
    @staticmethod
    def _media_json(media: MediaRecord) -> dict[str, Any]:
        return {**media.body, "classifiedId": media.classified_id, "mediaId": media.media_id}

    @staticmethod
    def _media_ack(media: MediaRecord) -> dict[str, Any]:
        link = f"/classifieds/{media.classified_id}/media/{media.media_id}/statuses"
        return {"mediaId": media.media_id, "links": [{"statuses": link}]}

    def get_media(self, call: Call) -> Reply:
        """``GET /classifieds/{id}/media``: attached media, paginated, optionally by ``mediaType``."""
        classified_id = call.params["classifiedId"]
        media = self._store.media_list(call.tenant, classified_id)
        wanted = call.params.get("mediaType")
        if wanted:
            media = [m for m in media if m.body.get("mediaType") in wanted]
        listing = f"media:{classified_id}"
        page = paginate(media, lambda m: m.seq, listing, self._media_page_size, call.params.get("nextToken"))
        body: dict[str, Any] = {"items": [self._media_json(m) for m in page.items]}
        if page.next_token:
            body["nextToken"] = page.next_token
        return Reply(200, body)

    def attach_media(self, call: Call) -> Reply:
        """``POST /classifieds/{id}/media``: attach a media (400 Duplicated media on a known url)."""
        media = self._store.attach_media(call.tenant, call.params["classifiedId"], call.body)
        return Reply(202, self._media_ack(media))

    def detach_all_media(self, call: Call) -> Reply:
        """``DELETE /classifieds/{id}/media``: detach every media."""
        self._store.detach_media(call.tenant, call.params["classifiedId"], None)
        return Reply(202, {"message": ACCEPTED})

    def set_media_metadata(self, call: Call) -> Reply:
        """``PATCH /classifieds/{id}/media/{mediaId}``: patch title, displayOrder or category."""

        def change(old: dict[str, Any]) -> dict[str, Any]:
            new = apply_patch(old, call.body)
            check_document(self._spec, self._patch_schemas["setMediaMetadata"] or "", new)
            return new

        media = self._store.update_media(
            call.tenant, call.params["classifiedId"], call.params["mediaId"], change
        )
        return Reply(202, self._media_ack(media))

    def detach_media(self, call: Call) -> Reply:
        """``DELETE /classifieds/{id}/media/{mediaId}``: detach one media."""
        (media,) = self._store.detach_media(call.tenant, call.params["classifiedId"], call.params["mediaId"])
        return Reply(202, self._media_ack(media))

    # --- statuses ----------------------------------------------------------------------------
    def _status_item(self, event: StatusEvent, tenant: Tenant, **ids: str) -> dict[str, Any]:
        wall = self._clock.wall(event.due)
        item = {
            "statusId": event.status_id,
            **ids,
            "customerId": tenant[2],
            "creationDate": wall.isoformat().replace("+00:00", "Z"),
            **self._view.status(event.status_body(wall)),
        }
        return item

    def get_classified_statuses(self, call: Call) -> Reply:
        """``GET /classifieds/{id}/statuses``: the statuses reached so far, oldest first; filterable."""
        classified_id = call.params["classifiedId"]
        record = self._store.classified(call.tenant, classified_id, deleted_too=True)
        events = self._store.visible(record.statuses)
        if call.params.get("filter") == "latest" or call.params.get("current") == "true":
            events = events[-1:]
        if call.params.get("status"):
            events = [e for e in events if e.status in call.params["status"]]
        if call.params.get("portal"):
            events = [e for e in events if set(e.portals) & set(call.params["portal"])]
        limit = call.params.get("limit", 250)
        page = paginate(
            events, lambda e: e.seq, f"statuses:{classified_id}", limit, call.params.get("nextToken")
        )
        items = [
            {**self._status_item(e, call.tenant, classifiedId=classified_id), "revision": e.revision}
            for e in page.items
        ]
        return Reply(200, {"items": items, **({"nextToken": page.next_token} if page.next_token else {})})

    def get_media_statuses(self, call: Call) -> Reply:
        """``GET /classifieds/{id}/media/{mediaId}/statuses``: one status per portal and step."""
        classified_id, media_id = call.params["classifiedId"], call.params["mediaId"]
        media = self._store.media(call.tenant, classified_id, media_id, deleted_too=True)
        events = self._store.visible(media.statuses)
        limit = int(call.params.get("limit", 250))
        page = paginate(
            events, lambda e: e.seq, f"media-statuses:{media_id}", limit, call.params.get("nextToken")
        )
        items = []
        for event in page.items:
            item = self._status_item(event, call.tenant, mediaId=media_id, classifiedId=classified_id)
            del item["portals"]
            items.append({**item, "portal": event.portals[0]})
        return Reply(200, {"items": items, **({"nextToken": page.next_token} if page.next_token else {})})

    # --- webhooks ----------------------------------------------------------------------------
    def subscribe(self, call: Call) -> Reply:
        """``PUT /webhooks``: status callbacks to a loopback URL (the sandbox calls nothing else)."""
        url = call.body["url"]
        if not is_loopback_url(url):
            reason = (
                "the local sandbox only calls back loopback URLs (http://127.0.0.1:..., http://localhost:...)"
            )
            raise ProblemError(validation_error([FieldError("/url", reason)]))
        statuses = call.body.get("statuses")
        self._store.subscribe(call.tenant, Subscription(url, frozenset(statuses) if statuses else None))
        return Reply(200, "success")

    def unsubscribe(self, call: Call) -> Reply:
        """``DELETE /webhooks``: stop the callbacks (404 if there was no subscription)."""
        if not self._store.unsubscribe(call.tenant):
            raise ProblemError(not_found("webhook subscription"))
        return Reply(200, "success")
