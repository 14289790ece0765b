"""Alembic's environment: migrations run on the app's own database.

``flask db ...`` (Flask-Migrate) runs this with the app's context pushed, so
the URL and the models' metadata are the app's.

Each migration runs in a transaction of its own: one that fails is rolled back
whole and leaves the database at the revision it started from, DDL included.
``flask db migrate`` numbers the revision it writes after the newest one
(``0004_add_locations.py``) and ruff formats it (``alembic.ini``).
"""

from typing import Any

from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app
{%- if cookiecutter.database == "sqlite" %}
from sqlalchemy import Connection, event
{%- endif %}


def house_style(_context: Any, _revision: Any, directives: list) -> None:
    revision = directives[0]
    # `flask db migrate` with no model change writes no empty migration.
    autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
    if autogenerate and revision.upgrade_ops.is_empty():
        directives[:] = []
        return
    scripts = ScriptDirectory.from_config(context.config).walk_revisions()
    numbers = [int(script.revision) for script in scripts if script.revision.isdigit()]
    revision.rev_id = f"{max(numbers, default=0) + 1:04d}"


def run_migrations() -> None:
    if context.is_offline_mode():
        raise SystemExit("Run migrations against the database (no --sql mode).")
    migrate = current_app.extensions["migrate"]
    options: dict[str, Any] = {
        "process_revision_directives": house_style,
        "transaction_per_migration": True,
{%- if cookiecutter.database == "sqlite" %}
        "transactional_ddl": True,
        "on_version_apply": [check_foreign_keys],
{%- endif %}
    }
    options.update(migrate.configure_args)
    with migrate.db.engine.connect() as connection:
{%- if cookiecutter.database == "sqlite" %}
        prepare(connection)
{%- endif %}
        context.configure(
            connection=connection, target_metadata=migrate.db.metadata, **options
        )
{%- if cookiecutter.database == "sqlite" %}
        try:
            with context.begin_transaction():
                context.run_migrations()
        finally:
            # Its settings are for migrations only: never back to the pool.
            connection.invalidate()


def prepare(connection: Connection) -> None:
    """Make SQLite's DDL transactional and rebuilding a table safe.

    pysqlite commits before each DDL statement and begins only before DML: with
    its own handling off and SQLAlchemy emitting BEGIN, a failed migration's
    CREATE and ALTER roll back too (SQLAlchemy's SQLite dialect documentation,
    "Transactional DDL"). Foreign key checks are off meanwhile, as SQLite's
    procedure for rebuilding a table says (batch mode drops the referenced
    table and renames its copy); check_foreign_keys runs after each migration.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.isolation_level = None
    driver.execute("PRAGMA foreign_keys=OFF")
    event.listen(connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))


def check_foreign_keys(ctx: Any, **_: Any) -> None:
    # Inside the migration's transaction: a violation rolls it back.
    violations = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if violations:
        raise RuntimeError(f"Rows violate a foreign key: {violations[:5]}")
{%- else %}
        with context.begin_transaction():
            context.run_migrations()
{%- endif %}


run_migrations()
