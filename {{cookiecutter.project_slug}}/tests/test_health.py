{% if cookiecutter.database == "sqlite" -%}
from pathlib import Path

from {{ cookiecutter.package_name }}.db import db


{% endif -%}
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
