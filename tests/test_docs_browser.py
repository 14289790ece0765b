"""The API docs page in real headless Chromium, served by gunicorn as in production.

Swagger UI must render every operation of the OpenAPI document, a "Try it out"
call must get its answer, and the page must not reach any other host.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from browser import csp_violations, page_fixture, serving, watch_csp  # noqa: F401
from conftest import bake
from playwright.sync_api import expect
from presets import DEFAULTS


@pytest.mark.slow
def test_docs_page_renders_every_operation_and_tries_one(cookies, tmp_path, page):
    project = bake(cookies, DEFAULTS)
    hosts: set[str] = set()
    failed: list[str] = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on(
        "response",
        lambda response: response.status >= 400 and failed.append(response.url),
    )
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    watch_csp(page)

    with serving(project, tmp_path, workers=1) as server:
        origin = f"127.0.0.1:{server.port}"
        _, body = server.request("GET", "/api/v1/openapi.json")
        document = json.loads(body)
        operations = [
            (method.upper(), path)
            for path, item in document["paths"].items()
            for method in item
            if method != "parameters"
        ]

        opened = page.goto(f"http://{origin}/api/v1/docs")
        assert "default-src 'self'" in opened.headers["content-security-policy"]

        blocks = page.locator(".opblock")
        expect(blocks).to_have_count(len(operations))
        shown = {
            (
                block.locator(".opblock-summary-method").inner_text(),
                block.locator(".opblock-summary-path").get_attribute("data-path"),
            )
            for block in blocks.all()
        }
        assert shown == set(operations)

        items = page.locator('[data-path="/api/v1/items"]')
        listing = page.locator(".opblock-get", has=items)
        listing.locator(".opblock-summary").click()
        listing.locator("button.try-out__btn").click()
        listing.locator("button.execute").click()
        answer = listing.locator(".live-responses-table tr.response")
        expect(answer.locator(".response-col_status")).to_have_text("200")
        # Swagger UI renders and calls the API under the page's policy.
        assert csp_violations(page) == []
        assert server.terminate() == 0, server.output()

    assert hosts == {origin}
    assert failed == []
    assert page_errors == []
