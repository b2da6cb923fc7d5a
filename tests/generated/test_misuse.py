"""Issue 19, items 12, 13 and 15: the common slips with the generated functions get typed errors saying what to pass.

- item 12: a client of one API version given to the other version's endpoint is refused before
  anything is sent (a ConfigurationError naming both versions), for every endpoint of every package;
- item 13: ``body=<dict>`` (or a model holding a dict where a model belongs), ``unwrap()`` of what
  ``sync()`` returned, and ``create_client`` arguments of the wrong type;
- item 15: a model prints ``UNSET`` for a member it does not have, not ``<...Unset object at 0x...>``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from aviv_caas_auth import CaasCredentials, ConfigurationError, MemoryTokenStore, create_client, unwrap
from aviv_caas_auth.apis import PACKAGES
from aviv_caas_auth.errors import ArgumentTypeError
from aviv_caas_auth.sandbox.samples import paris_apartment_for_sale

UA = "TestCRM/1.0"
TOKEN = {"access_token": "t" * 40, "token_type": "Bearer", "expires_in": 86400}


def endpoint_modules(package: str) -> Iterator[ModuleType]:
    """Every endpoint module of a generated package (whatever its spec lists)."""
    tags = importlib.import_module(f"{package}.api")
    for tag in pkgutil.iter_modules(tags.__path__):
        folder = importlib.import_module(f"{package}.api.{tag.name}")
        for module in pkgutil.iter_modules(folder.__path__):
            yield importlib.import_module(f"{package}.api.{tag.name}.{module.name}")


class Recorder:
    """A transport answering every request (a token, then 200 {}), remembering what was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(200, json={"items": []})  # a page of GET /classifieds


def recorded_client(api: str) -> tuple[Any, Recorder]:
    recorder = Recorder()
    client = create_client(
        CaasCredentials("id", "secret", "agency"),
        user_agent=UA,
        api=api,  # type: ignore[arg-type]
        token_store=MemoryTokenStore(),
        httpx_args={"transport": httpx.MockTransport(recorder)},
    )
    return client, recorder


def dummy_arguments(function: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arguments an endpoint function accepts by shape (their values never matter: the client is refused first)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client":
            continue
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
            args.append("5c597a63-6932-4b0c-a2a0-2fd935be1755")
        elif parameter.default is parameter.empty:
            kwargs[name] = None
    return args, kwargs


OTHER = {"v3": "v4", "v4": "v3"}


@pytest.mark.parametrize("api", sorted(PACKAGES))
def test_every_endpoint_refuses_the_other_versions_client_before_sending(api: str) -> None:
    client, recorder = recorded_client(OTHER[api])
    modules = list(endpoint_modules(PACKAGES[api]))
    assert modules
    for module in modules:
        args, kwargs = dummy_arguments(module.sync_detailed)
        with pytest.raises(ConfigurationError) as raised:
            module.sync_detailed(*args, client=client, **kwargs)
        message = str(raised.value)
        assert f"CaaS {api}" in message and f"CaaS {OTHER[api]}" in message, message
        with pytest.raises(ConfigurationError):
            asyncio.run(module.asyncio_detailed(*args, client=client, **kwargs))
        if hasattr(module, "sync"):
            with pytest.raises(ConfigurationError):
                module.sync(*args, client=client, **kwargs)
    assert recorder.sent == []  # nothing left: not even a token request


def test_the_message_says_which_module_to_use_instead() -> None:
    from aviv_caas_client.api.classifieds import get_classified

    client, _ = recorded_client("v4")
    with pytest.raises(
        ConfigurationError,
        match=r"aviv_caas_client_v4\.api\.classifieds\.get_classified.*api='v3'",
    ):
        get_classified.sync_detailed("5c597a63-6932-4b0c-a2a0-2fd935be1755", client=client)


def test_a_hand_made_client_of_the_other_version_is_refused_too() -> None:
    import aviv_caas_client_v4
    from aviv_caas_client.api.classifieds import get_classifieds

    client = aviv_caas_client_v4.AuthenticatedClient(base_url="https://caas.invalid", token="t")
    with pytest.raises(ConfigurationError, match="CaaS v3.*CaaS v4"):
        get_classifieds.sync_detailed(client=client)


@pytest.mark.parametrize("not_a_client", [httpx.Client(), "https://api.aviv-group.com", None])
def test_something_that_is_not_a_client_is_a_typed_error(not_a_client: Any) -> None:
    from aviv_caas_client.api.classifieds import get_classifieds

    with pytest.raises(ArgumentTypeError, match=r"client must be .*create_client") as raised:
        get_classifieds.sync_detailed(client=not_a_client)
    assert isinstance(raised.value, TypeError)


def test_the_own_versions_client_still_works() -> None:
    for api, package in PACKAGES.items():
        client, recorder = recorded_client(api)
        get_classifieds = importlib.import_module(f"{package}.api.classifieds.get_classifieds")
        assert get_classifieds.sync_detailed(client=client).status_code == 200
        assert recorder.sent[-1].endswith("/classifieds")


# -- item 13: bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("api", sorted(PACKAGES))
def test_a_dict_body_is_a_typed_error_saying_to_build_the_model(api: str) -> None:
    client, recorder = recorded_client(api)
    create = importlib.import_module(f"{PACKAGES[api]}.api.classifieds.create_classified")
    with pytest.raises(ArgumentTypeError, match=r"body must be AvivClassified .*AvivClassified\.from_dict") as raised:
        create.sync_detailed(client=client, body=paris_apartment_for_sale())  # type: ignore[arg-type]
    assert isinstance(raised.value, TypeError)
    assert "dict" in str(raised.value)
    assert recorder.sent == []


def test_a_list_body_of_dicts_is_a_typed_error_too() -> None:
    from aviv_caas_client.api.classifieds import set_classified

    client, recorder = recorded_client("v3")
    patch = [{"op": "replace", "path": "/portals", "value": ["SL"]}]
    with pytest.raises(ArgumentTypeError, match=r"body must be list\[ClassifiedsPatchItemType0"):
        set_classified.sync_detailed("5c597a63-6932-4b0c-a2a0-2fd935be1755", client=client, body=patch)  # type: ignore[arg-type]
    assert recorder.sent == []


def test_a_model_holding_a_dict_where_a_model_belongs_is_a_typed_error() -> None:
    from aviv_caas_client.api.classifieds import create_classified
    from aviv_caas_client.models import AvivClassified

    client, recorder = recorded_client("v3")
    body = AvivClassified.from_dict(paris_apartment_for_sale())
    body.data = paris_apartment_for_sale()["data"]  # type: ignore[assignment]
    with pytest.raises(ArgumentTypeError, match="body could not be sent as JSON"):
        create_classified.sync_detailed(client=client, body=body)
    assert recorder.sent == []


# -- item 13: unwrap ---------------------------------------------------------------------------------


def test_unwrap_of_what_sync_returned_says_to_call_sync_detailed() -> None:
    from aviv_caas_client.api.classifieds import get_classifieds

    client, _ = recorded_client("v3")
    parsed = get_classifieds.sync(client=client)
    with pytest.raises(ArgumentTypeError, match=r"unwrap takes .*sync_detailed.*not GetClassifiedsResponse200"):
        unwrap(parsed)  # type: ignore[arg-type]
    for wrong in (None, {"status_code": 200}, httpx.Response(200)):
        with pytest.raises(ArgumentTypeError, match="unwrap takes"):
            unwrap(wrong)  # type: ignore[arg-type]


def test_the_workflows_and_validate_say_what_they_take() -> None:
    from aviv_caas_auth.validation import validate
    from aviv_caas_auth.workflows import iter_classifieds, wait_for_status

    client, recorder = recorded_client("v3")
    with pytest.raises(ArgumentTypeError, match="poll must be a PollPolicy"):
        wait_for_status.sync(client, "5c597a63-6932-4b0c-a2a0-2fd935be1755", poll={"first": 1})  # type: ignore[call-overload]
    with pytest.raises(ArgumentTypeError, match="expected a client of a generated package"):
        iter_classifieds.sync(httpx.Client())  # type: ignore[call-overload]
    with pytest.raises(ArgumentTypeError, match="a generated model or JSON"):
        validate("portals: SL")
    assert recorder.sent == []


# -- item 15: UNSET ------------------------------------------------------------------------------------


@pytest.mark.parametrize("package", sorted(PACKAGES.values()))
def test_models_print_unset(package: str) -> None:
    types = importlib.import_module(f"{package}.types")
    models = importlib.import_module(f"{package}.models")
    assert repr(types.UNSET) == str(types.UNSET) == "UNSET"
    status = models.ClassifiedStatus.from_dict(
        {"portals": ["SL"], "status": "CREATED", "message": "m", "statusDate": "2025-03-01T10:00:00Z"}
    )
    assert "sub_status=UNSET" in repr(status)
    assert "object at 0x" not in repr(status)
