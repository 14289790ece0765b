"""The AJAX demo page in real headless Chromium, served by gunicorn as in production.

Each button is clicked and the test reads what a person would see: the status,
success or error, the body, the new item in the list, the problem's title.
Each request id the page shows must be in gunicorn's access log.
"""

from __future__ import annotations

import json
import re

import pytest
from browser import page_fixture, serving  # noqa: F401
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


class DemoPage:
    """The demo page's parts, and what a click shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.result = page.locator("#result")
        self.kind = page.locator("#result-kind")
        self.status = page.locator("#result-status")
        self.summary = page.locator("#result-summary")
        self.type = page.locator("#result-type")
        self.items = page.locator("#item-list li")
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


@pytest.mark.slow
@pytest.mark.parametrize(
    ("context", "workers"),
    [(ALL_ON, 1), (ONLY_THE_DEMO, 2)],
    ids=["all-options-one-worker", "only-the-demo-two-workers"],
)
def test_demo_page_shows_each_answer(cookies, tmp_path, page, context, workers):
    project = bake(cookies, context)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    with serving(project, tmp_path, workers) as server:
        page.goto(f"http://127.0.0.1:{server.port}/")
        demo = DemoPage(page)
        expect(page).to_have_title("Flask API: AJAX demo")
        expect(demo.status).to_have_text("No request yet.")
        docs_link = page.get_by_role("link", name="API docs")
        expect(docs_link).to_have_attribute("href", "/api/v1/docs")

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
        expect(demo.summary).to_have_text(re.compile(r"^Created at .*/api/v1/items/1$"))
        expect(demo.items).to_have_text([f"#1 {name} (quantity 0)"])
        assert page.locator("#item-list b").count() == 0

        page.fill("#item-name", "Tea")
        demo.click("#create-button", "POST", "/api/v1/items", 201)
        demo.click("#list-button", "GET", "/api/v1/items", 200)
        demo.shows_success()
        expect(demo.summary).to_have_text("2 item(s) in total")
        assert [item["name"] for item in demo.body()["items"]] == [name, "Tea"]
        expect(demo.items).to_have_text(
            [f"#1 {name} (quantity 0)", "#2 Tea (quantity 0)"]
        )

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
        expect(demo.items).to_have_count(2)

        assert success_colour != error_colour
        assert page_errors == []
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
