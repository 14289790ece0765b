"""Flask-Caching for read endpoints; writes invalidate what they make stale.

The backend comes from ``CACHE_TYPE`` (see ``settings.py``). A cache that is
down never fails a request: reads run uncached (Flask-Caching logs the error)
and a failed invalidation is logged as a warning.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_caching import Cache

cache = Cache()


def init_app(app: Flask) -> None:
{%- if cookiecutter.cache_backend == "redis" %}
    # redis-py waits 5 s per attempt by default: a dead Redis would stall every
    # request. Fail fast and answer uncached instead.
    app.config.setdefault(
        "CACHE_OPTIONS", {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
    )
{%- endif %}
    cache.init_app(app)


def invalidate(memoized: Callable[..., object]) -> None:
    """Forget every cached result of ``memoized``, in every process."""
    try:
        cache.delete_memoized(memoized)
    except Exception:
        # Which exception depends on the backend's client library.
        # Entries written before the outage expire after CACHE_DEFAULT_TIMEOUT.
        cache.app.logger.warning("Cache invalidation failed", exc_info=True)
