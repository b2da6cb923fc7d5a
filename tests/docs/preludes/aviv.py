"""`prelude=aviv` (and `aviv-v4`): the snippet talks to "AVIV", a local sandbox standing in for it.

Defines what the guides say their snippets continue from: the Quickstart's imports, `creds` (from the
environment, as `CaasCredentials.from_env()` reads them), `client` (of API version `DOCS_SNIPPET_API`,
v3 unless the prelude is `aviv-v4`), `classified_id` (a published classified), `classified` (the JSON
body of another one, not published yet) and its `offerer_estate_id`, `classifieds` (three more),
`url` (a picture's), `media_id` (v3: a media of `classified_id`), `SECRET` (a webhook path secret) and
`alert` (your alerting). `create_client` sends whatever environment it is given to the sandbox.
"""

import atexit
import os

import aviv_caas_auth
from aviv_caas_auth import factory
from aviv_caas_auth.sandbox import Sandbox, SandboxConfig
from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale

_sandbox = Sandbox.start(
    SandboxConfig(status_step=0.05)
)  # real time; statuses a few tenths of a second apart
atexit.register(_sandbox.stop)
_create_client = factory.create_client


def _at_the_local_sandbox(credentials, *args, api="v3", environment="production", **kwargs):
    kwargs.setdefault("base_url", _sandbox.base_url_for(environment, api=api))
    kwargs.setdefault("token_url", _sandbox.token_url)
    return _create_client(credentials, *args, api=api, environment=environment, **kwargs)


aviv_caas_auth.create_client = _at_the_local_sandbox
os.environ.update(
    AVIV_CLIENT_ID=_sandbox.credentials.client_id,
    AVIV_CLIENT_SECRET=_sandbox.credentials.client_secret,
    AVIV_INTERMEDIARY_ID=_sandbox.credentials.intermediary_id,
)

from aviv_caas_auth import CaasCredentials, create_client, unwrap  # noqa: E402
from aviv_caas_auth.webhooks import new_secret  # noqa: E402
from aviv_caas_auth.workflows import publish as _publish  # noqa: E402


def _sample(reference):
    body = paris_apartment_for_sale()
    body["data"]["metaData"]["source"]["offererEstateId"] = reference
    return body


creds = CaasCredentials.from_env()
client = create_client(
    creds, api=os.environ.get("DOCS_SNIPPET_API", "v3"), environment="sandbox", user_agent="MyCRM/2.4.1"
)
classified_id = _publish.sync(client, paris_apartment_for_sale(), poll=_sandbox.poll_policy()).classified_id
offerer_estate_id = "ref-75011-0043"
classified = _sample(offerer_estate_id)
classifieds = [_sample(f"ref-75011-01{index:02}") for index in range(3)]
url = "https://media.acme-agency.fr/annonces/ref-75011-0043/salon.jpg"
if client.__class__.__module__.startswith("aviv_caas_client."):
    from aviv_caas_client.api.media import attach_media_to_classified as _attach
    from aviv_caas_client.models import Media as _Media

    _picture = _Media.from_dict(living_room_picture())
    media_id = unwrap(_attach.sync_detailed(classified_id, client=client, body=_picture)).media_id
SECRET = new_secret()


def alert(*details):
    print("alert:", *details)
