"""gunicorn settings for production; each can be changed from the environment.

Run: gunicorn --config gunicorn.conf.py
"""

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask.helpers import get_debug_flag

from {{ cookiecutter.package_name }}.logs import JsonLinesFormatter, StdoutHandler

# Debug mode skips the SECRET_KEY check and lets exceptions escape the JSON
# error handlers: the production server never runs with it.
if get_debug_flag():
    raise SystemExit(
        "FLASK_DEBUG is on: debug mode is for `flask run --debug` only; "
        "unset FLASK_DEBUG to start gunicorn"
    )

wsgi_app = "{{ cookiecutter.package_name }}:create_app()"
# Build the app once, in the master: a bad setting (no SECRET_KEY) stops
# gunicorn at once with its message instead of failing every worker in turn.
preload_app = True

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A worker that does not answer in this many seconds is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Signals (HUP, TERM, TTIN/TTOU) and the process manager control gunicorn. Its
# control socket has one path per user ($HOME/.gunicorn/gunicorn.ctl), shared
# by every gunicorn that user runs on the host: a second app could not bind it,
# and gunicornc would manage whichever app came first.
control_socket_disable = True


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


# gunicorn's own events and one event per request: JSON lines on stdout, like
# the app's (logs.py), for the container platform to collect. The root logger
# gets the app's handler here, so that gunicorn's plain-text default never
# joins it; the app then finds it and adds none. No level is set: LOG_LEVEL and
# gunicorn's loglevel keep deciding.
logconfig_dict = {
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
# The "message" of each request's event; its parts are fields of the event too.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}o)s'
