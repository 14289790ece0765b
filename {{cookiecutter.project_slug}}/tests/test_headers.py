"""Uniform headers on every answer, strong ETags and 304 Not Modified."""

import pytest

from {{ cookiecutter.package_name }}.headers import etag_for

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
