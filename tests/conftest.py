"""Bake helpers and the lists of option combinations the template tests sweep."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())

# Options with a fixed set of answers: a list of choices or a boolean.
SWEPT_OPTIONS = {
    name: value if isinstance(value, list) else [True, False]
    for name, value in CHOICES.items()
    if not name.startswith("_") and isinstance(value, list | bool)
}
# The options that change what the baked app does (the rest add files only).
BEHAVIOUR_OPTIONS = ("use_cors", "use_compression", "cache_backend", "ajax_demo")


def combinations(options: dict[str, list]) -> list[dict]:
    names = list(options)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*options.values())
    ]


def combination_id(context: dict) -> str:
    parts = []
    for name, value in context.items():
        if value is True:
            parts.append(name)
        elif value is False:
            parts.append(f"no_{name}")
        else:
            parts.append(f"{name}={value}")
    return "-".join(parts)


ALL_COMBINATIONS = combinations(SWEPT_OPTIONS)
BEHAVIOUR_COMBINATIONS = combinations(
    {name: SWEPT_OPTIONS[name] for name in BEHAVIOUR_OPTIONS}
)


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
