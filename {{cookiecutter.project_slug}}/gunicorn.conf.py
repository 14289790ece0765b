"""gunicorn settings for production; each can be changed from the environment.

Run: python -m {{ cookiecutter.package_name }} (see its __main__.py), which checks
WEB_CONCURRENCY and then is gunicorn --config gunicorn.conf.py.
"""

import contextlib
import logging
import os
import re
{%- if cookiecutter.use_metrics %}
import shutil
import tempfile
{%- endif %}
from collections.abc import Mapping
from typing import Any

from flask.helpers import get_debug_flag
from gunicorn import util
from gunicorn.http.errors import (
    ConfigurationProblem,
    ExpectationFailed,
    ForbiddenProxyRequest,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.workers.sync import SyncWorker
{%- if cookiecutter.use_metrics %}

# prometheus_client chooses its multiprocess mode as it is imported (by the
# package, below): each worker then writes its figures to files in this fresh
# directory, and the master serves their sum (metrics.py).
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-")
{%- endif %}

{% if cookiecutter.use_metrics -%}
from {{ cookiecutter.package_name }} import metrics
{% endif -%}
from {{ cookiecutter.package_name }}.errors import problem
from {{ cookiecutter.package_name }}.logs import JsonLinesFormatter, StdoutHandler
from {{ cookiecutter.package_name }}.settings import SettingsError, positive_int


def load_env_file(path: str) -> None:
    """Read ``path`` as a .env file; a variable already set wins over it."""
    try:
        from dotenv import load_dotenv
    except ImportError:
        raise SystemExit(
            f"ENV_FILE={path!r}: reading it needs python-dotenv "
            "(a dev dependency: pip install -e '.[dev]')"
        ) from None
    if not os.path.isfile(path):
        raise SystemExit(f"ENV_FILE={path!r}: no such file")
    load_dotenv(path, override=False)


def server_setting(name: str, default: int, highest: int | None = None) -> int:
    """A number from the environment, by the app's rule (settings.positive_int).

    gunicorn prints a SystemExit raised here as its message alone, any other
    exception with a traceback.
    """
    try:
        return positive_int(os.environ, name, default, highest)
    except SettingsError as error:
        raise SystemExit(error.message) from None


# gunicorn reads no .env file: in production the platform sets the
# environment. ENV_FILE=.env asks for one, to try this server locally.
if os.environ.get("ENV_FILE"):
    load_env_file(os.environ["ENV_FILE"])

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

port = server_setting("PORT", 8000, highest=65535)
bind = os.environ.get("BIND") or f"0.0.0.0:{port}"
# gunicorn itself parses WEB_CONCURRENCY as it starts, before this file: a
# value that is not a number would stop it there with a traceback, so
# `python -m {{ cookiecutter.package_name }}` checks it before starting gunicorn.
workers = server_setting("WEB_CONCURRENCY", 2)
# A worker that does not answer in this many seconds is killed and replaced.
timeout = server_setting("GUNICORN_TIMEOUT", 30)
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = server_setting("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Signals (HUP, TERM, TTIN/TTOU) and the process manager control gunicorn. Its
# control socket has one path per user ($HOME/.gunicorn/gunicorn.ctl), shared
# by every gunicorn that user runs on the host: a second app could not bind it,
# and gunicornc would manage whichever app came first.
control_socket_disable = True


# The status of each request gunicorn refuses itself, before the app sees it;
# any other request it cannot parse is a 400.
STATUS = {
    LimitRequestLine: 414,
    LimitRequestHeaders: 431,
    ExpectationFailed: 417,
    UnsupportedTransferCoding: 501,
    ForbiddenProxyRequest: 403,
    ParseException: 400,
}
# Parse errors that are the app's or the configuration's fault, not the client's.
SERVER_FAULTS = (InvalidResponseHeader, InvalidResponseHeaderName, ConfigurationProblem)


class ProblemWorker(SyncWorker):
    """gunicorn's sync worker, whose own error answers are problem documents too.

    gunicorn refuses some requests before the app is called: a request line
    over ``limit_request_line`` (4094 bytes) with 414, a header over
    ``limit_request_field_size`` (8190 bytes) or more than
    ``limit_request_fields`` (100) with 431, ``Content-Length`` beside chunked
    ``Transfer-Encoding`` with 400. Its own answer is an HTML page with no
    request id, mostly with no access event. Here the app builds the answer as
    it builds every error (problem document, X-Request-ID, uniform headers) and
    one access event is logged.
    """

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        if isinstance(exc, ParseException) and not isinstance(exc, SERVER_FAULTS):
            status = next(s for kind, s in STATUS.items() if isinstance(exc, kind))
            detail = str(exc)
        else:
            self.log.exception("Error handling request")
            status, detail = 500, None
        try:
            with self.wsgi.test_request_context():
                response = self.wsgi.process_response(problem(status, detail))
        except Exception:  # a hook that needs a real request: gunicorn's own page
            self.log.exception("Cannot answer a problem document")
            super().handle_error(req, client, addr, exc)
            return
        body = response.get_data()
        head = "".join(f"{name}: {value}\r\n" for name, value in response.headers)
        answer = f"HTTP/1.1 {response.status}\r\nConnection: close\r\n{head}\r\n"
        with contextlib.suppress(OSError):  # the client may be gone
            util.write_nonblock(client, answer.encode("latin-1") + body)
        req = req or getattr(exc, "req", None)  # the request, when its line was read
        atoms = {
            "h": addr[0] if addr else "-",
            "r": "-",
            "s": status,
            "B": len(body),
            "M": 0,
            "a": "-",
            "m": getattr(req, "method", "-"),
            "U": getattr(req, "path", "-"),
            "{x-request-id}o": response.headers["X-Request-ID"],
        }
        logging.getLogger("gunicorn.access").info(access_log_format, atoms)


worker_class = ProblemWorker


# A query parameter whose name says it holds a secret (access_token, password,
# client_secret...): its value is replaced in the logged request line.
SECRET_IN_QUERY = re.compile(
    r"([?&][^=&\s]*(?:token|key|password|secret)[^=&\s]*=)[^&\s]*", re.IGNORECASE
)


class AccessFormatter(JsonLinesFormatter):
    """gunicorn's access log line, with its parts as fields an index can query.

    gunicorn logs each request with its ``access_log_format`` as the message
    and the request's "atoms" as the arguments; missing ones are ``-``.
    """

    def event(self, record: logging.LogRecord) -> dict[str, Any]:
        event = super().event(record)
        # A secret a client put in the query string stays out of the log.
        event["message"] = SECRET_IN_QUERY.sub(r"\1[redacted]", event["message"])
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
{%- if cookiecutter.use_metrics %}

# Where the master serves the workers' metrics; unset, they are served nowhere.
try:
    metrics_address = (
        metrics.parse_bind(os.environ["METRICS_BIND"])
        if os.environ.get("METRICS_BIND")
        else None
    )
except SettingsError as error:
    raise SystemExit(error.message) from None


def when_ready(server: Any) -> None:
    if metrics_address is not None:
        metrics.serve(*metrics_address)
        server.log.info("Metrics at http://%s:%s/metrics", *metrics_address)


def child_exit(server: Any, worker: Any) -> None:
    metrics.worker_exited(worker.pid)


def on_exit(server: Any) -> None:
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
{%- endif %}
