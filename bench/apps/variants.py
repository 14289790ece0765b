"""Bench-only variants of a baked app; the baked code itself is not changed.

gunicorn loads them as ``variants:<factory>(config)`` with the baked project's
``src`` on PYTHONPATH, so ``flask_api`` is whichever bake that server runs;
``config`` overrides its settings as ``create_app``'s does (the bench gives
each server a cache directory of its own this way).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any

from flask import Flask, g, has_app_context
from flask.json.provider import DefaultJSONProvider
from flask_api import create_app
from flask_api import db as baked_db

DATABASE_DELAY_SECONDS = 0.020
Config = Mapping[str, Any] | None


def standard_json(config: Config = None) -> Flask:
    """The baked app with Flask's own JSON provider instead of orjson."""
    app = create_app(config)
    app.json = DefaultJSONProvider(app)
    return app


def slow_database(config: Config = None) -> Flask:
    """The baked app whose item reads cost 20 ms more when they reach the database.

    A cache hit never reaches the database, so it skips the delay: this is the
    endpoint that costs 20 ms of the cache goal.
    """
    return _slowed(lambda: create_app(config))


def slow_database_memoized(config: Config = None) -> Flask:
    """The same app with Flask-Caching's ``memoize`` in place of ``@cached``.

    The library's decorator asks the cache twice per hit (the function's
    version, then the result) where ``@cached`` asks once, and builds its
    key by inspecting the call: the "cache hit: @remembered / memoize" goal says
    whether the hand-written decorator still earns its place (at least 110%).
    Here the page's body and ETag are memoized, forgotten on every commit (as
    ``@cached``'s table versions are bumped), and ``limit``/``offset`` read
    with the view's own schema. Measured 2026-12-02 (``@remembered``, the same
    one-round-trip design) on the 20-item page (load average 8 to 10 from other
    work): in-process, a hit costs 43 against 140 µs, the whole request 365
    against 492 µs; one gunicorn worker each from the bake's gunicorn.conf.py,
    alternating rounds of 3 s, 406 against 266 req/s (142%) and 339 against
    248 (137%) in two runs: the hand-written decorator stays.
    """
    import inspect

    from flask import request
    from flask_api import cache as baked_cache
    from flask_api.api.resource import PageQuery
    from flask_api.headers import etag_for

    app = slow_database(config)
    endpoint = "items.list_items"
    kept = inspect.unwrap(
        app.view_functions[endpoint],
        stop=lambda view: view.__code__.co_filename == baked_cache.__file__,
    )
    respond = kept.__wrapped__  # below @cached: the query and the schema
    query = PageQuery()

    @baked_cache.cache.memoize()
    def page(limit: int, offset: int) -> tuple[str, bytes]:
        body = respond(limit=limit, offset=offset).get_data()
        return etag_for(body), body

    def list_items() -> Any:
        etag, body = page(**query.load(request.args))
        response = app.response_class(body, mimetype="application/json")
        response.set_etag(etag)
        return response

    bump = baked_cache._bump

    def bump_and_forget(tables: set[str]) -> None:
        bump(tables)
        baked_cache.cache.delete_memoized(page)

    app.view_functions[endpoint] = list_items
    baked_cache._bump = bump_and_forget
    return app


def slow_database_uncached(config: Config = None) -> Flask:
    """The same app with Flask-Caching's NullCache: every read misses."""
    return _slowed(lambda: uncached(config))


def uncached(config: Config = None) -> Flask:
    """The baked app with Flask-Caching's NullCache: every page read is a query."""
    with warnings.catch_warnings():
        # Flask-Caching warns that NullCache caches nothing: that is the point.
        warnings.simplefilter("ignore", UserWarning)
        return create_app({**(config or {}), "CACHE_TYPE": "NullCache"})


def _slowed(make_app: Callable[[], Flask]) -> Flask:
    if hasattr(baked_db, "get_db"):
        # A bake from before SQLAlchemy (bench/run --compare-template with an
        # older checkout): its views call get_db() once per request.
        from flask_api.api import items

        get_db = baked_db.get_db

        def slow_get_db():
            time.sleep(DATABASE_DELAY_SECONDS)
            return get_db()

        items.get_db = slow_get_db
        return make_app()
    from sqlalchemy import event

    app = make_app()
    with app.app_context():
        event.listen(baked_db.db.engine, "before_cursor_execute", _delay_item_reads)
    return app


def _delay_item_reads(
    _connection, _cursor, statement: str, _parameters, _context, _executemany
) -> None:
    """Sleep once per request, before its first statement that reads items."""
    if not has_app_context() or "bench_slowed" in g:
        return
    words = statement.split(None, 1)
    if words and words[0].upper() == "SELECT" and "items" in statement:
        g.bench_slowed = True
        time.sleep(DATABASE_DELAY_SECONDS)


def driver_item_reads(config: Config = None) -> Flask:
    """The baked app reading one item through psycopg alone: no SQLAlchemy.

    For a PostgreSQL bake: ``GET /api/v1/items/<id>`` runs the same view, the
    same schema and every layer around them, but ``get_or_404`` is one SELECT
    on a connection from psycopg's own pool (psycopg_pool, at its defaults:
    no check of a connection before use) instead of ``db.session.get``
    through the ORM and SQLAlchemy's pool (with its pre-ping). The difference
    is what SQLAlchemy and the pre-ping cost that read.
    """
    return _driver_item_reads(config, checked=False)


def driver_item_reads_checked(config: Config = None) -> Flask:
    """As ``driver_item_reads``, with a pool that checks each connection before
    use (psycopg_pool's ``check_connection``: one empty query, as the app's
    ``pool_pre_ping`` sends one). The difference is the ORM layer alone: both
    make the same four round trips (check, BEGIN, SELECT, end of transaction).
    """
    return _driver_item_reads(config, checked=True)


def _driver_item_reads(config: Config, *, checked: bool) -> Flask:
    from types import SimpleNamespace

    from flask_api.api import items
    from psycopg_pool import ConnectionPool
    from sqlalchemy.engine import make_url
    from werkzeug.exceptions import NotFound

    app = create_app(config)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    pools: list[ConnectionPool] = []  # opened in the worker, on its first read

    def find_item(item_id: int) -> SimpleNamespace:
        if not pools:
            check = ConnectionPool.check_connection if checked else None
            pools.append(ConnectionPool(conninfo, min_size=1, max_size=5, check=check))
        with pools[0].connection() as connection:
            row = connection.execute(
                "SELECT id, name, quantity, created_at FROM items WHERE id = %s",
                (item_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"There is no item {item_id}.")
        item_id, name, quantity, created_at = row
        # As the model's UTCDateTime reads it: always in UTC.
        created_at = created_at.astimezone(UTC)
        return SimpleNamespace(
            id=item_id, name=name, quantity=quantity, created_at=created_at
        )

    items.get_or_404 = lambda _model, item_id: find_item(item_id)
    return app
