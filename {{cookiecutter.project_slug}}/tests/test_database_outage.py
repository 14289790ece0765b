"""A database that goes away: 503 problem documents, then service by itself."""

import pytest

{% if cookiecutter.auth != "none" -%}
import credentials
{% endif -%}
from databases import create_database, migrate

ITEMS = "/api/v1/items"


@pytest.fixture
def outage_app(make_app, own_postgres_server):
    url = create_database(own_postgres_server.url, "outage")
    migrate(url)
{%- if cookiecutter.auth != "none" %}
    credentials.install(url)
{%- endif %}
    return make_app(SQLALCHEMY_DATABASE_URI=url)


def test_requests_get_503_while_the_database_is_down_then_recover(
    outage_app, own_postgres_server, caplog
):
    client = outage_app.test_client()
    location = client.post(ITEMS, json={"name": "kept"}).headers["Location"]

    own_postgres_server.stop()
    for response in (
        client.get(location),
        client.post(ITEMS, json={"name": "lost"}),
        client.get("/api/v1/health/ready"),
    ):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/health").status_code == 200  # liveness
    assert "Traceback" not in caplog.text

    own_postgres_server.start()
    assert client.get(location).get_json()["name"] == "kept"
    assert client.get("/api/v1/health/ready").status_code == 200
    assert client.post(ITEMS, json={"name": "after"}).status_code == 201


def test_a_503_says_when_to_retry(outage_app, own_postgres_server):
    client = outage_app.test_client()
    own_postgres_server.stop()

    response = client.get(f"{ITEMS}/1")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    detail = response.get_json()["detail"]
    assert detail == "The database is unavailable: retry shortly."
