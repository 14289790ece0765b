"""Every combination of options bakes into a clean, lint-clean, valid project."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from conftest import ALL_COMBINATIONS, bake, combination_id, run_baked_pytest
from validate_pyproject import api as validate_pyproject

PACKAGE = "flask_api"  # the package_name derived from the default project_name

# Jinja left unrendered, or the word cookiecutter. GitHub's own ${{ }} is fine.
RESIDUE = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter", re.IGNORECASE)

# Files that exist only when an option is on.
OPTION_FILES = {
    "use_cors": [f"src/{PACKAGE}/cors.py", "tests/test_cors.py"],
    "use_compression": [f"src/{PACKAGE}/compression.py", "tests/test_compression.py"],
    "use_docker": ["Dockerfile", ".dockerignore"],
    "use_github_actions": [
        ".github/workflows/ci.yml",
        ".github/zizmor.yml",
        ".github/dependabot.yml",
    ],
    "ajax_demo": [
        f"src/{PACKAGE}/demo.py",
        f"src/{PACKAGE}/static/index.html",
        f"src/{PACKAGE}/static/demo.js",
        "tests/test_demo.py",
    ],
}
CACHE_FILES = {
    "none": [],
    "simple": [f"src/{PACKAGE}/cache.py", "tests/test_cache.py"],
    "redis": [
        f"src/{PACKAGE}/cache.py",
        "tests/test_cache.py",
        "tests/test_cache_redis.py",
        "tests/redis_server.py",
    ],
}
ALL_CACHE_FILES = set(CACHE_FILES["redis"])

# Text that betrays a disabled option: its imports, distributions, settings
# (regular expressions: "redis" must not match "redistribution").
OPTION_TRACES = {
    "use_cors": [r"flask_cors", r"flask-cors", r"CORS_ORIGINS"],
    "use_compression": [r"flask_compress", r"flask-compress", r"COMPRESS_"],
    "use_docker": [r"Dockerfile", r"HEALTHCHECK"],
    "use_github_actions": [r"actions/checkout", r"\.github"],
    "ajax_demo": [r"demo\.js", r"send_static_file", r"AJAX demo"],
}
CACHE_TRACES = {
    "none": [r"flask_caching", r"flask-caching", r"\bCACHE_", r"\bredis\b", r"memoize"],
    "simple": [r"\bredis\b", r"REDIS_URL", r"RedisCache"],
    "redis": [],
}

BASE_DEPENDENCIES = {
    "flask",
    "flask-orjson",
    "flask-smorest",
    "flask-swagger-ui",
    "gunicorn",
    "marshmallow",
    "orjson",
}
OPTION_DEPENDENCIES = {
    "use_cors": {"flask-cors"},
    "use_compression": {"flask-compress"},
}
CACHE_DEPENDENCIES = {
    "none": set(),
    "simple": {"flask-caching"},
    "redis": {"flask-caching", "redis"},
}


@cache
def pyproject_validator():
    return validate_pyproject.Validator()


def project_files(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


def dependency_names(pyproject: dict) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in
            pyproject["project"]["dependencies"]}  # fmt: skip


def expected_files(context: dict) -> tuple[set[str], set[str]]:
    """The paths that must exist and the paths that must not."""
    present, absent = set(), set()
    for option, paths in OPTION_FILES.items():
        (present if context[option] else absent).update(paths)
    present.update(CACHE_FILES[context["cache_backend"]])
    absent.update(ALL_CACHE_FILES - set(CACHE_FILES[context["cache_backend"]]))
    (absent if context["open_source_license"] == "Proprietary" else present).add(
        "LICENSE"
    )
    return present, absent


def forbidden_traces(context: dict) -> list[str]:
    traces = [
        trace
        for option, option_traces in OPTION_TRACES.items()
        if not context[option]
        for trace in option_traces
    ]
    return traces + CACHE_TRACES[context["cache_backend"]]


def expected_dependencies(context: dict) -> set[str]:
    expected = set(BASE_DEPENDENCIES)
    for option, dependencies in OPTION_DEPENDENCIES.items():
        if context[option]:
            expected |= dependencies
    return expected | CACHE_DEPENDENCIES[context["cache_backend"]]


def run_ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("context", ALL_COMBINATIONS, ids=combination_id)
def test_combination_bakes_clean(cookies, context):
    project = bake(cookies, context)
    files = project_files(project)
    texts = {path.relative_to(project).as_posix(): path.read_text() for path in files}

    residue = [name for name, text in texts.items() if RESIDUE.search(text)]
    assert not residue, f"template residue in {residue}"

    empty = [name for name, text in texts.items() if not text.strip()]
    assert not empty, f"empty files: {empty}"

    present, absent = expected_files(context)
    assert not [path for path in present if path not in texts], "files missing"
    leftovers = [name for name in texts if any(name.startswith(a) for a in absent)]
    assert not leftovers, f"files of disabled options: {leftovers}"

    traces = [
        (name, trace)
        for trace in forbidden_traces(context)
        for name, text in texts.items()
        if re.search(trace, text)
    ]
    assert not traces, f"traces of disabled options: {traces}"

    pyproject = tomllib.loads(texts["pyproject.toml"])
    pyproject_validator()(pyproject)
    assert dependency_names(pyproject) == expected_dependencies(context)

    for args in (["check"], ["format", "--check"]):
        ruff = run_ruff(*args, cwd=project)
        assert ruff.returncode == 0, f"ruff {' '.join(args)}:\n{ruff.stdout}"


def test_a_long_origin_list_bakes_lint_clean_and_its_tests_pass(cookies):
    # Several long origins: the answer is written into Python source.
    origins = ",".join(
        f"https://frontend-{number}.a-long-company-domain.example.com:8443"
        for number in range(4)
    )
    project = bake(cookies, {"use_cors": True, "cors_origins": origins})

    for args in (["check"], ["format", "--check"]):
        ruff = run_ruff(*args, cwd=project)
        assert ruff.returncode == 0, f"ruff {' '.join(args)}:\n{ruff.stdout}"
    result = run_baked_pytest(
        project, "-q", "tests/test_cors.py", "tests/test_settings.py"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_matrix_covers_every_combination():
    # 4 licenses x 3 cache backends x 2^5 booleans.
    assert len(ALL_COMBINATIONS) == 384
    assert len({combination_id(context) for context in ALL_COMBINATIONS}) == 384
