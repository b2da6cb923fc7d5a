"""The change report states servers and security changes (issue 19, item 8).

A client depends on the base URL and on how to authenticate before anything else: a document that
moves its production URL, drops or changes a security scheme, or requires a new scope is reported
as breaking (it said "0 changes" before). Each case edits the pinned v3 document.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from scripts import spec_diff
from tests.spec.conftest import API_VERSIONS, raw_spec

Edit = Callable[[dict[str, Any]], None]


def changes_after(edit: Edit, api: str = "v3") -> list[spec_diff.Change]:
    old = raw_spec(api)
    new = copy.deepcopy(old)
    edit(new)
    return spec_diff.compare(old, new)


def only(changes: list[spec_diff.Change]) -> spec_diff.Change:
    assert len(changes) == 1, [c.line() for c in changes]
    return changes[0]


def production(document: dict[str, Any]) -> dict[str, Any]:
    """The server that is not the sandbox (found by its URL, whatever its description says)."""
    (server,) = [s for s in document["servers"] if "/sandbox/" not in s["url"]]
    return dict(server)


def the_scheme(document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The document's one security scheme (AVIV's bearer scheme), by name."""
    ((name, scheme),) = document["components"]["securitySchemes"].items()
    return str(name), scheme


@pytest.mark.parametrize("api", API_VERSIONS)
def test_a_document_compared_with_itself_has_no_change(api: str) -> None:
    assert changes_after(lambda document: None, api) == []


def test_a_moved_production_url_is_breaking_not_zero_changes() -> None:
    def move(document: dict[str, Any]) -> None:
        server = next(s for s in document["servers"] if s["url"] == production(document)["url"])
        server["url"] = server["url"].replace("api.aviv-group.com", "api.aviv-group.net")

    change = only(changes_after(move))
    assert (change.level, change.rule, change.section) == (
        spec_diff.BREAKING,
        "api-server-url-changed",
        "security",
    )
    old_url = production(raw_spec())["url"]
    assert f"{old_url} -> {old_url.replace('.com', '.net')}" in change.text
    figures = spec_diff.figures([change])
    assert figures.startswith("1 change(s) for a client: 1 breaking")
    report = spec_diff.render([change], raw_spec(), raw_spec(), old_source="a", new_source="b", api="v3")
    assert "## Servers and security (1)" in report


def test_a_removed_server_is_breaking_an_added_one_is_not() -> None:
    def replace(document: dict[str, Any]) -> None:
        document["servers"] = [s for s in document["servers"] if s["url"] != production(document)["url"]]
        document["servers"].append({"url": "https://eu.api.aviv-group.com/caas/v3", "description": "EU"})

    found = {c.rule: c.level for c in changes_after(replace)}
    assert found == {"api-server-removed": spec_diff.BREAKING, "api-server-added": spec_diff.NON_BREAKING}


def test_a_removed_security_scheme_is_breaking() -> None:
    def drop(document: dict[str, Any]) -> None:
        name, _ = the_scheme(document)
        del document["components"]["securitySchemes"][name]
        document["components"]["securitySchemes"]["apiKey"] = {
            "type": "apiKey",
            "in": "header",
            "name": "X-Key",
        }
        document["security"] = [{"apiKey": []}]

    found = {(c.rule, c.level) for c in changes_after(drop)}
    name, _ = the_scheme(raw_spec())
    assert ("security-scheme-removed", spec_diff.BREAKING) in found
    assert ("security-scheme-added", spec_diff.NON_BREAKING) in found
    assert ("api-global-security-removed", spec_diff.BREAKING) in found  # the bearer requirement went
    assert ("api-global-security-added", spec_diff.NON_BREAKING) in found
    removed = next(c for c in changes_after(drop) if c.rule == "security-scheme-removed")
    assert removed.subject == f"security scheme {name}"


def test_a_changed_security_scheme_is_breaking_and_says_what_changed() -> None:
    def to_oauth(document: dict[str, Any]) -> None:
        name, _ = the_scheme(document)
        document["components"]["securitySchemes"][name] = {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "https://auth.example/token", "scopes": {}}},
        }

    change = only(changes_after(to_oauth))
    assert (change.level, change.rule) == (spec_diff.BREAKING, "security-scheme-changed")
    assert "type http -> oauth2" in change.text
    assert "flow clientCredentials added" in change.text


def test_a_moved_token_url_is_breaking() -> None:
    def with_flows(token_url: str) -> Edit:
        def edit(document: dict[str, Any]) -> None:
            name, _ = the_scheme(document)
            document["components"]["securitySchemes"][name] = {
                "type": "oauth2",
                "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": {"caas:*": "all"}}},
            }

        return edit

    old, new = copy.deepcopy(raw_spec()), copy.deepcopy(raw_spec())
    with_flows("https://auth.example/oauth/token")(old)
    with_flows("https://login.example/oauth/token")(new)
    change = only(spec_diff.compare(old, new))
    assert change.rule == "security-scheme-changed"
    assert "flows.clientCredentials.tokenUrl https://auth.example/oauth/token -> https://login" in change.text


def test_a_new_required_scope_is_breaking_a_dropped_one_is_not() -> None:
    def scoped(*scopes: str) -> Edit:
        def edit(document: dict[str, Any]) -> None:
            name, _ = the_scheme(document)
            document["security"] = [{name: list(scopes)}]

        return edit

    old, new = copy.deepcopy(raw_spec()), copy.deepcopy(raw_spec())
    scoped("caas:classifieds:read")(old)
    scoped("caas:classifieds:write")(new)
    found = {(c.rule, c.level) for c in spec_diff.compare(old, new)}
    assert found == {
        ("api-global-security-scope-added", spec_diff.BREAKING),
        ("api-global-security-scope-removed", spec_diff.NON_BREAKING),
    }


def test_requiring_authentication_where_none_was_is_breaking() -> None:
    old = copy.deepcopy(raw_spec())
    del old["security"]
    change = only(spec_diff.compare(old, raw_spec()))
    assert (change.rule, change.level) == ("api-global-security-added", spec_diff.BREAKING)


def test_an_operation_s_own_security_is_compared() -> None:
    name, _ = the_scheme(raw_spec())
    operation_id = raw_spec()["paths"]["/classifieds"]["get"]["operationId"]
    subject = f"GET /classifieds ({operation_id})"

    def scoped_listing(document: dict[str, Any]) -> None:  # overrides the API-wide requirement
        document["paths"]["/classifieds"]["get"]["security"] = [{name: ["caas:classifieds:read"]}]

    assert [(c.rule, c.level, c.subject) for c in changes_after(scoped_listing)] == [
        ("api-security-scope-added", spec_diff.BREAKING, subject)
    ]

    def anonymous_listing(document: dict[str, Any]) -> None:  # nobody is refused: not breaking
        document["paths"]["/classifieds"]["get"]["security"] = [{}]

    found = {(c.rule, c.level, c.subject) for c in changes_after(anonymous_listing)}
    assert found == {
        ("api-security-removed", spec_diff.NON_BREAKING, subject),
        ("api-security-added", spec_diff.NON_BREAKING, subject),
    }
