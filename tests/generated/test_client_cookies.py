"""The generated client's cookie fast path: same behaviour as httpx, less work when no cookie is set."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aviv_caas_client import AuthenticatedClient, Client


def _answer(request: Request) -> Response:
    if request.path == "/set":
        return Response("{}", content_type="application/json", headers={"Set-Cookie": "lb=node-7; Path=/"})
    return Response('{"cookie": "%s"}' % request.headers.get("Cookie", ""), content_type="application/json")


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/set").respond_with_handler(_answer)
    httpserver.expect_request("/echo").respond_with_handler(_answer)
    return httpserver


@pytest.mark.parametrize("kind", [Client, AuthenticatedClient])
def test_cookies_set_by_the_server_are_kept_and_sent_back(server: HTTPServer, kind: type) -> None:
    extra = {"token": "t"} if kind is AuthenticatedClient else {}
    client = kind(base_url=server.url_for("/"), **extra)
    http = client.get_httpx_client()
    assert http.get("/echo").json() == {"cookie": ""}
    http.get("/set")
    assert http.get("/echo").json() == {"cookie": "lb=node-7"}
    assert http.cookies["lb"] == "node-7"

    async def async_round() -> str:
        ahttp = client.get_async_httpx_client()
        await ahttp.get("/set")
        return str((await ahttp.get("/echo")).json()["cookie"])

    assert asyncio.run(async_round()) == "lb=node-7"


def test_answers_without_cookies_skip_the_cookiejar(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    wrapped: list[str] = []
    original = httpx.Cookies._CookieCompatRequest.__init__

    def counting(self: object, request: httpx.Request) -> None:
        wrapped.append(request.url.path)
        original(self, request)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Cookies._CookieCompatRequest, "__init__", counting)
    http = Client(base_url=server.url_for("/")).get_httpx_client()
    for _ in range(5):
        http.get("/echo")
    http.get("/set")
    assert wrapped == ["/set"]  # only the answer that sets a cookie goes through http.cookiejar
    plain = httpx.Client(base_url=server.url_for("/"))
    plain.get("/echo")
    assert wrapped == ["/set", "/echo"]  # (stock httpx wraps every answer: the fast path is ours)
