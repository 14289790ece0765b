"""The AJAX demo page at /: served, and everything it links is served too.

The page is a file, sent as it is: its links are relative to it, so they hold
at / and under a prefix (SCRIPT_NAME) alike. What the page does in a browser
is tested by the template's tests/test_demo_browser.py, in real headless
Chromium.
"""

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import pytest

# What each kind of file the page links must be served as.
TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# The header that names the docs page when it is served; demo.js reads it.
DOCS_LINK = re.compile(r'<(?P<url>[^>]*)>; rel="service-doc"')


class Links(HTMLParser):
    """Every URL in an href or src attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [url for name, url in attrs if name in ("href", "src") and url]


@pytest.mark.parametrize("prefix", ["", "/prefix"], ids=["at-root", "under-prefix"])
@pytest.mark.parametrize("docs", [True, False], ids=["docs-on", "docs-off"])
def test_every_link_of_the_page_is_served_by_this_app(make_app, docs, prefix):
    client = make_app(API_DOCS=docs).test_client()
    # The app mounted at the prefix: SCRIPT_NAME is the base URL's path.
    base = f"http://localhost{prefix}"
    page_url = f"{base}/"
    with client.get("/", base_url=base) as page:
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert page.mimetype_params["charset"] == "utf-8"
        parser = Links()
        parser.feed(page.get_data(as_text=True))
    urls = [urljoin(page_url, url) for url in parser.urls]
    # demo.js reads the header with a HEAD of the page.
    with client.head("/", base_url=base) as head:
        docs_link = head.headers.get("Link")
    if docs:
        found = DOCS_LINK.fullmatch(docs_link or "")
        assert found, docs_link
        urls.append(urljoin(page_url, found["url"]))
    else:
        assert docs_link is None

    assert f"{base}/static/demo.js" in urls
    assert f"{base}/static/favicon.svg" in urls
    assert f"{base}/api/v1/openapi.json" in urls
    assert (f"{base}/api/v1/docs" in urls) is docs
    for url in urls:
        assert url.startswith(page_url), url  # same origin, within the app
        with client.get(url.removeprefix(base), base_url=base) as response:
            assert response.status_code == 200, url
            suffix = PurePosixPath(urlsplit(url).path).suffix
            assert response.mimetype == TYPES.get(suffix, "text/html"), url


def test_a_browser_revalidates_the_page(client):
    with client.get("/") as page:
        etag = page.headers["ETag"]
    with client.get("/", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
