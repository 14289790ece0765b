"""Password guesses, limited per address and per username: 429 beyond.

Every call of the token route is a guess. It spends from two counts: its
address's (``RATELIMIT_LOGIN``; an IPv6 address counts with its whole /64,
which one host usually holds) and the username's (``RATELIMIT_LOGIN_USERNAME``),
so guesses spread over many addresses still run out. The username's count is
spent whether or not the user exists: the answer and its timing are the same.
A username's count can be spent by anyone, which locks its user out of
logging in until the window passes (their tokens keep working): the price of
bounding guesses per account.

This belongs to authentication, not to the optional rate limiter: it is here
whether or not the app limits requests. Counts live in
``RATELIMIT_STORAGE_URI``, as the rate limits do
{%- if cookiecutter.cache_backend == "redis" %}
(Redis: one count for every worker of every instance). A storage that fails
never fails a login: this worker counts in its memory until it answers again.
{%- else %}
(this worker's memory unless set: each worker counts alone).
{%- endif %}
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from .settings import SettingsError

LIMIT_FORM = "one or more limits like '10 per minute' or '10/minute;100/hour'"
log = logging.getLogger(__name__)
{%- if cookiecutter.cache_backend == "redis" %}
# redis-py waits 5 s per attempt by default: a hung storage would stall logins.
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
{%- endif %}


class LoginLimits:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.per_address = _limits("RATELIMIT_LOGIN", config["LOGIN_LIMIT_PER_ADDRESS"])
        self.per_username = _limits(
            "RATELIMIT_LOGIN_USERNAME", config["LOGIN_LIMIT_PER_USERNAME"]
        )
        uri = config["LOGIN_LIMIT_STORAGE_URI"]
        try:
{%- if cookiecutter.cache_backend == "redis" %}
            options = REDIS_OPTIONS if uri.startswith("redis") else {}
            storage = storage_from_string(uri, **options)
{%- else %}
            storage = storage_from_string(uri)
{%- endif %}
        except Exception:
            # Not echoed: the URI may hold a password.
            raise SettingsError(
                "RATELIMIT_STORAGE_URI must be a storage URI such as memory://"
            ) from None
        self.prefix = config.get("LOGIN_LIMIT_KEY_PREFIX", "login")
        self.shared = FixedWindowRateLimiter(storage)
        self.fallback = FixedWindowRateLimiter(MemoryStorage())

    def spend(self, username: str) -> int | None:
        """Spend one guess; None when allowed, else the seconds to wait."""
        counts = [
            *((limit, "address", address_group()) for limit in self.per_address),
            *((limit, "username", _digest(username)) for limit in self.per_username),
        ]
        try:
            return self._spend(self.shared, counts)
        except Exception:
            log.warning("Login limits: storage failed, counting in memory")
            return self._spend(self.fallback, counts)

    def _spend(
        self,
        limiter: FixedWindowRateLimiter,
        counts: list[tuple[RateLimitItem, str, str]],
    ) -> int | None:
        refused = [
            (limit, kind, key)
            for limit, kind, key in counts
            if not limiter.hit(limit, self.prefix, kind, key)
        ]
        if not refused:
            return None
        reset = max(
            limiter.get_window_stats(limit, self.prefix, kind, key).reset_time
            for limit, kind, key in refused
        )
        return max(1, math.ceil(reset - time.time()))


def init_app(app: Flask) -> None:
    app.extensions["login_limits"] = LoginLimits(app)


def spend_guess(username: str) -> None:
    """Count a login attempt; 429 with Retry-After when either count is spent."""
    limits: LoginLimits = current_app.extensions["login_limits"]
    wait = limits.spend(username)
    if wait is not None:
        log.warning(
            "auth: login refused by limit principal=username:%r address=%s",
            username,
            request.remote_addr,
        )
        raise TooManyRequests("Too many login attempts: retry later.", retry_after=wait)


def address_group() -> str:
    """The client's address; for IPv6, its /64."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _digest(username: str) -> str:
    # A fixed-size key, whatever the name holds.
    return hashlib.sha256(username.encode("utf-8", "surrogateescape")).hexdigest()


def _limits(name: str, value: str) -> list[RateLimitItem]:
    try:
        limits = parse_many(value)
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise SettingsError(f"{name} must be {LIMIT_FORM}, got {value!r}")
    return limits
