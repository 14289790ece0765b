"""The AJAX demo page in real headless Chromium, served by gunicorn as in production.

Each button is clicked and the test reads what a person would see: the status,
success or error, the body, the item list, the problem's title. The page lists
the stored items as it opens, creates, updates (with the item's ETag in
If-Match, and shows the 412 when someone changed the item meanwhile) and
deletes; it loads nothing that fails and logs no error of its own. Each request
id the page shows must be in gunicorn's access log. The page is a static file:
it links the docs page only when that is served, and it works as well with the
app mounted under a prefix.
"""

from __future__ import annotations

import json
import re

import pytest
from browser import Problems, page_fixture, serving  # noqa: F401
from conftest import bake
from playwright.sync_api import Page, expect

ALL_ON = {
    "use_cors": True,
    "use_compression": True,
    "cache_backend": "simple",
    "ajax_demo": True,
}
ONLY_THE_DEMO = {
    "use_cors": False,
    "use_compression": False,
    "cache_backend": "none",
    "ajax_demo": True,
}
# Where the app is mounted in the prefix test (gunicorn reads SCRIPT_NAME).
PREFIX = "/shop"


class DemoPage:
    """The demo page's parts, and what a click shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.result = page.locator("#result")
        self.kind = page.locator("#result-kind")
        self.status = page.locator("#result-status")
        self.summary = page.locator("#result-summary")
        self.type = page.locator("#result-type")
        self.items = page.locator("#item-list .item-label")
        self.seen: list[tuple[str, str, int, str]] = []

    def click(self, button: str, method: str, path: str, status: int) -> None:
        """Click and wait until the page shows this call's status."""
        self.page.click(button)
        expect(self.status).to_have_text(
            re.compile(rf"^{method} {re.escape(path)}: {status}\b")
        )
        request_id = self.page.text_content("#result-request-id")
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
        self.seen.append((method, path, status, request_id))

    def item(self, number: int):
        return self.page.locator(f"#item-list li[data-id='{number}']")

    def body(self):
        return json.loads(self.page.text_content("#result-body"))

    def border_colour(self) -> str:
        return self.result.evaluate("node => getComputedStyle(node).borderLeftColor")

    def shows_success(self) -> None:
        expect(self.result).to_have_attribute("data-kind", "success")
        expect(self.kind).to_have_text("Success")

    def shows_error(self, title: str) -> None:
        expect(self.result).to_have_attribute("data-kind", "error")
        expect(self.kind).to_have_text("Error")
        expect(self.type).to_have_text("application/problem+json")
        assert self.body()["title"] == title
        expect(self.summary).to_contain_text(f"{title}: ")


def item_texts(*items: tuple[int, str, int]) -> list[str]:
    return [
        f"#{number} {name} (quantity {quantity})" for number, name, quantity in items
    ]


def icon(page: Page) -> dict:
    """The page's icon as an image (headless Chromium fetches no favicon)."""
    return page.evaluate(
        """async () => {
            const image = new Image();
            image.src = document.querySelector("link[rel=icon]").href;
            await image.decode();
            return { url: image.src, width: image.naturalWidth };
        }"""
    )


def is_docs_probe(response) -> bool:
    """demo.js's HEAD of the page, which tells it whether the docs are served."""
    return response.request.method == "HEAD"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("context", "workers", "docs"),
    [(ALL_ON, 1, True), (ONLY_THE_DEMO, 2, False)],
    ids=["all-options-one-worker", "only-the-demo-two-workers-no-docs"],
)
def test_demo_page_shows_each_answer(cookies, tmp_path, page, context, workers, docs):
    project = bake(cookies, context)
    problems = Problems(page)
    settings = {"API_DOCS": str(docs).lower()}

    with serving(project, tmp_path, workers, settings) as server:
        # Stored before the page opens: it must list them at once.
        for name in ("Flour", "Sugar"):
            answer, _ = server.request(
                "POST", "/api/v1/items", json.dumps({"name": name}).encode(),
                {"Content-Type": "application/json"},
            )  # fmt: skip
            assert answer.status == 201
        origin = f"http://127.0.0.1:{server.port}"
        with page.expect_response(is_docs_probe) as probe:
            opened = page.goto(f"{origin}/")
        assert "default-src 'self'" in opened.headers["content-security-policy"]
        demo = DemoPage(page)
        expect(page).to_have_title("Flask API: AJAX demo")
        expect(demo.items).to_have_text(item_texts((1, "Flour", 0), (2, "Sugar", 0)))
        expect(page.locator("#item-count")).to_have_text("2 item(s)")
        # The list came quietly: no answer shown yet.
        expect(demo.status).to_have_text("No request yet.")
        openapi_link = page.get_by_role("link", name="OpenAPI document")
        expect(openapi_link).to_have_attribute("href", "api/v1/openapi.json")
        # The probe answers 200 either way: no console error for it.
        assert probe.value.status == 200
        if docs:
            docs_link = page.get_by_role("link", name="API docs")
            expect(docs_link).to_have_attribute("href", "/api/v1/docs")
        else:
            expect(page.locator("#docs")).to_be_hidden()
        shown = icon(page)
        assert shown["url"] == f"{origin}/static/favicon.svg"
        assert shown["width"] > 0

        page.fill("#echo-message", "h\u00e9llo from Chromium")
        demo.click("#echo-button", "POST", "/api/v1/echo", 200)
        demo.shows_success()
        assert demo.body() == {"message": "h\u00e9llo from Chromium"}
        expect(demo.type).to_have_text("application/json")
        success_colour = demo.border_colour()

        # Markup in a name must be shown as text, never run as HTML.
        name = "<b>Coffee</b> beans"
        page.fill("#item-name", name)
        demo.click("#create-button", "POST", "/api/v1/items", 201)
        demo.shows_success()
        assert demo.body()["name"] == name
        expect(demo.summary).to_have_text(re.compile(r"^Created at .*/api/v1/items/3$"))
        expect(demo.items).to_have_text(
            item_texts((1, "Flour", 0), (2, "Sugar", 0), (3, name, 0))
        )
        assert page.locator("#item-list b").count() == 0

        page.fill("#item-name", "Tea")
        demo.click("#create-button", "POST", "/api/v1/items", 201)
        demo.click("#list-button", "GET", "/api/v1/items", 200)
        demo.shows_success()
        expect(demo.summary).to_have_text("4 item(s) in total")
        assert [item["name"] for item in demo.body()["items"]] == [
            "Flour", "Sugar", name, "Tea",
        ]  # fmt: skip

        # Update: Edit reads the item and its ETag, PATCH sends it in If-Match.
        demo.click("[aria-label='Edit item 1']", "GET", "/api/v1/items/1", 200)
        etag = page.text_content("#result-etag")
        assert re.fullmatch(r'"[^"]+"', etag), etag
        expect(page.locator("#edit-etag")).to_have_text(etag)
        expect(page.locator("#edit-name")).to_have_value("Flour")
        page.fill("#edit-name", "Rye flour")
        page.fill("#edit-quantity", "3")
        demo.click("#update-button", "PATCH", "/api/v1/items/1", 200)
        demo.shows_success()
        assert demo.body()["name"] == "Rye flour"
        expect(demo.item(1)).to_have_text(re.compile(r"^#1 Rye flour \(quantity 3\)"))
        # The new ETag came with the answer: a second change needs no new read.
        new_etag = page.text_content("#edit-etag")
        assert new_etag not in ("", etag)
        page.fill("#edit-quantity", "4")
        demo.click("#update-button", "PATCH", "/api/v1/items/1", 200)
        expect(demo.item(1)).to_have_text(re.compile(r"^#1 Rye flour \(quantity 4\)"))

        # Someone else changes item 2 after the page read it: 412, nothing lost.
        demo.click("[aria-label='Edit item 2']", "GET", "/api/v1/items/2", 200)
        answer, _ = server.request(
            "PATCH", "/api/v1/items/2", b'{"quantity": 7}',
            {"Content-Type": "application/json"},
        )  # fmt: skip
        assert answer.status == 200
        page.fill("#edit-name", "Brown sugar")
        demo.click("#update-button", "PATCH", "/api/v1/items/2", 412)
        demo.shows_error("Precondition Failed")
        expect(demo.summary).to_contain_text("read it again")
        # The list shows what is stored: the other change, not this one.
        expect(demo.item(2)).to_have_text(re.compile(r"^#2 Sugar \(quantity 7\)"))
        # Read again, the change goes through.
        demo.click("[aria-label='Edit item 2']", "GET", "/api/v1/items/2", 200)
        page.fill("#edit-name", "Brown sugar")
        demo.click("#update-button", "PATCH", "/api/v1/items/2", 200)
        expect(demo.item(2)).to_have_text(re.compile(r"^#2 Brown sugar \(quantity 7\)"))

        # Delete the item being edited: the form goes with it.
        demo.click("[aria-label='Delete item 2']", "DELETE", "/api/v1/items/2", 204)
        demo.shows_success()
        expect(page.locator("#result-body")).to_have_text("(no body)")
        expect(demo.items).to_have_count(3)
        expect(demo.item(2)).to_have_count(0)
        expect(page.locator("#edit")).to_be_hidden()
        _, listed = server.request("GET", "/api/v1/items")
        assert [item["id"] for item in json.loads(listed)["items"]] == [1, 3, 4]

        demo.click("#missing-button", "GET", "/api/v1/items/999999999", 404)
        demo.shows_error("Not Found")
        error_colour = demo.border_colour()

        demo.click("#bad-json-button", "POST", "/api/v1/echo", 400)
        demo.shows_error("Bad Request")

        page.fill("#item-name", "")
        demo.click("#create-button", "POST", "/api/v1/items", 422)
        demo.shows_error("Unprocessable Entity")
        expect(demo.summary).to_contain_text("name: Length must be between 1 and 200.")
        # The failed create left the list as it was.
        expect(demo.items).to_have_count(3)

        assert success_colour != error_colour
        problems.check()
        provoked = {
            f"{origin}{path}" for _, path, status, _ in demo.seen if status >= 400
        }
        assert problems.console_errors
        for text, url in problems.console_errors:
            assert text.startswith("Failed to load resource"), (text, url)
            assert url in provoked, (text, url)
        assert server.terminate() == 0, server.output()

    log = server.output()
    assert "Traceback" not in log
    logged = server.access_events()
    for method, path, status, request_id in demo.seen:
        assert request_id in logged, log
        # A list the browser revalidated (If-None-Match) is a 304 on the
        # wire and the cached 200 for the page, with the 304's request id.
        revalidated = method == "GET" and status == 200
        statuses = {200, 304} if revalidated else {status}
        event = logged[request_id]
        assert (event["method"], event["path"]) == (method, path), log
        assert event["status"] in statuses, log


@pytest.mark.slow
def test_demo_page_works_under_a_prefix(cookies, tmp_path, page):
    project = bake(cookies, ONLY_THE_DEMO)
    problems = Problems(page)

    with serving(project, tmp_path, 1, {"SCRIPT_NAME": PREFIX}) as server:
        origin = f"http://127.0.0.1:{server.port}"
        page.goto(f"{origin}{PREFIX}/")
        demo = DemoPage(page)
        expect(page.locator("#item-count")).to_have_text("No items yet.")
        docs_link = page.get_by_role("link", name="API docs")
        expect(docs_link).to_have_attribute("href", f"{PREFIX}/api/v1/docs")
        # The style sheet and the icon came from under the prefix too.
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "768px"
        shown = icon(page)
        assert shown["url"] == f"{origin}{PREFIX}/static/favicon.svg"
        assert shown["width"] > 0

        demo.click("#echo-button", "POST", f"{PREFIX}/api/v1/echo", 200)
        demo.shows_success()
        page.fill("#item-name", "Tea")
        demo.click("#create-button", "POST", f"{PREFIX}/api/v1/items", 201)
        created = re.compile(rf"^Created at .*{PREFIX}/api/v1/items/1$")
        expect(demo.summary).to_have_text(created)
        expect(demo.items).to_have_text(item_texts((1, "Tea", 0)))

        problems.check()
        assert problems.console_errors == []
        assert server.terminate() == 0, server.output()
