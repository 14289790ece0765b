"""Bake helpers shared by the template's tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matrix
import pytest

# The option combinations themselves are derived in matrix.py.
TEMPLATE = matrix.TEMPLATE


def bake(cookies, context: dict) -> Path:
    """Bake with ``context`` and return the project directory, or fail loudly."""
    result = cookies.bake(extra_context=context)
    assert result.exception is None, f"bake failed: {result.exception!r}"
    assert result.exit_code == 0
    return Path(result.project_path)


def run_baked_pytest(
    project: Path, *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the baked project's own tests in a subprocess, as a user would."""
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), **(env or {})}
    # The template's pytest options are not the baked project's.
    environment.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:benchmark",
            *args,
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_baked_nox(
    project: Path, *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the baked project's nox tasks with this venv's tools, offline.

    The sessions run in the environment nox runs in (venv_backend "none"), so
    this venv's ruff, mypy, pytest, coverage and flask do the work, and the
    project is imported from ``src`` as in ``run_baked_pytest``.
    """
    tools = str(Path(sys.executable).parent)
    environment = {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(project / "src"),
        # What the baked suite must not inherit from the template's run.
        "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:benchmark",
        # One mypy cache per worker of this run: the libraries' types (most of
        # mypy's time) are read once, not once per baked project.
        "MYPY_CACHE_DIR": str(Path(tempfile.gettempdir()) / "mypy-cache"),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# The test files whose tests take longest (a baked project's whole suite, a
# fresh environment, an image build, a load run), longest first. xdist hands
# tests out in collection order: these start first, spread over the workers,
# and the short tests fill in at the end, instead of one long test running
# alone while the other worker idles (scripts/test hands out one at a time).
LONGEST_FIRST = (
    "test_baked_suites.py",
    "test_bench.py",
    "test_deploy.py",
    "test_tasks.py",
    "test_container.py",
    "test_hostile_input.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        if name in LONGEST_FIRST:
            return LONGEST_FIRST.index(name)
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: collection order within a file, and for the rest


def pytest_configure(config):
    # cookiecutter writes every rendered hook to the temp dir and never removes
    # it: keep them in one directory this run deletes at the end.
    scratch = tempfile.mkdtemp(prefix="template-tests-")
    config.stash[_scratch_key] = scratch
    tempfile.tempdir = scratch


def pytest_unconfigure(config):
    scratch = config.stash.get(_scratch_key, None)
    if scratch:
        tempfile.tempdir = None
        shutil.rmtree(scratch, ignore_errors=True)


_scratch_key = pytest.StashKey[str]()
