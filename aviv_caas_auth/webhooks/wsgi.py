"""The status-callback receiver as a WSGI application (gunicorn, uWSGI, mod_wsgi, wsgiref...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from aviv_caas_auth.apis import DEFAULT_API, ApiVersion
from aviv_caas_auth.webhooks.receiver import (
    CREATED,
    MAX_BODY,
    NOT_FOUND,
    Handler,
    Receiver,
    Reply,
    declared_length,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def wsgi_app(
    handler: Handler,
    *,
    secret: str,
    max_body: int = MAX_BODY,
    api: ApiVersion = DEFAULT_API,
    package: str | None = None,
) -> WSGIApplication:
    """A WSGI app serving ``POST /<secret>/classifieds/<id>/statuses`` (see ``aviv_caas_auth.webhooks``).

    A callback is parsed into a ``ClassifiedStatus``, ``handler(status, classified_id=...)`` is
    called, and the answer is 201. Any other request is a 404 (the handler is not called); a body
    over ``max_body`` bytes a 413, one that is not a status a 400, a handler that raises a 500
    (logged on ``aviv_caas_auth.webhooks``; nothing of the error is sent). ``api="v4"`` parses
    v4's ``ClassifiedStatus`` (with ``media_statuses``).
    """
    receiver = Receiver(handler, secret=secret, max_body=max_body, api=api, package=package)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        classified_id = receiver.route(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        reply = NOT_FOUND if classified_id is None else _handle(receiver, classified_id, environ)
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {reply.reason}", headers)
        return [reply.body]

    return app


def _handle(receiver: Receiver, classified_id: str, environ: WSGIEnvironment) -> Reply:
    declared = environ.get("CONTENT_LENGTH")
    terminated = bool(environ.get("wsgi.input_terminated"))
    problem = receiver.length_problem(declared, terminated=terminated)
    if problem is not None:
        return problem
    length = declared_length(declared)  # well-formed: length_problem said so
    size = receiver.max_body + 1 if length is None else length
    try:
        status = receiver.parse(environ["wsgi.input"].read(size))
        receiver.handler(status, classified_id=classified_id)
    except Exception as error:  # noqa: BLE001 - the handler's failure is answered 500, never raised
        return receiver.failure(error, classified_id)
    return CREATED
