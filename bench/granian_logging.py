"""granian's access log as JSON lines, as close as it gets to the baked gunicorn's.

``servers.py`` passes ``ACCESS_FORMAT`` to ``--access-log-fmt`` and
``logging_config()`` (as a file) to ``--log-config``. granian logs each
request with that format as the message and a dict of its parts as the
arguments; ``AccessFormatter`` turns them into the fields the baked app's
``logs.AccessFormatter`` writes for gunicorn.

What granian cannot give: its ``%(header{name})s`` parts read REQUEST headers
only, so ``request_id`` is the client's ``X-Request-ID`` when it sends one,
and ``-`` when the app chose the id (the answer's header is out of reach);
and it has no count of the bytes answered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# granian replaces the n-th %(header{...})s with %(_hn)s: keep HEADERS in step.
HEADERS = ("user-agent", "x-request-id")
ACCESS_FORMAT = (
    '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).0fms '
    '"%(header{user-agent})s" %(header{x-request-id})s'
)


class AccessFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        header = {name: atoms.get(f"_h{n}", "-") for n, name in enumerate(HEADERS)}
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": header["x-request-id"],
            "method": atoms.get("method"),
            "path": atoms.get("path"),
            "status": atoms.get("status"),
            "bytes": None,
            "duration_ms": round(atoms.get("dt_ms", 0)),
            "remote_addr": atoms.get("addr"),
            "user_agent": header["user-agent"],
        }
        return json.dumps(event, default=str)


def logging_config() -> dict[str, Any]:
    """granian's ``--log-config``: its own events as it prints them, access as JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "generic": {
                "()": "logging.Formatter",
                "fmt": "[%(levelname)s] %(message)s",
            },
            "access": {"()": f"{__name__}.AccessFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "generic",
                "stream": "ext://sys.stdout",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "_granian": {"handlers": ["console"], "propagate": False},
            "granian.access": {
                "handlers": ["access"],
                "level": "INFO",
                "propagate": False,
            },
        },
    }
