"""Rate limits per client (``limits``): ``429 Too Many Requests`` beyond them.

Each client may make ``RATELIMIT_DEFAULT`` requests to the API (``600 per
minute`` unless set), every route counted together.
{%- if cookiecutter.auth != "none" %}
A client is its credential when the request carries a valid one, else its
address: a made-up credential never buys a fresh count.
{%- else %}
A client is its address; behind proxies, see ``proxies.py``.
{%- endif %}

Windows are fixed and aligned on the clock (a minute limit starts again at
every whole minute), so a request costs one counter increment and the window's
end is known without asking: one storage call per limit, whose answer also
gives the headers. Counts live in ``RATELIMIT_STORAGE_URI``:
{%- if cookiecutter.cache_backend == "redis" %}
Redis, so that every worker of every instance spends from one count.
{%- else %}
this worker's memory, so each worker counts alone.
{%- endif %}
A storage that fails never fails a request: the answer is served, a warning
is logged, and the worker counts in its own memory until the storage answers
again (tried again after 1, 2, 4... seconds).

Every answer of a limited route says what is left (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset``); a 429 adds ``Retry-After`` and is a problem
document like every error (``errors.py``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import NamedTuple

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

{% if cookiecutter.auth != "none" -%}
from . import auth
{% endif -%}
from .settings import SettingsError

LIMIT_FORM = "one or more limits like '600 per minute' or '10/second;1000/hour'"

# The names most clients and gateways read (GitHub's, Flask-Limiter's own);
# the IETF draft's RateLimit and RateLimit-Policy have changed syntax between
# drafts and are not final. Reset is a Unix time in seconds.
LIMIT_HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"
RESET_HEADER = "X-RateLimit-Reset"
HEADERS = (LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER, "Retry-After")

# Blueprints never limited: load balancers poll the probes every few seconds
# from a few addresses, and a probe refused would take a healthy instance out
# of service; the docs are files.
EXEMPT_BLUEPRINTS = frozenset(
    {
        "health",
        "docs",
{%- if cookiecutter.ajax_demo %}
        "demo",
{%- endif %}
    }
)
{%- if cookiecutter.cache_backend == "redis" %}
BAD_STORAGE = (
    "RATELIMIT_STORAGE_URI must be a storage URI such as memory:// "
    "or redis://host:6379/0"
)
{%- else %}
BAD_STORAGE = (
    "RATELIMIT_STORAGE_URI must be a storage URI of the limits library "
    "such as memory://"
)
{%- endif %}
# A failed storage is tried again after 1 s, then 2, 4... up to this.
MAX_RETRY_SECONDS = 32

{%- if cookiecutter.cache_backend == "redis" %}

# redis-py waits 5 s per attempt by default: a hung storage would stall every
# request. Fail fast and count in memory instead.
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
{%- endif %}

logger = logging.getLogger(__name__)


class Spent(NamedTuple):
    """One limit after a request spent from it."""

    amount: int  # requests a window allows
    used: int  # requests made in this window, this one included
    reset: int  # when the window ends, Unix seconds

    @property
    def remaining(self) -> int:
        return max(0, self.amount - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.amount


class MemoryCounts:
    """Counts in this worker's memory, dropped all at once when their window ends.

    Used instead of ``limits``' ``MemoryStorage``, which expires keys one by
    one from a timer thread it starts again whenever the last one ended
    (every 10 ms under load): with windows aligned on the clock, a window's
    counts all end together.
    """

    def __init__(self) -> None:
        # Per window length: the window's number and its counts.
        self._windows: dict[int, tuple[int, dict[str, int]]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        window = int(time.time()) // expiry
        with self._lock:
            number, counts = self._windows.get(expiry, (None, None))
            if number != window or counts is None:
                counts = {}
                self._windows[expiry] = (window, counts)
            count = counts[key] = counts.get(key, 0) + amount
        return count


class Counts:
    """The configured storage's counts, or this worker's memory while it fails."""

    def __init__(self, storage: Storage | None) -> None:
        self._storage = storage
        self._memory = MemoryCounts()
        self._failures = 0
        self._retry_at = 0.0

    def incr(self, key: str, expiry: int) -> int:
        storage = self._storage
        if storage is not None and time.monotonic() >= self._retry_at:
            try:
                count = storage.incr(key, expiry)
            except StorageError:
                self._failed()
            else:
                if self._failures:
                    logger.warning("Rate limit storage recovered")
                    self._failures = 0
                return count
        return self._memory.incr(key, expiry)

    def _failed(self) -> None:
        if not self._failures:
            logger.warning(
                "Rate limit storage unreachable: counting in this worker's memory"
            )
        self._retry_at = time.monotonic() + min(2**self._failures, MAX_RETRY_SECONDS)
        self._failures += 1


class Limits:
    """Limits that requests spend from, each client's counted apart."""

    def __init__(self, limits: list[RateLimitItem], scope: str, counts: Counts):
        # Per limit: what it allows, its window in seconds, its keys' stem.
        self._windows = [
            (limit.amount, limit.get_expiry(), limit.key_for(scope)) for limit in limits
        ]
        self._counts = counts

    def spend(self, client: str) -> Spent:
        """Spend one request of each limit: the first exceeded, else the tightest."""
        now = int(time.time())
        tightest = None
        for amount, expiry, stem in self._windows:
            window = now // expiry
            count = self._counts.incr(f"{stem}/{client}/{window}", expiry)
            spent = Spent(amount, count, (window + 1) * expiry)
            if spent.exceeded:
                return spent
            if tightest is None or spent.remaining < tightest.remaining:
                tightest = spent
        assert tightest is not None  # parse_many gave at least one limit
        return tightest


def init_app(app: Flask) -> None:
    """Limit every API route of ``app``; call it after the routes are registered."""
    check_limits(app.config)
    storage = open_storage(app.config)
    # Flask-Limiter's switch, kept: off (in tests, say), nothing is counted.
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    counts = Counts(storage)
    # Other limits (per username, say) count here too: Limits(..., counts).
    app.extensions["ratelimit"] = counts
    prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    api = Limits(
        parse_many(app.config["RATELIMIT_APPLICATION"]), f"{prefix}api", counts
    )
    exempt = exempt_endpoints(app)

    @app.before_request
    def check_limit() -> None:
        endpoint = request.endpoint
        # Unrouted requests (404s) spend nothing. OPTIONS (preflights) costs
        # nothing and carries no credential; a refused preflight would hide
        # the real request's 429 from the browser.
        if endpoint is None or endpoint in exempt or request.method == "OPTIONS":
            return
        spent = api.spend(client_key())
        g.rate_limit = spent
        if spent.exceeded:
            raise TooManyRequests()

    # Registered last, so it runs first of the after_request hooks: every
    # other part sees the quota headers.
    app.after_request(add_headers)


def exempt_endpoints(app: Flask) -> frozenset[str]:
    """The exempt blueprints' routes, and static files, wherever served."""
    return frozenset(
        endpoint
        for endpoint in app.view_functions
        if endpoint.rpartition(".")[0] in EXEMPT_BLUEPRINTS
        or endpoint.rpartition(".")[2] == "static"
    )


def open_storage(config: dict) -> Storage | None:
    """The storage of ``RATELIMIT_STORAGE_URI``; None for this worker's memory."""
    uri = config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory://"):
        return None
    options = config.get("RATELIMIT_STORAGE_OPTIONS", {})
{%- if cookiecutter.cache_backend == "redis" %}
    if uri.startswith("redis"):
        options = {**REDIS_OPTIONS, **options}
{%- endif %}
    try:
        # Its errors raised as limits' StorageError, whatever the client.
        storage = storage_from_string(uri, wrap_exceptions=True, **options)
    except ConfigurationError:
        # Not echoed: the URI may hold a password.
        raise SettingsError(BAD_STORAGE) from None
    if not isinstance(storage, Storage):
        # An async+ scheme: a storage for asyncio apps, not this one.
        raise SettingsError(BAD_STORAGE)
    return storage


def check_limits(config: dict) -> None:
    """One line naming the variable, its value and the rule, for a bad limit."""
    _check_limits("RATELIMIT_DEFAULT", config["RATELIMIT_APPLICATION"])


def _check_limits(name: str, value: str) -> None:
    try:
        limits = parse_many(value)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise SettingsError(f"{name} must be {LIMIT_FORM}, got {value!r}")


def client_key() -> str:
    """Whose count a request spends."""
{%- if cookiecutter.auth != "none" %}
    principal = auth.current_principal()
    if principal is not None:
        return f"credential:{principal}"
{%- endif %}
    return f"address:{address()}"


def address() -> str:
    """The peer's address, or the client's as the trusted proxies say it."""
    return request.remote_addr or "unknown"


def add_headers(response: Response) -> Response:
    """What is left of the request's limit; when to retry, on a 429."""
    spent: Spent | None = g.get("rate_limit")
    if spent is None:
        return response
    # Added, not set: no part before this one sets them.
    headers = response.headers
    headers.add(LIMIT_HEADER, str(spent.amount))
    headers.add(REMAINING_HEADER, str(spent.remaining))
    headers.add(RESET_HEADER, str(spent.reset))
    if response.status_code == 429:
        headers.add("Retry-After", str(max(1, math.ceil(spent.reset - time.time()))))
    return response
