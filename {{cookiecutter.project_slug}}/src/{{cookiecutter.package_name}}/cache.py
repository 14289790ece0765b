"""Flask-Caching for read endpoints, kept true by the writes themselves.

``@cached(Model, ...)`` keeps a ``GET`` view's answer (its body and ETag) under
the view's arguments, the versions of the models' tables and the release.
SQLAlchemy's session events collect the tables each flush writes; after the
commit each gets a new version, one cheap operation per write. So a committed
write makes stale every answer read from its tables, whichever view made it,
in every worker and instance, and no view names what to forget. An answer kept
by another release (other code or migrations) is never served.

The backend comes from ``CACHE_TYPE`` (see ``settings.py``). A cache that is
down never fails a request: reads run uncached and each failure is logged as
a warning.
"""

from __future__ import annotations

import functools
import hashlib
{%- if cookiecutter.cache_backend == "simple" %}
import os
{%- else %}
import uuid
{%- endif %}
from collections.abc import Callable
from pathlib import Path
from typing import Any

{% if cookiecutter.cache_backend == "redis" -%}
import redis
{% endif -%}
from flask import Flask, Response, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import db
from .headers import etag_for

cache = Cache()
# Version keys never expire: a missing one would let an answer kept before a
# write pass as current.
FOREVER = 0


def digest_of(package: Path) -> str:
    """A digest of the code: its Python files, migrations included."""
    sources = sorted(package.rglob("*.py"))
    return hashlib.sha1(b"".join(path.read_bytes() for path in sources)).hexdigest()


# Part of every key: another release's entries are never read.
RELEASE = digest_of(Path(__file__).parent)


def init_app(app: Flask) -> None:
{%- if cookiecutter.cache_backend == "simple" %}
    app.config.setdefault("CACHE_DIR", os.path.join(app.instance_path, "cache"))
    # Beside the entries: Flask-Caching's clear() would delete the versions.
    app.config.setdefault("CACHE_VERSIONS_DIR", app.config["CACHE_DIR"] + "-versions")
    os.makedirs(app.config["CACHE_VERSIONS_DIR"], exist_ok=True)
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
def cached(*models: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Keep a ``GET`` view's 200 answers until a table of ``models`` is written.

    Put it above ``@blp.response``. A hit is sent as kept: never serialised or
    hashed again; errors are never kept.
    """
    tables = [model.__table__.name for model in models]

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        name = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def answer(*args: Any, **kwargs: Any) -> Response:
            arguments = [*map(str, args), *map(str, sorted(kwargs.items()))]
            key = ":".join([RELEASE, name, *arguments])
            versions, entry = _read(tables, key)
            if entry is not None and entry[0] == versions:
                response = current_app.response_class(entry[2], mimetype=entry[1])
                response.set_etag(entry[3])
                return response
            response = view(*args, **kwargs)
            if versions is not None and response.status_code == 200:
                body, etag = response.get_data(), etag_for(response.get_data())
                response.set_etag(etag)
                _keep(key, (versions, response.mimetype, body, etag))
            return response

        return answer

    return decorate


{% if cookiecutter.cache_backend == "simple" -%}
def _read(tables: list[str], key: str) -> tuple[Any, Any]:
    """The tables' versions, and what is kept under ``key``."""
    directory = current_app.config["CACHE_VERSIONS_DIR"]
    try:
        # A version is its file's length: each write appends a byte.
        versions = tuple(_length(os.path.join(directory, table)) for table in tables)
        return versions, cache.get(key)
    except Exception:
        current_app.logger.warning("Cache read failed", exc_info=True)
        return None, None


def _length(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _bump(tables: set[str]) -> None:
    directory = current_app.config["CACHE_VERSIONS_DIR"]
    for table in tables:
        # One append, atomic between the workers of this machine.
        file = os.open(
            os.path.join(directory, table), os.O_WRONLY | os.O_APPEND | os.O_CREAT
        )
        try:
            os.write(file, b".")
        finally:
            os.close(file)
{%- else -%}
def _read(tables: list[str], key: str) -> tuple[Any, Any]:
    """The tables' versions, and what is kept under ``key``: one round trip."""
    version_keys = [f"{__name__}:version:{table}" for table in tables]
    try:
        *versions, entry = cache.get_many(*version_keys, key)
        for index, version in enumerate(versions):
            if version is None:
                versions[index] = uuid.uuid4().hex
                # Another process may set one first: then keep nothing now.
                if not cache.add(version_keys[index], versions[index], FOREVER):
                    return None, None
    except Exception:
        # Which exception depends on the backend's client library.
        current_app.logger.warning("Cache read failed", exc_info=True)
        return None, None
    return tuple(versions), entry


def _bump(tables: set[str]) -> None:
    # A random version rather than a counter: a version key evicted and made
    # again can never repeat an older value.
    versions = {f"{__name__}:version:{table}": uuid.uuid4().hex for table in tables}
    cache.set_many(versions, timeout=FOREVER)
{%- endif %}


def _keep(key: str, entry: tuple[Any, ...]) -> None:
    try:
        cache.set(key, entry)
    except Exception:
        current_app.logger.warning("Cache write failed", exc_info=True)


@event.listens_for(Session, "after_flush")
def _collect_written_tables(session: Session, _context: Any) -> None:
    written = session.info.setdefault("written_tables", set())
    for row in (*session.new, *session.dirty, *session.deleted):
        written.add(row.__table__.name)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement_tables(state: Any) -> None:
    # An INSERT, UPDATE or DELETE statement run through the session.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info.setdefault("written_tables", set()).add(
            state.statement.table.name
        )


@event.listens_for(Session, "after_soft_rollback")
def _forget_written_tables(session: Session, _previous: Any) -> None:
    session.info.pop("written_tables", None)


@event.listens_for(Session, "after_commit")
def _bump_written_tables(session: Session) -> None:
    written = session.info.pop("written_tables", None)
    if not written or not has_app_context() or "cache" not in current_app.extensions:
        return
    # A row's delete or key change may change rows that refer to it (ON DELETE
    # SET NULL or CASCADE) without the session seeing them.
    for table in db.metadata.tables.values():
        for key in table.foreign_keys:
            if key.column.table.name in written and (key.ondelete or key.onupdate):
                written.add(table.name)
    try:
        _bump(written)
    except Exception:
        # Entries kept before the outage expire after CACHE_DEFAULT_TIMEOUT.
        current_app.logger.warning("Cache invalidation failed", exc_info=True)
