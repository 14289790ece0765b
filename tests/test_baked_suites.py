"""Each combination of the options that change behaviour passes its own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest
from conftest import BEHAVIOUR_COMBINATIONS, bake, combination_id, run_baked_pytest

# Runs in the baked project's own interpreter: what a client sees of each option.
PROBE = """
import json, logging, sys
from flask_api import create_app

logging.disable(logging.CRITICAL)
app = create_app({
    "TESTING": True,
    "DATABASE": sys.argv[1],
    # Nothing listens on port 1: a Redis cache answers uncached, fast.
    "CACHE_REDIS_URL": "redis://127.0.0.1:1/0",
})
client = app.test_client()
for number in range(20):
    client.post("/api/v1/items", json={"name": f"item number {number}"})
items = client.get(
    "/api/v1/items",
    headers={"Origin": "http://localhost:3000", "Accept-Encoding": "gzip"},
)
with client.get("/") as root:
    root_status = root.status_code
print(json.dumps({
    "cors": "Access-Control-Allow-Origin" in items.headers,
    "compression": items.headers.get("Content-Encoding") == "gzip",
    "cache": "cache" in app.extensions,
    "demo": root_status == 200,
    "etag": "ETag" in items.headers,
    "nosniff": items.headers.get("X-Content-Type-Options") == "nosniff",
}))
"""


@pytest.mark.parametrize("context", BEHAVIOUR_COMBINATIONS, ids=combination_id)
def test_baked_suite_passes_with_nothing_skipped(cookies, context):
    project = bake(cookies, context)

    result = run_baked_pytest(project, "--junitxml=report.xml")

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    suite = ElementTree.parse(project / "report.xml").getroot().find("testsuite")
    counts = {
        key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")
    }
    assert counts["tests"] >= 50, counts
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts


@pytest.mark.parametrize("context", BEHAVIOUR_COMBINATIONS, ids=combination_id)
def test_a_client_sees_exactly_the_enabled_options(cookies, context, tmp_path):
    project = bake(cookies, context)

    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "probe.sqlite3")],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {
        "cors": context["use_cors"],
        "compression": context["use_compression"],
        "cache": context["cache_backend"] != "none",
        "demo": context["ajax_demo"],
        "etag": True,
        "nosniff": True,
    }
