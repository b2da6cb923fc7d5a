"""Per-request cost of CaasTransport (traceparent, retry bookkeeping, body read) over plain httpx.

    .venv/bin/python -m scripts.transport_overhead [--requests N] [--rounds R]

Three measurements, all in this one run:

* pieces: each step CaasTransport adds to a request that succeeds at once (traceparent, retry
  bookkeeping, reading the body), timed alone over prebuilt requests and answers: the steadiest
  number on a busy machine;
* in-process: plain httpx and httpx over CaasTransport, both over a transport answering from
  memory, interleaved in rounds (fastest round of each);
* loopback: the same against a keep-alive HTTP/1.1 server on 127.0.0.1, as a ratio.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from aviv_caas_auth.retry import DEFAULT_RETRY
from aviv_caas_auth.traceparent import stamp
from aviv_caas_auth.transport import CaasTransport, _read

BODY = b'{"items": [], "nextToken": null}'
HEADERS = {"Authorization": "Bearer " + "t" * 600, "User-Agent": "MyCRM/2.4.1 aviv-caas/0.1.0 Linux/6.1.0"}


class MemoryTransport(httpx.BaseTransport):
    """Answers 200 with a small JSON body, from memory."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The canned answer."""
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, stream=httpx.ByteStream(BODY), request=request
        )


class _NetworkStream(httpx.SyncByteStream):
    """A body that arrives like one from the network (not already in memory)."""

    def __iter__(self) -> Iterator[bytes]:
        yield BODY


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    wbufsize = 65536  # head and body in one write (no Nagle / delayed-ACK stalls)
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """The canned answer."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _per_request(client: httpx.Client, url: str, requests: int) -> float:
    """Seconds per request for ``requests`` sequential GETs."""
    started = time.perf_counter()
    for _ in range(requests):
        client.get(url, headers=HEADERS).raise_for_status()
    return (time.perf_counter() - started) / requests


def _compare(
    make: Callable[[bool], httpx.Client], url: str, requests: int, rounds: int
) -> tuple[float, float]:
    """Seconds per request, plain httpx and over CaasTransport: the fastest of interleaved rounds.

    The fastest round, not the median: on a shared machine other processes only ever add time.
    """
    plain, wrapped = make(False), make(True)
    for client in (plain, wrapped):
        _per_request(client, url, max(1, requests // 10))  # warm up (connections, caches)
    plain_times, wrapped_times = [], []
    for _ in range(rounds):
        plain_times.append(_per_request(plain, url, requests))
        wrapped_times.append(_per_request(wrapped, url, requests))
    plain.close()
    wrapped.close()
    return min(plain_times), min(wrapped_times)


def _pieces(count: int = 20_000, rounds: int = 7) -> dict[str, float]:
    """Microseconds per call of each step, the fastest of ``rounds`` runs over fresh objects."""

    def request() -> httpx.Request:
        return httpx.Request("GET", "https://api.test/caas/v3/classifieds", headers=HEADERS)

    def answer() -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        return httpx.Response(200, headers=headers, stream=_NetworkStream())

    def after(item: httpx.Request) -> None:
        attempts = DEFAULT_RETRY.start(item)
        if attempts is not None:
            attempts.after_response(ok)

    ok = httpx.Response(200)
    steps: dict[str, tuple[Callable[[], object], Callable[[Any], object]]] = {
        "traceparent": (request, stamp),
        "retry bookkeeping": (request, after),
        "body read": (answer, _read),
    }
    timings: dict[str, float] = {}
    for name, (make, step) in steps.items():
        best = float("inf")
        for _ in range(rounds):
            items = [make() for _ in range(count)]
            started = time.perf_counter()
            for item in items:
                step(item)
            best = min(best, (time.perf_counter() - started) / count)
        timings[name] = best * 1e6
    return timings


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=1000, help="requests per round (default 1000)")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds (default 30)")
    options = parser.parse_args()

    pieces = _pieces()
    print(
        "pieces:     "
        + ", ".join(f"{name} {micros:.2f} us" for name, micros in pieces.items())
        + f" (total {sum(pieces.values()):.2f} us/request)"
    )

    def in_memory(wrap: bool) -> httpx.Client:
        inner = MemoryTransport()
        return httpx.Client(transport=CaasTransport(inner, retry=DEFAULT_RETRY) if wrap else inner)

    memory_url = "http://api.test/caas/v3/classifieds"
    plain, wrapped = _compare(in_memory, memory_url, options.requests, options.rounds)
    print(
        f"in-process: httpx {plain * 1e6:.1f} us/request, over CaasTransport {wrapped * 1e6:.1f} us/request "
        f"(+{(wrapped - plain) * 1e6:.1f} us, {wrapped / plain:.3f}x)"
    )

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/caas/v3/classifieds"

    def loopback(wrap: bool) -> httpx.Client:
        return httpx.Client(transport=CaasTransport(retry=DEFAULT_RETRY) if wrap else httpx.HTTPTransport())

    try:
        plain, wrapped = _compare(loopback, url, options.requests // 4, options.rounds)
    finally:
        server.shutdown()
    print(
        f"loopback:   httpx {plain * 1e6:.1f} us/request, over CaasTransport {wrapped * 1e6:.1f} us/request "
        f"({wrapped / plain:.3f}x)"
    )


if __name__ == "__main__":
    main()
