"""Every answer carries an X-Request-ID: the client's when sane, else a new one."""

import re

import pytest

ITEMS = "/api/v1/items"
FRESH_ID = re.compile(r"[0-9a-f]{32}")


def request_id(response) -> str:
    return response.headers["X-Request-ID"]


def test_a_request_without_an_id_gets_a_fresh_one(client):
    first = request_id(client.get("/api/v1/health"))
    second = request_id(client.get("/api/v1/health"))

    assert FRESH_ID.fullmatch(first)
    assert FRESH_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "sent",
    ["abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace.span_01", "x" * 128],
)
def test_a_sane_client_id_is_echoed(client, sent):
    response = client.get("/api/v1/health", headers={"X-Request-ID": sent})

    assert request_id(response) == sent


@pytest.mark.parametrize(
    "sent",
    [
        # Header injection and log forging: CR/LF must never come back.
        "abc\r\nSet-Cookie: session=stolen",
        "abc\nGET /admin HTTP/1.1",
        "x" * 129,
        "has space",
        'quote"d',
        "caf\u00e9",
        "",
    ],
)
def test_anything_else_is_replaced_not_echoed(client, sent):
    # Sent through the WSGI environ: the test client refuses CR/LF in
    # headers, a broken proxy or a raw socket would not.
    response = client.get(
        "/api/v1/health", environ_overrides={"HTTP_X_REQUEST_ID": sent}
    )

    assert FRESH_ID.fullmatch(request_id(response))
    assert "Set-Cookie" not in response.headers


def test_errors_carry_the_id(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    headers = {"X-Request-ID": "trace-1"}

    for response in (
        client.get(f"{ITEMS}/999", headers=headers),
        client.post(
            "/api/v1/echo", data="{", content_type="application/json", headers=headers
        ),
        client.delete("/api/v1/health", headers=headers),
        client.get("/api/v1/boom", headers=headers),
    ):
        assert response.status_code >= 400
        assert request_id(response) == "trace-1"


def test_not_modified_carries_the_id(client):
    etag = client.get(ITEMS).headers["ETag"]

    response = client.get(
        ITEMS, headers={"If-None-Match": etag, "X-Request-ID": "trace-304"}
    )

    assert response.status_code == 304
    assert request_id(response) == "trace-304"


def test_the_id_does_not_change_the_etag(client):
    first = client.get(ITEMS, headers={"X-Request-ID": "one"})
    second = client.get(ITEMS, headers={"X-Request-ID": "two"})

    assert first.headers["ETag"] == second.headers["ETag"]
