"""The migrations build the schema the models describe, up and down.

A migration that fails leaves the database where it was, foreign keys hold on
every database, and ``flask db migrate`` writes the next revision in the
project's style.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, IntegrityError

from {{ cookiecutter.package_name }}.db import MIGRATIONS, db

PROJECT = Path(__file__).parents[1]
NEWEST = str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


@pytest.fixture
def empty_app(make_app, empty_database_url):
    return make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)


@pytest.fixture
def migrations(tmp_path) -> Path:
    """A copy of the migrations to add to, under the project's ruff settings."""
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    return Path(shutil.copytree(MIGRATIONS, tmp_path / "migrations"))


def tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema(app) -> dict[str, list[str]]:
    with app.app_context():
        inspector = inspect(db.engine)
        return {
            table: [column["name"] for column in inspector.get_columns(table)]
            for table in inspector.get_table_names()
        }


def revision(app) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_empty_to_newest_to_nothing_and_back(empty_app):
    assert tables(empty_app) == set()

    with empty_app.app_context():
        flask_migrate.upgrade()
    assert tables(empty_app) == set(db.metadata.tables)

    with empty_app.app_context():
        flask_migrate.downgrade(revision="base")
    assert tables(empty_app) == set()

    with empty_app.app_context():
        flask_migrate.upgrade()
    assert tables(empty_app) == set(db.metadata.tables)


def test_the_models_and_the_migrations_agree(app):
    # `flask db check`: autogenerate would write nothing (it exits 1 if so).
    with app.app_context():
        flask_migrate.check()


def test_the_check_fails_when_the_database_lacks_what_the_models_describe(
    empty_app,
):
    with empty_app.app_context(), pytest.raises(SystemExit):
        flask_migrate.check()


def test_a_failed_migration_leaves_the_database_at_its_revision(app, migrations):
    # What the growth of a schema looks like: a new table, a new column on an
    # existing one, then a statement that fails.
    (migrations / "versions" / "9999_fails_halfway.py").write_text(
        textwrap.dedent(
            f'''\
            """Fails after its first changes."""

            import sqlalchemy as sa
            from alembic import op

            revision = "9999"
            down_revision = {NEWEST!r}


            def upgrade() -> None:
                op.create_table("half_done", sa.Column("id", sa.Integer))
                with op.batch_alter_table("items") as batch:
                    batch.add_column(sa.Column("note", sa.String(20)))
                op.execute("SELECT no_such_column FROM items")
            '''
        )
    )
    before = schema(app)

    with app.app_context(), pytest.raises(DBAPIError, match="no_such_column"):
        flask_migrate.upgrade(directory=str(migrations))

    assert revision(app) == NEWEST
    assert schema(app) == before


def test_foreign_keys_are_enforced(empty_app):
    tables = sa.MetaData()
    parents = sa.Table("parents", tables, sa.Column("id", sa.Integer, primary_key=True))
    children = sa.Table(
        "children",
        tables,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.ForeignKey("parents.id", ondelete="SET NULL")),
    )
    with empty_app.app_context():
        tables.create_all(db.engine)
        with db.engine.begin() as connection:
            connection.execute(parents.insert().values(id=1))
            connection.execute(children.insert().values(id=1, parent_id=1))
            connection.execute(parents.delete())
            orphan = connection.execute(sa.select(children.c.parent_id)).scalar_one()
        assert orphan is None  # ON DELETE SET NULL ran
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(children.insert().values(id=2, parent_id=404))


@pytest.fixture
def a_new_table(empty_app):
    """A table the models gain, as a project grows (after the app's set-up)."""
    table = sa.Table(
        "notes",
        db.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), unique=True),
        sa.Column("item_id", sa.ForeignKey("items.id", ondelete="CASCADE")),
    )
    yield table
    db.metadata.remove(table)


@pytest.mark.usefixtures("a_new_table")
def test_flask_db_migrate_writes_the_next_number_as_ruff_wants_it(
    empty_app, migrations
):
    app = empty_app
    with app.app_context():
        flask_migrate.upgrade(directory=str(migrations))
        flask_migrate.migrate(directory=str(migrations), message="Add notes")
        number = f"{int(NEWEST) + 1:04d}"
        written = migrations / "versions" / f"{number}_add_notes.py"
        source = written.read_text()
        assert f'revision = "{number}"' in source
        assert "# ###" not in source  # Alembic's banners
        # Every constraint named, so that a later batch migration can alter it.
        for name in ("notes_pkey", "notes_title_key", "notes_item_id_fkey"):
            assert f'op.f("{name}")' in source
        for check in (["check"], ["format", "--check"]):
            ruff = [sys.executable, "-m", "ruff", *check, str(written)]
            subprocess.run(ruff, check=True, cwd=migrations.parent)

        flask_migrate.upgrade(directory=str(migrations))
        assert revision(app) == number
        flask_migrate.downgrade(directory=str(migrations))
        assert revision(app) == NEWEST
