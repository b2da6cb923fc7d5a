"""Loopback services the auth benchmarks start: a slow token endpoint and a throwaway redis-server.

The token endpoint is pytest-httpserver's threaded ``HTTPServer`` on 127.0.0.1, in a process of
its own (``python -m scripts.bench.services``), as AVIV's is: in the benchmark's process its
threads would compete for the interpreter lock with the callers it serves, slowing a crowd's
token request in a way no real endpoint does. Every request waits a fixed delay (so callers on a
cold cache really race for it) and is counted per ``client_id``, whichever process sent it; the
benchmark reads the counts and the tokens issued from the server (``GET /bench/issued``). The
Redis is Debian's ``redis-server`` on a free loopback port, with no persistence, stopped when the
benchmark ends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import httpx
import redis
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scripts.bench.registry import BenchSkipped

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
ISSUED_PATH = "/bench/issued"
LIFETIME = 86400


@dataclass
class Issuer:
    """What the token endpoint's process does: answer after ``delay`` seconds, count per client."""

    delay: float
    requests: Counter[str] = field(default_factory=Counter)
    issued: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, request: Request) -> Response:
        """Count the request, wait ``delay``, issue a new token."""
        client_id = str(json.loads(request.get_data()).get("client_id"))
        token = f"bench-{uuid.uuid4().hex}"
        with self._lock:
            self.requests[client_id] += 1
            self.issued.setdefault(client_id, []).append(token)
        time.sleep(self.delay)
        body = {"access_token": token, "expires_in": LIFETIME, "token_type": "Bearer"}
        return Response(json.dumps(body), status=200, content_type="application/json")

    def report(self, request: Request) -> Response:
        """The requests counted and the tokens issued for ``?client_id=``."""
        client_id = request.args["client_id"]
        with self._lock:
            body = {"requests": self.requests[client_id], "tokens": list(self.issued.get(client_id, ()))}
        return Response(json.dumps(body), status=200, content_type="application/json")


def serve(delay: float) -> None:
    """Serve an :class:`Issuer` on a free loopback port; print the token URL, stop when stdin closes."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per token request
    issuer = Issuer(delay)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(issuer.token)
    server.expect_request(ISSUED_PATH, method="GET").respond_with_handler(issuer.report)
    server.start()
    try:
        print(server.url_for(TOKEN_PATH), flush=True)
        sys.stdin.read()  # until the benchmark closes it (or exits)
    finally:
        server.clear()
        server.stop()


@dataclass(frozen=True)
class TokenEndpoint:
    """The token endpoint's process, seen from the benchmark: its URL, and what it counted."""

    url: str

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``: what an httpx mount for this endpoint is keyed on."""
        return self.url.removesuffix(TOKEN_PATH)

    def issued(self, client_id: str) -> tuple[int, set[str]]:
        """What the endpoint did for ``client_id``: token requests received, Authorization headers issued."""
        answer = httpx.get(self.origin + ISSUED_PATH, params={"client_id": client_id}, timeout=30)
        answer.raise_for_status()
        report = answer.json()
        return int(report["requests"]), {f"Bearer {token}" for token in report["tokens"]}


@contextlib.contextmanager
def token_endpoint(delay: float, timeout: float = 30.0) -> Iterator[TokenEndpoint]:
    """Run the token endpoint in a process of its own for the duration of the block."""
    command = [sys.executable, "-m", "scripts.bench.services", "--delay", str(delay)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        ready = threading.Timer(timeout, process.kill)  # a server that never prints its URL is killed
        ready.start()
        try:
            url = process.stdout.readline().strip()
        finally:
            ready.cancel()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the token endpoint process did not start (exit code {process.poll()})")
        yield TokenEndpoint(url)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m scripts.bench.services --delay SECONDS``: the token endpoint's process."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.services", description=serve.__doc__)
    parser.add_argument("--delay", type=float, required=True, help="seconds before each token answer")
    serve(parser.parse_args(argv).delay)


if __name__ == "__main__":
    main()
