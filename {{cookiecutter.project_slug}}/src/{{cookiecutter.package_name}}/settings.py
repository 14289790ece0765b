"""Settings read from the environment (twelve-factor), checked once at start-up.

Every variable is listed in the project's README and ``.env.example``.
"""

from __future__ import annotations

{% if cookiecutter.auth == "jwt" -%}
import hashlib
import hmac
{% endif -%}
{% if cookiecutter.use_cors -%}
import re
{% endif -%}
{% if cookiecutter.auth == "jwt" -%}
import secrets
{% endif -%}
from collections.abc import Mapping
{%- if cookiecutter.database == "sqlite" %}
from pathlib import Path
{%- endif %}
from typing import Any
{%- if cookiecutter.cache_backend == "redis" %}
from urllib.parse import urlsplit
{%- endif %}

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# .env.example's stand-in for a secret: refused wherever a secret is checked.
PLACEHOLDER = "change-me"
# 32 characters: 16 random bytes as hex, half of what the hint below makes.
SECRET_KEY_MIN_LENGTH = 32
NEW_SECRET_KEY = "python -c 'import secrets; print(secrets.token_hex())'"
{%- if cookiecutter.auth == "jwt" %}
# An access token lasts 15 minutes, a refresh token 14 days.
DEFAULT_ACCESS_TOKEN_SECONDS = 15 * 60
DEFAULT_REFRESH_TOKEN_SECONDS = 14 * 24 * 60 * 60
# HS256 wants a key at least as long as its hash (RFC 7518, section 3.2).
TOKEN_KEY_BYTES = 32
# A login lasts 30 days at most, however often it is refreshed.
DEFAULT_SESSION_SECONDS = 30 * 24 * 60 * 60
# Clock skew allowed between the host that issued a token and this one.
DEFAULT_JWT_LEEWAY_SECONDS = 30
# Tokens name this deployment; set JWT_AUDIENCE apart for each deployment.
DEFAULT_JWT_ISSUER = "{{ cookiecutter.project_slug }}"
# Password guesses per address (an IPv6 /64) and per username.
DEFAULT_LOGIN_RATE_LIMIT = "10 per minute"
DEFAULT_LOGIN_USERNAME_LIMIT = "10 per minute;100 per hour"
{%- endif %}
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
# scheme://host[:port], as a browser sends it in Origin: no path, no slash.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = "(" + _LABEL + r"(\." + _LABEL + r")*|\[[0-9A-Fa-f:.]+\])"
ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://" + _HOST + r"(:[0-9]{1,5})?")
{%- endif %}
{%- if cookiecutter.cache_backend == "redis" %}
REDIS_URL_FORM = "redis://host:6379/0 (or rediss://..., unix:///path/to/redis.sock)"
{%- endif %}
{%- if cookiecutter.use_rate_limit %}
# Requests per client: ten a second on average, bursts allowed.
DEFAULT_RATE_LIMIT = "600 per minute"
{%- endif %}


class SettingsError(click.ClickException, RuntimeError):
    """A setting is missing or malformed; the message names the variable.

    Each entry point shows it as one line: gunicorn prints a ``RuntimeError``
    raised while it loads the app as ``Error: ...``, and Flask's CLI (``flask
    run``, ``flask db upgrade``) a ``ClickException`` the same way.
    """


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
            "pool_size": positive_int(environ, "DATABASE_POOL_SIZE", 5),
            "max_overflow": positive_int(environ, "DATABASE_MAX_OVERFLOW", 5),
            # A connection the server closed (restart, failover) is replaced
            # before use instead of failing the request.
            "pool_pre_ping": True,
            "pool_timeout": positive_int(environ, "DATABASE_POOL_TIMEOUT", 5),
            "connect_args": {
                "connect_timeout": positive_int(environ, "DATABASE_CONNECT_TIMEOUT", 5)
            },
        },
{%- endif %}
        "MAX_CONTENT_LENGTH": positive_int(
            environ, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH
        ),
        "LOG_LEVEL": environ.get("LOG_LEVEL") or "INFO",
        "API_DOCS": _boolean(environ, "API_DOCS", default=True),
{%- if cookiecutter.use_cors %}
        "CORS_ORIGINS": _split_list(environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS)),
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
        # Signs the tokens (HS256); unset, a key derived from SECRET_KEY does.
        "JWT_SECRET_KEY": environ.get("JWT_SECRET_KEY") or None,
        "JWT_ACCESS_TOKEN_EXPIRES": positive_int(
            environ, "JWT_ACCESS_TOKEN_EXPIRES", DEFAULT_ACCESS_TOKEN_SECONDS
        ),
        "JWT_REFRESH_TOKEN_EXPIRES": positive_int(
            environ, "JWT_REFRESH_TOKEN_EXPIRES", DEFAULT_REFRESH_TOKEN_SECONDS
        ),
        "SESSION_LIFETIME": positive_int(
            environ, "SESSION_LIFETIME", DEFAULT_SESSION_SECONDS
        ),
        "JWT_ISSUER": environ.get("JWT_ISSUER") or DEFAULT_JWT_ISSUER,
        "JWT_AUDIENCE": environ.get("JWT_AUDIENCE") or DEFAULT_JWT_ISSUER,
        "JWT_LEEWAY": _count(environ, "JWT_LEEWAY", DEFAULT_JWT_LEEWAY_SECONDS),
        "LOGIN_LIMIT_PER_ADDRESS": environ.get("RATELIMIT_LOGIN")
        or DEFAULT_LOGIN_RATE_LIMIT,
        "LOGIN_LIMIT_PER_USERNAME": environ.get("RATELIMIT_LOGIN_USERNAME")
        or DEFAULT_LOGIN_USERNAME_LIMIT,
        # Where the rate limits count (see login_limits.py).
{%- if cookiecutter.cache_backend == "redis" %}
        "LOGIN_LIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI")
        or environ.get("REDIS_URL", "redis://localhost:6379/0"),
{%- else %}
        "LOGIN_LIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or "memory://",
{%- endif %}
{%- endif %}
{%- if cookiecutter.cache_backend == "simple" %}
        # Files in the instance folder, shared by every worker of this host:
        # a write in one worker invalidates what all of them read.
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DEFAULT_TIMEOUT": positive_int(environ, "CACHE_TIMEOUT", 60),
{%- elif cookiecutter.cache_backend == "redis" %}
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": environ.get("REDIS_URL", "redis://localhost:6379/0"),
        "CACHE_DEFAULT_TIMEOUT": positive_int(environ, "CACHE_TIMEOUT", 60),
{%- endif %}
{%- if cookiecutter.use_rate_limit %}
        # One budget per client for every route (Flask-Limiter's "application"
        # limit; its "default" limits would count each route apart).
        "RATELIMIT_APPLICATION": environ.get("RATELIMIT_DEFAULT") or DEFAULT_RATE_LIMIT,
{%- if cookiecutter.cache_backend == "redis" %}
        # The cache's Redis: every worker and instance shares one count.
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI")
        or environ.get("REDIS_URL", "redis://localhost:6379/0"),
{%- else %}
        # Each worker counts alone in its memory.
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or "memory://",
{%- endif %}
{%- endif %}
        # Reverse proxies in front of the app whose X-Forwarded-* are believed.
        "TRUSTED_PROXIES": _count(environ, "TRUSTED_PROXIES", 0),
        # Served over HTTPS only: answers carry Strict-Transport-Security.
        "HTTPS": _boolean(environ, "HTTPS", default=False),
    }


def check(app: Flask) -> None:
    """Refuse to start with a setting that is malformed or unsafe in production.

    Each message is one line naming the variable, what it holds (never a
    password) and the rule. Development (``flask run --debug``) and tests may
    keep .env.example's placeholders.
    """
    production = not (app.debug or app.testing)
    if production:
        check_secret_key(app.config.get("SECRET_KEY"))
    check_log_level(app.config.get("LOG_LEVEL"))
{%- if cookiecutter.database == "sqlite" %}
    _check_database_url(app.config.get("SQLALCHEMY_DATABASE_URI"), app.instance_path)
{%- else %}
    _check_database_url(app.config.get("SQLALCHEMY_DATABASE_URI"), production)
{%- endif %}
{%- if cookiecutter.use_cors %}
    check_origins(app.config["CORS_ORIGINS"])
{%- endif %}
{%- if cookiecutter.cache_backend == "redis" %}
    check_redis_url(app.config["CACHE_REDIS_URL"])
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
    app.config["JWT_SECRET_KEY"] = token_signing_key(app.config)
{%- endif %}


def check_secret_key(key: str | bytes | None) -> None:
    """A production key: set, not the placeholder, long enough to guess at."""
    if not key:
        raise SettingsError(
            "SECRET_KEY must be set outside development "
            f"(for example: {NEW_SECRET_KEY})"
        )
    if PLACEHOLDER in str(key).lower():
        raise SettingsError(
            f"SECRET_KEY is the placeholder {PLACEHOLDER!r} from .env.example: "
            f"set a random value (for example: {NEW_SECRET_KEY})"
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        # The key itself is never shown, only its length.
        raise SettingsError(
            f"SECRET_KEY is too short ({len(key)} characters): use at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters (for example: {NEW_SECRET_KEY})"
        )

{%- if cookiecutter.auth == "jwt" %}


def token_signing_key(config: Mapping[str, Any]) -> bytes:
    """The HS256 key: JWT_SECRET_KEY, else one derived from SECRET_KEY.

    Derived, so that tokens and Flask's own signatures never share a key. In
    development and tests without either, a random one: tokens then last
    until the process ends.
    """
    own = config.get("JWT_SECRET_KEY")
    if own:
        key = own.encode() if isinstance(own, str) else bytes(own)
        if len(key) < TOKEN_KEY_BYTES or PLACEHOLDER.encode() in key.lower():
            # The key itself is never shown.
            raise SettingsError(
                f"JWT_SECRET_KEY must be at least {TOKEN_KEY_BYTES} random bytes "
                f"(for example: {NEW_SECRET_KEY})"
            )
        return key
    secret = config.get("SECRET_KEY")
    if not secret:
        return secrets.token_bytes(TOKEN_KEY_BYTES)
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, b"jwt-signing-key", hashlib.sha256).digest()
{%- endif %}


def check_log_level(level: Any) -> None:
    if str(level).upper() not in LOG_LEVELS:
        raise SettingsError(
            f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}"
        )
{%- if cookiecutter.use_cors %}


def check_origins(origins: list[str]) -> None:
    for origin in origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"CORS_ORIGINS: {origin!r} is not an origin; each must be "
                "scheme://host[:port] (no path, no trailing slash) or *"
            )
{%- endif %}
{%- if cookiecutter.cache_backend == "redis" %}


def check_redis_url(url: str) -> None:
    if not _is_redis_url(url):
        raise SettingsError(
            f"REDIS_URL must look like {REDIS_URL_FORM}, got {_without_password(url)!r}"
        )


def _is_redis_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    database = parts.path.strip("/")
    return (
        parts.scheme in ("redis", "rediss")
        and bool(parts.hostname)
        and (not database or database.isdigit())
    )


def _without_password(url: str) -> str:
    # Whatever stands before the host may hold a password: it is never shown.
    scheme, separator, rest = url.partition("://")
    if separator and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
{%- endif %}


{% if cookiecutter.database == "sqlite" -%}
def _check_database_url(url: str | None, instance_path: str) -> None:
{%- else -%}
def _check_database_url(url: str | None, production: bool) -> None:
{%- endif %}
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
{%- if cookiecutter.database == "sqlite" %}
    # Flask-SQLAlchemy puts a relative path in the instance folder, and creates
    # that folder; SQLite itself creates no folder.
    folder = (Path(instance_path) / parsed.database).parent
    if folder != Path(instance_path) and not folder.is_dir():
        state = "is a file" if folder.exists() else "does not exist"
        raise SettingsError(
            f"DATABASE_URL {url!r}: {folder} {state}; "
            "the folder of a SQLite file must exist (create it first)"
        )
{%- else %}
    if production and parsed.password == PLACEHOLDER:
        raise SettingsError(
            f"DATABASE_URL has the placeholder password {PLACEHOLDER!r} from "
            ".env.example: set the database's real one"
        )
{%- endif %}


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


def positive_int(
    environ: Mapping[str, str], name: str, default: int, highest: int | None = None
) -> int:
    """The variable's value, or one line naming it and the rule.

    Digits only, 1 or more (up to ``highest``); unset or empty is ``default``.
    gunicorn's own variables are checked by this rule too: in gunicorn.conf.py,
    and by ``python -m {{ cookiecutter.package_name }}`` before gunicorn starts.
    """
    raw = environ.get(name) or str(default)
    value = int(raw) if raw.isascii() and raw.isdigit() else 0
    if value < 1 or (highest is not None and value > highest):
        limit = f"from 1 to {highest}" if highest else "a positive integer"
        raise SettingsError(f"{name} must be {limit}, got {raw!r}")
    return value
{%- if cookiecutter.use_cors %}


def _split_list(raw: str) -> list[str]:
    # Flask-CORS takes a comma-separated string as one literal origin.
    return [item.strip() for item in raw.split(",") if item.strip()]
{%- endif %}
