"""Issue 19, item 9: a child forked in the proactive window while the parent refreshes uses the valid token.

The parent's refresh goes on in the parent (its token request is held at a slow token endpoint);
the token the child inherited is still valid for the whole proactive window. The child must use it
at once, like any caller in that window while someone refreshes, rather than send a token request
of its own and wait for it (a hang while the endpoint is slow, and a second token AVIV counts).
"""

from __future__ import annotations

import threading

import pytest

from aviv_caas_auth import CaasCredentials, ManualClock, MemoryTokenStore, RefreshPolicy
from tests.auth.fake_aviv import FakeAviv
from tests.auth.helpers import fork_during_refresh, provider_for
from tests.deadline import in_forked_child

DAY = 86400.0


@pytest.mark.parametrize("child", ["sync", "async"])
@pytest.mark.parametrize("parent", ["sync", "async"])
def test_child_forked_during_a_refresh_in_the_proactive_window_uses_the_valid_token(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    policy: RefreshPolicy,
    parent: str,
    child: str,
) -> None:
    provider = provider_for(aviv, credentials, token_store=store, clock=clock, refresh_policy=policy)
    first = provider.get_token()
    clock.advance(DAY - 1800)  # proactive window (the last hour): valid 30 min more, not yet mandatory
    value = fork_during_refresh(aviv, provider, parent=parent, child=child)
    assert value == first.value  # the child used the token it inherited...
    assert aviv.token_count == 2  # ...and sent no token request: the first one, and the parent's refresh
    assert provider.get_token().value == aviv.issued[1]  # the parent adopted its refresh


def test_the_child_still_refreshes_itself_once_the_token_needs_it(
    aviv: FakeAviv,
    credentials: CaasCredentials,
    store: MemoryTokenStore,
    clock: ManualClock,
    policy: RefreshPolicy,
) -> None:
    provider = provider_for(aviv, credentials, token_store=store, clock=clock, refresh_policy=policy)
    provider.get_token()
    clock.advance(DAY - 1800)

    def in_child() -> list[str]:
        kept = provider.get_token().value  # proactive window, the parent refreshing: kept
        clock.advance(1800 - 200)  # the mandatory window: a new token is needed, and this child gets one
        return [kept, provider.get_token().value]

    aviv.token_entered.clear()
    gate = aviv.token_gate = threading.Event()
    refresher = threading.Thread(target=provider.get_token, daemon=True)
    refresher.start()
    assert aviv.token_entered.wait(10)
    release = threading.Timer(1.0, gate.set)  # the slow endpoint answers a second after the fork
    release.start()
    try:
        kept, renewed = in_forked_child(in_child)
    finally:
        release.join()
        refresher.join(30)
    assert kept == aviv.issued[0]
    assert renewed in aviv.issued[1:]
    assert aviv.token_count == 3  # the first token, the parent's refresh, the child's own once it had to
