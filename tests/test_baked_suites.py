"""Each combination of the options that change behaviour passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest
from conftest import BEHAVIOUR_COMBINATIONS, bake, combination_id


def run_baked_tests(project) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    # The baked project must not see this process's scratch temp dir choice
    # or the template's pytest configuration: it runs as a user would run it.
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [
            sys.executable, "-m", "pytest",
            "-p", "no:cacheprovider",
            "-p", "no:benchmark",
            "--junitxml=report.xml",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("context", BEHAVIOUR_COMBINATIONS, ids=combination_id)
def test_baked_suite_passes_with_nothing_skipped(cookies, context):
    project = bake(cookies, context)

    result = run_baked_tests(project)

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    suite = ElementTree.parse(project / "report.xml").getroot().find("testsuite")
    counts = {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] >= 50, counts
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts
