"""Whether the database's schema is the one this version of the code needs.

The migrations are the schema's history; Alembic records in the database how
far it has come. A database behind the code (never migrated, or not since the
last release) cannot serve a request that touches what is missing, and no
retry helps until someone runs the migrations: start-up says so in one line,
readiness answers 503 with it, and a request that meets a missing table or
column answers a problem document saying it.
"""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, inspect, text

VERSION_TABLE = "alembic_version"
UPGRADE = "flask --app {{ cookiecutter.package_name }} db upgrade"
NOT_MIGRATED = (
    "The database has not been migrated to this version of the app: "
    f"an operator must run `{UPGRADE}`."
)
{%- if cookiecutter.database == "sqlite" %}
# What SQLite says when a table or column is missing.
_MISSING = ("no such table", "no such column", "has no column named")
{%- else %}
# The SQLSTATEs of a missing table and a missing column.
_MISSING = {"42P01", "42703"}  # undefined_table, undefined_column
{%- endif %}


def behind(connection: Connection) -> str | None:
    """``at revision X, code needs Y: run ...`` when the database is behind, else None.

    A database ahead of the code (a newer release migrated it, this one was
    rolled back) is not behind: each migration keeps what older code reads.
    """
    current = _current(connection)
    scripts = _scripts(current_app.extensions["migrate"].directory)
    needed = set(scripts.get_heads())
    known = {revision.revision for revision in scripts.walk_revisions()}
    if current == needed or not current <= known:
        return None
    return (
        f"at revision {', '.join(sorted(current)) or 'none'}, "
        f"code needs {', '.join(sorted(needed))}: run {UPGRADE}"
    )


def missing_schema(error: BaseException) -> bool:
    """Whether a database error is about a table or column that is not there."""
    reason = getattr(error, "orig", None) or error
{%- if cookiecutter.database == "sqlite" %}
    return any(words in str(reason) for words in _MISSING)
{%- else %}
    return getattr(reason, "sqlstate", None) in _MISSING
{%- endif %}


def _current(connection: Connection) -> set[str]:
    # Alembic's table, read directly: its MigrationContext logs two INFO lines
    # each time, and readiness probes ask every few seconds.
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


@cache
def _scripts(directory: str) -> ScriptDirectory:
    return ScriptDirectory(directory)
