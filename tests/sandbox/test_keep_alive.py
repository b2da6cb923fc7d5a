"""The sandbox keeps connections alive, as AVIV's gateway does (issue 12, point 7).

With ``Connection: close`` on every answer, a client that shares a pooled connection by mistake
(across a fork or event loops) is never caught by the suite.
"""

from __future__ import annotations

import json
import socket

import httpx

from aviv_caas_auth import create_client
from aviv_caas_auth.sandbox import Sandbox
from aviv_caas_client.api.classifieds import get_classifieds
from aviv_caas_client.models import GetClassifiedsResponse200
from tests.deadline import finishes

from .conftest import UA, fetch_token


def _read_answer(sock: socket.socket, buffer: bytearray) -> tuple[str, dict[str, str], bytes]:
    """One HTTP/1.1 answer (status line, headers, body by Content-Length or chunked) from ``sock``."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, f"the connection was closed before an answer; got {bytes(buffer)!r}"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    del buffer[:]
    buffer += rest
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buffer:
                buffer += sock.recv(65536)
            size_line, _, _ = bytes(buffer).partition(b"\r\n")
            size = int(size_line, 16)
            while len(buffer) < len(size_line) + 2 + size + 2:
                buffer += sock.recv(65536)
            body += bytes(buffer[len(size_line) + 2 : len(size_line) + 2 + size])
            del buffer[: len(size_line) + 2 + size + 2]
            if size == 0:
                return status, headers, body
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        buffer += sock.recv(65536)
    body = bytes(buffer[:length])
    del buffer[:length]
    return status, headers, body


def _request(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: sandbox", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_one_connection_carries_many_requests(caas_sandbox: Sandbox) -> None:
    token = fetch_token(caas_sandbox)
    with socket.create_connection((caas_sandbox.host, caas_sandbox.port), timeout=10) as sock:
        buffer = bytearray()
        for _ in range(5):
            sock.sendall(
                _request(
                    "GET", "/sandbox/caas/v3/classifieds", Authorization=f"Bearer {token}", User_Agent=UA
                )
            )
            status, headers, body = _read_answer(sock, buffer)
            assert status.startswith("HTTP/1.1 200"), (status, body)
            assert headers.get("connection", "").lower() != "close"
            assert "items" in json.loads(body)


def test_a_body_the_app_did_not_read_does_not_spill_into_the_next_request(caas_sandbox: Sandbox) -> None:
    token = fetch_token(caas_sandbox)
    unread = json.dumps({"not": "read", "padding": "x" * 5000}).encode()
    with socket.create_connection((caas_sandbox.host, caas_sandbox.port), timeout=10) as sock:
        buffer = bytearray()
        # Refused before its body is read (no User-Agent: the firewall answers 403 first).
        sock.sendall(
            _request("POST", "/sandbox/caas/v3/classifieds", unread, Authorization=f"Bearer {token}")
        )
        status, _, _ = _read_answer(sock, buffer)
        assert status.startswith("HTTP/1.1 403")
        sock.sendall(
            _request("GET", "/sandbox/caas/v3/classifieds", Authorization=f"Bearer {token}", User_Agent=UA)
        )
        status, _, body = _read_answer(sock, buffer)
        assert status.startswith("HTTP/1.1 200"), (status, body)


def test_a_client_asking_to_close_gets_its_connection_closed(caas_sandbox: Sandbox) -> None:
    with socket.create_connection((caas_sandbox.host, caas_sandbox.port), timeout=10) as sock:
        buffer = bytearray()
        sock.sendall(_request("GET", "/_sandbox/report", Connection="close"))
        status, headers, _ = _read_answer(sock, buffer)
        assert status.startswith("HTTP/1.1 200")
        assert headers.get("connection", "").lower() == "close"
        assert sock.recv(1) == b""


def test_create_client_reuses_its_connection(caas_sandbox: Sandbox) -> None:
    client = create_client(
        caas_sandbox.credentials,
        user_agent="TestCRM/1.0.0",
        environment="sandbox",
        base_url=caas_sandbox.base_url,
        token_url=caas_sandbox.token_url,
    )
    for _ in range(5):
        assert isinstance(get_classifieds.sync(client=client), GetClassifiedsResponse200)
    assert caas_sandbox.connections_opened == 2  # one for the token request, one for the five calls


def test_stopping_with_idle_kept_alive_connections_does_not_hang(caas_sandbox_factory: object) -> None:
    sandbox: Sandbox = caas_sandbox_factory()  # type: ignore[operator]
    clients = [httpx.Client() for _ in range(3)]
    for client in clients:
        assert client.get(sandbox.admin_url + "/report").status_code == 200  # each keeps a connection open
    finishes(sandbox.stop, what="Sandbox.stop() with idle connections open")
    for client in clients:
        client.close()


def test_kept_alive_connections_send_without_nagle_delay(caas_sandbox: Sandbox) -> None:
    """Every accepted connection has TCP_NODELAY: an answer's headers and body leave in two writes, and
    with Nagle's algorithm on a kept-alive connection the body waits for the client's delayed ACK
    (40 ms on Linux) on every answer — a 20x slowdown of every call to the sandbox."""
    with socket.create_connection((caas_sandbox.host, caas_sandbox.port), timeout=10) as sock:
        sock.sendall(_request("GET", "/_sandbox/report"))
        status, _, _ = _read_answer(sock, bytearray())
        assert status.startswith("HTTP/1.1 200")
        server_side = list(caas_sandbox._server._open)  # the accepted sockets, as the sandbox tracks them
        assert server_side
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in server_side)
