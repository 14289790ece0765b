from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import create_app
{%- if cookiecutter.cache_backend == "redis" %}

# Real redis-server processes for the cache tests: see redis_server.py.
pytest_plugins = ["redis_server"]
{%- endif %}


@pytest.fixture
{%- if cookiecutter.cache_backend == "redis" %}
def app_config(tmp_path, redis_server) -> dict:
{%- else %}
def app_config(tmp_path) -> dict:
{%- endif %}
    """Settings for one test's app; each test gets a fresh database."""
    return {
        "TESTING": True,
        "DATABASE": str(tmp_path / "test.sqlite3"),
{%- if cookiecutter.cache_backend == "redis" %}
        "CACHE_REDIS_URL": redis_server.url,
        # One namespace per test: the Redis server outlives each test's app.
        "CACHE_KEY_PREFIX": f"{tmp_path.name}:",
{%- endif %}
    }


@pytest.fixture
def app(app_config: dict) -> Flask:
    return create_app(app_config)


@pytest.fixture
def make_app(app_config: dict) -> Callable[..., Flask]:
    """Build another app from this test's settings, with some overridden."""

    def make(**overrides: Any) -> Flask:
        return create_app({**app_config, **overrides})

    return make


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client
