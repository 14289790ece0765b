"""Every combination of options bakes into a clean, lint-clean, valid project.

The combinations (tests/matrix.py: every combination of the options that change
code or files, the license spread over them) are baked at once, in parallel,
into one directory tree with cookiecutter's Python API, and linted by one
``ruff check`` and one ``ruff format --check`` over the whole tree. Each test
then checks one combination's files and the ruff findings under its directory.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import shutil
import tomllib
from functools import cache
from pathlib import Path

import pytest
from conftest import bake, run_baked_pytest
from matrix import (
    ADD_ON_OPTIONS,
    BEHAVIOUR_OPTIONS,
    COSMETIC_OPTIONS,
    FILE_ONLY_OPTIONS,
    STATIC_COMBINATIONS,
    STATIC_OPTIONS,
    SWEPT_OPTIONS,
    TEMPLATE,
    bake_all,
    combination_id,
    lint_all,
    missing_pairs,
)
from validate_pyproject import api as validate_pyproject

SLUG = "flask-api"  # the project_slug and package_name of the default name
PACKAGE = "flask_api"

# Jinja left unrendered, or the word cookiecutter. GitHub's own ${{ }} is fine.
RESIDUE = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter", re.IGNORECASE)
# A baked project speaks of itself, not of the article the template grew from.
ARTICLE = re.compile(r"\barticle\b", re.IGNORECASE)

# Every table below has an entry for each value of each swept option of
# cookiecutter.json, an empty one when the value adds nothing:
# test_every_swept_option_has_expectations fails for a new option or value
# until its entries are written.

# The gate and its tests, with either kind of credential.
AUTH_FILES = [f"src/{PACKAGE}/auth.py", "tests/credentials.py", "tests/test_auth.py"]

# Paths (files or directories) that exist only with that value.
OPTION_FILES: dict[str, dict[object, list[str]]] = {
    "open_source_license": {
        "MIT": ["LICENSE"],
        "BSD-3-Clause": ["LICENSE"],
        "Apache-2.0": ["LICENSE"],
        "Proprietary": [],
    },
    "use_cors": {
        True: [f"src/{PACKAGE}/cors.py", "tests/test_cors.py"],
        False: [],
    },
    "use_compression": {
        True: [f"src/{PACKAGE}/compression.py", "tests/test_compression.py"],
        False: [],
    },
    "database": {
        "sqlite": [],
        "postgresql": ["tests/postgres_server.py", "tests/test_database_outage.py"],
    },
    "cache_backend": {
        "simple": [f"src/{PACKAGE}/cache.py", "tests/test_cache.py"],
        "redis": [
            f"src/{PACKAGE}/cache.py",
            "tests/test_cache.py",
            "tests/test_cache_redis.py",
            "tests/redis_server.py",
        ],
        "none": [],
    },
    "auth": {
        "none": [],
        "api_key": [
            *AUTH_FILES,
            f"src/{PACKAGE}/keys.py",
            f"src/{PACKAGE}/migrations/versions/0002_create_api_keys.py",
            "tests/test_keys.py",
        ],
        "jwt": [
            *AUTH_FILES,
            f"src/{PACKAGE}/users.py",
            f"src/{PACKAGE}/tokens.py",
            f"src/{PACKAGE}/api/auth.py",
            f"src/{PACKAGE}/migrations/versions/0002_create_users.py",
            "tests/test_tokens.py",
        ],
    },
    "use_rate_limit": {
        True: [f"src/{PACKAGE}/ratelimit.py", "tests/test_ratelimit.py"],
        False: [],
    },
    "use_docker": {True: ["Dockerfile", ".dockerignore"], False: []},
    "use_github_actions": {
        True: [
            ".github",
            ".github/workflows/ci.yml",
            ".github/zizmor.yml",
            ".github/dependabot.yml",
        ],
        False: [],
    },
    "ajax_demo": {
        True: [
            f"src/{PACKAGE}/demo.py",
            f"src/{PACKAGE}/demo.html",
            f"src/{PACKAGE}/static",
            f"src/{PACKAGE}/static/demo.js",
            f"src/{PACKAGE}/static/demo.css",
            f"src/{PACKAGE}/static/favicon.svg",
            "tests/test_demo.py",
        ],
        False: [],
    },
    "use_metrics": {
        True: [
            f"src/{PACKAGE}/metrics.py",
            "tests/test_metrics.py",
            "prometheus",
            "prometheus/alerts.yml",
            "prometheus/prometheus.yml",
        ],
        False: [],
    },
}

# Text that betrays a value (regular expressions, matched case-insensitively in
# every file, comments and prose included): no file may match one unless the
# option has a value whose list holds it too. Chosen not to match legitimate
# words: "redis" is not "Redistribution" (see the notes on each option).
# Flask-Caching's settings, not SQLAlchemy's cache_ok.
CACHE_TRACES = [
    r"flask[-_]caching",
    r"(?<![a-z_])cache_(type|dir|redis|default|key|threshold|options)",
    r"memoize",
    r"\bcache\.py\b",
]
AUTH_TRACES = [
    r"\bbearer\b",
    r"invalid_token",
    r"insufficient_scope",
    r"@public\b",
    r"\bauth\.py\b",
    r"\bprincipal\b",
]
OPTION_TRACES: dict[str, dict[object, list[str]]] = {
    "open_source_license": {
        "MIT": [r"\bMIT\b"],
        "BSD-3-Clause": [r"\bBSD\b"],
        "Apache-2.0": [r"\bApache\b"],
        "Proprietary": [r"Proprietary", r"Private :: Do Not Upload"],
    },
    "use_cors": {
        True: [r"flask[-_]cors", r"(?<![a-z])cors(?![a-z])", r"Access-Control-Allow"],
        False: [],
    },
    # "compress" in any case: Flask-Compress, compression, compressed, COMPRESS_.
    "use_compression": {
        True: [
            r"flask[-_]compress",
            r"compress",
            r"\bgzip\b",
            r"\bbrotli\b",
            r"\bzstd\b",
        ],
        False: [],
    },
    "database": {
        "sqlite": [r"sqlite"],
        "postgresql": [r"postgres", r"psycopg"],
    },
    # Not the word "cache": HTTP caches, Cache-Control, get_data(cache=True),
    # pip's --no-cache-dir and Flask-Compress's own cache are not this option.
    "cache_backend": {
        "simple": CACHE_TRACES,
        "redis": [*CACHE_TRACES, r"redis(?!tribut)"],
        "none": [],
    },
    # Not "Authorization" (the fuzz test sends it as any other header) nor
    # "credential" (CORS allows none) nor WWW-Authenticate (errors.py keeps it
    # on any 401): the scheme, RFC 6750's error codes and the public marker.
    "auth": {
        "none": [],
        "api_key": [
            *AUTH_TRACES,
            r"api[-_ ]?keys?\b",
            r"key_hash",
            r"\bkeys (create|list|revoke)\b",
        ],
        "jwt": [
            *AUTH_TRACES,
            r"\bjwt\b",
            r"argon2",
            r"refresh[-_ ]tokens?",
            r"\busers (create|list|disable|delete)\b",
            # Login attempts are limited in every jwt bake (login_limits.py),
            # through the RATELIMIT_* variables the rate limiter shares.
            r"rate[-_ ]?limit",
            r"\b429\b",
            r"too many requests",
        ],
    },
    # RateLimit, rate limit, RATELIMIT_, X-RateLimit-*; the status it answers.
    "use_rate_limit": {
        True: [
            r"flask[-_]limiter",
            r"rate[-_ ]?limit",
            r"\b429\b",
            r"too many requests",
        ],
        False: [],
    },
    # The Dockerfile instruction, not hypothesis' HealthCheck.
    "use_docker": {True: [r"docker", r"^\s*HEALTHCHECK\s"], False: []},
    "use_github_actions": {
        True: [
            r"\.github\b",
            r"github actions",
            r"actions/",
            r"workflow",
            r"dependabot",
            r"zizmor",
        ],
        False: [],
    },
    # Not "AJAX" alone (the whole API is for AJAX clients), not send_static_file
    # (the docs page serves its own files).
    "ajax_demo": {True: [r"\bdemo\b"], False: []},
    "use_metrics": {
        True: [r"prometheus", r"METRICS_BIND", r"\bmetrics\b"],
        False: [],
    },
}

# Where a trace is legitimate: a path (or a folder, ending in /) and the
# patterns it may match whatever the options.
TRACE_EXEMPTIONS = {
    # The models and migrations are portable: an id is INTEGER on SQLite (its
    # rowid), BIGINT elsewhere, spelled as a dialect variant in every bake.
    f"src/{PACKAGE}/models.py": [r"sqlite"],
    f"src/{PACKAGE}/migrations/": [r"sqlite"],
    # The settings test names the other database's URLs to prove them refused.
    "tests/test_settings.py": [r"sqlite", r"postgres", r"psycopg"],
}
# Genuine leftovers in the template, reported and not yet removed: (path, a
# fragment of the line). Delete an entry once the template no longer has it.
KNOWN_LEFTOVERS: list[tuple[str, str]] = []


def exempt(name: str, pattern: str, line: str) -> bool:
    allowed = [
        allowed_pattern
        for path, patterns in TRACE_EXEMPTIONS.items()
        if name == path or (path.endswith("/") and name.startswith(path))
        for allowed_pattern in patterns
    ]
    return pattern in allowed or any(
        name == path and fragment in line for path, fragment in KNOWN_LEFTOVERS
    )


# Runtime dependencies (distribution names) each value adds to the base ones.
BASE_DEPENDENCIES = {
    "flask",
    "flask-migrate",
    "alembic",
    "flask-sqlalchemy",
    "sqlalchemy",
    "flask-orjson",
    "flask-smorest",
    "flask-swagger-ui",
    "gunicorn",
    "marshmallow",
    "orjson",
}
VALUE_DEPENDENCIES: dict[str, dict[object, set[str]]] = {
    "open_source_license": {
        license_name: set() for license_name in SWEPT_OPTIONS["open_source_license"]
    },
    "use_cors": {True: {"flask-cors"}, False: set()},
    "use_compression": {True: {"flask-compress"}, False: set()},
    "database": {"sqlite": set(), "postgresql": {"psycopg"}},
    "cache_backend": {
        "simple": {"flask-caching"},
        "redis": {"flask-caching", "redis"},
        "none": set(),
    },
    "auth": {
        "none": set(),
        "api_key": set(),
        "jwt": {"pyjwt", "argon2-cffi", "limits"},
    },
    "use_rate_limit": {True: {"limits"}, False: set()},
    "use_docker": {True: set(), False: set()},
    "use_github_actions": {True: set(), False: set()},
    "ajax_demo": {True: set(), False: set()},
    "use_metrics": {True: {"prometheus-client"}, False: set()},
}

# test_deploy.py's view: every optional distribution, by (option, value), and
# those of the cache backends.
OPTION_DEPENDENCIES = {
    (option, value): dependencies
    for option, values in VALUE_DEPENDENCIES.items()
    for value, dependencies in values.items()
}
CACHE_DEPENDENCIES = VALUE_DEPENDENCIES["cache_backend"]

TABLES = {
    "OPTION_FILES": OPTION_FILES,
    "OPTION_TRACES": OPTION_TRACES,
    "VALUE_DEPENDENCIES": VALUE_DEPENDENCIES,
}


@cache
def pyproject_validator():
    return validate_pyproject.Validator()


def dependency_names(pyproject: dict) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in
            pyproject["project"]["dependencies"]}  # fmt: skip


def owned_and_foreign(table: dict, context: dict) -> tuple[set, set]:
    """What the chosen values hold, and what only the other values hold."""
    owned, foreign = set(), set()
    for option, value in context.items():
        mine = set(table[option][value])
        owned |= mine
        for other, items in table[option].items():
            if other != value:
                foreign |= set(items) - mine
    return owned, foreign


def expected_files(context: dict) -> tuple[set[str], set[str]]:
    """The paths that must exist and the paths that must not."""
    present, absent = owned_and_foreign(OPTION_FILES, context)
    return present, absent - present


def forbidden_traces(context: dict) -> list[str]:
    allowed, forbidden = owned_and_foreign(OPTION_TRACES, context)
    return sorted(forbidden - allowed)


def expected_dependencies(context: dict) -> set[str]:
    owned, _ = owned_and_foreign(VALUE_DEPENDENCIES, context)
    return BASE_DEPENDENCIES | owned


def trace_findings(texts: dict[str, str], patterns: list[str]) -> list[str]:
    if not patterns:
        return []
    # One pass over each file with all patterns; line by line only on a hit.
    anywhere = re.compile("|".join(f"(?:{p})" for p in patterns), re.I | re.M)
    compiled = [(pattern, re.compile(pattern, re.I)) for pattern in patterns]
    findings = []
    for name, text in texts.items():
        if not anywhere.search(text):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            findings += [
                f"{name}:{number}: /{pattern}/ in {line.strip()!r}"
                for pattern, regex in compiled
                if regex.search(line) and not exempt(name, pattern, line)
            ]
    return findings


def static_problems(project: Path, context: dict) -> list[str]:
    """Everything wrong with one baked project, except what ruff says."""
    files = sorted(path for path in project.rglob("*") if path.is_file())
    texts = {path.relative_to(project).as_posix(): path.read_text() for path in files}
    problems = []

    for name, text in texts.items():
        if RESIDUE.search(text):
            problems.append(f"template residue in {name}")
        if not text.strip():
            problems.append(f"empty file {name}")
        if ARTICLE.search(text):
            problems.append(f"{name} speaks of the article")

    present, absent = expected_files(context)
    problems += [
        f"missing {path}" for path in sorted(present) if not (project / path).exists()
    ]
    problems += [
        f"file of another option value: {name}"
        for name in texts
        if any(name == path or name.startswith(f"{path}/") for path in absent)
    ]

    problems += [
        f"trace of another option value: {finding}"
        for finding in trace_findings(texts, forbidden_traces(context))
    ]

    pyproject = tomllib.loads(texts["pyproject.toml"])
    try:
        pyproject_validator()(pyproject)
    except Exception as error:
        problems.append(f"invalid pyproject.toml: {error}")
    dependencies, expected = dependency_names(pyproject), expected_dependencies(context)
    if dependencies != expected:
        problems.append(
            f"dependencies: unexpected {sorted(dependencies - expected)}, "
            f"missing {sorted(expected - dependencies)}"
        )
    return problems


@pytest.fixture(scope="session")
def static_bakes(request, tmp_path_factory) -> tuple[Path, dict]:
    """Bake and lint the selected combinations once per run, whichever xdist
    worker comes first; the others wait for it and read its results."""
    selected = [
        item.callspec.params["context"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_combination_bakes_clean"
    ]
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    tree, results = root / "static-matrix", root / "static-matrix.json"
    with (root / "static-matrix.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not results.exists():
            shutil.rmtree(tree, ignore_errors=True)
            bake_errors = bake_all(tree, selected)
            findings = lint_all(tree)
            results.write_text(json.dumps({"bake": bake_errors, "ruff": findings}))
    return tree, json.loads(results.read_text())


@pytest.mark.parametrize("context", STATIC_COMBINATIONS, ids=combination_id)
def test_combination_bakes_clean(static_bakes, context):
    tree, results = static_bakes
    name = combination_id(context)
    assert name not in results["bake"], f"bake failed: {results['bake'][name]}"
    assert "" not in results["ruff"], "\n".join(results["ruff"][""])

    problems = static_problems(tree / name / SLUG, context)
    problems += results["ruff"].get(name, [])

    assert not problems, "\n".join(problems)


def test_every_swept_option_has_expectations():
    # A new option or value in cookiecutter.json needs its files, its traces
    # and its dependencies written here (empty ones when it adds nothing).
    missing = [
        f"{table}[{option!r}][{value!r}]"
        for table, entries in TABLES.items()
        for option, values in SWEPT_OPTIONS.items()
        for value in values
        if value not in entries.get(option, {})
    ]
    stale = [
        f"{table}[{option!r}][{value!r}]"
        for table, entries in TABLES.items()
        for option, values in entries.items()
        for value in values
        if value not in SWEPT_OPTIONS.get(option, [])
    ]
    assert not missing, f"no expectations for {missing}: add them in {__file__}"
    assert not stale, f"expectations for options or values that do not exist: {stale}"


def test_file_only_options_touch_no_app_code_or_tests():
    # They are left out of the baked suites (matrix.FILE_ONLY_OPTIONS) because
    # no baked app code or test depends on them: the files they add are
    # outside src/ and tests/, and nothing under those reads them.
    body = TEMPLATE / "{{cookiecutter.project_slug}}"
    for option in FILE_ONLY_OPTIONS:
        for paths in OPTION_FILES[option].values():
            assert not [p for p in paths if p.startswith(("src/", "tests/"))]
        readers = [
            path.relative_to(body).as_posix()
            for folder in ("src", "tests")
            for path in (body / folder).rglob("*")
            if path.is_file() and f"cookiecutter.{option}" in path.read_text()
        ]
        assert not readers, f"{option} changes {readers}: it is behavioural"


def test_the_matrix_covers_every_combination():
    # Every combination of the options that change code, with every file and
    # every add-on...
    ids = [combination_id(context) for context in STATIC_COMBINATIONS]
    assert len(set(ids)) == len(ids)
    crossed = [name for name in BEHAVIOUR_OPTIONS if name not in ADD_ON_OPTIONS]
    with_files = {
        tuple(context[name] for name in crossed)
        for context in STATIC_COMBINATIONS
        if all(context[name] is True for name in FILE_ONLY_OPTIONS + ADD_ON_OPTIONS)
    }
    assert len(with_files) == math.prod(len(SWEPT_OPTIONS[name]) for name in crossed)
    # ...and every value of a file-only or add-on option beside every other
    # option's.
    assert not missing_pairs(STATIC_COMBINATIONS, STATIC_OPTIONS)
    # ...each with a license, each license with each value of every other option.
    for cosmetic in COSMETIC_OPTIONS:
        met = {
            (context[cosmetic], option, value)
            for context in STATIC_COMBINATIONS
            for option, value in context.items()
        }
        unmet = [
            (cosmetic_value, option, value)
            for cosmetic_value in SWEPT_OPTIONS[cosmetic]
            for option, values in STATIC_OPTIONS.items()
            for value in values
            if (cosmetic_value, option, value) not in met
        ]
        assert not unmet


def test_a_long_origin_list_bakes_lint_clean_and_its_tests_pass(cookies):
    # Several long origins: the answer is written into Python source.
    origins = ",".join(
        f"https://frontend-{number}.a-long-company-domain.example.com:8443"
        for number in range(4)
    )
    project = bake(cookies, {"use_cors": True, "cors_origins": origins})

    findings = lint_all(project.parent)
    assert not findings, findings
    result = run_baked_pytest(
        project, "-q", "tests/test_cors.py", "tests/test_settings.py"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
