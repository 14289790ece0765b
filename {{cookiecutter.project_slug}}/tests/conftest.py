from __future__ import annotations

{% if cookiecutter.database == "sqlite" -%}
import shutil
{% else -%}
import uuid
{% endif -%}
from collections.abc import Callable, Iterator
{%- if cookiecutter.database == "sqlite" %}
from pathlib import Path
{%- endif %}
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

{% if cookiecutter.auth != "none" -%}
import credentials
{% endif -%}
{% if cookiecutter.database == "sqlite" -%}
from databases import migrate
{%- else -%}
from databases import create_database, drop_database, empty_tables, migrate
{%- endif %}
from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.db import db

{%- if cookiecutter.database == "postgresql" and cookiecutter.cache_backend == "redis" %}

# Real servers for the tests: see postgres_server.py and redis_server.py.
pytest_plugins = ["postgres_server", "redis_server"]
{%- elif cookiecutter.database == "postgresql" %}

# A real PostgreSQL server for the tests: see postgres_server.py.
pytest_plugins = ["postgres_server"]
{%- elif cookiecutter.cache_backend == "redis" %}

# Real redis-server processes for the cache tests: see redis_server.py.
pytest_plugins = ["redis_server"]
{%- endif %}
{%- if cookiecutter.database == "sqlite" %}


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A database file at the newest migration, copied for each test."""
    path = tmp_path_factory.mktemp("migrated") / "app.sqlite3"
    migrate(f"sqlite:///{path}")
{%- if cookiecutter.auth != "none" %}
    credentials.install(f"sqlite:///{path}")
{%- endif %}
    return path


@pytest.fixture
def database_url(tmp_path, migrated_database) -> str:
    """A fresh database for one test, at the newest migration."""
    path = tmp_path / "test.sqlite3"
    shutil.copy(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
{%- else %}


@pytest.fixture(scope="session")
def migrated_database(postgres_url) -> Iterator[str]:
    """A database at the newest migration, emptied for each test."""
    name = f"migrated_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_url, name)
    migrate(url)
    yield url
    drop_database(postgres_url, name)


@pytest.fixture
def database_url(migrated_database) -> str:
    """The test database with every table empty and ids starting at 1 again."""
    empty_tables(migrated_database)
{%- if cookiecutter.auth != "none" %}
    credentials.install(migrated_database)
{%- endif %}
    return migrated_database


@pytest.fixture
def empty_database_url(postgres_url) -> Iterator[str]:
    name = f"empty_{uuid.uuid4().hex[:12]}"
    yield create_database(postgres_url, name)
    drop_database(postgres_url, name)
{%- endif %}


@pytest.fixture
{%- if cookiecutter.cache_backend == "redis" %}
def app_config(request, tmp_path, database_url) -> dict:
{%- else %}
def app_config(tmp_path, database_url) -> dict:
{%- endif %}
    """Settings for one test's app; each test gets a fresh database."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
{%- if cookiecutter.cache_backend == "simple" %}
        "CACHE_DIR": str(tmp_path / "cache"),
{%- endif %}
{%- if cookiecutter.use_rate_limit %}
        # Tests of other concerns make thousands of requests from one address:
        # test_ratelimit.py sets the limits it tests.
        "RATELIMIT_APPLICATION": "1000000 per minute",
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
        # test_login_limits.py sets the limits it tests.
        "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute",
        "LOGIN_LIMIT_PER_USERNAME": "1000000 per minute",
        "LOGIN_LIMIT_STORAGE_URI": "memory://",
{%- endif %}
    }
{%- if cookiecutter.cache_backend == "redis" %}
    # Only a test that asks for the Redis server (an argument, or
    # pytest.mark.usefixtures) needs one: the others run on a cache in process.
    if "redis_server" in request.fixturenames:
        url = request.getfixturevalue("redis_server").url
        # One namespace per test: the Redis server outlives each test's app.
        config.update(CACHE_REDIS_URL=url, CACHE_KEY_PREFIX=f"{tmp_path.name}:")
{%- if cookiecutter.use_rate_limit %}
        config["RATELIMIT_STORAGE_URI"] = url
        config["RATELIMIT_KEY_PREFIX"] = f"{tmp_path.name}:"
{%- endif %}
    else:
        # Without the Redis client's options (cache.py sets them by default).
        config.update(CACHE_TYPE="SimpleCache", CACHE_OPTIONS={})
{%- if cookiecutter.use_rate_limit %}
        config["RATELIMIT_STORAGE_URI"] = "memory://"
{%- endif %}
{%- endif %}
    return config


@pytest.fixture
def make_app(app_config: dict) -> Iterator[Callable[..., Flask]]:
    """Build an app from this test's settings, with some overridden."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app({**app_config, **overrides})
{%- if cookiecutter.auth != "none" %}
        # Its test_client() sends the suite's credential; see anonymous_client.
        app.test_client_class = credentials.AuthenticatedClient
{%- endif %}
        apps.append(app)
        return app

    yield make
    # Pooled connections are closed before the test's database goes.
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def reset_data(app: Flask) -> Callable[[], None]:
    """Empty the tables the fixtures left empty (every resource's), ids from 1
    again, and the cache: the suite's credentials stay."""
    with app.app_context():
        empty = [
            table
            for table in db.metadata.sorted_tables
            if db.session.execute(select(table).limit(1)).first() is None
        ]

    def reset() -> None:
        with app.app_context():
            db.metadata.drop_all(db.engine, tables=empty)
            db.metadata.create_all(db.engine, tables=empty)
        for cache in app.extensions.get("cache", {}).values():
            cache.clear()

    return reset


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client
{%- if cookiecutter.auth != "none" %}


@pytest.fixture
def anonymous_client(app: Flask) -> FlaskClient:
    """A client sending no credential."""
    return FlaskClient(app, app.response_class, use_cookies=True)
{%- endif %}
