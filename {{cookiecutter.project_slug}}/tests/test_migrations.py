"""The migrations build the schema the models describe, up and down."""

import flask_migrate
import pytest
from sqlalchemy import inspect

from {{ cookiecutter.package_name }}.db import db


@pytest.fixture
def empty_app(make_app, empty_database_url):
    return make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)


def tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


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
