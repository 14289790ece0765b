"""Logs on stdout, one JSON object per line, each with its request's id.

A container platform collects stdout line by line: a traceback printed over
several lines would arrive as several unrelated events. JSON keeps an event on
one line whatever it contains (newlines in a message or a traceback are
escaped, and so is every non-ASCII character, U+2028 included) and lets the
platform index its fields. gunicorn's own logs take the same form
(``gunicorn_logging``): its access log has one event per request, with the
same id and the request's method, path, status and duration as fields.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
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


class AccessFormatter(JsonLinesFormatter):
    """gunicorn's access log line, with its parts as fields an index can query.

    gunicorn logs each request with its ``access_log_format`` as the message
    and the request's "atoms" as the arguments; missing ones are ``-``.
    """

    def event(self, record: logging.LogRecord) -> dict[str, Any]:
        event = super().event(record)
        atoms = record.args if isinstance(record.args, Mapping) else {}
        event["request_id"] = atoms.get("{x-request-id}o", "-")
        event.update(
            method=atoms.get("m"),
            path=atoms.get("U"),
            status=_number(atoms.get("s")),
            bytes=_number(atoms.get("B")),
            duration_ms=_number(atoms.get("M")),
            remote_addr=atoms.get("h"),
            # gunicorn escapes quotes for its quoted log fields; JSON does that.
            user_agent=str(atoms.get("a", "-")).replace('\\"', '"'),
        )
        return event


def _number(value: Any) -> int | None:
    return int(value) if str(value).isdigit() else None


class StdoutHandler(logging.StreamHandler):
    """Writes to ``sys.stdout`` as it is when the event happens.

    Whoever swaps ``sys.stdout`` later (a test capturing output) still gets
    the lines, instead of a stream that was current when the app was built.
    """

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonLinesFormatter())

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        """Ignored: the stream is always the current ``sys.stdout``."""


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


def gunicorn_logging() -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its logs as JSON lines on stdout too.

    The root logger gets the app's handler here, so that gunicorn's default
    (plain text) never joins it; ``init_app`` then finds it and adds none. No
    level is set: ``LOG_LEVEL`` and gunicorn's ``loglevel`` keep deciding.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"access": {"()": AccessFormatter}},
        "handlers": {
            "app": {"()": StdoutHandler},
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["app"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["app"], "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "propagate": False},
        },
    }
