"""``aviv-caas migrate-to-v4``: 50 classifieds created through v3, dry run, the real run, a second run."""

from __future__ import annotations

import json

from aviv_caas_auth import create_client
from aviv_caas_auth.cli import exits
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.workflows import publish_many
from aviv_caas_client.api.media import attach_media_to_classified
from aviv_caas_client.models import Media
from tests.cli.conftest import aviv_caas, output
from tests.sync.conftest import feed, writes
from tests.sync.test_migrate import picture


def test_migrate_to_v4_dry_run_lists_50_updates_the_run_inlines_media_a_second_run_changes_nothing(
    server: Sandbox,
) -> None:
    client = create_client(
        server.credentials,
        environment="sandbox",
        user_agent="TestCRM/1.0",
        base_url=server.base_url,
        token_url=server.token_url,
    )
    for n, result in enumerate(publish_many.sync(client, feed(50, prefix="V3"), wait=False)):
        attach_media_to_classified.sync_detailed(
            result.classified_id, client=client, body=Media.from_dict(picture(n, 1))
        )
    local = ("--sandbox-local", server.url)
    before = writes(server)

    dry = aviv_caas(*local, "migrate-to-v4", "--dry-run")
    assert dry.returncode == exits.OK, dry.stderr
    assert dry.stdout.count("~ update") == 50
    assert "50 listings: 0 to create, 50 to update, 0 unchanged, 0 to withdraw" in dry.stdout
    assert writes(server) == before

    done = aviv_caas(*local, "--json", "migrate-to-v4")
    assert done.returncode == exits.OK, done.stderr
    assert output(done)["report"]["counts"]["updated"] == 50
    listed = aviv_caas(*local, "--api", "v4", "--json", "list")
    assert output(listed)["count"] == 50
    v4_items = json.loads(server_get(server, "v4"))
    assert all(len(item["media"]) == 1 for item in v4_items)

    again = aviv_caas(*local, "--json", "migrate-to-v4", "--dry-run")
    assert output(again)["plan"]["counts"]["unchanged"] == 50
    assert writes(server) - before == {"updateClassified": 50}


def server_get(server: Sandbox, api: str) -> str:
    """The agency's classifieds as the ``api`` version shows them (JSON), read from the sandbox directly."""
    c = server.credentials
    view = server.app.served[api].operations._view
    records = server.app.store.classifieds(("sandbox", c.client_id, c.intermediary_id))
    return json.dumps([view.classified(record.body) for record in records])
