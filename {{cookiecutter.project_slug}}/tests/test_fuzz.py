"""Hostile input: thousands of generated requests, and what must hold for each.

Whatever arrives (any method, path, header, content type or body), the API
never answers 5xx, every error is a problem document whose ``status`` is the
answer's status, and a rejected request writes nothing to the database.

A quick run by default; ``HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz.py``
sends many more requests, and ``HYPOTHESIS_PROFILE=explore`` new ones each run.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from {{ cookiecutter.package_name }}.db import db

# No deadline: a shared CI machine can be slow at any moment, which is no bug.
# quick and thorough draw the same examples on every run, so a red CI is a
# regression, never bad luck; explore draws new ones each time.
settings.register_profile("quick", max_examples=300, deadline=None, derandomize=True)
settings.register_profile(
    "thorough", max_examples=3000, deadline=None, derandomize=True
)
settings.register_profile("explore", max_examples=3000, deadline=None)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
# Writes commit to disk: fewer of them in the quick run.
WRITES = settings(PROFILE, max_examples=PROFILE.max_examples // 2)
# One app for all examples, as a server keeps running between requests.
SHARED_APP = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
# Beside every route of the app (paths_of): prefixes that are no route.
NOT_ROUTES = ["/api/v1/", "/static/"]
CONTENT_TYPES = [
    "application/json",
    "application/problem+json",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "text/html",
    "",
]
HEADER_NAMES = [
    "Accept",
    "Accept-Encoding",
    "If-None-Match",
    "If-Match",
    "If-Modified-Since",
    "Range",
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Cookie",
    "Authorization",
    "X-Request-ID",
    "X-Forwarded-For",
]

# Header values: printable Latin-1, as HTTP carries them (no CR or LF).
header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
)
{%- if cookiecutter.auth != "none" %}
# What an attacker puts in Authorization: other schemes, broken and forged
# bearers. A request without the header sends the suite's good credential.
authorizations = st.one_of(
    header_values,
    header_values.map(lambda token: f"Bearer {token}"),
    st.sampled_from(
        [
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNzd29yZA==",
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.",
            "Bearer " + "A" * 5000,
        ]
    ),
)
{%- endif %}
big_integers = st.integers(min_value=-(2**70), max_value=2**70)
# Path segments: anything, percent-encoding and ".." included.
segments = st.one_of(
    big_integers.map(str),
    st.text(max_size=20),
    st.sampled_from(["..", "%2e%2e", "%00", "%ff", "0x10", "1e3", " 1", "١٢"]),
)
query_strings = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(
            st.sampled_from(["limit", "offset", "x"]),
            st.one_of(big_integers.map(str), header_values),
        ),
        max_size=3,
    ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=10), children, max_size=5),
    ),
    max_leaves=20,
)
item_like = st.dictionaries(
    st.sampled_from(["name", "quantity", "id", "created_at", "extra"]),
    json_values,
    max_size=4,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    item_like.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\xfd",
            b'{"name": "\xff"}',
            b'{"name": "\\ud800"}',
            b'{"name": "ok", "quantity": 1e400}',
            b'{"name": "ok", "quantity": 123456789012345678901234567890}',
            b'{"name": "ok", "quantity": NaN}',
            b'{"name": "ok", "name": 1}',
            b"[" * 5000 + b"]" * 5000,
            b'{"a":' * 2000 + b"1" + b"}" * 2000,
            b'"just a string"',
        ]
    ),
)


def paths_of(app) -> list[str]:
    """Every route of the app, with 1 for each variable part, and its parent."""
    paths = set(NOT_ROUTES)
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<[^>]*>", "1", rule.rule)
        paths |= {path, path.rsplit("/", 1)[0] + "/"}
    return sorted(paths)


@st.composite
def requests(draw, paths: list[str]) -> dict:
    path = draw(st.sampled_from(paths))
    if draw(st.booleans()):
        # Escaped so that the segment stays in the path.
        path += draw(segments).replace("?", "%3F").replace("#", "%23")
    # A path starting with "//" would be read by the test client as a host.
    path = "/" + path.lstrip("/")
    query = draw(query_strings)
    headers = draw(st.dictionaries(st.sampled_from(HEADER_NAMES), header_values))
{%- if cookiecutter.auth != "none" %}
    if "Authorization" in headers:
        headers["Authorization"] = draw(authorizations)
{%- endif %}
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type:
        headers["Content-Type"] = content_type
    return {
        "method": draw(st.sampled_from(METHODS)),
        "path": path,
        "query_string": query,
        "headers": headers,
        "data": draw(bodies),
    }


def stored_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table."""
    with app.app_context():
        return {
            table.name: [tuple(row) for row in db.session.execute(select(table))]
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def seeded(app, client):
    for name in ("first", "second"):
        assert client.post("/api/v1/items", json={"name": name}).status_code == 201
    return app


def check_answer(response, method: str) -> None:
    assert response.status_code < 500, response.get_data()[:500]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", response.headers
    if response.status_code == 401:
        # RFC 9110: a 401 says which credential it wants.
        assert "WWW-Authenticate" in response.headers
        if method != "HEAD":
            problem = json.loads(response.get_data())
            assert problem["status"] == response.status_code, problem


@settings(PROFILE, suppress_health_check=SHARED_APP)
@given(data=st.data())
def test_no_request_gets_a_5xx_or_a_non_problem_error(seeded, client, data):
    request = data.draw(requests(paths_of(seeded)))
    before = stored_rows(seeded)

    with client.open(
        request["path"],
        method=request["method"],
        query_string=request["query_string"],
        headers=request["headers"],
        data=request["data"],
    ) as response:
        check_answer(response, request["method"])

    if not 200 <= response.status_code < 300:
        assert stored_rows(seeded) == before


@settings(WRITES, suppress_health_check=SHARED_APP)
@given(body=st.one_of(item_like, json_values))
def test_json_of_any_shape_is_stored_only_when_valid(seeded, client, body):
    before = stored_rows(seeded)

    response = client.post(
        "/api/v1/items", data=json.dumps(body), content_type="application/json"
    )

    check_answer(response, "POST")
    after = stored_rows(seeded)
    if response.status_code == 201:
        assert len(after["items"]) == len(before["items"]) + 1
        assert after["items"][-1][1] == body["name"].strip()
    else:
        assert response.status_code == 422
        assert after == before
