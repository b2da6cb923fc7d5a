"""Receive AVIV's status callbacks: typed statuses pushed to you, so nobody has to poll.

After ``PUT /webhooks`` with ``{"url": "https://your.host/<secret>"}``, AVIV POSTs each new
status of your classifieds (a ``ClassifiedStatus``) to
``https://your.host/<secret>/classifieds/<classifiedId>/statuses``. AVIV does not sign these
callbacks: the unguessable ``<secret>`` in the path is what authenticates them. Serve them with a
dependency-free app::

    from aviv_caas_auth.webhooks import new_secret, wsgi_app   # or asgi_app

    def on_status(status, *, classified_id):                     # a typed ClassifiedStatus
        print(classified_id, status.status, status.message)

    app = wsgi_app(on_status, secret=SECRET)                    # SECRET = new_secret(), kept in your config

- ``POST /<secret>/classifieds/<id>/statuses`` with a status: ``on_status`` is called, answer 201.
- Anything else (another path, another method, a wrong secret): 404, the handler is not called.
  The secret is compared in constant time.
- A body over ``max_body`` (64 KiB) is a 413, one that is not a status a 400; a handler that
  raises is a 500, logged on ``aviv_caas_auth.webhooks`` with nothing of the error sent back.

``parse_status_callback(body)`` reads a callback body yourself (bytes, text or parsed JSON),
with the tolerant reader: a status AVIV added since this client was generated is kept.
"""

from aviv_caas_auth.webhooks.asgi import asgi_app
from aviv_caas_auth.webhooks.payload import WebhookPayloadError, parse_status_callback
from aviv_caas_auth.webhooks.receiver import MAX_BODY, new_secret
from aviv_caas_auth.webhooks.wsgi import wsgi_app

__all__ = ["MAX_BODY", "WebhookPayloadError", "asgi_app", "new_secret", "parse_status_callback", "wsgi_app"]
