"""A fake AVIV that keeps connections alive (HTTP/1.1, like AVIV's gateway) and tells them apart.

pytest-httpserver answers ``Connection: close``, so every request there opens a new connection and
a pool shared by mistake (across a fork, or across event loops) goes unnoticed. This server keeps
each connection open and records, per request, the client port it came from: two requests on
the same port travelled on the same TCP connection.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_PATH = "/oauth/token"
API_PATH = "/sandbox/caas/v3/classifieds"


class KeepAliveAviv:
    """Token endpoint and ``GET /sandbox/caas/v3/classifieds`` on 127.0.0.1, connections kept alive."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, int]] = []  # (path, client port), in arrival order
        self.issued: list[str] = []
        self._connections: set[socket.socket] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per answer (as the sandbox)

            def setup(self) -> None:
                super().setup()
                with fake.lock:
                    fake._connections.add(self.connection)

            def finish(self) -> None:
                with fake.lock:
                    fake._connections.discard(self.connection)
                super().finish()

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake._record(self.path, self.client_address[1])
                token = f"tok-{uuid.uuid4().hex}"
                with fake.lock:
                    fake.issued.append(token)
                self._answer(200, {"access_token": token, "expires_in": 86400, "token_type": "Bearer"})

            def do_GET(self) -> None:
                fake._record(self.path, self.client_address[1])
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in fake.issued:
                    self._answer(401, {"type": "about:blank", "title": "Unauthorized", "status": 401})
                else:
                    self._answer(200, {"items": []})

            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    def _record(self, path: str, port: int) -> None:
        with self.lock:
            self.requests.append((path.split("?", 1)[0], port))

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{TOKEN_PATH}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sandbox/caas/v3"

    def ports(self, path: str | None = None) -> list[int]:
        """Client ports of the requests so far (to ``path`` only, if given)."""
        with self.lock:
            return [port for p, port in self.requests if path is None or p == path]

    @property
    def token_count(self) -> int:
        return len(self.ports(TOKEN_PATH))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        with self.lock:
            connections = list(self._connections)
        for connection in connections:  # idle kept-alive connections: wake their handler threads
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server.server_close()
        self._thread.join(10)


@contextmanager
def keepalive_aviv() -> Iterator[KeepAliveAviv]:
    fake = KeepAliveAviv()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
