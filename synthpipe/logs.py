"""Structured logs: one JSON object a line, with an event name and facts.

Facts are column names, counts, codes and timings, never cell values: personal data
must not reach a log (tests plant a canary value to prove it).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "synthpipe"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        return json.dumps(payload, default=str)


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})


def json_handler(stream_or_path) -> logging.Handler:
    """A handler writing JSON lines to a stream or a file path."""
    if isinstance(stream_or_path, str):
        handler: logging.Handler = logging.FileHandler(stream_or_path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream_or_path)
    handler.setFormatter(JsonFormatter())
    return handler
