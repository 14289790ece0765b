"""Logs on stdout, one JSON object per line, each with its request's id.

A container platform collects stdout line by line: a traceback printed over
several lines would arrive as several unrelated events. JSON keeps an event on
one line whatever it contains (newlines in a message or a traceback are
escaped, and so is every non-ASCII character, U+2028 included) and lets the
platform index its fields. gunicorn.conf.py sends gunicorn's own logs through
the same handler.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context
from flask.logging import default_handler

from . import request_id
from .settings import SettingsError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was logged in, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.current() if has_request_context() else "-"
        return True


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.event(record), default=str)

    def event(self, record: logging.LogRecord) -> dict[str, Any]:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            event["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            event["stack_info"] = self.formatStack(record.stack_info)
        return event


class StdoutHandler(logging.StreamHandler):
    """JSON lines on stdout, each stamped with its request's id."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonLinesFormatter())


def init_app(app: Flask) -> None:
    """Send every logger's records (the app's, extensions') to stdout as JSON."""
    level = str(app.config.get("LOG_LEVEL", "INFO")).upper()
    if level not in LEVELS:
        raise SettingsError(
            f"LOG_LEVEL must be one of {', '.join(LEVELS)}, got {level!r}"
        )
    root = logging.getLogger()
    root.setLevel(level)
    # On the root logger, once per process: each app built in the same
    # process (tests build many) shares it rather than adding another.
    if not any(isinstance(handler, StdoutHandler) for handler in root.handlers):
        root.addHandler(StdoutHandler())
    # Flask adds its own stderr handler to the app's logger when no handler is
    # configured; records reach the root handler through propagation instead.
    app.logger.removeHandler(default_handler)
