"""The first hour, as a new user spends it: the baked README's own commands, run.

The development and production paths of the README's "Run" section are read
from the baked README (its ``sh`` blocks) and run as written, each line by
bash in the project's directory, so the README cannot drift from what works.
The line that starts a server is started in the background; the test then
uses the API, stops the server and (production) starts it again, to see that
the same tokens still work. The only things set from outside are what the
README leaves to the reader: a free port, and the platform's environment
(``SECRET_KEY``, and ``DATABASE_URL`` for PostgreSQL) on the production path.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from conftest import bake
from presets import DEFAULTS
from processes import Server, free_port, postgresql, run, running
from test_deploy import clean_environment

PACKAGE = "flask_api"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
# What starts a server, as the README writes it: Flask's or gunicorn's.
SERVER = re.compile(rf"^(flask --app {PACKAGE} run\b|python -m {PACKAGE}$)")
# Variables a caller's shell might hold, which would stand in for the README's.
SETTINGS = (
    "SECRET_KEY", "DATABASE_URL", "FLASK_DEBUG", "FLASK_RUN_PORT", "FLASK_APP",
    "PORT", "BIND", "WEB_CONCURRENCY", "ENV_FILE", "REDIS_URL", "FLASK_SKIP_DOTENV",
)  # fmt: skip

KINDS = {
    "sqlite-none": {"auth": "none", "cache_backend": "none"},
    "sqlite-jwt": {"auth": "jwt"},
}


def run_section(project: Path, heading: str) -> list[list[str]]:
    """The ``sh`` blocks of a README section, as lists of command lines."""
    readme = (project / "README.md").read_text()
    section = readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [
        [line for line in block.splitlines() if line.strip()]
        for block in SH_BLOCK.findall(section)
    ]


def the_paths(project: Path) -> tuple[list[str], list[str]]:
    """The development block (``run --debug``) and the production one."""
    blocks = [block for block in run_section(project, "Run") if SERVER.match(block[-1])]
    development = [block for block in blocks if "--debug" in block[-1]]
    production = [block for block in blocks if "--debug" not in block[-1]]
    assert len(development) == len(production) == 1, blocks
    return development[0], production[0]


def environment(**platform: str) -> dict[str, str]:
    """A shell with the project's tools on PATH and no setting of the caller's."""
    env = clean_environment(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        # Stands in for `pip install -e .` (tests/test_deploy.py runs that part).
        PYTHONPATH="src",
    )
    for name in SETTINGS:
        env.pop(name, None)
    env.update(platform)
    return env


@contextmanager
def follow(project: Path, block: list[str], env: dict, log: Path) -> Iterator[Server]:
    """Run the block's commands; its last one, the server, until the block ends."""
    *commands, server = block
    for command in commands:
        run(["bash", "-euc", command], cwd=project, env=env, timeout=180, check=True)
    port = int(env.get("FLASK_RUN_PORT") or env["PORT"])
    with running(["bash", "-c", f"exec {server}"], cwd=project, env=env,
                 port=port, log=log, new_session=True) as started:  # fmt: skip
        started.wait_until_answering("/api/v1/health/ready", timeout=60)
        yield started


def call(server: Server, method: str, path: str, body=None, token: str | None = None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    response, raw = server.request(method, path, body=data, headers=headers)
    return response.status, json.loads(raw) if raw else None


def log_in(project: Path, server: Server, env: dict) -> str:
    """A user made as the README's authentication section says, and their token."""
    password = "a long enough password for the tests"
    subprocess.run(
        ["bash", "-euc", f"flask --app {PACKAGE} users create alice --password-stdin"],
        cwd=project, env=env, input=password, text=True, capture_output=True,
        timeout=120, check=True,
    )  # fmt: skip
    status, tokens = call(
        server, "POST", "/api/v1/auth/token",
        {"username": "alice", "password": password},
    )  # fmt: skip
    assert status == 200, tokens
    return tokens["access_token"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_the_development_path_works_as_written(cookies, kind, tmp_path):
    project = bake(cookies, {**DEFAULTS, **KINDS[kind]})
    development, _ = the_paths(project)
    # The README's port (FLASK_RUN_PORT in .env) may be taken here: a free one.
    env = environment(FLASK_RUN_PORT=str(free_port()))

    with follow(project, development, env, tmp_path / "flask.log") as server:
        token = log_in(project, server, env) if kind.endswith("jwt") else None
        created, item = call(server, "POST", "/api/v1/items", {"name": "a"}, token)
        read, same = call(server, "GET", f"/api/v1/items/{item['id']}", token=token)

    assert (created, read) == (201, 200)
    assert same == item
    # Debug mode, from .env: plain log lines for a person, not JSON.
    assert " * Debugger is active!" in server.output()


@pytest.mark.slow
@pytest.mark.parametrize("kind", [*KINDS, "postgresql-jwt"])
def test_the_production_path_works_as_written_and_a_restart_keeps_tokens(
    cookies, kind, tmp_path
):
    database = "postgresql" if kind.startswith("postgresql") else "sqlite"
    options = KINDS.get(kind, {"auth": "jwt"})
    project = bake(cookies, {**DEFAULTS, **options, "database": database})
    _, production = the_paths(project)

    with ExitStack() as stack:
        # The platform's environment: a key made once, kept in its secret store.
        platform = {"SECRET_KEY": secrets.token_hex(), "PORT": str(free_port()),
                    "WEB_CONCURRENCY": "1"}  # fmt: skip
        if database == "postgresql":
            platform["DATABASE_URL"] = stack.enter_context(postgresql()).url
        env = environment(**platform)

        with follow(project, production, env, tmp_path / "first.log") as server:
            token = log_in(project, server, env) if "jwt" in kind else None
            created, item = call(server, "POST", "/api/v1/items", {"name": "a"}, token)
            assert server.terminate() == 0
        with follow(project, production, env, tmp_path / "again.log") as server:
            read, same = call(server, "GET", f"/api/v1/items/{item['id']}", token=token)
            assert server.terminate() == 0

    assert created == 201
    assert read == 200, same
    assert same == item
