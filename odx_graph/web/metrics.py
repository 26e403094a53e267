"""Prometheus metrics, one registry per application instance, served at ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _PoolCollector(Collector):
    """Reads the pool's sizes at scrape time."""

    def __init__(self, sizes: Callable[[], tuple[int, int] | None]) -> None:
        self._sizes = sizes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge with an ``in_use`` and an ``idle`` sample."""
        family = GaugeMetricFamily(
            "odx_db_pool_connections", "Database pool connections by state.", labels=["state"]
        )
        sizes = self._sizes()
        if sizes is not None:
            family.add_metric(["in_use"], sizes[0])
            family.add_metric(["idle"], sizes[1])
        yield family


class Metrics:
    """Every metric the server exports."""

    def __init__(
        self,
        pool_sizes: Callable[[], tuple[int, int] | None],
        subscriptions: Callable[[], int] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.subscriptions = Gauge(
            "odx_subscriptions", "Open GraphQL subscriptions (live updates).", registry=registry
        )
        if subscriptions is not None:
            self.subscriptions.set_function(subscriptions)
        self.http_requests = Counter(
            "odx_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.http_latency = Histogram(
            "odx_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.operations = Counter(
            "odx_graphql_operations",
            "GraphQL operations by name and type.",
            ["operation", "type"],
            registry=registry,
        )
        self.operation_latency = Histogram(
            "odx_graphql_operation_duration_seconds",
            "GraphQL operation latency by name.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "odx_errors", "Errors returned to clients, by code.", ["code"], registry=registry
        )
        self.in_flight = Gauge(
            "odx_requests_in_flight", "Requests being served now.", registry=registry
        )
        self.queued = Gauge(
            "odx_requests_queued", "Requests waiting for a free slot.", registry=registry
        )
        self.shed = Counter(
            "odx_requests_shed",
            "Requests refused with 503 because the server was busy.",
            ["reason"],
            registry=registry,
        )
        self.import_records = Counter(
            "odx_import_records",
            "Records read by uploaded imports, by outcome (created, updated, unchanged, rejected).",
            ["outcome"],
            registry=registry,
        )
        registry.register(_PoolCollector(pool_sizes))

    def render(self) -> bytes:
        """The exposition text of every metric."""
        return generate_latest(self.registry)
