"""Flask-Caching for read endpoints; writes invalidate what they make stale.

The backend comes from ``CACHE_TYPE`` (see ``settings.py``). A cache that is
down never fails a request: reads run uncached and each failure is logged as
a warning.

``@remembered`` keeps a function's results by its arguments, as Flask-Caching's
``memoize`` does, with one difference that matters for a cache server:
``memoize`` asks the cache twice per read (the function's version, then the
result), while ``remembered`` fetches both at once, so a hit costs one round
trip. Each result is stored with the version it was computed under, and
``invalidate`` sets a new version: older results are never answered again.
"""

from __future__ import annotations

import functools
{%- if cookiecutter.cache_backend == "simple" %}
import os
{%- endif %}
import uuid
from collections.abc import Callable
from typing import Any

{% if cookiecutter.cache_backend == "redis" -%}
import redis
{% endif -%}
from flask import Flask, current_app
from flask_caching import Cache

cache = Cache()
# The version key never expires: a missing one would let a result computed
# before an invalidation pass as current.
FOREVER = 0


def init_app(app: Flask) -> None:
{%- if cookiecutter.cache_backend == "simple" %}
    app.config.setdefault("CACHE_DIR", os.path.join(app.instance_path, "cache"))
{%- else %}
    # redis-py waits 5 s per attempt by default: a dead Redis would stall every
    # request. Fail fast and answer uncached instead.
    app.config.setdefault(
        "CACHE_OPTIONS", {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
    )
{%- endif %}
    cache.init_app(app)
{%- if cookiecutter.cache_backend == "redis" %}
    warn_if_unreachable(app)
{%- endif %}


def is_reachable() -> bool:
    """Whether the cache answers (for the readiness probe)."""
    try:
        cache.get(f"{__name__}:probe")
    except Exception:
        current_app.logger.warning("Cache unreachable", exc_info=True)
        return False
    return True


{% if cookiecutter.cache_backend == "redis" -%}
def warn_if_unreachable(app: Flask) -> None:
    """One warning line at start when Redis does not answer; the app still starts.

    Reads run uncached until Redis is back. The probe's connection is closed
    again: under gunicorn this runs before the workers are forked.
    """
    # Tests that need no Redis server run on an in-process cache (conftest.py).
    client = getattr(app.extensions["cache"][cache], "_write_client", None)
    if client is None:
        return
    try:
        client.ping()
    except redis.RedisError as error:
        reason = " ".join(str(error).split()).rstrip(".") or type(error).__name__
        app.logger.warning(
            "Cache: Redis (REDIS_URL) cannot be reached: %s; serving uncached "
            "until it answers",
            reason,
        )
    finally:
        client.connection_pool.disconnect()


{% endif -%}
# Over memoize: one cache round trip per hit, 1.4x the hits/s (bench/run).
def remembered(function: Callable[..., Any]) -> Callable[..., Any]:
    """Keep ``function``'s results in the cache, by its positional arguments."""
    name = f"{function.__module__}.{function.__qualname__}"
    version_key = _version_key(function)

    @functools.wraps(function)
    def cached(*args: Any) -> Any:
        key = f"{name}:" + ":".join(map(str, args))
        try:
            version, entry = cache.get_many(version_key, key)
        except Exception:
            # Which exception depends on the backend's client library.
            current_app.logger.warning("Cache read failed", exc_info=True)
            return function(*args)
        if version is not None and entry is not None and entry[0] == version:
            return entry[1]
        result = function(*args)
        try:
            if version is None:
                version = uuid.uuid4().hex
                # Another process may set one first: then keep nothing now.
                if not cache.add(version_key, version, timeout=FOREVER):
                    return result
            cache.set(key, (version, result))
        except Exception:
            current_app.logger.warning("Cache write failed", exc_info=True)
        return result

    return cached


def invalidate(function: Callable[..., Any]) -> None:
    """Forget every kept result of a ``@remembered`` function, in every process."""
    try:
        cache.set(_version_key(function), uuid.uuid4().hex, timeout=FOREVER)
    except Exception:
        # Entries written before the outage expire after CACHE_DEFAULT_TIMEOUT.
        current_app.logger.warning("Cache invalidation failed", exc_info=True)


def _version_key(function: Callable[..., Any]) -> str:
    # The same for the function and its @remembered wrapper (functools.wraps).
    return f"{function.__module__}.{function.__qualname__}:version"
