"""The interactive docs page: served, with every file it needs, by the app itself."""

import re

DOCS = "/api/v1/docs"


def docs_page(client) -> str:
    with client.get(DOCS) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        return response.get_data(as_text=True)


def test_the_docs_page_renders_the_openapi_document(client):
    page = docs_page(client)

    assert 'data-spec-url="/api/v1/openapi.json"' in page
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_every_file_the_page_loads_comes_from_this_app(client):
    page = docs_page(client)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)

    assert len(urls) == 4  # favicon, stylesheet, Swagger UI, its set-up
    for url in urls:
        assert url.startswith("/api/v1/docs/"), url
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_swagger_ui_never_calls_the_validator_service(client):
    with client.get(f"{DOCS}/static/docs.js") as response:
        script = response.get_data(as_text=True)

    assert "validatorUrl: null" in script


def test_a_file_outside_swagger_ui_is_404(client):
    response = client.get(f"{DOCS}/swagger-ui/../../__init__.py")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_setting_turns_the_page_off_and_keeps_the_document(make_app):
    client = make_app(API_DOCS=False).test_client()

    assert client.get(DOCS).status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 200
