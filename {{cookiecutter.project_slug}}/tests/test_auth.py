"""Deny by default, tested as an attacker would.

Every attack is sent to every protected operation, found in the app's URL map
(a new route is covered without a change here): each gets its 401 or 403
problem document with the RFC 6750 challenge, and nothing more.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask
{%- if cookiecutter.use_cors %}
from flask.testing import FlaskClient
{%- endif %}
from sqlalchemy.exc import OperationalError

import credentials
from {{ cookiecutter.package_name }} import auth
from {{ cookiecutter.package_name }}.api import RESOURCES
from {{ cookiecutter.package_name }}.auth import current_principal, is_public

CHALLENGE = 'Bearer realm="api"'
INVALID = 'Bearer realm="api", error="invalid_token"'
INSUFFICIENT = 'Bearer realm="api", error="insufficient_scope"'
API_BLUEPRINTS = {blueprint.name for blueprint in RESOURCES}


def protected_operations(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of each operation that needs a credential."""
    operations = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.split(".")[0] not in API_BLUEPRINTS or is_public(view):
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"OPTIONS"}):
            operations.append((method, path))
    return operations


def public_operations(app: Flask) -> list[tuple[str, str]]:
    return [
        (method, re.sub(r"<[^>]+>", "1", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in API_BLUEPRINTS
        and is_public(app.view_functions[rule.endpoint])
        for method in sorted((rule.methods or set()) - {"OPTIONS", "HEAD"})
    ]


def assert_refused(response, status: int, challenge: str) -> None:
    what = f"{response.request.method} {response.request.path}"
    assert response.status_code == status, what
    assert response.mimetype == "application/problem+json", what
    assert response.headers["WWW-Authenticate"] == challenge, what
    if response.request.method != "HEAD":
        problem = response.get_json()
        assert problem["status"] == status, what
        assert set(problem) == {"type", "title", "status", "detail"}, problem


def attack(client, app: Flask, status: int, challenge: str, **request) -> None:
    operations = protected_operations(app)
    assert operations
    for method, path in operations:
        response = client.open(path, method=method, json={"name": "x"}, **request)
        assert_refused(response, status, challenge)


def test_the_api_is_protected_except_what_is_marked_public(app):
    protected = {path for _, path in protected_operations(app)}
    public = {path for _, path in public_operations(app)}

    assert {"/api/v1/items", "/api/v1/items/1", "/api/v1/echo"} <= protected
    assert {"/api/v1/health", "/api/v1/health/ready"} <= public


def test_no_credential_is_asked_for_one(app, anonymous_client):
    attack(anonymous_client, app, 401, CHALLENGE)


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNzd29yZA==", "Digest username=x", "Token abc", "bearerabc"],
    ids=["basic", "digest", "token", "no-space"],
)
def test_another_scheme_is_no_credential(app, anonymous_client, authorization):
    attack(
        anonymous_client, app, 401, CHALLENGE, headers={"Authorization": authorization}
    )


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Bearer wrong-token",
        "Bearer a b",
        "Bearer " + "x" * 5000,
        "Bearer \u00e9\u00e8",
    ],
    ids=["empty", "space", "spaces", "wrong", "two-words", "huge", "latin-1"],
)
def test_a_bad_token_is_invalid(app, anonymous_client, authorization):
    attack(
        anonymous_client, app, 401, INVALID, headers={"Authorization": authorization}
    )


def test_the_scheme_name_is_case_insensitive(app, anonymous_client):
    token = credentials.token(app)

    response = anonymous_client.get(
        "/api/v1/items", headers={"Authorization": f"bEaReR {token}"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["access_token", "token", "key", "auth"])
def test_a_good_token_in_the_query_string_is_not_accepted(app, anonymous_client, name):
    attack(
        anonymous_client,
        app,
        401,
        CHALLENGE,
        query_string={name: credentials.token(app)},
    )


def test_a_good_token_in_a_cookie_is_not_accepted(app, anonymous_client):
    anonymous_client.set_cookie("access_token", credentials.token(app))
    anonymous_client.set_cookie("session", credentials.token(app))

    attack(anonymous_client, app, 401, CHALLENGE)


def test_the_detail_is_the_same_whatever_is_wrong(app, anonymous_client):
    good = credentials.token(app)
    details = {
        anonymous_client.get(
            "/api/v1/items", headers={"Authorization": f"Bearer {token}"}
        ).get_json()["detail"]
        for token in ["wrong", good[:-1], good + "x", good.upper(), "\u00e9"]
    }

    assert len(details) == 1


def test_a_good_token_passes_on_every_operation(app, client):
    for method, path in protected_operations(app):
        response = client.open(path, method=method, json={"name": "x"})
        assert response.status_code not in (401, 403), (method, path)


def test_public_operations_need_no_credential(app, anonymous_client):
    for method, path in public_operations(app):
        if path.startswith("/api/v1/auth/"):
            continue  # they check the credential in their body
        response = anonymous_client.open(path, method=method)
        assert response.status_code == 200, (method, path)


def test_the_document_and_the_docs_page_are_public(anonymous_client):
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        with anonymous_client.get(path) as response:
            assert response.status_code == 200, path


def test_a_preflight_needs_no_credential(app, anonymous_client):
    for _, path in protected_operations(app):
        response = anonymous_client.options(
            path,
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert response.status_code == 200, path


{%- if cookiecutter.use_cors %}


def test_a_cross_origin_call_may_send_its_credential(make_app):
    app = make_app(CORS_ORIGINS=["https://app.example"])
    anonymous = FlaskClient(app, app.response_class)
    origin = {"Origin": "https://app.example"}

    preflight = anonymous.options(
        "/api/v1/items",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    signed = {**origin, **credentials.headers(app)}
    call = anonymous.post("/api/v1/items", json={"name": "x"}, headers=signed)
    refused = anonymous.post("/api/v1/items", json={"name": "x"}, headers=origin)

    assert preflight.status_code == 200
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed.replace(" ", "").split(",")
    assert call.status_code == 201
    # The refusal is readable by the page too: its error callback gets the 401.
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "https://app.example"
{%- endif %}


def test_the_document_declares_the_scheme_and_each_operation_its_answers(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["bearer"]

    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    unauthorized = document["components"]["responses"]["UNAUTHORIZED"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            flask_path = path.replace("{item_id}", "1")
            if (method.upper(), flask_path) in public_operations(app):
                assert operation["security"] == [], (method, path)
            else:
                assert operation["security"] == [{"bearer": []}], (method, path)
                assert "401" in operation["responses"], (method, path)


def test_the_principal_is_known_only_for_a_good_credential(app):
    with app.test_request_context(headers=credentials.headers(app)):
        good = current_principal()
    with app.test_request_context(headers={"Authorization": "Bearer wrong"}):
        wrong = current_principal()
    with app.test_request_context():
        missing = current_principal()

    assert good is not None and re.fullmatch(r"(key|user):\d+", good)
    assert wrong is None
    assert missing is None


def test_while_the_database_is_down_a_credential_gets_a_503(app, monkeypatch):
    def unreachable(token: str) -> None:
        raise OperationalError("SELECT", {}, ConnectionRefusedError("down"))

    monkeypatch.setattr(auth, "authenticate", unreachable)
    with app.test_request_context(headers=credentials.headers(app)):
        principal = current_principal()
    response = app.test_client().get("/api/v1/items")

    assert principal is None
    # Not a 401: the credential may be good; the client should retry.
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"


def test_no_credential_reaches_the_logs(app, anonymous_client, caplog):
    caplog.set_level(logging.DEBUG)
    good = credentials.token(app)
    secrets = [good, "wrong-secret-token-value"]
    for secret in secrets:
        anonymous_client.get(
            "/api/v1/items", headers={"Authorization": f"Bearer {secret}"}
        )
        anonymous_client.post(
            "/api/v1/items", json={"name": "x"}, query_string={"access_token": secret}
        )
    anonymous_client.get("/api/v1/nowhere", headers={"Authorization": f"Bearer {good}"})

    logged = "\n".join(
        json.dumps([record.getMessage(), record.args], default=str)
        for record in caplog.records
    )
    for secret in secrets:
        assert secret not in logged
