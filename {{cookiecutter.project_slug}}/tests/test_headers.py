"""Uniform headers on every answer, strong ETags and 304 Not Modified."""

import pytest

ITEMS = "/api/v1/items"


@pytest.mark.parametrize("path", ["/api/v1/health", ITEMS, "/missing"])
def test_uniform_headers_on_every_answer(client, path):
    response = client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"


def test_get_carries_a_strong_etag(client):
    response = client.get(ITEMS)

    etag, weak = response.get_etag()
    assert etag
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
