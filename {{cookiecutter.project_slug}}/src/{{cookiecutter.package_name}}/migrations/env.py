"""Alembic's environment: migrations run on the app's own database.

``flask db ...`` (Flask-Migrate) runs this with the app's context pushed, so
the URL and the models' metadata are the app's.
"""

from typing import Any

from alembic import context
from flask import current_app


def skip_empty_revisions(_context: Any, _revision: Any, directives: list) -> None:
    # `flask db migrate` with no model change writes no empty migration.
    autogenerate = getattr(context.config.cmd_opts, "autogenerate", False)
    if autogenerate and directives[0].upgrade_ops.is_empty():
        directives[:] = []


def run_migrations() -> None:
    if context.is_offline_mode():
        raise SystemExit("Run migrations against the database (no --sql mode).")
    migrate = current_app.extensions["migrate"]
    options: dict[str, Any] = {"process_revision_directives": skip_empty_revisions}
    options.update(migrate.configure_args)
    with migrate.db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=migrate.db.metadata, **options
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
