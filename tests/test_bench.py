"""The benchmark runs end to end: a short smoke round proves the command works.

The full run (bench/run, several minutes) is not part of the suite; its figures
are in the README, written there by the script itself.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# Installed by bench/run into bench/.venv only: in the suite's environment
# they would change what other tests see (fastapi brings opentelemetry-api,
# whose OTEL_* variables redis-py reads at import).
BENCH_ONLY = ("fastapi", "sqlmodel", "uvicorn", "granian", "opentelemetry-api")

pytestmark = pytest.mark.slow


def test_a_smoke_run_loads_every_row_and_prints_the_table():
    # bench/run, not bench.py: it runs in bench/.venv, the FastAPI peer's
    # packages installed there (never in the suite's own environment); the
    # first run makes that environment, about a minute and a half more.
    result = subprocess.run(
        [str(BENCH / "run"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout
    for row in (
        "all options / bare Flask",
        "all off / bare Flask",
        "orjson / standard provider",
        "zstd: bytes saved",
        "redis cache hit / uncached",
        "cache hit: redis / simple",
        "cache hit: @remembered / memoize, redis",
        # Issue 22: every item row against plain Flask and the FastAPI peer.
        "`GET /items/<id>`: all options / plain Flask",
        "`GET /items/<id>`: all options / FastAPI peer",
        "`GET /items?limit=20`, no cache: all options / plain Flask",
        "`POST /items`: all options / plain Flask",
        "`POST /items`: all options / FastAPI peer",
        # bench/run installs PostgreSQL when it is missing.
        "`GET /items/<id>` on PostgreSQL: psycopg alone / through SQLAlchemy",
        "`POST /items`: PostgreSQL / SQLite, all options",
    ):
        assert row in table, table
    for load in ("bare Flask", "standard json", "prebuilt", "gzip", "br", "simple hit"):
        assert f"| {load} |" in table, table
    assert "| redis hit, memoize |" in table, table
    for load in ("one item", "create", "FastAPI peer", "FastAPI 20 items",
                 "floor one item", "floor 20 items", "floor create"):  # fmt: skip
        assert f"| {load} |" in table, table
    assert "| create | `POST /api/v1/items` |" in table, table
    here = {dist.metadata["Name"].lower() for dist in metadata.distributions()}
    assert not here.intersection(BENCH_ONLY), f"in the suite's {sys.prefix}"


def test_bounds_prints_every_part_in_microseconds():
    result = subprocess.run(
        [sys.executable, str(BENCH / "bounds.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    parts = [line for line in result.stdout.splitlines() if line.endswith(" µs")]
    assert len(parts) == 10, result.stdout
    assert all(float(line.split()[-2]) > 0 for line in parts), result.stdout
