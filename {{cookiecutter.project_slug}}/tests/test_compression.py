"""Compression: negotiated from Accept-Encoding, only where it pays."""

import gzip

import brotli
import pytest

from {{ cookiecutter.package_name }}.compression import RecentBodies

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
    plain_etag = client.get(ITEMS).headers["ETag"]
    first = client.get(ITEMS, headers=headers)
    _, weak = first.get_etag()

    revalidation = {**headers, "If-None-Match": first.headers["ETag"]}
    again = client.get(ITEMS, headers=revalidation)

    assert not weak
    assert first.headers["ETag"] != plain_etag
    assert again.status_code == 304
    assert again.data == b""


@pytest.fixture
def long_names(client):
    """A page just big enough to compress, made with few writes."""
    for number in range(4):
        client.post("/api/v1/items", json={"name": f"{number} " + "long name " * 19})
    return client.get(ITEMS).get_json()


def test_a_body_read_again_is_compressed_once(app, client, long_names):
    first = client.get(ITEMS, headers={"Accept-Encoding": "gzip"})
    again = client.get(ITEMS, headers={"Accept-Encoding": "gzip"})

    kept = app.extensions["compress"].cache
    assert again.data == first.data
    assert kept.get(f"gzip;{first.get_etag()[0].removesuffix(':gzip')}") == first.data


def test_a_changed_body_is_never_answered_from_the_kept_one(client, long_names):
    headers = {"Accept-Encoding": "zstd"}
    client.get(ITEMS, headers=headers)

    client.post("/api/v1/items", json={"name": "newest"})
    after = client.get(ITEMS, headers=headers)

    decoded = client.application.json.loads(DECODERS["zstd"](after.data))
    assert decoded["total"] == long_names["total"] + 1


def test_bodies_without_a_strong_etag_are_not_kept(app, client):
    created = client.post(
        "/api/v1/items",
        json={"name": "x" * 200},
        headers={"Accept-Encoding": "gzip"},
    )

    assert created.status_code == 201
    assert app.extensions["compress"].cache.get("gzip;") is None


def test_an_answer_without_etag_never_gets_another_requests_body(app, long_names):
    headers = {"Accept-Encoding": "gzip"}
    sent = {"note": "echo " * 200}
    client = app.test_client()
    # One app context for both requests: state kept in ``g`` would leak.
    with app.app_context():
        client.get(ITEMS, headers=headers)
        echoed = client.post("/api/v1/echo", json=sent, headers=headers)

    assert echoed.headers["Content-Encoding"] == "gzip"
    assert app.json.loads(gzip.decompress(echoed.data)) == sent


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
    # Flask-Compress re-evaluates conditions after compressing: Werkzeug then
    # set 412 on the compressed JSON itself, which no error handler saw.
    headers = {"Accept-Encoding": "gzip", "If-Match": '"not-this"'}
    response = client.get(ITEMS, headers=headers)

    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["status"] == 412
