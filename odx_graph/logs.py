"""Structured logging: one JSON object per line, carrying the request id."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from typing import Any

from odx_graph.config import LogFormat

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


def configure_logging(level: str, fmt: LogFormat) -> None:
    """Send all logs to stderr in the chosen format."""
    handler = logging.StreamHandler()
    handler.addFilter(ClientGoneFilter())
    if fmt is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The access log line is written by our middleware, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
