"""Combinations of the behavioural options pass their own tests and gates.

The set (matrix.SUITE_COMBINATIONS) is pairwise: every pair of values of two
behavioural options is in at least one combination; all-on and all-off, for
each database, are in it too. Each runs ``nox``, the baked project's default
set of tasks (lint, mypy, its suite under coverage with the floor, the migration
check), as its CI does.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest
from conftest import bake, run_baked_nox
from matrix import (
    BEHAVIOUR_VALUES,
    COSMETIC_OPTIONS,
    EXTREMES,
    SUITE_COMBINATIONS,
    SWEPT_OPTIONS,
    all_pairs,
    combination_id,
    missing_pairs,
    pairwise_cover,
)

# Dropped into the baked project's tests, so that its suite's own run (under
# coverage, in nox) makes the app with the project's fixtures (database, cache
# server and all) and writes what a client sees of each option. Folded into
# that run rather than a pytest of its own: a second start of the fixtures'
# servers cost 9-15 s a combination. Its requests (a list with CORS and gzip,
# the root page, an anonymous call) are ones the suite's tests make anyway, so
# it adds nothing to what the coverage floor counts. Written as ruff formats
# it, and typed enough for mypy: the lint and types sessions check it too.
PROBE = """\
import json
import os

from flask import Flask
from flask.testing import FlaskClient


def test_probe(app: Flask, client: FlaskClient) -> None:
    for number in range(20):
        client.post("/api/v1/items", json={"name": f"item number {number}"})
    items = client.get(
        "/api/v1/items",
        headers={"Origin": "http://localhost:3000", "Accept-Encoding": "gzip"},
    )
    with client.get("/") as root:
        root_status = root.status_code
    # The suite's client sends a credential when there is authentication.
    anonymous = FlaskClient(app, app.response_class).get("/api/v1/items")
    seen = {
        "cors": "Access-Control-Allow-Origin" in items.headers,
        "compression": items.headers.get("Content-Encoding") == "gzip",
        "cache": "cache" in app.extensions,
        "demo": root_status == 200,
        "etag": "ETag" in items.headers,
        "nosniff": items.headers.get("X-Content-Type-Options") == "nosniff",
        "rate_limit": "X-RateLimit-Remaining" in items.headers,
        "auth": anonymous.status_code == 401,
    }
    with open(os.environ["PROBE_OUTPUT"], "w") as output:
        json.dump(seen, output)
"""


@pytest.mark.slow
@pytest.mark.parametrize("context", SUITE_COMBINATIONS, ids=combination_id)
def test_baked_suite_passes_and_a_client_sees_exactly_the_enabled_options(
    cookies, context, tmp_path
):
    project = bake(cookies, context)
    (project / "tests" / "test_zz_probe.py").write_text(PROBE)
    probe = tmp_path / "probe.json"

    # A PostgreSQL suite took 300 s on a loaded 2-core machine: room to finish.
    result = run_baked_nox(
        project,
        env={"PYTEST_ADDOPTS": "-p no:cacheprovider -p no:benchmark "
             "--junitxml=report.xml", "PROBE_OUTPUT": str(probe)},
        timeout=900,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    # nox reports on stderr, one line per session of the default set.
    for session in ("lint", "types", "coverage", "migrations"):
        assert f"* {session}: success" in result.stderr, result.stderr[-3000:]
    assert "Success: no issues found" in result.stdout, result.stdout[-3000:]
    suite = ElementTree.parse(project / "report.xml").getroot().find("testsuite")
    counts = {
        key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")
    }
    assert counts["tests"] >= 50, counts
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts

    assert json.loads(probe.read_text()) == {
        "cors": context["use_cors"],
        "compression": context["use_compression"],
        "cache": context["cache_backend"] != "none",
        "demo": context["ajax_demo"],
        "etag": True,
        "nosniff": True,
        "rate_limit": context["use_rate_limit"],
        "auth": context["auth"] != "none",
    }


def test_every_pair_of_behavioural_values_is_baked_and_tested():
    assert all_pairs(BEHAVIOUR_VALUES)
    assert not missing_pairs(SUITE_COMBINATIONS, BEHAVIOUR_VALUES)
    ids = [combination_id(context) for context in SUITE_COMBINATIONS]
    assert len(set(ids)) == len(ids)


def test_all_on_and_all_off_are_tested_with_each_database():
    behaviour = [
        {name: context[name] for name in BEHAVIOUR_VALUES}
        for context in SUITE_COMBINATIONS
    ]
    assert all(extreme in behaviour for extreme in EXTREMES)
    if "database" in BEHAVIOUR_VALUES:
        assert len(EXTREMES) == 2 * len(BEHAVIOUR_VALUES["database"])


def test_each_license_runs_in_a_baked_suite():
    for option in COSMETIC_OPTIONS:
        tested = {context[option] for context in SUITE_COMBINATIONS}
        assert tested == set(SWEPT_OPTIONS[option])


def test_the_covering_set_is_derived_deterministically():
    assert pairwise_cover(BEHAVIOUR_VALUES, EXTREMES) == [
        {name: context[name] for name in BEHAVIOUR_VALUES}
        for context in SUITE_COMBINATIONS
    ]


def test_the_cover_covers_every_pair_in_few_rows():
    options = {"a": [1, 2, 3], **{name: [True, False] for name in "bcdef"}}

    rows = pairwise_cover(options, [])

    assert not missing_pairs(rows, options)
    assert len(rows) <= 8  # of 96; at least 6 are needed
