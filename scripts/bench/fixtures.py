"""What the per-call benchmarks talk to: one ``httpx.MockTransport`` answering like AVIV's API.

Nothing leaves the process: the base URL is under ``.invalid`` and every request is answered by
the transport. The classified returned is a realistic one (location, prices, spaces, texts,
contact), so parsing costs what it would with a real answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

BASE_URL = "https://caas.bench.invalid/caas/v3"
TOKEN = "bench-access-token"  # noqa: S105 - a fixed fake token, never sent anywhere
USER_AGENT = "BenchCRM/1.0 aviv-caas/0.1.0 Linux/6.1"
CLASSIFIED_ID = UUID("5c597a63-6932-4b0c-a2a0-2fd935be1755")
CLASSIFIED_PATH = f"/classifieds/{CLASSIFIED_ID}"

CLASSIFIED: dict[str, Any] = {
    "classifiedId": str(CLASSIFIED_ID),
    "portals": ["SL", "LI"],
    "data": {
        "estateType": "APARTMENT",
        "distributionType": "BUY",
        "location": {
            "postalcode": "75011",
            "city": "Paris",
            "street": "Rue de la Roquette",
            "houseNumber": "42",
            "country": "FRA",
        },
        "prices": {
            "currency": "EUR",
            "buy": {"price": {"amount": 545000, "isVatIncluded": True}},
            "showPrice": True,
        },
        "spaces": {
            "spaceMeasureUnit": "SQUARE_METER",
            "overallSpace": 68.5,
            "residential": {"livingSpace": 64.0, "balconySpace": 4.5},
        },
        "conditions": {"yearOfConstruction": 1975, "lastModernisation": 2019},
        "features": {"aircondition": "NO", "furnished": "NO"},
        "texts": {
            "headline": {"fr": "Trois pièces lumineux avec balcon", "en": "Bright three-room flat"},
            "description": {
                "fr": "Au troisième étage avec ascenseur, séjour double, deux chambres, cuisine équipée.",
                "en": "Third floor with lift, double living room, two bedrooms, fitted kitchen.",
            },
        },
        "metaData": {
            "source": {
                "sourceSystem": "Example Property Software System",
                "sourceSystemVersion": "1.0.2",
                "offererMarketingKey": "PAR-11-0042",
                "offererEstateId": "c1b1160a-2502-4dff-8037-3888c9845981",
            }
        },
        "contact": {"userHomepage": "http://www.example.org", "preferredContactType": "BY_EMAIL"},
    },
}
CLASSIFIED_BODY = json.dumps(CLASSIFIED).encode()

Handler = Callable[[httpx.Request], httpx.Response | None]


def api_response(request: httpx.Request) -> httpx.Response:
    """AVIV's answer to any API call: the classified above, as JSON."""
    return httpx.Response(200, content=CLASSIFIED_BODY, headers={"Content-Type": "application/json"})


def mock_transport(before: Handler | None = None) -> httpx.MockTransport:
    """A transport answering every request with :func:`api_response`.

    ``before`` may answer some requests itself (say, the token endpoint) by returning a
    response; returning ``None`` lets the request through to the API answer.
    """
    if before is None:
        return httpx.MockTransport(api_response)
    hook = before

    def handle(request: httpx.Request) -> httpx.Response:
        return hook(request) or api_response(request)

    return httpx.MockTransport(handle)
