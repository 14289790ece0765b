"""Bench-only variants of a baked app; the baked code itself is not changed.

gunicorn loads them as ``variants:<factory>()`` with the baked project's
``src`` on PYTHONPATH, so ``flask_api`` is whichever bake that server runs.
"""

from __future__ import annotations

import time
import warnings

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_api import create_app
from flask_api.api import items
from flask_api.db import get_db

DATABASE_DELAY_SECONDS = 0.020


def standard_json() -> Flask:
    """The baked app with Flask's own JSON provider instead of orjson."""
    app = create_app()
    app.json = DefaultJSONProvider(app)
    return app


def slow_database() -> Flask:
    """The baked app whose item reads cost 20 ms more when they reach SQLite.

    A cache hit never reaches the database, so it skips the delay: this is the
    endpoint that costs 20 ms of the cache goal.
    """
    items.get_db = _slow_get_db
    return create_app()


def slow_database_uncached() -> Flask:
    """The same app with Flask-Caching's NullCache: every read misses."""
    items.get_db = _slow_get_db
    with warnings.catch_warnings():
        # Flask-Caching warns that NullCache caches nothing: that is the point.
        warnings.simplefilter("ignore", UserWarning)
        return create_app({"CACHE_TYPE": "NullCache"})


def _slow_get_db():
    time.sleep(DATABASE_DELAY_SECONDS)
    return get_db()


def uncached() -> Flask:
    """The baked app with Flask-Caching's NullCache: every page read hits SQLite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return create_app({"CACHE_TYPE": "NullCache"})
