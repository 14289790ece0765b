import re
{%- if cookiecutter.database == "sqlite" %}
from pathlib import Path
{%- else %}
import uuid
{%- endif %}

import flask_migrate
import pytest

{% if cookiecutter.database == "postgresql" -%}
from databases import create_database, drop_database
{% else -%}
from {{ cookiecutter.package_name }}.db import db
{% endif -%}
from {{ cookiecutter.package_name }}.revisions import NOT_MIGRATED

BEHIND = re.compile(
    r"database at revision none, code needs \w+: "
    r"run flask --app {{ cookiecutter.package_name }} db upgrade\.?"
)


def test_health_answers_ok_as_json(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok"}


def test_head_gets_headers_without_body(client):
    response = client.head("/api/v1/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.data == b""


def test_readiness_checks_what_the_app_needs(client):
    response = client.get("/api/v1/health/ready")

    assert response.status_code == 200
    checks = response.get_json()["checks"]
{%- if cookiecutter.cache_backend != "none" %}
    assert checks == {"database": "ok", "cache": "ok"}
{%- else %}
    assert checks == {"database": "ok"}
{%- endif %}


@pytest.fixture
{%- if cookiecutter.database == "sqlite" %}
def unmigrated_app(make_app, tmp_path):
    """An app on a database no migration has run on."""
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.sqlite3'}")
{%- else %}
def unmigrated_app(make_app, postgres_url):
    """An app on a database no migration has run on."""
    name = f"unmigrated_{uuid.uuid4().hex[:12]}"
    yield make_app(SQLALCHEMY_DATABASE_URI=create_database(postgres_url, name))
    drop_database(postgres_url, name)
{%- endif %}


def test_start_up_says_in_one_line_that_the_database_is_behind(unmigrated_app, caplog):
    said = [record.getMessage() for record in caplog.get_records("setup")]

    assert len([line for line in said if BEHIND.fullmatch(line)]) == 1


def test_start_up_says_nothing_of_revisions_when_migrated(make_app, caplog):
    make_app()

    assert not [r for r in caplog.records if "revision" in r.getMessage()]


def test_readiness_names_the_revision_until_the_migrations_run(unmigrated_app):
    client = unmigrated_app.test_client()

    behind = client.get("/api/v1/health/ready")
    with unmigrated_app.app_context():
        flask_migrate.upgrade()
    migrated = client.get("/api/v1/health/ready")

    assert behind.status_code == 503
    assert behind.mimetype == "application/problem+json"
    assert BEHIND.fullmatch(behind.get_json()["detail"], pos=len("Unavailable: "))
    assert migrated.status_code == 200


def test_data_routes_say_the_database_is_not_migrated_not_retry(unmigrated_app):
    client = unmigrated_app.test_client()

    for response in (
        client.get("/api/v1/items"),
        client.post("/api/v1/items", json={"name": "lost"}),
    ):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == NOT_MIGRATED
        assert "Retry-After" not in response.headers
{%- if cookiecutter.database == "sqlite" %}


def test_readiness_is_503_naming_the_database_when_it_cannot_be_opened(app, client):
    with app.app_context():
        db.engine.dispose()  # no pooled connection keeps the old file open
        database = db.engine.url.database
    assert database is not None
    path = Path(database)
    path.unlink()
    path.mkdir()  # SQLite cannot open a directory

    response = client.get("/api/v1/health/ready")

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "Unavailable: database."
{%- endif %}
