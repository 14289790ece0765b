"""Rate limits per client (Flask-Limiter): ``429 Too Many Requests`` beyond them.

Each client may make ``RATELIMIT_DEFAULT`` requests to the API (``600 per
minute`` unless set).
{%- if cookiecutter.auth == "jwt" %}
A view marked ``@login_limit`` (the token route: each call is a password
guess) gets the stricter ``RATELIMIT_LOGIN`` instead.
{%- endif %}
{%- if cookiecutter.auth != "none" %}
A client is its credential when the request carries a valid one, else its
address: a made-up credential never buys a fresh count.
{%- else %}
A client is its address; behind proxies, see ``proxies.py``.
{%- endif %}

Counts live in ``RATELIMIT_STORAGE_URI``:
{%- if cookiecutter.cache_backend == "redis" %}
Redis, so that every worker of every instance spends from one count.
{%- else %}
this worker's memory, so each worker counts alone.
{%- endif %}
A storage that fails never fails a request: the answer is served, a warning
is logged, and each worker counts in its own memory until the storage answers
again.

Every answer of a limited route says what is left (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset``); a 429 adds ``Retry-After`` and is a problem
document like every error (``errors.py``).
"""

from __future__ import annotations

import math
import time
{%- if cookiecutter.auth == "jwt" %}
from collections.abc import Callable
from typing import Any, TypeVar
{%- endif %}

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.errors import ConfigurationError
from limits.storage import storage_from_string

{% if cookiecutter.auth != "none" -%}
from . import auth
{% endif -%}
from .settings import SettingsError

{% if cookiecutter.auth == "jwt" -%}
F = TypeVar("F", bound=Callable[..., Any])
{% endif -%}
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
# of service; the docs are files. Static files are exempt by Flask-Limiter.
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

# redis-py waits 5 s per attempt by default: a hung storage would stall every
# request. Fail fast and count in memory instead.
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
{%- endif %}


def init_app(app: Flask) -> None:
    """Limit every API route of ``app``; call it after the routes are registered."""
    check_settings(app.config)
{%- if cookiecutter.cache_backend == "redis" %}
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_OPTIONS)
{%- endif %}
    # A storage that fails: count in this worker's memory (a warning is
    # logged once), and serve the request whatever else goes wrong.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # Registered before the limiter's own hook, so it runs after it (Flask
    # runs after_request hooks in reverse): it sees the request's limit.
    app.after_request(add_headers)
    # One limiter per app: Flask-Limiter keeps settings and storage on it.
    limiter = Limiter(client_key, app=app)
    limiter.request_filter(is_exempt)
{%- if cookiecutter.auth == "jwt" %}
    login = limiter.limit(app.config["RATELIMIT_LOGIN"], key_func=get_remote_address)
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, "login_limit", False):
            limited: Callable[..., Any] = login(view)
            app.view_functions[endpoint] = limited
{%- endif %}


def check_settings(config: dict) -> None:
    """One line naming the variable, its value and the rule, for a bad setting."""
    _check_limits("RATELIMIT_DEFAULT", config["RATELIMIT_APPLICATION"])
{%- if cookiecutter.auth == "jwt" %}
    _check_limits("RATELIMIT_LOGIN", config["RATELIMIT_LOGIN"])
{%- endif %}
    try:
        storage_from_string(config["RATELIMIT_STORAGE_URI"])
    except ConfigurationError:
        # Not echoed: the URI may hold a password.
        raise SettingsError(
{%- if cookiecutter.cache_backend == "redis" %}
            "RATELIMIT_STORAGE_URI must be a storage URI such as memory:// "
            "or redis://host:6379/0"
{%- else %}
            "RATELIMIT_STORAGE_URI must be a Flask-Limiter storage URI such as "
            "memory://"
{%- endif %}
        ) from None


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
    # The peer's address, or the client's as the trusted proxies say it.
    return f"address:{get_remote_address()}"


def is_exempt() -> bool:
    # OPTIONS (preflights) costs nothing and carries no credential; a refused
    # preflight would hide the real request's 429 from the browser.
    return request.method == "OPTIONS" or request.blueprint in EXEMPT_BLUEPRINTS
{%- if cookiecutter.auth == "jwt" %}


def login_limit(view: F) -> F:
    """Give a view the stricter ``RATELIMIT_LOGIN``, per address, instead."""
    view.login_limit = True  # type: ignore[attr-defined]
    return view
{%- endif %}


def add_headers(response: Response) -> Response:
    """What is left of the request's limit; when to retry, on a 429.

    Flask-Limiter's own headers would also put ``Retry-After`` on every
    answer, and raise a 503's to the end of the rate-limit window.
    """
    # RATELIMIT_ENABLED=False (in tests, say): Flask-Limiter registers nothing.
    limiters = current_app.extensions.get("limiter")
    if not limiters:
        return response
    (limiter,) = limiters
    limit = limiter.current_limit
    if limit is None:
        return response
    try:
        reset_time, remaining = limit.window
    except Exception:
        # The storage went down after the check: the answer goes out as it is.
        current_app.logger.warning("Rate limit headers skipped", exc_info=True)
        return response
    response.headers[LIMIT_HEADER] = str(limit.limit.amount)
    response.headers[REMAINING_HEADER] = str(remaining)
    response.headers[RESET_HEADER] = str(math.ceil(reset_time))
    if response.status_code == 429:
        wait = math.ceil(reset_time - time.time())
        response.headers["Retry-After"] = str(max(1, wait))
    return response
