"""A baked project installs, tests and serves as its README says: no glue needed.

Real fresh virtual environments, real pip, real gunicorn on a loopback port.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import bake
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from presets import ALL_OFF, DEFAULTS
from processes import GUNICORN, free_port, migrate, run, running
from test_bake_matrix import (
    CACHE_DEPENDENCIES,
    OPTION_DEPENDENCIES,
    expected_dependencies,
)
from werkzeug.http import HTTP_STATUS_CODES

OPTIONAL_DISTRIBUTIONS = set().union(
    *OPTION_DEPENDENCIES.values(), *CACHE_DEPENDENCIES.values()
)

# Every distribution's name and requirements, as the venv's own Python sees them.
LIST_DISTRIBUTIONS = """
import json
from importlib import metadata
listing = {d.metadata["Name"]: d.requires or [] for d in metadata.distributions()}
print(json.dumps(listing))
"""


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what would leak the template's setup."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "FLASK_DEBUG"}
    }
    env.update(extra)
    return env


def distributions(python: Path, env: dict) -> dict[str, list[str]]:
    listing = run(
        [python, "-c", LIST_DISTRIBUTIONS], cwd=Path.cwd(), env=env, check=True
    )
    return {
        canonicalize_name(name): requires
        for name, requires in json.loads(listing.stdout).items()
    }


def requirement_closure(root: str, installed: dict[str, list[str]]) -> set[str]:
    """Every distribution that ``root`` needs, following markers and extras."""
    seen: set[tuple[str, str]] = set()  # (distribution, extra or "")
    pending = [Requirement(root)]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        assert name in installed, f"{requirement} is required but not installed"
        new = {(name, extra) for extra in {"", *requirement.extras}} - seen
        seen |= new
        for line in installed[name] if new else []:
            child = Requirement(line)
            if child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for _, extra in new
            ):
                pending.append(child)
    return {name for name, _ in seen}


def junit_counts(report: Path) -> dict[str, int]:
    suite = ElementTree.parse(report).getroot().find("testsuite")
    keys = ("tests", "failures", "errors", "skipped")
    return {key: int(suite.get(key)) for key in keys}


@pytest.mark.slow
@pytest.mark.parametrize(
    "context", [DEFAULTS, ALL_OFF], ids=["default-options", "all-options-off"]
)
def test_fresh_venv_installs_exactly_the_declared_dependencies_and_passes(
    cookies, context, tmp_path
):
    project = bake(cookies, context)
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    # pip's own cache (~/.cache/pip, or PIP_CACHE_DIR) outlives the run: the
    # second venv, and every later run, install from it instead of the index.
    env = clean_environment(
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )

    run([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=env, check=True)
    seeded = set(distributions(python, env))  # what venv itself puts there (pip)
    pip_install = [python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"]
    run(pip_install, cwd=project, env=env, timeout=600, check=True)

    installed = distributions(python, env)
    needed = requirement_closure("flask-api[dev]", installed)
    assert set(installed) - seeded == needed - seeded, "installed != declared"
    assert expected_dependencies(context) <= set(installed)
    disabled = OPTIONAL_DISTRIBUTIONS - expected_dependencies(context)
    unwanted = disabled & set(installed)
    assert not unwanted, f"distributions of disabled options: {unwanted}"

    pytest_command = [python, "-m", "pytest", "-p", "no:cacheprovider"]
    run([*pytest_command, "--junitxml=report.xml"], cwd=project, env=env,
        timeout=300, check=True)  # fmt: skip
    counts = junit_counts(project / "report.xml")
    assert counts["tests"] >= 50, counts
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts


def gunicorn_environment(project: Path, tmp_path: Path, port: int, **extra: str):
    return clean_environment(
        PYTHONPATH=str(project / "src"),
        SECRET_KEY="a-test-secret-that-is-long-enough",
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_GRACEFUL_TIMEOUT="5",
        **extra,
    )


def problem(response, body: bytes) -> dict:
    assert response.getheader("Content-Type") == "application/problem+json"
    return json.loads(body)


@pytest.mark.slow
def test_gunicorn_serves_the_baked_app_and_stops_cleanly(cookies, tmp_path):
    project = bake(cookies, DEFAULTS)
    port = free_port()
    # Where gunicorn would put its per-user control socket.
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    env = gunicorn_environment(
        project, tmp_path, port, HOME=str(home), XDG_RUNTIME_DIR=str(runtime)
    )

    migrate(project, env)
    with running(GUNICORN, cwd=project, env=env, port=port,
                 log=tmp_path / "gunicorn.log") as server:  # fmt: skip
        server.wait_until_answering("/api/v1/health")

        response, body = server.request("GET", "/api/v1/health")
        assert response.status == 200
        assert json.loads(body)["status"] == "ok"
        health_id = response.getheader("X-Request-ID")

        response, body = server.request(
            "POST",
            "/api/v1/items",
            body=json.dumps({"name": "gunicorn widget", "quantity": 3}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 201, body
        created = json.loads(body)
        location = urlsplit(response.getheader("Location")).path
        assert location == f"/api/v1/items/{created['id']}"

        # A new connection: possibly the other worker, reading the shared file.
        response, body = server.request("GET", location)
        assert response.status == 200
        assert json.loads(body)["name"] == "gunicorn widget"

        response, body = server.request("GET", "/api/v1/items/999999")
        assert response.status == 404
        assert problem(response, body)["status"] == 404

        response, body = server.request("DELETE", "/api/v1/health")
        assert response.status == 405
        assert "GET" in response.getheader("Allow")
        assert problem(response, body)["status"] == 405

        server.wait_for_output("Booting worker", count=2)
        assert server.terminate() == 0, server.output()

    assert "Traceback" not in server.output()
    assert "Shutting down" in server.output()
    # No control socket that another gunicorn of the same user would collide
    # with (gunicorn logs it when it listens, and removes it when it stops).
    assert "Control socket" not in server.output()
    # gunicorn's own events and the access log: JSON lines, like the app's.
    events = server.events()
    assert {"gunicorn.error", "gunicorn.access"} <= {e["logger"] for e in events}
    access = server.access_events()[health_id]
    assert (access["method"], access["path"], access["status"]) == (
        "GET", "/api/v1/health", 200,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
    ],
    ids=["without-secret-key", "with-debug-on"],
)
def test_gunicorn_refuses_to_start_unsafely(cookies, tmp_path, change, named):
    project = bake(cookies, DEFAULTS)
    port = free_port()
    env = gunicorn_environment(project, tmp_path, port)
    env.update(change)

    result = run(GUNICORN, cwd=project, env=env, timeout=60)

    assert result.returncode != 0
    assert named in result.stdout + result.stderr
    assert "Booting worker" not in result.stdout + result.stderr


def raw_exchange(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are (no client library would send these); read to EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line, {name.lower(): value for name, value in headers.items()}, body


HEAD = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"
MANY_HEADERS = b"".join(b"X-Header-%d: 1\r\n" % number for number in range(101))
# What gunicorn refuses before the app is called, and the status it answers.
REFUSED_BY_GUNICORN = {
    "10 KB query": (
        414,
        b"GET /api/v1/health?q=" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    "9 KB header": (431, HEAD + b"X-Big: " + b"a" * 9_000 + b"\r\n\r\n"),
    "101 headers": (431, HEAD + MANY_HEADERS + b"\r\n"),
    "Content-Length with chunked": (
        400,
        b"POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ),
}


@pytest.mark.slow
def test_requests_gunicorn_refuses_get_problem_documents(cookies, tmp_path):
    project = bake(cookies, DEFAULTS)
    port = free_port()
    env = gunicorn_environment(project, tmp_path, port)
    with running(GUNICORN, cwd=project, env=env, port=port,
                 log=tmp_path / "gunicorn.log") as server:  # fmt: skip
        server.wait_until_answering("/api/v1/health")
        answers = {
            name: raw_exchange(port, request)
            for name, (_, request) in REFUSED_BY_GUNICORN.items()
        }
        # One access event each, after the health checks' own.
        server.wait_for_output('"gunicorn.access"', count=len(answers) + 1)
        access = server.access_events()

    for name, (status, _) in REFUSED_BY_GUNICORN.items():
        status_line, headers, body = answers[name]
        assert status_line.startswith(f"HTTP/1.1 {status} "), (name, status_line)
        assert headers["content-type"] == "application/problem+json", name
        assert headers["content-length"] == str(len(body))
        assert headers["x-content-type-options"] == "nosniff"
        document = json.loads(body)
        assert document["status"] == status
        assert document["title"] == HTTP_STATUS_CODES[status]
        assert document["detail"]
        event = access[headers["x-request-id"]]
        assert (event["status"], event["bytes"]) == (status, len(body)), name
    assert "Traceback" not in server.output()
