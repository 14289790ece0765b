"""The AJAX demo page at /: served, and everything it links is served too.

What the page does in a browser is tested by the template's
tests/test_demo_browser.py, in real headless Chromium.
"""

from html.parser import HTMLParser

import pytest

# What each kind of file the page links must be served as.
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


class Links(HTMLParser):
    """Every URL in an href or src attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [url for name, url in attrs if name in ("href", "src") and url]


def links(client) -> list[str]:
    with client.get("/") as page:
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert page.mimetype_params["charset"] == "utf-8"
        parser = Links()
        parser.feed(page.get_data(as_text=True))
    return parser.urls


@pytest.mark.parametrize("docs", [True, False], ids=["docs-on", "docs-off"])
def test_every_link_of_the_page_is_served_by_this_app(make_app, docs):
    client = make_app(API_DOCS=docs).test_client()
    urls = links(client)

    assert "/static/demo.js" in urls
    assert "/static/favicon.svg" in urls
    assert "/api/v1/openapi.json" in urls
    assert ("/api/v1/docs" in urls) is docs
    for url in urls:
        assert url.startswith("/"), url  # same origin
        with client.get(url) as response:
            assert response.status_code == 200, url
            suffix = url[url.rfind(".") :]
            expected = TYPES.get(suffix, "text/html")
            assert response.mimetype == expected, url
