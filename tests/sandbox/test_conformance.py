"""The response check used at every sandbox teardown catches what it should (it is not vacuous)."""

import json

import pytest

from aviv_caas_auth.sandbox import Exchange

from .conftest import apartment

TRACE = "00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01"
CLASSIFIED_ID = "5c597a63-6932-4b0c-a2a0-2fd935be1755"


def _exchange(
    status, body, *, operation="GetClassified", media="application/json", trace=TRACE, kind="api", **headers
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    pairs = (("content-type", media), ("traceparent", trace), *((k.lower(), v) for k, v in headers.items()))
    return Exchange("GET", "/sandbox/caas/v3/x", kind, operation, status, pairs, raw)


@pytest.fixture
def classified():
    return {**apartment(), "classifiedId": CLASSIFIED_ID}


def test_a_conformant_get_passes(checker, classified):
    assert checker.check(_exchange(200, classified, ETag='"3"')) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b, h: b.pop("classifiedId"), "'classifiedId' is a required property"),
        (lambda b, h: b.update(foo=1), "Additional properties are not allowed ('foo' was unexpected)"),
        (lambda b, h: b["data"].update(estateType="CASTLE"), "'CASTLE' is not one of"),
        (lambda b, h: h.update(ETag="3"), "header ETag"),
        (lambda b, h: h.update(media="application/xml"), "content type 'application/xml'"),
        (lambda b, h: h.update(trace="not-a-trace"), "traceparent header"),
    ],
)
def test_non_conformant_responses_are_reported(checker, classified, mutate, expected):
    headers = {"ETag": '"1"', "media": "application/json", "trace": TRACE}
    mutate(classified, headers)
    issues = checker.check(_exchange(200, classified, **headers))
    assert any(expected in issue for issue in issues), issues


def test_an_undocumented_status_is_held_to_the_default_response(checker):
    body = {"classifiedId": CLASSIFIED_ID}
    issues = checker.check(
        _exchange(201, body, operation="createClassified", media="application/json+problem")
    )
    assert any("'title' is a required property" in issue for issue in issues), issues
    issues = checker.check(_exchange(201, body, operation="createClassified"))
    assert any("the spec says application/json+problem" in issue for issue in issues), issues


def test_problem_instance_must_be_the_traceparent(checker):
    problem = {
        "type": "about:blank",
        "title": "Not found",
        "detail": "x",
        "status": 404,
        "instance": TRACE[:-1] + "0",
    }
    issues = checker.check(_exchange(404, problem, media="application/json+problem"))
    assert any("instance" in issue for issue in issues)


def test_token_answers_are_checked(checker):
    assert (
        checker.check(
            _exchange(
                200,
                {"access_token": "t", "expires_in": 60, "token_type": "Bearer"},
                kind="token",
                operation=None,
            )
        )
        == []
    )
    issues = checker.check(
        _exchange(200, {"access_token": "t", "token_type": "bearer"}, kind="token", operation=None)
    )
    assert len(issues) == 2
    assert checker.check(_exchange(401, {"error": "access_denied"}, kind="token", operation=None)) != []
