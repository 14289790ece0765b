"""CORS: allowed origins get the headers, on successes and errors alike."""

import pytest

from {{ cookiecutter.package_name }}.settings import from_environment

ALLOWED = "https://app.example.test"
OTHER_ALLOWED = "http://localhost:5173"
DISALLOWED = "https://evil.example.test"
# The first origin answered at generation, on a line of its own (it may be long).
CHOSEN_ORIGIN = "{{ cookiecutter.cors_origins.split(',')[0].strip() }}"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CORS_ORIGINS": [ALLOWED, OTHER_ALLOWED]}


def vary(response) -> str:
    return ", ".join(response.headers.getlist("Vary"))


def test_origins_come_from_a_comma_separated_variable():
    settings = from_environment({"CORS_ORIGINS": f" {ALLOWED} ,{OTHER_ALLOWED},"})

    assert settings["CORS_ORIGINS"] == [ALLOWED, OTHER_ALLOWED]


def test_without_the_variable_the_origin_chosen_at_generation_is_allowed(make_app):
    app = make_app(CORS_ORIGINS=from_environment({})["CORS_ORIGINS"])

    response = app.test_client().get(
        "/api/v1/health", headers={"Origin": CHOSEN_ORIGIN}
    )

    assert response.headers["Access-Control-Allow-Origin"] == CHOSEN_ORIGIN


@pytest.mark.parametrize("origin", [ALLOWED, OTHER_ALLOWED])
def test_allowed_origin_gets_its_origin_back(client, origin):
    response = client.get("/api/v1/health", headers={"Origin": origin})

    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in vary(response)
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_disallowed_origin_gets_no_cors_headers(client):
    response = client.get("/api/v1/health", headers={"Origin": DISALLOWED})

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in vary(response)


def preflight(client, path, method):
    return client.options(
        path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Content-Type",
        },
    )


def allowed_methods(response) -> set[str]:
    return {
        method.strip()
        for method in response.headers["Access-Control-Allow-Methods"].split(",")
    }


def test_preflight_from_allowed_origin_succeeds(client):
    response = preflight(client, "/api/v1/items", "POST")

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert response.headers["Access-Control-Max-Age"] == "7200"
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/items", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("/api/v1/items/1", {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}),
        ("/api/v1/health", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_preflight_lists_only_the_methods_of_its_route(client, path, methods):
    response = preflight(client, path, "GET")

    assert allowed_methods(response) == methods


def test_preflight_for_a_method_the_route_lacks_does_not_list_it(client):
    response = preflight(client, "/api/v1/items", "PUT")

    assert "PUT" not in allowed_methods(response)
    assert client.put("/api/v1/items", json={}).status_code == 405


def test_preflight_from_disallowed_origin_is_not_allowed(client):
    response = client.options(
        "/api/v1/items",
        headers={"Origin": DISALLOWED, "Access-Control-Request-Method": "POST"},
    )

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_single_allowed_origin_still_varies_on_origin(make_app):
    client = make_app(CORS_ORIGINS=[ALLOWED]).test_client()

    response = client.get("/api/v1/health", headers={"Origin": ALLOWED})

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in vary(response)


def test_error_answers_carry_cors_headers(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    headers = {"Origin": ALLOWED}
    bad_json = client.post(
        "/api/v1/echo", data="{", content_type="application/json", headers=headers
    )

    for response in (
        client.get("/api/v1/items/999", headers=headers),
        bad_json,
        client.get("/api/v1/boom", headers=headers),
    ):
        assert response.mimetype == "application/problem+json"
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_browser_code_may_read_the_request_id(client):
    response = client.get("/api/v1/items/999", headers={"Origin": ALLOWED})

    exposed = response.headers["Access-Control-Expose-Headers"].split(",")
    assert "x-request-id" in [name.strip().lower() for name in exposed]
    assert response.headers["X-Request-ID"]


def test_routes_outside_the_api_get_no_cors_headers(client):
    response = client.get("/not-the-api", headers={"Origin": ALLOWED})

    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_request_without_origin_is_not_a_cors_request(client):
    response = client.get("/api/v1/health")

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in vary(response)


def test_vary_is_one_header_naming_origin_once(client):
    response = client.get("/api/v1/health", headers={"Origin": ALLOWED})

    (header,) = response.headers.getlist("Vary")
    assert [value.strip() for value in header.split(",")].count("Origin") == 1
