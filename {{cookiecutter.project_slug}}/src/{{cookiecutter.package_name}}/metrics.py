"""Prometheus metrics: requests by route template, latency, the database pool.

Each request of the API is counted by method, route *template*
(``/api/v1/items/<item_id>``, never the raw path: one series per route, not
one per id) and status, and its duration observed in a histogram by method and
route. Only the API's routes are measured, not its probes, its docs or any page
outside it, so the figures that alerts read are the API's own. A URL that
matches no route is counted under the route ``<unmatched>``.

Under gunicorn every worker writes its figures to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, which
gunicorn.conf.py sets up before the package is imported), and the master serves
their sum at ``METRICS_BIND`` (``/metrics`` on a port of its own, which the
proxy in front of the app never routes to), so a scrape sees the whole
instance, whichever worker would have answered.
"""

from __future__ import annotations

import platform
import re
import time
from functools import cache
from typing import Any

from flask import Flask, Response, g, request, request_finished, request_started
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)
from sqlalchemy import event

from .__about__ import __version__
from .api import PREFIX
from .db import db
from .settings import SettingsError

EXAMPLE_BIND = "127.0.0.1:9464"
# The API's own routes that are not its work: the probes, the docs page and the
# OpenAPI document.
UNMEASURED_BLUEPRINTS = frozenset({"health", "docs", "api-docs"})
UNMATCHED = "<unmatched>"
# A variable part of a URL rule, with its converter: <int(max=10):item_id>.
RULE_VARIABLE = re.compile(r"<(?:[^:<>]*:)?([^:<>]+)>")

REQUESTS = Counter(
    "http_requests",
    "Requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's start to its answer, by method and route template.",
    ["method", "route"],
)
# Per worker; the sum over the live workers is the instance's.
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
BUILD = Gauge(
    "app_build_info",
    "Always 1; the labels name the running version.",
    ["version", "python"],
    multiprocess_mode="max",
)


def init_app(app: Flask) -> None:
    BUILD.labels(__version__, platform.python_version()).set(1)
    request_started.connect(_start, app, weak=False)
    request_finished.connect(_finish, app, weak=False)
    with app.app_context():
        event.listen(db.engine, "checkout", _checked_out)
        event.listen(db.engine, "checkin", _checked_in)


def _start(sender: Flask, **extra: Any) -> None:
    g.metrics_started = time.perf_counter()


def _finish(sender: Flask, response: Response, **extra: Any) -> None:
    started = g.pop("metrics_started", None)
    rule = request.url_rule
    if started is None or not (rule is None or measured(rule.rule)):
        return
    route = UNMATCHED if rule is None else route_template(rule.rule)
    DURATION.labels(request.method, route).observe(time.perf_counter() - started)
    REQUESTS.labels(request.method, route, response.status_code).inc()


def measured(rule: str) -> bool:
    return rule.startswith(PREFIX) and request.blueprint not in UNMEASURED_BLUEPRINTS


@cache
def route_template(rule: str) -> str:
    """The rule without its converters: ``/api/v1/items/<item_id>``."""
    return RULE_VARIABLE.sub(r"<\1>", rule)


def _checked_out(*args: Any) -> None:
    POOL_IN_USE.inc()


def _checked_in(*args: Any) -> None:
    POOL_IN_USE.dec()


def parse_bind(value: str) -> tuple[str, int]:
    """``METRICS_BIND`` as (host, port); one line naming the variable if bad."""
    host, _, port = value.rpartition(":")
    if not (host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise SettingsError(
            f"METRICS_BIND must be host:port (like {EXAMPLE_BIND}), got {value!r}"
        )
    return host.strip("[]"), int(port)


def serve(host: str, port: int) -> None:
    """Serve the sum of every worker's figures at ``host:port``, from this process.

    Called in gunicorn's master once it is ready: the master outlives its
    workers, so a scrape never depends on one of them being alive.
    """
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, host, registry)


def worker_exited(pid: int) -> None:
    """Drop a dead worker's gauges (its counters stay in the sum)."""
    multiprocess.mark_process_dead(pid)
