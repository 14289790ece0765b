"""Compression: negotiated from Accept-Encoding, only where it pays."""

import gzip

import brotli
import pytest

from {{ cookiecutter.package_name }}.headers import etag_for

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd  # installed with Flask-Compress before 3.14

ITEMS = "/api/v1/items?limit=500"

DECODERS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": zstd.decompress,
}


@pytest.fixture
def many_items(client):
    for number in range(200):
        response = client.post("/api/v1/items", json={"name": f"item number {number}"})
        assert response.status_code == 201
    return client.get(ITEMS).get_json()


@pytest.mark.parametrize("encoding", DECODERS)
def test_large_json_is_compressed_and_decodes_to_the_same_json(
    client, many_items, encoding
):
    response = client.get(ITEMS, headers={"Accept-Encoding": encoding})

    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(client.get(ITEMS).data) / 5
    decoded = DECODERS[encoding](response.data)
    assert client.application.json.loads(decoded) == many_items


def test_preferred_encoding_is_zstd_then_brotli(client, many_items):
    both = client.get(ITEMS, headers={"Accept-Encoding": "gzip, br, zstd"})
    no_zstd = client.get(ITEMS, headers={"Accept-Encoding": "gzip, br"})

    assert both.headers["Content-Encoding"] == "zstd"
    assert no_zstd.headers["Content-Encoding"] == "br"


def test_no_accept_encoding_gets_identity(client, many_items):
    response = client.get(ITEMS)

    assert "Content-Encoding" not in response.headers
    assert response.get_json() == many_items
    assert "Accept-Encoding" in response.headers["Vary"]


def test_small_answers_are_left_alone(client):
    response = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})

    assert "Content-Encoding" not in response.headers
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("encoding", DECODERS)
def test_each_encoding_has_its_own_strong_etag_and_304(client, many_items, encoding):
    headers = {"Accept-Encoding": encoding}
    plain = client.get(ITEMS)
    first = client.get(ITEMS, headers=headers)

    revalidation = {**headers, "If-None-Match": first.headers["ETag"]}
    again = client.get(ITEMS, headers=revalidation)

    assert first.get_etag() == (f"{etag_for(plain.data)}:{encoding}", False)
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.fixture
def long_names(client):
    """A page just big enough to compress, made with few writes."""
    for number in range(4):
        client.post("/api/v1/items", json={"name": f"{number} " + "long name " * 19})
    return client.get(ITEMS).get_json()


def test_a_failed_if_match_on_a_compressed_answer_is_a_problem(client, long_names):
    # Werkzeug sets 412 without raising, so no error handler sees it.
    headers = {"Accept-Encoding": "gzip", "If-Match": '"not-this"'}
    response = client.get(ITEMS, headers=headers)

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["status"] == 412
