"""The docs page with authentication on, in real headless Chromium under gunicorn.

The page itself is public; a "Try it out" call without a credential gets the
401, and after pasting one into Swagger UI's Authorize dialog the same call
gets its 200.
"""

from __future__ import annotations

import json

import pytest
from browser import (  # noqa: F401
    flask_command,
    gunicorn_environment,
    page_fixture,
    serving,
)
from conftest import bake
from playwright.sync_api import expect
from presets import DEFAULTS

PASSWORD = "a long enough password"


def credential(project, tmp_path, server, auth: str) -> str:
    """A key from `flask keys create`, or an access token from logging in."""
    # The served app's own settings, its database included.
    env = gunicorn_environment(project, tmp_path, server.port, workers=1)
    if auth == "api_key":
        return flask_command(
            project, env, "keys", "create", "docs", "--scope", "read-write"
        )
    flask_command(
        project, env, "users", "create", "docs", "--password-stdin", stdin=PASSWORD
    )
    body = json.dumps({"username": "docs", "password": PASSWORD}).encode()
    response, answer = server.request(
        "POST",
        "/api/v1/auth/token",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200, answer
    return json.loads(answer)["access_token"]


@pytest.mark.slow
@pytest.mark.parametrize("auth", ["api_key", "jwt"])
def test_a_user_authorizes_in_the_docs_page_and_tries_a_call(
    cookies, tmp_path, page, auth
):
    project = bake(cookies, {**DEFAULTS, "auth": auth})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    with serving(project, tmp_path, workers=1) as server:
        token = credential(project, tmp_path, server, auth)
        page.goto(f"http://127.0.0.1:{server.port}/api/v1/docs")

        items = page.locator('[data-path="/api/v1/items"]')
        listing = page.locator(".opblock-get", has=items)
        listing.locator(".opblock-summary").click()
        listing.locator("button.try-out__btn").click()
        listing.locator("button.execute").click()
        status = listing.locator(".live-responses-table tr.response").locator(
            ".response-col_status"
        )
        expect(status).to_have_text("401")

        page.locator(".auth-wrapper button.authorize").click()
        dialog = page.locator(".modal-ux")
        dialog.locator("input").fill(token)
        dialog.locator("button.authorize").click()
        dialog.locator("button.btn-done").click()
        listing.locator("button.execute").click()

        expect(status).to_have_text("200")
        assert server.terminate() == 0, server.output()

    assert page_errors == []
