"""Named tasks for every quality gate: ``nox`` runs the default set.

``nox -s lint``, ``nox -s types``, ``nox -s tests``, ``nox -s coverage`` and
``nox -s migrations`` are the checks CI and pre-commit run too, so a gate is the
same on a laptop and in CI. ``nox -s fix`` rewrites what ruff can fix.

Each session runs in the environment nox runs in (``venv_backend="none"``):
the project's own, with ``pip install -e '.[dev]'`` or ``uv sync --extra dev``,
so the tools are the versions your editor and pre-commit use, nothing is
installed per session, and no network is needed. Run ``nox`` with that
environment active, or as ``uv run nox``.
"""

from __future__ import annotations

{% if cookiecutter.database == "postgresql" -%}
import os
import sys
{% endif -%}
from pathlib import Path

import nox

PACKAGE = "{{ cookiecutter.package_name }}"

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "types", "coverage", "migrations"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: the lint rules and the format, checked (``nox -s fix`` applies)."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=False)
def fix(session: nox.Session) -> None:
    """Apply ruff's fixes and format: what ``nox -s lint`` asks for.

    An error ruff cannot fix does not stop the formatting: the last check
    lists what is left to fix by hand.
    """
    session.run("ruff", "check", "--fix", "--silent", ".", success_codes=[0, 1])
    session.run("ruff", "format", ".")
    session.run("ruff", "check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy over src, tests and this file (settings in pyproject.toml)."""
    session.run("mypy", *session.posargs)


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """The test suite; arguments go to pytest: ``nox -s tests -- -k items``."""
    session.run("pytest", *session.posargs)


@nox.session
def coverage(session: nox.Session) -> None:
    """The test suite under coverage, failing below pyproject's fail_under."""
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "report")


@nox.session
def migrations(session: nox.Session) -> None:
    """``flask db upgrade`` then ``flask db check`` on a scratch database.

    The check fails when a model changed without a migration: write one with
    ``flask --app {{ cookiecutter.package_name }} db migrate -m "..."``.
    """
{%- if cookiecutter.database == "sqlite" %}
    database = Path(session.create_tmp()).resolve() / "migrations-check.sqlite3"
    database.unlink(missing_ok=True)
    _check_migrations(session, f"sqlite:///{database}")
{%- else %}
    # A throw-away PostgreSQL server, started as the tests start theirs
    # (TEST_DATABASE_URL names one to use instead).
    sys.path.insert(0, str(Path("tests").resolve()))
    from databases import create_database, drop_database
    from postgres_server import PostgresServer

    server = None
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        server = PostgresServer()
        server.start()
        server_url = server.url
    name = "migrations_check"
    try:
        drop_database(server_url, name)
        _check_migrations(session, create_database(server_url, name))
    finally:
        drop_database(server_url, name)
        if server is not None:
            server.remove()
{%- endif %}


def _check_migrations(session: nox.Session, url: str) -> None:
    env = {
        "DATABASE_URL": url,
        # The CLI builds the production app, which wants a key.
        "SECRET_KEY": "nox-migrations-check-of-32-characters",
    }
    for command in ("upgrade", "check"):
        session.run("flask", "--app", PACKAGE, "db", command, env=env)
