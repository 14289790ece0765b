"""The AJAX demo page with authentication on, in real headless Chromium under gunicorn.

Without a credential the page shows the API's 401; with a pasted key (api_key)
or after logging in (jwt) it lists and creates items; a read-only key's write
shows the 403; logging out brings the 401 back. The form is the one of the
project's kind of credential, baked into the page, and the page links the docs.
"""

from __future__ import annotations

import pytest
from browser import (  # noqa: F401
    Problems,
    flask_command,
    gunicorn_environment,
    page_fixture,
    serving,
)
from conftest import bake
from playwright.sync_api import expect
from presets import DEFAULTS

PASSWORD = "a long enough password"


def expect_answer(page, status: str, kind: str) -> None:
    expect(page.locator("#result-status")).to_contain_text(status)
    expect(page.locator("#result")).to_have_attribute("data-kind", kind)


def create_item(page, name: str, status: str, kind: str) -> None:
    page.fill("#item-name", name)
    page.click("#create-button")
    expect_answer(page, f"POST /api/v1/items: {status}", kind)


def expect_docs_link(page) -> None:
    docs_link = page.get_by_role("link", name="API docs")
    expect(docs_link).to_have_attribute("href", "/api/v1/docs")


def check(problems: Problems) -> None:
    """Nothing went wrong but the API's refusals the test provoked."""
    problems.check()
    for text, url in problems.console_errors:
        assert text.startswith("Failed to load resource"), (text, url)
        assert "/api/v1/" in url, (text, url)


@pytest.mark.slow
def test_the_demo_page_uses_a_pasted_key(cookies, tmp_path, page):
    project = bake(cookies, {**DEFAULTS, "auth": "api_key"})
    problems = Problems(page)

    with serving(project, tmp_path, workers=1) as server:
        env = gunicorn_environment(project, tmp_path, server.port, workers=1)
        writer = flask_command(
            project, env, "keys", "create", "demo", "--scope", "read-write"
        )
        reader = flask_command(
            project, env, "keys", "create", "view", "--scope", "read"
        )
        page.goto(f"http://127.0.0.1:{server.port}/")

        # The list as the page opens: no key yet, the API's 401 is shown.
        expect_answer(page, "GET /api/v1/items: 401", "error")
        expect(page.locator("#result-body")).to_contain_text("Unauthorized")
        expect(page.locator("#login-form")).to_have_count(0)
        expect_docs_link(page)

        page.fill("#credential", writer)
        page.click("#credential-button")
        expect(page.locator("#item-count")).to_have_text("No items yet.")
        create_item(page, "Written with a key", "201", "success")
        expect(page.locator("#item-list li")).to_have_count(1)

        page.fill("#credential", reader)
        page.click("#credential-button")
        create_item(page, "Refused", "403", "error")
        expect(page.locator("#item-list li")).to_have_count(1)
        check(problems)
        assert server.terminate() == 0, server.output()


@pytest.mark.slow
def test_the_demo_page_logs_in_and_out(cookies, tmp_path, page):
    project = bake(cookies, {**DEFAULTS, "auth": "jwt"})
    problems = Problems(page)

    with serving(project, tmp_path, workers=1) as server:
        env = gunicorn_environment(project, tmp_path, server.port, workers=1)
        flask_command(project, env, "users", "create", "demo", "--password-stdin",
              stdin=PASSWORD)  # fmt: skip
        page.goto(f"http://127.0.0.1:{server.port}/")
        expect_answer(page, "GET /api/v1/items: 401", "error")
        expect(page.locator("#credential-form")).to_have_count(0)
        expect_docs_link(page)

        page.fill("#username", "demo")
        page.fill("#password", "not the password")
        page.click("#login-button")
        expect_answer(page, "401", "error")
        expect(page.locator("#credential-state")).to_contain_text("Not logged in")

        page.fill("#password", PASSWORD)
        page.click("#login-button")
        expect(page.locator("#credential-state")).to_contain_text("Logged in as demo")
        expect(page.locator("#password")).to_have_value("")
        expect(page.locator("#item-count")).to_have_text("No items yet.")
        create_item(page, "Written by demo", "201", "success")
        expect(page.locator("#item-list li")).to_have_count(1)

        page.click("#logout-button")
        expect(page.locator("#credential-state")).to_contain_text("Not logged in")
        expect_answer(page, "GET /api/v1/items: 401", "error")
        create_item(page, "Refused", "401", "error")
        check(problems)
        assert server.terminate() == 0, server.output()
