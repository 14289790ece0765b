"""The template's own Python (hooks, tests, bench) meets the baked projects' bar."""

import subprocess
import sys

import pytest
from conftest import TEMPLATE

# Listed, not discovered: ruff would otherwise read the template body's
# pyproject.toml, which is Jinja until baked.
TEMPLATE_CODE = [
    path for path in ("hooks", "tests", "bench") if (TEMPLATE / path).exists()
]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_template_code_is_ruff_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", *TEMPLATE_CODE],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
