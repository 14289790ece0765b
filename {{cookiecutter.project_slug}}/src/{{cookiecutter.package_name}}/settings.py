"""Settings read from the environment (twelve-factor), checked once at start-up.

Every variable is listed in the project's README and ``.env.example``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
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
        "DATABASE": _sqlite_path(environ.get("DATABASE_URL", "")),
        "MAX_CONTENT_LENGTH": _positive_int(
            environ, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH
        ),
        "LOG_LEVEL": environ.get("LOG_LEVEL") or "INFO",
        "API_DOCS": _boolean(environ, "API_DOCS", default=True),
{%- if cookiecutter.use_cors %}
        "CORS_ORIGINS": _split_list(environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS)),
{%- endif %}
{%- if cookiecutter.cache_backend == "simple" %}
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": _positive_int(environ, "CACHE_TIMEOUT", 60),
{%- elif cookiecutter.cache_backend == "redis" %}
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": environ.get("REDIS_URL", "redis://localhost:6379/0"),
        "CACHE_DEFAULT_TIMEOUT": _positive_int(environ, "CACHE_TIMEOUT", 60),
{%- endif %}
    }


def check(app: Flask) -> None:
    """Refuse to start with settings that are unsafe in production."""
    if not (app.debug or app.testing) and not app.config.get("SECRET_KEY"):
        raise SettingsError(
            "SECRET_KEY must be set outside development "
            "(for example: python -c 'import secrets; print(secrets.token_hex())')"
        )


def _sqlite_path(url: str) -> str | None:
    """``sqlite:///relative.db`` or ``sqlite:////absolute.db``; empty means default."""
    if not url:
        return None
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise SettingsError(
            f"DATABASE_URL must look like sqlite:///path/to/file.db, got {url!r}"
        )
    return url[len(prefix) :]


def _boolean(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {environ[name]!r}")


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
