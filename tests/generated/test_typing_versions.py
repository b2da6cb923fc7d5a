"""Type checkers see each API version's own types: create_client(api="v4") is v4's client, and so on down.

mypy --strict and pyright check a file that uses both versions (no error allowed, ``assert_type``
pins each type) and a file of misuses, each of which must be reported on its line.
"""

from __future__ import annotations

from pathlib import Path

from tests.generated.test_typing import assert_uses_pass_and_misuses_fail

USES_VERSIONS = '''\
"""create_client picks the generated package by api=; unwrap and the workflows follow the client."""

from typing import assert_type
from uuid import UUID

import aviv_caas_client
import aviv_caas_client_v4
from aviv_caas_auth import ApiVersion, CaasCredentials, create_client, token_provider_of, unwrap
from aviv_caas_auth.workflows import PublishResult, iter_classifieds, publish, publish_many, wait_for_status
from aviv_caas_client.models import ClassifiedStatusInternal as StatusV3
from aviv_caas_client_v4.api.classifieds import get_classified as get_classified_v4
from aviv_caas_client_v4.models import AvivClassified as ClassifiedV4
from aviv_caas_client_v4.models import ClassifiedStatusInternal as StatusV4
from aviv_caas_client_v4.models import ClassifiedStatusMediaStatusesItem, GetClassifiedResponse200, Media
from aviv_caas_client_v4.models import GetClassifiedsResponse200ItemsItem as ItemV4
from aviv_caas_client_v4.types import Unset

CREDENTIALS = CaasCredentials("id", "secret", "agency")


def clients() -> None:
    v3 = create_client(CREDENTIALS, user_agent="MyCRM/1.0")
    v4 = create_client(CREDENTIALS, user_agent="MyCRM/1.0", api="v4", environment="sandbox")
    assert_type(v3, aviv_caas_client.AuthenticatedClient)
    assert_type(v4, aviv_caas_client_v4.AuthenticatedClient)
    assert_type(create_client(CREDENTIALS, user_agent="MyCRM/1.0", api="v3"), aviv_caas_client.AuthenticatedClient)
    token_provider_of(v4).get_token()


def either(api: ApiVersion) -> None:
    client = create_client(CREDENTIALS, user_agent="MyCRM/1.0", api=api)
    assert_type(client, aviv_caas_client.AuthenticatedClient | aviv_caas_client_v4.AuthenticatedClient)


def read(v4: aviv_caas_client_v4.AuthenticatedClient, classified_id: UUID) -> list[Media] | Unset:
    classified = unwrap(get_classified_v4.sync_detailed(classified_id, client=v4))
    assert_type(classified, GetClassifiedResponse200)
    return classified.media


def workflows(
    v3: aviv_caas_client.AuthenticatedClient, v4: aviv_caas_client_v4.AuthenticatedClient, body: ClassifiedV4
) -> None:
    assert_type(wait_for_status.sync(v3, "id"), StatusV3)
    status = wait_for_status.sync(v4, "id", media_errors="raise")
    assert_type(status, StatusV4)
    media: list[ClassifiedStatusMediaStatusesItem] | Unset = status.media_statuses
    result = publish.sync(v4, body)
    assert_type(result, PublishResult[StatusV4])
    assert_type(result.status, StatusV4)  # waited for (wait=True, the default): never None
    assert_type(publish.sync(v3, {"portals": []}), PublishResult[StatusV3])
    assert_type(publish.sync(v3, {"portals": []}, wait=True).status, StatusV3)
    assert_type(publish.sync(v4, body, wait=False).status, StatusV4 | None)
    assert_type(publish.sync(v3, {"portals": []}, wait=decide()).status, StatusV3 | None)
    for item in iter_classifieds.sync(v4, page_size=10):
        assert_type(item, ItemV4)
    outcomes = publish_many.sync(v4, [body])
    for outcome in outcomes:
        if isinstance(outcome, PublishResult):
            assert_type(outcome, PublishResult[StatusV4])
            assert_type(outcome.status, StatusV4)
    for unwaited in publish_many.sync(v3, [{"portals": []}], wait=False):
        if isinstance(unwaited, PublishResult):
            assert_type(unwaited.status, StatusV3 | None)


def decide() -> bool:
    return True


async def async_workflows(v4: aviv_caas_client_v4.AuthenticatedClient) -> None:
    assert_type(await wait_for_status.asyncio(v4, "id"), StatusV4)
    assert_type(await publish.asyncio(v4, {"portals": []}), PublishResult[StatusV4])
    assert_type((await publish.asyncio(v4, {"portals": []})).status, StatusV4)
    assert_type((await publish.asyncio(v4, {"portals": []}, wait=False)).status, StatusV4 | None)
    for outcome in await publish_many.asyncio(v4, [{"portals": []}]):
        if isinstance(outcome, PublishResult):
            assert_type(outcome.status, StatusV4)
    async for item in iter_classifieds.asyncio(v4):
        assert_type(item, ItemV4)
'''

# Each line marked `# E: <text>` must get a mypy error containing <text>; no other line may.
MISUSES_VERSIONS = """\
from uuid import UUID

import aviv_caas_client_v4
from aviv_caas_auth import CaasCredentials, create_client
from aviv_caas_auth.workflows import publish, wait_for_status
from aviv_caas_client.api.media import get_media
from aviv_caas_client.models import AvivClassified as ClassifiedV3
from aviv_caas_client.models import ClassifiedStatusInternal as StatusV3

CREDENTIALS = CaasCredentials("id", "secret", "agency")


def wrong_version() -> None:
    create_client(CREDENTIALS, user_agent="MyCRM/1.0", api="v5")  # E: No overload variant


def v4_client_on_a_v3_endpoint(classified_id: UUID) -> None:
    v4 = create_client(CREDENTIALS, user_agent="MyCRM/1.0", api="v4")
    get_media.sync(classified_id, client=v4)  # E: Argument "client"


def v3_body_to_a_v4_client(v4: aviv_caas_client_v4.AuthenticatedClient, body: ClassifiedV3) -> None:
    publish.sync(v4, body)  # E: No overload variant


def v4_status_as_v3(v4: aviv_caas_client_v4.AuthenticatedClient) -> StatusV3:
    return wait_for_status.sync(v4, "id")  # E: Incompatible return value type


def v3_status_has_no_media(status: StatusV3) -> None:
    print(status.media_statuses)  # E: has no attribute "media_statuses"


def no_such_choice(v4: aviv_caas_client_v4.AuthenticatedClient) -> None:
    wait_for_status.sync(v4, "id", media_errors="ignore")  # E: No overload variant


def not_waited_for(v4: aviv_caas_client_v4.AuthenticatedClient) -> None:
    print(publish.sync(v4, {"portals": []}, wait=False).status.status)  # E: Item "None" of
"""


def test_each_version_is_typed_and_mixing_them_is_caught(tmp_path: Path) -> None:
    assert_uses_pass_and_misuses_fail(tmp_path, USES_VERSIONS, MISUSES_VERSIONS)
