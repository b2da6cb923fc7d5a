"""Realistic request bodies, as a French agency CRM would send them: start from these in your own tests.

They are valid against AVIV's spec (the test suite proves it) and the local sandbox accepts them.
Each call returns a fresh copy you can modify.
"""

from __future__ import annotations

import copy
from typing import Any

_PARIS_APARTMENT_FOR_SALE: dict[str, Any] = {
    "portals": ["SL", "BD"],
    "data": {
        "estateType": "APARTMENT",
        "distributionType": "BUY",
        "location": {
            "postalcode": "75011",
            "city": "Paris",
            "street": "Rue de la Roquette",
            "houseNumber": "42",
            "floorNumber": 3,
            "country": "FR",
            "geometry": {"type": "Point", "coordinates": [2.3747, 48.8553]},
            "countrySpecific": {"fr": {"inseeCode": "75111"}},
        },
        "prices": {
            "currency": "EUR",
            "buy": {"price": {"amount": 845000}, "pricePerSqUnit": {"amount": 11267}},
            "showPrice": True,
        },
        "spaces": {
            "spaceMeasureUnit": "SQUARE_METER",
            "overallSpace": 75,
            "residential": {"livingSpace": 75, "livingRoomSpace": 28.5, "balconySpace": 4},
        },
        "conditions": {
            "buildState": "WELL_KEPT",
            "ageState": "OLD",
            "yearOfConstruction": 1905,
            "lastModernisation": 2019,
        },
        "energy": {
            "energyType": {"heatMethod": "INDIVIDUAL", "energySource": {"gas": True}},
            "countrySpecific": {
                "fr": {
                    "energyCertificate": {
                        "certificateType": "DPE_V07_2021",
                        "overallEnergyNeed": 182,
                        "efficiencyClass": "D",
                        "GHGEmission": 38,
                        "GHGEmissionClass": "D",
                        "releaseDate": "2023-03-14",
                        "energyConsumptionCostMin": 1140,
                        "energyConsumptionCostMax": 1590,
                        "dateOfConsumptionCostEstimation": "2021-01-01",
                    }
                }
            },
        },
        "features": {
            "furnished": "NO",
            "floorCovering": {"parquet": "YES"},
            "security": {"buildingIntercom": "VIDEO", "digitalLock": "YES"},
        },
        "structure": {
            "building": {"numberOfFloors": 6, "cellar": "YES"},
            "rooms": {
                "numberOfRooms": 3,
                "numberOfBedRooms": 2,
                "numberOfBathRooms": 1,
                "numberOfToilets": 1,
                "numberOfBalconies": 1,
            },
        },
        "texts": {
            "headline": {
                "fr": "Bastille : 3 pièces lumineux avec balcon",
                "en": "Bastille: bright 3-room apartment with balcony",
            },
            "description": {
                "fr": (
                    "Au 3e étage avec ascenseur d'un immeuble ancien bien tenu, appartement traversant "
                    "de 75 m² : séjour de 28,5 m² sur balcon, cuisine séparée, deux chambres, salle de "
                    "bains, WC indépendant, cave. Parquet, moulures, double vitrage."
                ),
                "en": (
                    "Third floor with lift in a well-kept period building: 75 m² dual-aspect apartment "
                    "with a 28.5 m² living room opening onto a balcony, separate kitchen, two bedrooms, "
                    "bathroom, separate WC and cellar."
                ),
            },
        },
        "management": {
            "isImmediatelyAvailable": False,
            "availableFrom": "2025-09-01T00:00:00+02:00",
            "isRented": False,
            "useFor": "LIVING",
        },
        "countrySpecific": {
            "fr": {
                "agentMandate": {
                    "mandateNumber": "M-2025-0142",
                    "mandateType": "EXCLUSIVE",
                    "startDate": "2025-05-02",
                    "endDate": "2025-11-02",
                },
                "risk": {"dateOfStatementOfRisksAndPollution": "2025-04-28"},
            }
        },
        "metaData": {
            "source": {
                "sourceSystem": "Acme Agency CRM",
                "sourceSystemVersion": "4.2.1",
                "offererMarketingKey": "PARIS-11-ROQUETTE",
                "offererEstateId": "ref-75011-0042",
            },
            "createDate": "2025-05-02T09:15:00Z",
            "changeDate": "2025-05-20T16:42:10+02:00",
        },
        "contact": {
            "mainContactPersonId": "6DF0F6DB03EC49E7903FD09A90818B75",
            "preferredContactType": "BY_EMAIL",
            "displayedInformation": {"mainContactPerson": {"name": True, "email": True, "phone": True}},
        },
    },
}

_LIVING_ROOM_PICTURE: dict[str, Any] = {
    "url": "https://media.acme-agency.fr/ref-75011-0042/sejour.jpg",
    "mediaType": "PICTURE",
    "category": "LIVING_ROOM",
    "title": "Séjour sur balcon",
    "displayOrder": 1,
    "tags": ["INDOOR", "BALCONY"],
}


# v4: the media travel inside the classified, in display order (no displayOrder member).
_PICTURES: list[dict[str, Any]] = [
    {key: value for key, value in _LIVING_ROOM_PICTURE.items() if key != "displayOrder"},
    {
        "url": "https://media.acme-agency.fr/ref-75011-0042/balcon.jpg",
        "mediaType": "PICTURE",
        "category": "BALCONY",
        "title": "Balcon sur cour",
        "tags": ["BALCONY", "OUTDOOR"],
    },
]


def paris_apartment_for_sale() -> dict[str, Any]:
    """An AvivClassified (v3 and v4): a 3-room apartment for sale in Paris 11e (a fresh copy)."""
    return copy.deepcopy(_PARIS_APARTMENT_FOR_SALE)


def living_room_picture() -> dict[str, Any]:
    """A v3 Media (``POST .../media``): the listing's first picture (a fresh copy)."""
    return copy.deepcopy(_LIVING_ROOM_PICTURE)


def paris_apartment_pictures() -> list[dict[str, Any]]:
    """v4's ``media`` of the apartment: two pictures in display order (a fresh copy).

    ``body["media"] = paris_apartment_pictures()`` makes the v4 classified with its pictures.
    """
    return copy.deepcopy(_PICTURES)
