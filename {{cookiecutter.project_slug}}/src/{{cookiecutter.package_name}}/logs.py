"""Logs on stdout, one JSON object per line, each with its request's id.

A container platform collects stdout line by line: a traceback printed over
several lines would arrive as several unrelated events. JSON keeps an event on
one line whatever it contains (newlines in a message or a traceback are
escaped, and so is every non-ASCII character, U+2028 included) and lets the
platform index its fields. gunicorn.conf.py sends gunicorn's own logs through
the same handler.

Debug mode (``flask run --debug``) writes plain lines instead, for a person
reading a terminal; production never runs in debug mode.
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

# One event per line for a person: time, level, logger, request id, message.
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


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
    """Send every logger's records (the app's, extensions') to stdout.

    JSON lines, or plain lines in debug mode. ``LOG_LEVEL`` was checked with
    the other settings.
    """
    root = logging.getLogger()
    root.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    # On the root logger, once per process: each app built in the same
    # process (tests build many) shares it rather than adding another.
    handler = next((h for h in root.handlers if isinstance(h, StdoutHandler)), None)
    if handler is None:
        handler = StdoutHandler()
        root.addHandler(handler)
    handler.setFormatter(
        logging.Formatter(PLAIN_FORMAT) if app.debug else JsonLinesFormatter()
    )
    # Flask adds its own stderr handler to the app's logger when no handler is
    # configured; records reach the root handler through propagation instead.
    app.logger.removeHandler(default_handler)
