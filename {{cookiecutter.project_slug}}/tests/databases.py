"""Test databases: created, migrated and dropped by the fixtures and tests."""

from __future__ import annotations

import flask_migrate
{%- if cookiecutter.database == "postgresql" %}
import psycopg
from sqlalchemy.engine import make_url
{%- endif %}

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.db import db


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest migration."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
{%- if cookiecutter.database == "postgresql" %}


def libpq_url(url: str) -> str:
    """The URL as psycopg itself takes it (no ``+psycopg``)."""
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    return make_url(server_url).set(database=name).render_as_string(False)


def empty_tables(url: str) -> None:
    tables = ", ".join(f'"{table}"' for table in db.metadata.tables)
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY")


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
{%- endif %}
