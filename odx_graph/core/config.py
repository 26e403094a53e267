"""Settings: read once from ``ODX_*`` environment variables into one typed object.

Nothing else in the package reads ``os.environ``. Every field is documented in
``docs/configuration.md``; a test fails when one is not.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from odx_graph.core.errors import ConfigError

PREFIX = "ODX_"


class DemoMode(StrEnum):
    """When ``serve`` loads the demo dataset into an empty database."""

    AUTO = "auto"  # only into the embedded database
    YES = "yes"
    NO = "no"


class LogFormat(StrEnum):
    """How log lines are written."""

    AUTO = "auto"  # text for a person at a terminal, JSON for everything else
    JSON = "json"
    TEXT = "text"


def default_data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded database lives when ``ODX_DATA_DIR`` is unset.

    As root the embedded server runs as a separate system user, which must be able to
    traverse every parent directory; ``/var/lib`` already allows that, whereas a home
    directory would have to be opened up to every user.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/odx-graph")
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "odx-graph"


@dataclass(frozen=True, slots=True)
class Settings:
    """All run-time settings. Field ``name`` is read from ``ODX_NAME``."""

    database_url: str | None = None
    read_database_urls: str = ""
    replica_max_lag_ms: int = 5000
    replica_wait_ms: int = 500
    replica_check_interval_ms: int = 1000
    data_dir: Path = dataclasses.field(default_factory=lambda: default_data_dir(os.environ))
    host: str = "127.0.0.1"
    port: int = 8000
    base_iri: str = ""
    page_size_default: int = 20
    page_size_max: int = 100
    statement_timeout_ms: int = 5000
    pool_min_size: int = 1
    pool_max_size: int = 10
    connect_timeout_ms: int = 5000
    max_concurrent_requests: int = 20
    max_queued_requests: int = 100
    queue_timeout_ms: int = 2000
    requests_reserved_for_keys: int = 5
    header_timeout_ms: int = 10_000
    body_timeout_ms: int = 10_000
    body_min_bytes_per_second: int = 1000
    max_connections_per_client: int = 64
    forwarded_allow_ips: str = ""
    max_subscriptions_per_client: int = 20
    demo: DemoMode = DemoMode.AUTO
    demo_homes: int = 5000
    demo_seed: int = 20251027
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO
    suppress_below_homes: int = 10
    round_counts_to: int = 5
    insight_cache_entries: int = 128
    dataset_title: str = "odx-graph open housing data"
    publisher: str = "odx-graph"
    data_license: str = "https://creativecommons.org/licenses/by/4.0/"
    import_token: str = ""
    import_max_bytes: int = 100_000_000
    import_max_rdf_statements: int = 100_000
    import_max_problems: int = 1000
    import_concurrency: int = 2
    import_max_queued: int = 8
    import_timeout_ms: int = 300_000
    import_memory_mb: int = 1024
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 100
    rate_limit_share_ms: int = 1000
    key_lookups_per_minute: int = 30
    embedded_restart_attempts: int = 5
    compiled_queries: bool = True
    resident_token_days: int = 90
    resident_token_max_days: int = 365
    sparql_timeout_ms: int = 10_000
    sparql_max_results: int = 10_000
    sparql_concurrency: int = 2
    sparql_in_processes: bool = True
    sparql_store: bool = True
    sparql_worker_memory_mb: int = 2048
    change_publish_interval_ms: int = 250
    planned_replacement_months: int = 12

    def __post_init__(self) -> None:
        if not self.base_iri:
            host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host  # noqa: S104
            object.__setattr__(self, "base_iri", f"http://{host}:{self.port}")
        object.__setattr__(self, "base_iri", self.base_iri.rstrip("/"))
        _check_range("port", self.port, 1, 65535)
        _check_range("page_size_default", self.page_size_default, 1, self.page_size_max)
        _check_range("page_size_max", self.page_size_max, 1, 10_000)
        _check_range("statement_timeout_ms", self.statement_timeout_ms, 0, 3_600_000)
        _check_range("pool_min_size", self.pool_min_size, 0, self.pool_max_size)
        _check_range("pool_max_size", self.pool_max_size, 1, 1000)
        _check_range("connect_timeout_ms", self.connect_timeout_ms, 100, 600_000)
        _check_range("max_concurrent_requests", self.max_concurrent_requests, 1, 10_000)
        _check_range("max_queued_requests", self.max_queued_requests, 0, 100_000)
        _check_range("queue_timeout_ms", self.queue_timeout_ms, 0, 600_000)
        # At most a quarter of the slots are kept for keys, however many this asks for.
        _check_range("requests_reserved_for_keys", self.requests_reserved_for_keys, 0, 10_000)
        _check_range("header_timeout_ms", self.header_timeout_ms, 100, 600_000)
        _check_range("body_timeout_ms", self.body_timeout_ms, 100, 600_000)
        _check_range("body_min_bytes_per_second", self.body_min_bytes_per_second, 0, 10**9)
        _check_range("max_connections_per_client", self.max_connections_per_client, 0, 100_000)
        _check_range("max_subscriptions_per_client", self.max_subscriptions_per_client, 0, 100_000)
        _check_range("demo_homes", self.demo_homes, 1, 10_000_000)
        _check_range("suppress_below_homes", self.suppress_below_homes, 0, 1_000_000)
        _check_range("round_counts_to", self.round_counts_to, 1, 1000)
        _check_range("insight_cache_entries", self.insight_cache_entries, 0, 1_000_000)
        _check_range("import_max_bytes", self.import_max_bytes, 1, 10_000_000_000)
        _check_range("import_max_rdf_statements", self.import_max_rdf_statements, 1, 100_000_000)
        _check_range("import_max_problems", self.import_max_problems, 1, 10_000_000)
        _check_range("import_concurrency", self.import_concurrency, 1, 64)
        _check_range("import_max_queued", self.import_max_queued, 0, 10_000)
        _check_range("import_timeout_ms", self.import_timeout_ms, 1000, 86_400_000)
        _check_range("import_memory_mb", self.import_memory_mb, 128, 1_000_000)
        _check_range("rate_limit_per_minute", self.rate_limit_per_minute, 0, 1_000_000)
        _check_range("sparql_timeout_ms", self.sparql_timeout_ms, 100, 600_000)
        _check_range("sparql_max_results", self.sparql_max_results, 1, 10_000_000)
        _check_range("sparql_concurrency", self.sparql_concurrency, 1, 64)
        _check_range("sparql_worker_memory_mb", self.sparql_worker_memory_mb, 512, 1_000_000)
        _check_range("change_publish_interval_ms", self.change_publish_interval_ms, 10, 60_000)
        _check_range("replica_max_lag_ms", self.replica_max_lag_ms, 0, 3_600_000)
        _check_range("replica_wait_ms", self.replica_wait_ms, 0, 60_000)
        _check_range("replica_check_interval_ms", self.replica_check_interval_ms, 50, 600_000)
        if self.read_database_urls and self.database_url is None:
            raise ConfigError(
                f"{PREFIX}READ_DATABASE_URLS needs {PREFIX}DATABASE_URL: the embedded "
                "database has no replicas"
            )
        for url in self.read_database_url_list:
            if not url.startswith(("postgresql://", "postgres://")):
                raise ConfigError(
                    f"{PREFIX}READ_DATABASE_URLS must be postgresql:// URLs separated by "
                    f"spaces or commas, got {url.split('@')[-1]!r}"
                )
        _check_range("planned_replacement_months", self.planned_replacement_months, 0, 120)
        _check_range("resident_token_max_days", self.resident_token_max_days, 1, 3660)
        _check_range(
            "resident_token_days", self.resident_token_days, 1, self.resident_token_max_days
        )
        _check_range("rate_limit_burst", self.rate_limit_burst, 0, 1_000_000)
        if self.rate_limit_share_ms:
            _check_range("rate_limit_share_ms", self.rate_limit_share_ms, 50, 60_000)
        _check_range("key_lookups_per_minute", self.key_lookups_per_minute, 1, 1_000_000)
        _check_range("embedded_restart_attempts", self.embedded_restart_attempts, 0, 1000)
        if self.import_token and len(self.import_token) < 32:
            raise ConfigError(f"{PREFIX}IMPORT_TOKEN must be at least 32 characters long")
        if not self.base_iri.startswith(("http://", "https://")):
            raise ConfigError(f"{PREFIX}BASE_IRI must be an http(s) URL, got {self.base_iri!r}")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

    @property
    def read_database_url_list(self) -> list[str]:
        """The read replicas' URLs (``ODX_READ_DATABASE_URLS``, separated by spaces or
        commas before the next URL: a multi-host URL keeps its own commas); empty when
        every read goes to the primary."""
        parts = re.split(r"\s+|,(?=\s*postgres(?:ql)?://)", self.read_database_urls)
        return [part for part in parts if part]

    @property
    def uses_embedded_database(self) -> bool:
        """True when no database URL is configured and the embedded server is used."""
        return self.database_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``ODX_*`` variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(PREFIX + field.name.upper())
            if raw is None or raw == "":
                continue
            values[field.name] = _parse(field.name, str(field.type), raw)
        if "data_dir" not in values:
            values["data_dir"] = default_data_dir(env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def setting_names() -> list[str]:
    """The environment variable name of every setting, in declaration order."""
    return [PREFIX + f.name.upper() for f in dataclasses.fields(Settings)]


def _parse(name: str, type_name: str, raw: str) -> Any:
    var = PREFIX + name.upper()
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "bool":
            value = raw.strip().lower()
            if value in ("1", "true", "yes", "on"):
                return True
            if value in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if type_name == "Path":
            return Path(raw).expanduser()
        if type_name == "DemoMode":
            return DemoMode(raw.lower())
        if type_name == "LogFormat":
            return LogFormat(raw.lower())
    except ValueError:
        raise ConfigError(f"{var}={raw!r} is not valid ({type_name.lower()} expected)") from None
    return raw


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{PREFIX}{name.upper()} must be between {low} and {high}, got {value}")
