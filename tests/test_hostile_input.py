"""The baked project's fuzz test, run once with many more generated requests.

Each behavioural suite runs tests/test_fuzz.py with its quick profile; here the
default project runs it with the thorough one (thousands of requests), with
each kind of authentication.
"""

from __future__ import annotations

import pytest
from conftest import bake, run_baked_pytest
from presets import DEFAULTS

pytestmark = pytest.mark.slow


# With authentication on, the fuzzed client sends a good credential unless the
# generated Authorization header replaces it: every request is tried both as
# an authenticated client and as an attacker with a bad or no credential.
@pytest.mark.parametrize("auth", ["none", "api_key", "jwt"])
def test_thousands_of_hostile_requests_never_get_a_5xx(cookies, auth):
    project = bake(cookies, {**DEFAULTS, "auth": auth})
    result = run_baked_pytest(
        project,
        "tests/test_fuzz.py",
        "-q",
        "--hypothesis-show-statistics",
        env={"HYPOTHESIS_PROFILE": "thorough"},
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
    # The thorough profile really ran: thousands of examples, not the quick few.
    assert "Stopped because settings.max_examples=3000" in result.stdout
