"""Headless Chromium (Debian's, through Playwright) and a baked app under gunicorn."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from processes import GUNICORN, Server, free_port, migrate, running

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the suite runs as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Only loopback: no update checks, sync or other calls home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


# Records each Content-Security-Policy violation the page reports, from before
# its first script runs (init scripts are not subject to the policy).
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


def watch_csp(page: Page) -> None:
    """Call before ``page.goto``; read with ``csp_violations``."""
    page.add_init_script(WATCH_CSP)


def csp_violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


class Problems:
    """What goes wrong in a page: script errors, console errors, files that
    fail to load and Content-Security-Policy violations. Watch before goto."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        watch_csp(page)
        # Chrome logs each answer >= 400 as "Failed to load resource", a
        # call's (fetch) too: a test says which of those it provoked.
        self.console_errors: list[tuple[str, str]] = []
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.console_errors.append(
                    (message.text, message.location.get("url", ""))
                )
            ),
        )
        self.failed_loads: list[str] = []
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and response.request.resource_type != "fetch"
                and self.failed_loads.append(f"{response.status} {response.url}")
            ),
        )

    def check(self) -> None:
        """No script error, no file failed, every load passed its policy."""
        assert self.page_errors == []
        assert self.failed_loads == []
        assert csp_violations(self.page) == []


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Chromium is not installed: apt-get install chromium "
            "(scripts/test installs it)"
        )
    return path


@pytest.fixture(name="page")
def page_fixture() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def gunicorn_environment(project: Path, tmp_path: Path, port: int, workers: int):
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": "a-test-secret-that-is-long-enough",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


@contextmanager
def serving(
    project: Path, tmp_path: Path, workers: int, settings: dict | None = None
) -> Iterator[Server]:
    """The baked app under gunicorn, its database migrated first, answering.

    ``settings`` are more environment variables: SCRIPT_NAME mounts the app
    under that prefix (gunicorn reads it).
    """
    port = free_port()
    env = {**gunicorn_environment(project, tmp_path, port, workers), **(settings or {})}
    migrate(project, env)
    with running(GUNICORN, cwd=project, env=env, port=port,
                 log=tmp_path / "gunicorn.log") as server:  # fmt: skip
        server.wait_until_answering(f"{env.get('SCRIPT_NAME', '')}/api/v1/health")
        yield server


def flask_command(project: Path, env: dict, *args: str, stdin: str = "") -> str:
    """``flask --app <package> ...`` in the baked project, with ``env``: its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "flask_api", *args],
        cwd=project,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
