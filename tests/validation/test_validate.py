"""validate(): AVIV's field errors before sending, from the code the local sandbox answers its 400s with."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aviv_caas_auth import CaasCredentials, ConfigurationError, ValidationError, create_client, unwrap
from aviv_caas_auth.extras import install_command
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_auth.sandbox.samples import living_room_picture, paris_apartment_for_sale
from aviv_caas_auth.validation import FieldError, RequestValidationError, validate
from aviv_caas_auth.validation.schemas import require_jsonschema
from aviv_caas_client import AuthenticatedClient
from aviv_caas_client.api.classifieds import create_classified, set_classified
from aviv_caas_client.models import AvivClassified, ClassifiedsPatchItemType0, Media
from aviv_caas_client.types import UnknownEnumValue
from scripts.readme import load_spec
from tests.workflows.conftest import api_calls, classified, endpoint, model

# Derived from the pinned spec, so that a portal AVIV adds in a minor version keeps this green.
PORTALS = load_spec()["components"]["schemas"]["AvivClassified"]["properties"]["portals"]["items"]["enum"]
ALLOWED_PORTALS = f"must be equal to one of the allowed values: {', '.join(PORTALS)}."


def with_portals(*portals: str) -> dict[str, Any]:
    body = paris_apartment_for_sale()
    body["portals"] = list(portals)
    return body


def test_validate_names_the_wrong_portal_in_a_dict_and_in_a_model() -> None:
    expected = [FieldError("/portals/1", ALLOWED_PORTALS)]
    assert validate(with_portals("SL", "XX")) == expected
    assert validate(AvivClassified.from_dict(with_portals("SL", "XX"))) == expected


def test_a_valid_body_has_no_errors() -> None:
    assert validate(paris_apartment_for_sale()) == []
    assert validate(Media.from_dict(living_room_picture())) == []  # the model's own schema
    assert validate(living_room_picture(), schema="Media") == []


def test_every_error_is_named_by_its_pointer() -> None:
    body = paris_apartment_for_sale()
    body["data"]["location"]["floor"] = 3  # not a member
    del body["data"]["metaData"]["source"]["offererEstateId"]
    body["data"]["prices"]["buy"]["price"]["amount"] = "cheap"
    names = [error.name for error in validate(body)]
    assert names == [
        "/data/location/floor",
        "/data/metaData/source/offererEstateId",
        "/data/prices/buy/price/amount",
    ]
    assert all(error.pointer == error.name for error in validate(body))


def test_a_json_patch_is_checked_against_its_operation() -> None:
    patch = [
        {"op": "add", "path": "/data/texts/headline/en", "value": "Bright"},
        {"op": "jump", "path": "/x"},
    ]
    errors = validate(patch, operation="SetClassified")
    assert [e.name for e in errors] == ["/1"]
    assert validate(patch[:1], operation="SetClassified") == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schema": "NoSuchSchema"}, "no schema 'NoSuchSchema'"),
        ({"operation": "getClassifieds"}, "no operation 'getClassifieds' with a request body"),
        ({"schema": "Media", "operation": "createClassified"}, "not both"),
    ],
)
def test_what_to_validate_against_must_exist(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate({}, **kwargs)


def test_validate_takes_json_or_a_model() -> None:
    with pytest.raises(TypeError, match="a generated model or JSON"):
        validate("portals: SL")


def test_the_sandbox_answers_the_same_errors(sandbox: Sandbox, client: AuthenticatedClient, api: Any) -> None:
    body = with_portals("SL", "XX")
    body["data"]["location"]["floor"] = 3
    typed = model(client, "AvivClassified").from_dict(body)
    answer = endpoint(client, "create_classified").sync_detailed(client=client, body=typed)
    with pytest.raises(ValidationError) as raised:
        unwrap(answer)
    assert list(raised.value.errors) == validate(body, api=api) == validate(typed)
    assert len(raised.value.errors) == 2


def test_validate_requests_raises_before_sending(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox
) -> None:
    client = make_client(validate_requests=True)
    create = endpoint(client, "create_classified")  # v3's or v4's: each checked against its own spec
    body = model(client, "AvivClassified").from_dict(with_portals("SL", "XX"))

    with pytest.raises(RequestValidationError) as raised:
        create.sync_detailed(client=client, body=body)

    error = raised.value
    assert isinstance(error, ValidationError)  # `except ValidationError` catches AVIV's and this one
    assert error.pointers == ("/portals/1",)
    assert error.operation == "createClassified"
    assert "nothing was sent" in str(error)
    assert "/portals/1" in str(error)
    assert api_calls(sandbox, "createClassified") == []
    # a valid body goes through
    ok = create.sync_detailed(
        client=client, body=model(client, "AvivClassified").from_dict(classified("CRM-V"))
    )
    assert ok.status_code == 202


@pytest.mark.parametrize("api", ["v3"])  # v4 has no PATCH
def test_validate_requests_async_and_patches(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox
) -> None:
    client = make_client(validate_requests=True)
    bad_patch = [
        ClassifiedsPatchItemType0(op=UnknownEnumValue("jump"), path="/data/texts/headline/en", value="x")
    ]  # type: ignore[arg-type]

    async def run() -> None:
        try:
            with pytest.raises(RequestValidationError) as raised:
                await create_classified.asyncio_detailed(
                    client=client, body=AvivClassified.from_dict(with_portals("XX"))
                )
            assert raised.value.pointers == ("/portals/0",)
            created = await create_classified.asyncio_detailed(
                client=client, body=AvivClassified.from_dict(classified("CRM-VA"))
            )
            assert created.status_code == 202
            classified_id = created.parsed.classified_id  # type: ignore[union-attr]
            with pytest.raises(RequestValidationError) as patched:
                await set_classified.asyncio_detailed(classified_id, client=client, body=bad_patch)
            assert patched.value.pointers[0].startswith("/0")
        finally:
            await client.get_async_httpx_client().aclose()

    asyncio.run(run())
    assert api_calls(sandbox) == ["createClassified"]


def test_user_hooks_still_run_after_the_check(
    make_client: Callable[..., AuthenticatedClient], sandbox: Sandbox
) -> None:
    seen: list[str] = []
    client = make_client(
        validate_requests=True, httpx_args={"event_hooks": {"request": [lambda r: seen.append(r.method)]}}
    )
    create, classified_model = endpoint(client, "create_classified"), model(client, "AvivClassified")
    create.sync_detailed(client=client, body=classified_model.from_dict(classified("CRM-H")))
    with pytest.raises(RequestValidationError):
        create.sync_detailed(client=client, body=classified_model.from_dict(with_portals("XX")))
    assert seen == ["POST"]


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(ConfigurationError) as raised:
        require_jsonschema()
    # The command that adds the extra to this installation (aviv-caas is not on PyPI).
    assert str(raised.value).endswith(install_command("validation"))
    assert "pip install 'aviv-caas[" not in str(raised.value)
    with pytest.raises(ConfigurationError, match="validation"):
        create_client(CaasCredentials("a", "b", "c"), user_agent="CRM/1", validate_requests=True)


def test_a_non_json_body_is_not_judged() -> None:
    from aviv_caas_auth.validation import RequestValidator

    check = RequestValidator(base_url="https://api.aviv-group.com/caas/v3")
    check.check(httpx.Request("POST", "https://api.aviv-group.com/caas/v3/classifieds", content=b"<xml/>"))
    check.check(
        httpx.Request(
            "POST",
            "https://api.aviv-group.com/caas/v3/classifieds",
            json={"not": "checked"},
            headers={"content-type": "text/plain"},
        )
    )
    with pytest.raises(RequestValidationError):
        check.check(httpx.Request("POST", "https://api.aviv-group.com/caas/v3/classifieds", json={}))


def test_a_model_checked_against_the_other_version_s_spec_is_refused() -> None:
    # the review's probe: validate(v4_model, api="v3") answered [] without a word
    from aviv_caas_client_v4.models import AvivClassified as AvivClassifiedV4

    v3, v4 = (
        AvivClassified.from_dict(paris_apartment_for_sale()),
        AvivClassifiedV4.from_dict(paris_apartment_for_sale()),
    )
    with pytest.raises(
        ConfigurationError,
        match=r"got a v4 model \(aviv_caas_client_v4\.models\.AvivClassified\) but api='v3'",
    ):
        validate(v4, api="v3")
    with pytest.raises(ConfigurationError, match=r"got a v3 model .* but package='aviv_caas_client_v4'"):
        validate(v3, package="aviv_caas_client_v4")
    assert validate(v4, api="v4") == validate(v3, api="v3") == []  # its own version: fine
    assert validate(v4.to_dict(), api="v3") == []  # its JSON may be checked against either
