"""Compression: negotiated from Accept-Encoding, only where it pays."""

import gzip
import sys

import brotli
import flask_compress.flask_compress
import pytest

from {{ cookiecutter.package_name }}.compression import RecentBodies
from {{ cookiecutter.package_name }}.headers import etag_for

if sys.version_info >= (3, 14):
    from compression import zstd
else:
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


@pytest.fixture
def compressions(monkeypatch):
    """How many bodies Flask-Compress has compressed."""
    counted = []
    compress = flask_compress.flask_compress._compress_data

    def counting(*args):
        counted.append(args[-1])
        return compress(*args)

    monkeypatch.setattr(flask_compress.flask_compress, "_compress_data", counting)
    return counted


def test_a_body_read_again_is_compressed_once(client, long_names, compressions):
    headers = {"Accept-Encoding": "gzip"}
    first = client.get(ITEMS, headers=headers)
    again = client.get(ITEMS, headers=headers)

    assert compressions == ["gzip"]
    assert again.data == first.data


def test_a_changed_body_is_compressed_anew(client, long_names):
    headers = {"Accept-Encoding": "zstd"}
    client.get(ITEMS, headers=headers)

    client.post("/api/v1/items", json={"name": "newest"})
    after = client.get(ITEMS, headers=headers)

    decoded = client.application.json.loads(DECODERS["zstd"](after.data))
    assert decoded["total"] == long_names["total"] + 1


def test_bodies_without_a_strong_etag_are_compressed_each_time(client, compressions):
    sent = {"note": "echo " * 200}
    for _ in range(2):
        echoed = client.post(
            "/api/v1/echo", json=sent, headers={"Accept-Encoding": "gzip"}
        )
        assert client.application.json.loads(gzip.decompress(echoed.data)) == sent

    assert compressions == ["gzip", "gzip"]


def test_kept_bodies_stay_within_their_byte_budget():
    kept = RecentBodies(max_bytes=10)
    kept.set("gzip;a", b"12345")
    kept.set("gzip;b", b"67890")
    kept.get("gzip;a")
    kept.set("gzip;c", b"abcde")

    assert kept.get("gzip;a") == b"12345"
    assert kept.get("gzip;b") is None
    assert kept.get("gzip;c") == b"abcde"
    kept.set("gzip;huge", b"x" * 11)
    assert kept.get("gzip;huge") is None


def test_a_failed_if_match_on_a_compressed_answer_is_a_problem(client, long_names):
    # Werkzeug sets 412 without raising, so no error handler sees it.
    headers = {"Accept-Encoding": "gzip", "If-Match": '"not-this"'}
    response = client.get(ITEMS, headers=headers)

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["status"] == 412
