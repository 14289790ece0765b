"""Uniform headers on every answer, strong ETags and 304 Not Modified."""

import pytest

from {{ cookiecutter.package_name }}.headers import etag_for
from {{ cookiecutter.package_name }}.settings import from_environment

ITEMS = "/api/v1/items"


@pytest.mark.parametrize("path", ["/api/v1/health", ITEMS, "/missing"])
def test_uniform_headers_on_every_answer(client, path):
    response = client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-cache"


def test_get_carries_the_strong_etag_of_its_body(client):
    response = client.get(ITEMS)

    etag, weak = response.get_etag()
    assert etag == etag_for(response.data)
    assert not weak


def test_if_none_match_gets_304_without_body(client):
    etag = client.get(ITEMS).headers["ETag"]

    response = client.get(ITEMS, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_etag_changes_when_the_data_changes(client):
    etag = client.get(ITEMS).headers["ETag"]
    client.post(ITEMS, json={"name": "new"})

    response = client.get(ITEMS, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert response.get_json()["total"] == 1


def test_writes_and_errors_carry_no_etag(client):
    assert "ETag" not in client.post(ITEMS, json={"name": "x"}).headers
    assert "ETag" not in client.get(f"{ITEMS}/999").headers


def test_answers_without_a_body_declare_no_type(client):
    created = client.post(ITEMS, json={"name": "x"}).get_json()

    deleted = client.delete(f"{ITEMS}/{created['id']}")
    options = client.options(ITEMS)

    assert deleted.status_code == 204
    assert options.status_code == 200
    assert "Content-Type" not in deleted.headers
    assert "Content-Type" not in options.headers
    assert options.allow == {"GET", "HEAD", "OPTIONS", "POST"}


def test_pages_may_load_from_their_own_origin_only(client):
    with client.get("/api/v1/docs") as page:
        policy = page.headers["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    # Swagger UI's icons are data: images; nothing else widens the default.
    assert directives["img-src"] == "'self' data:"
    assert not {"script-src", "style-src", "connect-src"} & set(directives)
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("path", [ITEMS, "/missing", "/api/v1/openapi.json"])
def test_data_may_load_nothing(client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"


def test_no_strict_transport_security_unless_served_over_https(client, make_app):
    assert "Strict-Transport-Security" not in client.get(ITEMS).headers

    secure = make_app(HTTPS=True).test_client()

    for path in (ITEMS, "/missing"):
        assert secure.get(path).headers["Strict-Transport-Security"] == (
            "max-age=63072000"
        )


def test_https_from_the_environment():
    assert from_environment({})["HTTPS"] is False
    assert from_environment({"HTTPS": "true"})["HTTPS"] is True
