"""Prometheus metrics, one registry per application instance, served at ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily
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


class _CountsCollector(Collector):
    """A counter by reason read at scrape time from counts kept elsewhere."""

    def __init__(self, name: str, doc: str, counts: Callable[[], Mapping[str, int]]) -> None:
        self._name, self._doc, self._counts = name, doc, counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        """One sample per reason."""
        family = CounterMetricFamily(self._name, self._doc, labels=["reason"])
        for reason, count in sorted(self._counts().items()):
            family.add_metric([reason], count)
        yield family


class _ReplicaCollector(Collector):
    """Reads the read replicas' rotation, lag and reads at scrape time."""

    def __init__(self, states: Callable[[], Sequence[Any]]) -> None:
        self._states = states

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        """Per replica: in rotation (1 or 0), lag in seconds (when it answered), reads."""
        serving = GaugeMetricFamily(
            "odx_replica_in_rotation",
            "Whether a read replica serves reads (1) or is out of rotation (0).",
            labels=["replica"],
        )
        lag = GaugeMetricFamily(
            "odx_replica_lag_seconds",
            "How far a read replica's replay is behind the primary, at the last check.",
            labels=["replica"],
        )
        reads = CounterMetricFamily(
            "odx_replica_reads", "Reads routed to a read replica.", labels=["replica"]
        )
        for state in self._states():
            serving.add_metric([state.name], 1 if state.serving else 0)
            if state.lag is not None:
                lag.add_metric([state.name], state.lag)
            reads.add_metric([state.name], state.reads)
        yield serving
        yield lag
        yield reads


class Metrics:
    """Every metric the server exports."""

    def __init__(
        self,
        pool_sizes: Callable[[], tuple[int, int] | None],
        subscriptions: Callable[[], int] | None = None,
        connections_cut: Callable[[], Mapping[str, int]] | None = None,
        replicas: Callable[[], Sequence[Any]] | None = None,
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
        self.refused = Counter(
            "odx_requests_refused",
            "Requests refused before they were served, by reason (rate_limited, "
            "key_lookups, import_lane_full, subscriptions).",
            ["reason"],
            registry=registry,
        )
        self.embedded_restarts = Counter(
            "odx_embedded_database_restarts",
            "Restarts of the embedded PostgreSQL after it stopped.",
            registry=registry,
        )
        registry.register(_PoolCollector(pool_sizes))
        registry.register(
            _CountsCollector(
                "odx_connections_cut",
                "Connections closed by the server's limits, by reason (header_timeout, "
                "body_timeout, head_too_large, evicted, refused).",
                connections_cut or dict,
            )
        )
        registry.register(_ReplicaCollector(replicas or list))
        # Each request's children by their labels (a bounded set: routes, methods and
        # statuses; operation names are bounded by ``api.observe``): looked up here
        # without the lock and the checks of ``labels()``.
        self._served: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._operated: dict[tuple[str, str], tuple[Any, Any]] = {}

    def served(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count an HTTP request answered with ``status`` and observe its latency."""
        key = (route, method, status)
        children = self._served.get(key)
        if children is None:
            children = (
                self.http_requests.labels(route, method, str(status)),
                self.http_latency.labels(route),
            )
            self._served[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def operated(self, name: str, kind: str, seconds: float) -> None:
        """Count a GraphQL operation ``name`` of ``kind`` and observe its latency."""
        key = (name, kind)
        children = self._operated.get(key)
        if children is None:
            children = (self.operations.labels(name, kind), self.operation_latency.labels(name))
            self._operated[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        """The exposition text of every metric."""
        return generate_latest(self.registry)
