"""The database: SQLAlchemy 2 through Flask-SQLAlchemy, one session per request.

``DATABASE_URL`` names it. Flask-SQLAlchemy opens a session on first use in a
request and closes it when the request ends, returning its connection to the
engine's pool. The schema comes from the migrations in ``migrations/``
(``flask --app {{ cookiecutter.package_name }} db upgrade``), never from the
app itself.
"""

from __future__ import annotations

from pathlib import Path
{%- if cookiecutter.database == "sqlite" %}
from typing import Any
{%- endif %}

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
{%- if cookiecutter.database == "sqlite" %}
from sqlalchemy import MetaData, event
{%- else %}
from sqlalchemy import MetaData
{%- endif %}
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase

from . import revisions
from .settings import SettingsError

MIGRATIONS = Path(__file__).parent / "migrations"
{%- if cookiecutter.database == "sqlite" %}


# Every constraint gets a name (items_pkey, items_location_id_fkey...), so that
# a later migration can drop or alter it: batch mode, which rebuilds a table,
# finds constraints by name.
{%- else %}


# Every constraint gets a name, so that a later migration can drop or alter it.
# The names are PostgreSQL's own (items_pkey, users_username_key...): databases
# migrated before constraints were named already have them.
{%- endif %}
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "ix": "ix_%(column_0_N_label)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A request's objects keep their values after a commit: the answer is made
# from them without reading the row again (each request has its own session).
db = SQLAlchemy(model_class=Model, session_options={"expire_on_commit": False})
{%- if cookiecutter.database == "sqlite" %}
# SQLite alters a table by copying it: Alembic's batch mode writes that for you.
migrate = Migrate(directory=str(MIGRATIONS), render_as_batch=True)
{%- else %}
migrate = Migrate(directory=str(MIGRATIONS))
{%- endif %}


def init_app(app: Flask) -> None:
{%- if cookiecutter.database == "sqlite" %}
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        default = Path(app.instance_path) / "app.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{default}"
{%- endif %}
    db.init_app(app)
    # Runs before Flask-SQLAlchemy's own teardown (the reverse of registration).
    app.teardown_appcontext(end_session)
    migrate.init_app(app, db)
    with app.app_context():
{%- if cookiecutter.database == "sqlite" %}
        event.listen(db.engine, "connect", _configure_connection)
{%- endif %}
        check_connection(app)


def end_session(_error: BaseException | None = None) -> None:
    """Close the request's session, whatever state its connection is in.

    A connection the server dropped (a restart, a failover) makes the rollback
    of closing raise; in a teardown that would escape every error handler and
    turn an answered request into a bare 500. The pool replaces the connection.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        current_app.logger.warning("Closing a database session failed: %s", reason)
        db.session.registry.clear()


def check_connection(app: Flask) -> None:
    """Stop start-up with one line when the database cannot be reached.

    A database behind the code gets one line too, a warning: start-up goes on,
    so that ``flask db upgrade`` itself can run, and a server started before
    its release's migration finishes becomes ready (see ``api/health.py``) as
    soon as it does, instead of exiting and being restarted in a loop.

    The connection is closed again at once: under gunicorn this runs before
    the workers are forked, and a worker must not inherit it.
    """
    try:
        with db.engine.connect() as connection:
            if behind := revisions.behind(connection):
                app.logger.warning("database %s", behind)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise SettingsError(
            f"DATABASE_URL: cannot connect to {db.engine.url!r}: {reason}"
        ) from None
    finally:
        db.engine.dispose()
{%- if cookiecutter.database == "sqlite" %}


def _configure_connection(connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one worker writes; the busy timeout (see
    # settings.py) makes a second writer wait instead of failing at once.
    connection.execute("PRAGMA journal_mode=WAL")
    # SQLite checks foreign keys (and runs ON DELETE actions) only on the
    # connections that ask.
    connection.execute("PRAGMA foreign_keys=ON")
{%- endif %}
