"""Loopback services the auth benchmarks start: a slow token endpoint and a throwaway redis-server.

The token endpoint is pytest-httpserver's threaded ``HTTPServer`` on 127.0.0.1: every request
waits a fixed delay (so callers on a cold cache really race for it) and is counted per
``client_id``, in this process, whichever process sent it. The Redis is Debian's ``redis-server``
on a free loopback port, with no persistence, stopped when the benchmark ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import redis
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scripts.bench.registry import BenchSkipped

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
LIFETIME = 86400


@dataclass
class TokenEndpoint:
    """A token endpoint on loopback answering after ``delay`` seconds, counting requests per client."""

    server: HTTPServer
    delay: float
    requests: Counter[str] = field(default_factory=Counter)
    issued: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The token URL (plain http is accepted for loopback)."""
        return self.server.url_for(TOKEN_PATH)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``: what an httpx mount for this endpoint is keyed on."""
        return self.url.removesuffix(TOKEN_PATH)

    def handle(self, request: Request) -> Response:
        """Count the request, wait ``delay``, issue a new token."""
        client_id = str(json.loads(request.get_data()).get("client_id"))
        token = f"bench-{uuid.uuid4().hex}"
        with self._lock:
            self.requests[client_id] += 1
            self.issued.setdefault(client_id, set()).add(token)
        time.sleep(self.delay)
        body = {"access_token": token, "expires_in": LIFETIME, "token_type": "Bearer"}
        return Response(json.dumps(body), status=200, content_type="application/json")

    def authorizations(self, client_id: str) -> set[str]:
        """The Authorization headers a caller may send with the tokens issued to ``client_id``."""
        with self._lock:
            return {f"Bearer {token}" for token in self.issued.get(client_id, ())}


@contextlib.contextmanager
def token_endpoint(delay: float) -> Iterator[TokenEndpoint]:
    """Serve a :class:`TokenEndpoint` on a free loopback port for the duration of the block."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per token request
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    endpoint = TokenEndpoint(server, delay)
    server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(endpoint.handle)
    server.start()
    try:
        yield endpoint
    finally:
        server.clear()
        server.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (no persistence); yields its ``redis://`` URL.

    Raises BenchSkipped when redis-server is not installed.
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise BenchSkipped("redis-server is not installed (apt-get install -y redis-server)")
    for _attempt in range(3):  # the free port may be taken between the probe and the start
        port = _free_port()
        command = [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        url = f"redis://127.0.0.1:{port}/0"
        try:
            if _wait_for_ping(url, process, timeout):
                yield url
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    raise RuntimeError("could not start redis-server on a free loopback port (3 attempts)")


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether the server at ``url`` answers PING before ``timeout``; False if it exited first."""
    deadline = time.monotonic() + timeout
    with redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                if client.ping():
                    return True
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
    raise RuntimeError(f"redis-server at {url} did not answer PING within {timeout:g} s")
