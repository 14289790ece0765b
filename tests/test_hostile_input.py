"""The baked project's fuzz test, run once with many more generated requests.

Each behavioural suite runs tests/test_fuzz.py with its quick profile; here the
all-options project runs it with the thorough one (thousands of requests).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import bake

pytestmark = pytest.mark.slow

ALL_OPTIONS = {
    "use_cors": True,
    "use_compression": True,
    "cache_backend": "simple",
    "ajax_demo": True,
}


def test_thousands_of_hostile_requests_never_get_a_5xx(cookies):
    project = bake(cookies, ALL_OPTIONS)
    env = {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "HYPOTHESIS_PROFILE": "thorough",
    }
    env.pop("PYTEST_ADDOPTS", None)

    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "tests/test_fuzz.py",
            "-p", "no:cacheprovider", "-p", "no:benchmark", "-q",
            "--hypothesis-show-statistics",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
    # The thorough profile really ran: thousands of examples, not the quick few.
    assert "Stopped because settings.max_examples=3000" in result.stdout
