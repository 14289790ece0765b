"""Settings read from the environment (twelve-factor), checked once at start-up.

Every variable is listed in the project's README and ``.env.example``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
{%- if cookiecutter.database == "sqlite" %}
DATABASE_DRIVER = "sqlite"
DATABASE_URL_FORM = "sqlite:///relative/path.db or sqlite:////absolute/path.db"
# A writer waits this long for another worker's write to finish.
SQLITE_BUSY_TIMEOUT_SECONDS = 5
{%- else %}
DATABASE_DRIVER = "postgresql+psycopg"
DATABASE_URL_FORM = "postgresql+psycopg://user:password@host:5432/dbname"
{%- endif %}
{%- if cookiecutter.use_cors %}
# The origins answered when the project was generated; CORS_ORIGINS overrides.
DEFAULT_CORS_ORIGINS = "{{ cookiecutter.cors_origins }}"
{%- endif %}


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Translate environment variables into Flask config keys."""
    return {
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": environ.get("DATABASE_URL") or None,
{%- if cookiecutter.database == "sqlite" %}
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        },
{%- else %}
        "SQLALCHEMY_ENGINE_OPTIONS": {
            # Per worker process: size it so that workers x (size + overflow)
            # stays under the server's max_connections.
            "pool_size": _positive_int(environ, "DATABASE_POOL_SIZE", 5),
            "max_overflow": _positive_int(environ, "DATABASE_MAX_OVERFLOW", 5),
            # A connection the server closed (restart, failover) is replaced
            # before use instead of failing the request.
            "pool_pre_ping": True,
            "pool_timeout": _positive_int(environ, "DATABASE_POOL_TIMEOUT", 5),
            "connect_args": {
                "connect_timeout": _positive_int(environ, "DATABASE_CONNECT_TIMEOUT", 5)
            },
        },
{%- endif %}
        "MAX_CONTENT_LENGTH": _positive_int(
            environ, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH
        ),
        "LOG_LEVEL": environ.get("LOG_LEVEL") or "INFO",
        "API_DOCS": _boolean(environ, "API_DOCS", default=True),
{%- if cookiecutter.use_cors %}
        "CORS_ORIGINS": _split_list(environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS)),
{%- endif %}
{%- if cookiecutter.cache_backend == "simple" %}
        # Files in the instance folder, shared by every worker of this host:
        # a write in one worker invalidates what all of them read.
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DEFAULT_TIMEOUT": _positive_int(environ, "CACHE_TIMEOUT", 60),
{%- elif cookiecutter.cache_backend == "redis" %}
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": environ.get("REDIS_URL", "redis://localhost:6379/0"),
        "CACHE_DEFAULT_TIMEOUT": _positive_int(environ, "CACHE_TIMEOUT", 60),
{%- endif %}
        # Reverse proxies in front of the app whose X-Forwarded-* are believed.
        "TRUSTED_PROXIES": _count(environ, "TRUSTED_PROXIES", 0),
        # Served over HTTPS only: answers carry Strict-Transport-Security.
        "HTTPS": _boolean(environ, "HTTPS", default=False),
    }


def check(app: Flask) -> None:
    """Refuse to start with settings that are unsafe in production."""
    if not (app.debug or app.testing) and not app.config.get("SECRET_KEY"):
        raise SettingsError(
            "SECRET_KEY must be set outside development "
            "(for example: python -c 'import secrets; print(secrets.token_hex())')"
        )
    _check_database_url(app.config.get("SQLALCHEMY_DATABASE_URI"))


def _check_database_url(url: str | None) -> None:
    if url is None:
{%- if cookiecutter.database == "sqlite" %}
        return  # the default: a file in the instance folder
{%- else %}
        raise SettingsError(f"DATABASE_URL must be set, like {DATABASE_URL_FORM}")
{%- endif %}
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: a malformed URL may still hold a password.
        raise SettingsError(
            f"DATABASE_URL is not a database URL; it must look like {DATABASE_URL_FORM}"
        ) from None
    if parsed.drivername != DATABASE_DRIVER or not parsed.database:
        shown = parsed.render_as_string(hide_password=True)
        raise SettingsError(
            f"DATABASE_URL must look like {DATABASE_URL_FORM}, got {shown!r}"
        )


def _boolean(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {environ[name]!r}")


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(f"{name} must be 0 or a positive integer, got {raw!r}")
    return int(raw)


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingsError(f"{name} must be a positive integer, got {raw!r}")
    return value
{%- if cookiecutter.use_cors %}


def _split_list(raw: str) -> list[str]:
    # Flask-CORS takes a comma-separated string as one literal origin.
    return [item.strip() for item in raw.split(",") if item.strip()]
{%- endif %}
