"""OpenTelemetry's SDK with in-memory exporters, given to aviv_caas_auth.telemetry.configure per test.

The global providers are left alone (set once per process, they would leak into other tests);
one test in a fresh interpreter covers the global path.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aviv_caas_auth import telemetry


def attrs(attributes: dict[str, Any]) -> frozenset[tuple[str, Any]]:
    """A counter's attributes as the key of ``Recorded.counts``."""
    return frozenset(attributes.items())


@dataclass
class Recorded:
    """What the SDK recorded: finished spans, and counter sums by (name, attributes)."""

    tracer_provider: TracerProvider
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if name is None or s.name == name]

    def counts(self, name: str) -> dict[frozenset[tuple[str, Any]], int]:
        """The counter ``name``'s sums, by its attributes (``attrs({...})``)."""
        data = self.reader.get_metrics_data()
        found: dict[frozenset[tuple[str, Any]], int] = {}
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            found[attrs(dict(point.attributes or {}))] = int(point.value)
        return found

    def total(self, name: str) -> int:
        return sum(self.counts(name).values())


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    telemetry.configure(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    try:
        yield Recorded(tracer_provider, exporter, reader)
    finally:
        telemetry.configure()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
