"""Structured logs: one JSON object a line, with an event name and facts.

Facts are column names, counts, codes and timings, never cell values: personal data
must not reach a log (tests plant a canary value to prove it).
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from pathlib import PurePath
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
        if record.exc_info and record.exc_info[0] is not None:
            payload.update(exception_facts(record.exc_info[1]))
        return json.dumps(payload, default=str)


def exception_facts(error: BaseException | None) -> dict[str, Any]:
    """An exception for a log: its type, its text redacted of values (it may quote a cell),
    and where it was raised as file:line frames (no source lines, no locals)."""
    from synthpipe.redact import redact  # loads the detectors only when an error is logged

    if error is None:
        return {}
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "error": type(error).__name__,
        "error_message": redact(str(error)),
        "traceback": [f"{PurePath(f.filename).name}:{f.lineno} in {f.name}" for f in frames],
    }


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
